"""A corpus folder from `seqkit preprocess`, rewritten as K memory-mappable shards (the layout that
`preprocess --cluster` writes), to measure how training streams a sharded corpus.

    python benchmarks/shard_corpus.py CORPUS_FOLDER OUT_FOLDER K
"""
import sys
from pathlib import Path
import numpy as np
from seqkit.text.corpus import EncodedCorpus
from seqkit.text.preprocess import PreprocessOptions, corpus_meta, write_meta

src, dst, k = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
c = EncodedCorpus.load(src)
dst.mkdir()
c.vocab.save(dst / "vocab.tsv")
offsets = np.asarray(c.offsets)
cuts = np.linspace(0, c.n_docs, k + 1).astype(int)
entries = []
for j, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
    o = offsets[a : b + 1]
    np.save(dst / f"ids-{j}.npy", np.asarray(c.ids[o[0] : o[-1]], np.int32))
    np.save(dst / f"offsets-{j}.npy", (o - o[0]).astype(np.int64))
    entries.append({"ids": f"ids-{j}.npy", "offsets": f"offsets-{j}.npy"})
write_meta(dst, corpus_meta(PreprocessOptions(), c.vocab, 0, 0, 0, 0, 0, [], 0.0, entries))
print(dst, c.n_tokens, "tokens in", k, "shards")
