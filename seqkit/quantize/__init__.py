"""Product quantization (fastText's quantizer, FastText.zip, Joulin et al. 2016): pq.py trains the
256-centroid k-means of each sub-vector (kernels.py: the Numba loops); linear.py shrinks a linear
classifier into a fastText .ftz structure; vectors.py quantizes word-vector models."""
