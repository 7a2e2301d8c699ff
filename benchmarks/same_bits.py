"""Train tiny models with one thread, with the seqkit that PYTHONPATH names, and save every weight: run it
with two source trees and compare the files, to show that a refactoring keeps the kernels' bits.

    PYTHONPATH=/path/to/old python benchmarks/same_bits.py before.npz
    PYTHONPATH=.            python benchmarks/same_bits.py after.npz
    python -c "import numpy as np; a, b = np.load('before.npz'), np.load('after.npz'); \
               print([k for k in a.files if not np.array_equal(a[k], b[k])])"   # [] when identical
"""
import sys
import numpy as np
from tests.embed.conftest import planted_corpus
from seqkit.embed.trainer import Word2VecConfig, train
from seqkit.embed.subword_trainer import train_subwords
from seqkit.embed.subwords import SubwordConfig

out = sys.argv[1]
corpus = planted_corpus(docs=400)
res = {}
for model, loss, batch in [("skipgram", "ns", False), ("skipgram", "hs", False), ("cbow", "ns", False), ("cbow", "hs", False), ("skipgram", "ns", True)]:
    cfg = Word2VecConfig(model=model, loss=loss, batch_negatives=batch, dim=16, window=3, epochs=2, min_count=1, threads=1, seed=5, chunk_words=700)
    m = train(corpus, cfg)
    k = f"w2v-{model}-{loss}-{batch}"
    res[k + "-vec"] = m.vectors
    res[k + "-out"] = m.syn1neg if m.syn1neg is not None else m.syn1
    res[k + "-loss"] = np.array([m.config["mean_loss"]])
for model, loss in [("skipgram", "ns"), ("cbow", "hs")]:
    cfg = Word2VecConfig(model=model, loss=loss, dim=16, window=3, epochs=2, min_count=1, threads=1, seed=5, chunk_words=700)
    m = train_subwords(corpus, cfg, SubwordConfig(3, 5, 3000))
    res[f"sub-{model}-{loss}-in"] = m.input
    res[f"sub-{model}-{loss}-loss"] = np.array([m.config["mean_loss"]])
np.savez(out, **res)
print("saved", out, len(res))
