"""word2vec: the trainer and its Numba kernels, Huffman tree, sampling tables, file formats,
keyed vectors and queries, evaluation."""
