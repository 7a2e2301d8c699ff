"""Composed models: the sequence classifier (embedding -> RNN/LSTM/GRU/Transformer -> pooling -> softmax),
its data pipeline (vocabulary, truncation, padding, length buckets), metrics and the native model file."""
