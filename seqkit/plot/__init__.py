"""Pictures: 2-D maps of word vectors, training curves and confusion matrices.

data.py builds what a picture shows (plain dataclasses, inspectable in tests), projection.py puts
vectors in 2-D, figures.py draws with matplotlib (.png/.svg/.pdf) and html.py writes an interactive
plotly page. matplotlib, plotly, scikit-learn and umap-learn are the optional extra `seqkit[plot]`;
each is imported only by the function that needs it.
"""
