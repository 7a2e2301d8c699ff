"""Standard evaluations of word vectors, computed as gensim computes them:

- analogies (questions-words.txt): 3CosAdd over the `restrict_vocab` most frequent words,
  case-insensitive; a question with a word outside them is skipped and counted as OOV;
- word similarity (wordsim353.tsv, simlex999.txt): Spearman correlation between cosine and the
  human score over the pairs whose words are both known.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import InputError
from seqkit.fileio import check_readable_file


def gensim_dataset(name: str) -> str:
    from gensim.test.utils import datapath  # lazy: gensim is slow to import

    return datapath(name)


def _case_folded(kv: KeyedVectors, restrict_vocab: int | None) -> tuple[KeyedVectors, dict[str, int]]:
    """The first occurrence (most frequent) of each upper-cased word among the first restrict_vocab."""
    n = len(kv) if restrict_vocab is None else min(restrict_vocab, len(kv))
    index: dict[str, int] = {}
    for i, w in enumerate(kv.words[:n]):
        index.setdefault(w.upper(), i)
    return kv, index


def analogy_accuracy(kv: KeyedVectors, path: str | None = None, restrict_vocab: int = 30000) -> dict:
    """{'sections': [{'section', 'correct', 'total'}...], 'correct', 'total', 'accuracy', 'oov'}."""
    path = path or gensim_dataset("questions-words.txt")
    check_readable_file(path, "analogy file")
    _, index = _case_folded(kv, restrict_vocab)
    n = min(restrict_vocab, len(kv))
    unit = kv.unit[:n]  # (n, d)
    sections, current, oov = [], None, 0
    questions: list[tuple[int, int, int, int]] = []

    def flush():
        if current is not None:
            sections.append((current, questions.copy()))
        questions.clear()

    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(":"):
            flush()
            current = line[1:].strip()
            continue
        parts = line.upper().split()
        if len(parts) != 4:
            continue
        if current is None:
            raise InputError(f"{path}: questions before the first ': section' line")
        ids = [index.get(p) for p in parts]
        if None in ids:
            oov += 1
            continue
        questions.append(tuple(ids))
    flush()
    if not sections:
        raise InputError(f"{path} holds no analogy questions (': section' lines followed by 'a b c d' lines)")
    result, correct_all, total_all = [], 0, 0
    for name, qs in sections:
        correct = 0
        if qs:
            q = np.array(qs)  # (Q, 4)
            for start in range(0, len(q), 512):
                part = q[start : start + 512]
                query = unit[part[:, 1]] - unit[part[:, 0]] + unit[part[:, 2]]  # (B, d)
                query /= np.maximum(np.linalg.norm(query, axis=1, keepdims=True), 1e-12)
                scores = query @ unit.T  # (B, n)
                rows = np.arange(len(part))
                for col in range(3):
                    scores[rows, part[:, col]] = -np.inf
                correct += int((scores.argmax(axis=1) == part[:, 3]).sum())
        result.append({"section": name, "correct": correct, "total": len(qs),
                       "accuracy": correct / len(qs) if qs else 0.0})
        correct_all += correct
        total_all += len(qs)
    return {"sections": result, "correct": correct_all, "total": total_all,
            "accuracy": correct_all / total_all if total_all else 0.0, "oov": oov}


def rank_average(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = rank_average(np.asarray(a, float)), rank_average(np.asarray(b, float))
    ra -= ra.mean()
    rb -= rb.mean()
    denom = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float("nan")


def word_pairs(kv: KeyedVectors, path: str, restrict_vocab: int = 300000) -> dict:
    """{'spearman', 'pairs', 'oov'} on a file of 'word1<TAB>word2<TAB>score' lines ('#' comments)."""
    check_readable_file(path, "word-pair file")
    _, index = _case_folded(kv, restrict_vocab)
    model, gold, oov = [], [], 0
    for n, line in enumerate(Path(path).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            raise InputError(f"{path}:{n}: expected 'word1<TAB>word2<TAB>score'")
        try:
            score = float(parts[2])
        except ValueError:
            raise InputError(f"{path}:{n}: score {parts[2]!r} is not a number") from None
        a, b = index.get(parts[0].upper()), index.get(parts[1].upper())
        if a is None or b is None:
            oov += 1
            continue
        model.append(float(kv.unit[a] @ kv.unit[b]))
        gold.append(score)
    return {"spearman": spearman(np.array(model), np.array(gold)) if len(model) > 1 else float("nan"),
            "pairs": len(model), "oov": oov}


def evaluate_all(kv: KeyedVectors, analogies: str | None = None, wordsim: str | None = None,
                 simlex: str | None = None, restrict_vocab: int = 30000) -> dict:
    """The three standard figures in one record."""
    a = analogy_accuracy(kv, analogies, restrict_vocab)
    ws = word_pairs(kv, wordsim or gensim_dataset("wordsim353.tsv"))
    sl = word_pairs(kv, simlex or gensim_dataset("simlex999.txt"))
    return {"analogy_accuracy": a["accuracy"], "analogy_total": a["total"], "analogy_oov": a["oov"],
            "analogy_sections": a["sections"], "wordsim353_spearman": ws["spearman"], "wordsim353_oov": ws["oov"],
            "simlex999_spearman": sl["spearman"], "simlex999_oov": sl["oov"]}
