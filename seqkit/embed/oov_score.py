"""An out-of-vocabulary score for subword models: a fixed share of the WordSim353 and SimLex-999
pairs is held out, their words are deleted from the training text beforehand, so that every tool
must build those words from their character n-grams; the score is the Spearman correlation on the
held-out pairs (the mean of the two files'), computed the same way for every tool's model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkit.embed.evaluate import gensim_dataset, spearman
from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import InputError, UnknownWordError
from seqkit.text.corpus import EncodedCorpus, restrict

HOLD_OUT_EVERY = 4  # every 4th pair of each file is held out (about 90 of WordSim353, 250 of SimLex-999)


def pair_files(wordsim: str | None = None, simlex: str | None = None) -> dict[str, str]:
    return {"wordsim353": wordsim or gensim_dataset("wordsim353.tsv"), "simlex999": simlex or gensim_dataset("simlex999.txt")}


def held_out_pairs(path: str, every: int = HOLD_OUT_EVERY) -> list[tuple[str, str, float]]:
    """Every ``every``-th 'word1<TAB>word2<TAB>score' pair of ``path`` (lower-cased words)."""
    pairs = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").split("\n"):
        parts = line.rstrip("\r").split("\t")
        if line.startswith("#") or len(parts) != 3:
            continue
        try:
            pairs.append((parts[0].lower(), parts[1].lower(), float(parts[2])))
        except ValueError:
            continue
    if not pairs:
        raise InputError(f"{path} holds no word pairs ('word1<TAB>word2<TAB>score' lines)")
    return pairs[::every]


def held_out_words(files: dict[str, str]) -> set[str]:
    return {w for path in files.values() for a, b, _ in held_out_pairs(path) for w in (a, b)}


def delete_words(corpus: EncodedCorpus, words: set[str]) -> EncodedCorpus:
    """``corpus`` without any occurrence of ``words`` (they leave the vocabulary too)."""
    from seqkit.text.vocab import Vocab

    counts = corpus.vocab.counts.copy()
    for w in words:
        i = corpus.vocab.index.get(w)
        if i is not None:
            counts[i] = 0
    marked = EncodedCorpus(corpus.path, Vocab(corpus.vocab.words, counts), corpus.ids, corpus.offsets, corpus.meta)
    return restrict(marked, 1)


def oov_score(kv: KeyedVectors, files: dict[str, str]) -> dict:
    """{'oov_spearman' (mean over the files), '<name>_oov_spearman', 'oov_pairs', 'oov_unanswered',
    'oov_in_vocabulary'}: Spearman of the held-out pairs, every word's vector as the model gives it
    (n-grams for words outside its vocabulary); pairs it cannot answer are left out and counted."""
    out, scores, answered, unanswered, inside = {}, [], 0, 0, 0
    for name, path in files.items():
        model, gold = [], []
        for a, b, score in held_out_pairs(path):
            inside += (a in kv.index) + (b in kv.index)
            try:
                va, vb = kv.vector(a), kv.vector(b)
            except UnknownWordError:
                unanswered += 1
                continue
            model.append(float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-12)))
            gold.append(score)
        rho = spearman(np.array(gold), np.array(model)) if len(model) > 1 else float("nan")
        out[f"{name}_oov_spearman"] = rho
        scores.append(rho)
        answered += len(model)
    out.update(oov_spearman=float(np.mean(scores)), oov_pairs=answered, oov_unanswered=unanswered,
               oov_in_vocabulary=inside)
    return out
