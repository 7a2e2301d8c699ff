import numpy as np
import pytest

from seqkit.text.corpus import EncodedCorpus
from seqkit.text.vocab import Vocab

PAIRS = [(f"left{i}", f"right{i}") for i in range(8)]


def write_planted_text(path, docs: int = 1500):
    """planted_corpus(docs) as a text file, one document a line; returns ``path``."""
    corpus = planted_corpus(docs=docs)
    path.write_text("\n".join(" ".join(corpus.vocab.words[i] for i in d) for d in corpus.documents()) + "\n")
    return path


def planted_corpus(docs: int = 1500, seed: int = 0) -> EncodedCorpus:
    """Documents about one of 8 topics: topic i's own words, filler, and either half of pair i.
    The two halves of a pair share their contexts (and never meet), so in every mode each should
    be among the other's nearest neighbours."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(30)]
    topics = [[f"topic{i}_{k}" for k in range(4)] for i in range(len(PAIRS))]
    words = filler + [w for pair in PAIRS for w in pair] + [w for t in topics for w in t]
    index = {w: i for i, w in enumerate(words)}
    ids, offsets = [], [0]
    for _ in range(docs):
        i = int(rng.integers(len(PAIRS)))
        doc = [index[filler[k]] for k in rng.integers(0, len(filler), 3)]
        doc += [index[topics[i][k]] for k in rng.integers(0, 4, 6)]
        rng.shuffle(doc)
        at = int(rng.integers(0, len(doc)))
        doc[at:at] = [index[PAIRS[i][int(rng.integers(2))]]]
        ids += doc
        offsets.append(len(ids))
    ids = np.array(ids, dtype=np.int32)
    counts = np.bincount(ids, minlength=len(words))
    order = np.argsort(-counts, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    vocab = Vocab([words[i] for i in order], counts[order])
    return EncodedCorpus(None, vocab, remap[ids].astype(np.int32), np.array(offsets, dtype=np.int64), {})


@pytest.fixture(scope="session")
def planted():
    return planted_corpus()
