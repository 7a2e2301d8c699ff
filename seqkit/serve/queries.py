"""The answers, one per query or text, in order, with the fields of the commands' --json lines: the same
library calls as `seqkit similar|analogy|vectors|predict`, so an answer equals the command's output.
A query that fails (an unknown word) is {"query": ..., "error": ...} and the others go on."""

from __future__ import annotations

from seqkit.errors import SeqkitError


def _each(queries, answer) -> list[dict]:
    results = []
    for q in queries:
        try:
            results.append({"query": q, "results": answer(q)})
        except SeqkitError as e:
            results.append({"query": q, "error": str(e)})
    return results


def _oov(kv, words) -> dict:
    return {"oov": [w for w in words if kv.is_oov(w)]} if kv.has_subwords else {}


def similar(kv, queries: list[str], minus: list[str], n: int, restrict: int | None) -> list[dict]:
    """Each query a line of `seqkit similar`'s batch mode: words, '-word' subtracts."""
    from seqkit.embed.keyed import split_query

    def answer(q: str) -> list[dict]:
        pos, neg = split_query(q.split())
        mark = _oov(kv, pos + neg + minus)
        return [{"word": w, "similarity": s, **mark} for w, s in kv.most_similar(pos, neg + minus, n, restrict)]

    return _each(queries, answer)


def analogy(kv, queries: list[str], n: int, method: str, restrict: int | None) -> list[dict]:
    """Each query 'A B C': A is to B as C is to ?"""
    from seqkit.errors import OptionError

    def answer(q: str) -> list[dict]:
        abc = q.split()
        if len(abc) != 3:
            raise OptionError(f"an analogy takes three words A B C, not {len(abc)}: {q!r}")
        mark = _oov(kv, abc)
        return [{"word": w, "score": s, **mark} for w, s in kv.analogy(*abc, n, method, restrict)]

    return _each(queries, answer)


def word_vectors(kv, words: list[str]) -> list[dict]:
    """`seqkit vectors --format jsonl` rows, one per word."""
    from seqkit.embed.export import json_record

    results = []
    for w in words:
        try:
            results.append(json_record(w, kv.vector(w), kv.is_oov(w) if kv.has_subwords else None))
        except SeqkitError as e:
            results.append({"word": w, "error": str(e)})
    return results


def document_vectors(kv, texts: list[str], weight: str) -> list[dict]:
    """`seqkit vectors --docs --format jsonl` rows (doc1, doc2, ...); tfidf's idf over these texts."""
    from seqkit.embed import docvec
    from seqkit.embed.export import json_record
    from seqkit.embed.keyed import document_tokenizer

    tokenize = document_tokenizer(kv)
    matrix, _, oov = docvec.document_vectors(kv, [tokenize(t) for t in texts], weight)
    return [json_record(f"doc{i + 1}", row, oov[i] if kv.has_subwords else None) for i, row in enumerate(matrix)]


def predict(clf, texts: list[str], k: int, threshold: float, probs: bool) -> list[dict]:
    """`seqkit predict --json` lines: {label, prob} (and every class's with probs), or with k > 1 or a
    threshold {labels, probs}; probabilities rounded to 6 digits as there."""
    names = clf.labels
    P = clf.predict_proba(texts) if texts else []
    results = []
    for p in P:
        if k > 1 or threshold > 0:
            top = [int(j) for j in p.argsort()[::-1][:k] if p[j] >= threshold]
            results.append({"labels": [names[j] for j in top], "probs": [round(float(p[j]), 6) for j in top]})
            continue
        best = int(p.argmax())
        row = {"label": names[best], "prob": round(float(p[best]), 6)}
        if probs:
            row["probs"] = {n: round(float(v), 6) for n, v in zip(names, p)}
        results.append(row)
    return results
