"""fastText's model files, every kind: supervised and unsupervised `.bin`, quantized `.ftz`, the old
layout without magic number (fastText before 0.2), pruned dictionaries.

header.py     the arguments and the dictionary (bounds-checked against the file's size)
matrix.py     dense and product-quantized matrices, memory-mapped
dictionary.py a line's input rows, as fastText's Dictionary::getLine makes them
predict.py    softmax, hierarchical softmax and one-vs-all outputs, fastText's top-k heap
model.py      FastTextClassifier: `.labels`, `.predict_proba`, `.predict_top`
"""
