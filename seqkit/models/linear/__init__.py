"""`--arch linear`: a fastText-style classifier. A text is the mean of the vectors of its words and
hashed word n-grams; one linear layer (softmax, hierarchical softmax or one-vs-all) on top; trained
by lock-free SGD in Numba (kernels.py). config.py holds the settings, tokenize.py the fast text -> ids
path, train.py the trainer, model.py the trained classifier and files.py its memory-mapped file."""
