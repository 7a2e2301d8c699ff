"""Standard evaluations of word vectors, computed as gensim computes them:

- analogies (questions-words.txt): 3CosAdd over the `restrict_vocab` most frequent words,
  case-insensitive; a question with a word outside them is skipped and counted as OOV;
- word similarity (wordsim353.tsv, simlex999.txt): Spearman correlation between cosine and the
  human score over the pairs whose words are both known; subword models answer every pair (words
  outside the vocabulary from their n-grams) and report the out-of-vocabulary pairs apart too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import InputError
from seqkit.fileio import check_readable_file


def gensim_dataset(name: str) -> str:
    """A file of gensim's test data (questions-words.txt, wordsim353.tsv, simlex999.txt), found
    without importing gensim (slow to import)."""
    import importlib.util

    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"{name} ships with gensim, which is not installed: pass the file's path instead")
    path = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / name
    if not path.is_file():
        raise InputError(f"{name} not found in gensim's test data ({path}): pass the file's path instead")
    return str(path)


def _case_folded(kv: KeyedVectors, rows: np.ndarray) -> dict[str, int]:
    """Upper-cased word -> position in ``rows`` of its first (most frequent) spelling there."""
    index: dict[str, int] = {}
    for i, r in enumerate(rows.tolist()):
        index.setdefault(kv.words[r].upper(), i)
    return index


def _rows(kv: KeyedVectors, restrict_vocab: int | None, restrict_words=None) -> np.ndarray:
    """The model's rows a search runs over: those of ``restrict_words`` where given (in the model's
    order), else the first ``restrict_vocab`` (all where None)."""
    if restrict_words is not None:
        return np.array([i for i, w in enumerate(kv.words) if w in restrict_words], dtype=np.int64)
    n = len(kv) if restrict_vocab is None else min(restrict_vocab, len(kv))
    return np.arange(n, dtype=np.int64)


def frequent_words(words, counts, n: int = 30000) -> frozenset[str]:
    """The ``n`` most frequent of ``words`` and every word as frequent as the n-th: a restriction
    for analogies that does not depend on how a file orders words of equal count."""
    counts = np.asarray(counts)
    if len(counts) <= n:
        return frozenset(words)
    floor = np.partition(counts, len(counts) - n)[len(counts) - n]  # the n-th largest count
    return frozenset(w for w, c in zip(words, counts.tolist()) if c >= floor)


def read_word_list(path) -> frozenset[str]:
    """The words of a list file: the first field of each non-blank line (a word a line, or the
    ``vocab.tsv`` of a folder from ``seqkit preprocess``: word TAB count)."""
    check_readable_file(path, "word list")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not UTF-8 text (byte {e.start}): a word list is one word a line") from None
    words = set()
    for line in text.split("\n"):
        field = line.split("\t")[0].strip()
        if field:
            words.add(field)
    if not words:
        raise InputError(f"{path} lists no words (one a line)")
    return frozenset(words)


def read_analogies(path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """[(section, [(A, B, C, D) upper-cased...])...] from ': section' and 'a b c d' lines."""
    check_readable_file(path, "analogy file")
    sections: list[tuple[str, list]] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8", errors="replace").split("\n"), 1):
        if line.startswith(": "):
            sections.append((line[2:].strip(), []))
            continue
        parts = line.upper().split()
        if len(parts) != 4:
            continue  # blank or malformed: skipped, as gensim does
        if not sections:
            raise InputError(f"{path}:{n}: a question before the first ': section' line")
        sections[-1][1].append(tuple(parts))
    if not any(qs for _, qs in sections):
        raise InputError(f"{path} holds no analogy questions (': section' lines followed by 'a b c d' lines)")
    return sections


def analogy_accuracy(kv: KeyedVectors, path: str | None = None, restrict_vocab: int = 30000,
                     restrict_words=None) -> dict:
    """{'sections': [{'section', 'correct', 'total', 'accuracy'}...], 'correct', 'total', 'accuracy', 'oov', 'words'}.

    gensim's ``evaluate_word_analogies`` rule: a question with a word outside the first
    restrict_vocab words is skipped (counted in 'oov'); the answer is the first of the 5 best
    3CosAdd candidates (the three question words excluded) whose upper-cased form is not one
    of the question words, compared upper-cased with the expected word.

    ``restrict_words`` (a set of words) replaces the first restrict_vocab words: questions and
    answers among those words only. Models trained on one corpus then answer the same questions
    even where their files order words of equal count differently (gensim puts the later-seen
    first, word2vec.c and seqkit the earlier-seen), which moves the 30,000-word cut-off.
    """
    path = path or gensim_dataset("questions-words.txt")
    rows = _rows(kv, restrict_vocab, restrict_words)
    index = _case_folded(kv, rows)
    n = len(rows)
    unit = kv.unit[rows]  # (n, d)
    upper = [kv.words[r].upper() for r in rows.tolist()]
    result, correct_all, total_all, oov = [], 0, 0, 0
    for name, questions in read_analogies(path):
        known = [q for q in questions if all(w in index for w in q)]
        oov += len(questions) - len(known)
        correct = 0
        for start in range(0, len(known), 256):
            part = known[start : start + 256]
            ids = np.array([[index[w] for w in q] for q in part])  # (B, 4)
            query = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]  # (B, d)
            query /= np.maximum(np.linalg.norm(query, axis=1, keepdims=True), 1e-12)
            scores = query @ unit.T  # (B, n)
            rows = np.arange(len(part))
            for col in range(3):
                scores[rows, ids[:, col]] = -np.inf
            k = min(5, n)
            best = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (len(part), 1))
            order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
            best = np.take_along_axis(best, order, axis=1)  # (B, 5) best first
            for q, cands in zip(part, best.tolist()):
                ignore = q[:3]
                predicted = next((upper[c] for c in cands if upper[c] not in ignore), None)
                correct += predicted == q[3]
        result.append({"section": name, "correct": correct, "total": len(known),
                       "accuracy": correct / len(known) if known else 0.0})
        correct_all += correct
        total_all += len(known)
    return {"sections": result, "correct": correct_all, "total": total_all,
            "accuracy": correct_all / total_all if total_all else 0.0, "oov": oov, "words": n}


def rank_average(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank (as scipy's rankdata)."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)  # rank of the last of each group of equal values
    return (last - (counts - 1) / 2.0)[inverse].astype(np.float64)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = rank_average(np.asarray(a, float)), rank_average(np.asarray(b, float))
    ra -= ra.mean()
    rb -= rb.mean()
    denom = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float("nan")


def word_pairs(kv: KeyedVectors, path: str, restrict_vocab: int = 300000) -> dict:
    """{'spearman', 'pairs', 'oov', 'oov_spearman', 'unanswered'} on a file of 'word1<TAB>word2<TAB>score'
    lines ('#' comments); a malformed line is an InputError naming it (gensim skips it silently).

    A pair with a word outside the vocabulary counts in 'oov'. Subword models answer it from the
    word's character n-grams (of its lower-case form) and 'oov_spearman' is the correlation over
    those pairs alone; other models skip it (as gensim does), as any pair that cannot be answered
    ('unanswered')."""
    from seqkit.errors import UnknownWordError

    check_readable_file(path, "word-pair file")
    index = _case_folded(kv, _rows(kv, restrict_vocab))
    use_ngrams = kv.has_subwords and kv.allow_oov
    model, gold, oov_model, oov_gold, oov, unanswered = [], [], [], [], 0, 0
    for n, line in enumerate(Path(path).read_text(encoding="utf-8", errors="replace").split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 3:
            raise InputError(f"{path}:{n}: expected 'word1<TAB>word2<TAB>score', got {line[:60]!r}")
        try:
            score = float(parts[2])
        except ValueError:
            raise InputError(f"{path}:{n}: score {parts[2]!r} is not a number") from None
        a, b = index.get(parts[0].upper()), index.get(parts[1].upper())
        if a is not None and b is not None:
            model.append(float(kv.unit[a] @ kv.unit[b]))
            gold.append(score)
            continue
        oov += 1
        if not use_ngrams:
            unanswered += 1
            continue
        try:
            va = kv.vectors[a] if a is not None else kv.vector(parts[0].lower())
            vb = kv.vectors[b] if b is not None else kv.vector(parts[1].lower())
        except UnknownWordError:  # no trained n-gram
            unanswered += 1
            continue
        cosine = float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-12))
        model.append(cosine)
        gold.append(score)
        oov_model.append(cosine)
        oov_gold.append(score)
    if not gold and not oov:
        raise InputError(f"{path} holds no word pairs ('word1<TAB>word2<TAB>score' lines)")
    return {"spearman": spearman(np.array(gold), np.array(model)) if len(model) > 1 else float("nan"),
            "pairs": len(model), "oov": oov, "unanswered": unanswered,
            "oov_spearman": spearman(np.array(oov_gold), np.array(oov_model)) if len(oov_model) > 1 else float("nan")}


def evaluate_all(kv: KeyedVectors, analogies: str | None = None, wordsim: str | None = None,
                 simlex: str | None = None, restrict_vocab: int = 30000, restrict_words=None) -> dict:
    """The three standard figures in one record."""
    a = analogy_accuracy(kv, analogies, restrict_vocab, restrict_words)
    ws = word_pairs(kv, wordsim or gensim_dataset("wordsim353.tsv"))
    sl = word_pairs(kv, simlex or gensim_dataset("simlex999.txt"))
    return {"analogy_accuracy": a["accuracy"], "analogy_total": a["total"], "analogy_oov": a["oov"],
            "analogy_words": a["words"], "analogy_sections": a["sections"],
            "wordsim353_spearman": ws["spearman"], "wordsim353_pairs": ws["pairs"], "wordsim353_oov": ws["oov"],
            "simlex999_spearman": sl["spearman"], "simlex999_pairs": sl["pairs"], "simlex999_oov": sl["oov"],
            **_oov_figures(kv, ws, sl)}


def _oov_figures(kv: KeyedVectors, ws: dict, sl: dict) -> dict:
    """Subword models: how the out-of-vocabulary pairs (answered from n-grams) correlate alone."""
    if not kv.has_subwords:
        return {}
    return {"wordsim353_oov_spearman": ws["oov_spearman"], "wordsim353_unanswered": ws["unanswered"],
            "simlex999_oov_spearman": sl["oov_spearman"], "simlex999_unanswered": sl["unanswered"]}
