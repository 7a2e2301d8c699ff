"""Raw text -> encoded corpus, in one streaming pass.

Each token gets a provisional id in first-seen order through a dict whose misses are filled by a
counter (`defaultdict(count().__next__)`), so `ids.extend(map(lookup, tokens))` runs in C. At the
end, counts come from one `bincount`, the vocabulary is sorted by count, and one NumPy gather
renumbers the ids and drops the rare ones.

For large inputs with the default-like options, the Numba scanner of `fast_encode` does the
tokenizing and numbering instead (pure-ASCII texts; the others still through the regex), in one
process with one hash table for all batches; the corpus is the same byte for byte.
"""

from __future__ import annotations

import itertools
import json
import time
from array import array
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from seqkit import __version__
from seqkit.errors import InputError, SeqkitError
from seqkit.fileio import atomic_dir, check_output, check_readable_file, workers_ignore_sigint
from seqkit.text.corpus import FORMAT, FORMAT_VERSION, EncodedCorpus, longest_document, release_pages, shard_entry
from seqkit.text.fast_encode import ScanEncoder, encode_batch_fast, scan_config
from seqkit.text.normalize import Normalizer, NormalizeOptions
from seqkit.text.sources import SourceInfo, input_size, iter_pieces
from seqkit.text.vocab import Vocab

# on_progress(bytes_read_so_far, total_bytes_or_None, tokens_so_far)
Progress = Callable[[int, "int | None", int], None]


@dataclass(frozen=True)
class PreprocessOptions:
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)
    min_count: int = 5  # word2vec's default: rarer words carry too little signal to learn
    max_vocab: int | None = None  # cap for memory; None keeps every word that passes min_count
    max_doc_tokens: int = 10000  # longer documents are cut (gensim's and word2vec.c's limit)
    column: str | None = None  # text column of TSV input; None: 'text' if the header has it

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Encoded:
    """The provisional result of the streaming pass."""

    words: list[str]  # provisional id -> word, first-seen order
    ids: np.ndarray  # (N,) int32 provisional ids
    offsets: np.ndarray  # (D+1,) int64
    sources: list[SourceInfo]
    seconds: float


def _check_options(options: PreprocessOptions) -> None:
    from seqkit.errors import OptionError

    if options.min_count < 1:
        raise OptionError(f"--min-count must be at least 1, not {options.min_count}")
    if options.max_vocab is not None and options.max_vocab < 1:
        raise OptionError(f"--max-vocab must be at least 1, not {options.max_vocab}")
    if options.max_doc_tokens < 1:
        raise OptionError(f"--max-doc-tokens must be at least 1, not {options.max_doc_tokens}")


_worker_tokenize: Callable[[str], list[str]] | None = None
_worker_scan = None  # the ASCII scanner's settings, or None: regex path for every text


# Below this input size the scanner's start-up (importing Numba, loading the kernel: about 0.6 s
# CPU) costs more than the regex path it saves, unless Numba is loaded already.
_SCAN_MIN_BYTES = 8 << 20


def _use_scanner(options: NormalizeOptions, total_bytes: int | None) -> bool:
    import sys

    big = total_bytes is None or total_bytes >= _SCAN_MIN_BYTES or "numba" in sys.modules
    return big and scan_config(options) is not None


def _init_worker(options: NormalizeOptions, scanner: bool = True) -> None:
    global _worker_tokenize, _worker_scan
    _worker_tokenize = Normalizer(options).tokenize
    _worker_scan = scan_config(options) if scanner else None


def _encode_batch(texts: list[str]) -> tuple[list[str], bytes, bytes]:
    """In a worker: tokens of each text as ids local to this batch. Returns (local words,
    int32 ids, int64 token count per text)."""
    if _worker_scan is not None:
        words, ids_array, lengths_array = encode_batch_fast(texts, _worker_scan, _worker_tokenize)
        return words, ids_array.tobytes(), lengths_array.tobytes()
    index: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    lookup = index.__getitem__
    ids = array("i")
    lengths = array("q")
    for text in texts:
        before = len(ids)
        ids.extend(map(lookup, _worker_tokenize(text)))
        lengths.append(len(ids) - before)
    return list(index), ids.tobytes(), lengths.tobytes()


_BATCH_CHARS = 1 << 21


def _batches(inputs, options, infos_out, batch_chars=None):
    """(texts, ends flags, bytes read so far) in batches of about ``batch_chars`` characters."""
    batch_chars = batch_chars or _BATCH_CHARS
    texts, ends, size, done_before = [], [], 0, 0
    for path in inputs:
        infos: list[SourceInfo] = []
        for text, end in iter_pieces(path, options.column, info_out=infos):
            texts.append(text)
            ends.append(end)
            size += len(text)
            if size >= batch_chars:
                yield texts, ends, done_before + infos[0]._reader.bytes_read
                texts, ends, size = [], [], 0
        if texts:  # a document never spans two files
            ends[-1] = True
        infos_out += infos
        done_before += infos[0].size
    if texts:
        yield texts, ends, done_before


def _stream_encode(
    inputs: list[str], options: PreprocessOptions, on_progress: Progress | None, workers: int | None = None,
    spill: Path | None = None,
) -> _Encoded:
    """With ``spill``, the provisional ids go to that file as they come (memory-mapped at the end),
    so memory holds only the words and the document offsets, not the corpus."""
    start = time.perf_counter()
    index: defaultdict[str, int] = defaultdict(itertools.count().__next__)  # word -> provisional id
    lookup = index.__getitem__
    id_chunks: list[np.ndarray] = []
    offsets = array("q", [0])
    n_tokens = 0
    cap = options.max_doc_tokens
    sources: list[SourceInfo] = []
    total = None if "-" in inputs else sum(map(input_size, inputs))
    scanner = _use_scanner(options.normalize, total)
    workers = workers or _default_workers(total, scanner)
    results = _encoded_batches(_batches(inputs, options, sources), options, scanner, workers)
    spill_file = open(spill, "wb") if spill is not None else None
    try:
        for (words, ids_bytes, lengths_bytes), ends, bytes_read in results:
            if workers == 1 and scanner:  # ids already global; ``words`` are the new ones, in order
                index.update(zip(words, range(len(index), len(index) + len(words))))
                chunk = ids_bytes
            else:
                to_global = np.fromiter(map(lookup, words), dtype=np.int32, count=len(words))  # (U_local,)
                chunk = to_global[np.frombuffer(ids_bytes, dtype=np.int32)]
            if spill_file is not None:
                spill_file.write(chunk.tobytes())
            else:
                id_chunks.append(chunk)
            n_tokens = _add_documents(offsets, n_tokens, lengths_bytes, ends, cap)
            if on_progress is not None:
                on_progress(bytes_read, total, n_tokens)
    finally:
        results.close()  # stops the workers, if any
        if spill_file is not None:
            spill_file.close()
    if n_tokens > offsets[-1]:
        offsets.append(n_tokens)
    if spill is not None and n_tokens:
        ids = np.memmap(spill, dtype=np.int32, mode="r", shape=(n_tokens,))
    else:
        ids = np.concatenate(id_chunks) if id_chunks else np.zeros(0, np.int32)
    return _Encoded(list(index), ids, np.frombuffer(offsets, dtype=np.int64), sources, time.perf_counter() - start)


def _encoded_batches(batches, options: PreprocessOptions, scanner: bool, workers: int):
    """((words, ids bytes, lengths bytes), ends, bytes read) of each batch, in order."""
    if workers > 1:
        yield from _in_workers(batches, options, scanner, workers)
        return
    if scanner:  # one process: the scanner's table numbers words over all batches, as ``index`` would
        encode = ScanEncoder(scan_config(options.normalize), Normalizer(options.normalize).tokenize).encode
    else:
        _init_worker(options.normalize, scanner=False)
        encode = _encode_batch
    for texts, ends, bytes_read in batches:
        yield encode(texts), ends, bytes_read


def _in_workers(batches, options: PreprocessOptions, scanner: bool, workers: int):
    """_encoded_batches on ``workers`` processes, with at most 2 x workers batches read and not yet done
    (text read faster than it is tokenized would pile up in memory). However it stops (the end, an error,
    Ctrl-C), the batches in progress finish and the workers exit: none is killed mid-task.
    (multiprocessing.Pool.terminate, used before, could hang for good: its task thread, blocked writing a
    batch into the pipe of workers it had just killed, was never joined.)"""
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(workers, mp.get_context("spawn"), initializer=_init_worker,
                               initargs=(options.normalize, scanner))
    pending: deque = deque()  # (future, ends, bytes read) of each batch sent, in order
    try:
        with workers_ignore_sigint():  # Ctrl-C is the parent's to handle, even while workers import
            for _ in range(workers):  # a submit starts a process while none is idle: all start here
                pool.submit(int)
        for texts, ends, bytes_read in batches:
            pending.append((pool.submit(_encode_batch, texts), ends, bytes_read))
            while len(pending) >= 2 * workers or (pending and pending[0][0].done()):
                future, ends, bytes_read = pending.popleft()
                yield future.result(), ends, bytes_read
        while pending:
            future, ends, bytes_read = pending.popleft()
            yield future.result(), ends, bytes_read
    except BrokenProcessPool:
        raise SeqkitError("a preprocessing worker process died (out of memory?): try --workers 1") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _add_documents(offsets, n_tokens: int, lengths_bytes, ends, cap: int) -> int:
    """Append the document ends of one batch to ``offsets`` (a piece's tokens; a document longer than
    ``cap`` cut every ``cap`` tokens); returns the tokens so far."""
    for length, end in zip(memoryview(lengths_bytes).cast("B").cast("q"), ends):
        n_tokens += length
        while n_tokens - offsets[-1] > cap:
            offsets.append(offsets[-1] + cap)
        if end and n_tokens > offsets[-1]:
            offsets.append(n_tokens)
    return n_tokens


def encode_pieces(pieces, tokenize: Callable[[str], list[str]], cap: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(text, ends_document) pieces -> (words in first-seen order, (N,) int32 ids into them,
    (D+1,) int64 offsets of the non-empty documents, cut every ``cap`` tokens): what
    `_stream_encode` computes, for one part of the input (a worker's byte range)."""
    index: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    lookup = index.__getitem__
    ids = array("i")
    offsets = array("q", [0])
    for text, end in pieces:
        ids.extend(map(lookup, tokenize(text)))
        n_tokens = len(ids)
        while n_tokens - offsets[-1] > cap:
            offsets.append(offsets[-1] + cap)
        if end and n_tokens > offsets[-1]:
            offsets.append(n_tokens)
    if len(ids) > offsets[-1]:
        offsets.append(len(ids))
    return list(index), np.frombuffer(ids, dtype=np.int32), np.frombuffer(offsets, dtype=np.int64)


def _default_workers(total_bytes: int | None, fast_path: bool = False) -> int:
    """Worker processes pay off past a few megabytes; below that, their start-up costs more. With
    the ASCII scanner one process keeps up with reading: sending the texts to workers costs more
    than it saves (IMDB tok.txt, 126 MB: 5.2 s in one process, 8.6 s with two workers, load 5 on 2 cores)."""
    import os

    if fast_path or (total_bytes is not None and total_bytes < (8 << 20)):
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def final_vocab(words: list[str], counts: np.ndarray, options: PreprocessOptions, names: str) -> tuple[Vocab, np.ndarray]:
    """The vocabulary of words seen (first-seen order) with their counts: sorted by count, ties in
    first-seen order, rare words dropped; and the (U,) int32 map from first-seen index to final id
    or -1."""
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= options.min_count]
    if options.max_vocab is not None:
        order = order[: options.max_vocab]
    if len(order) == 0:
        raise InputError(
            f"vocabulary is empty: no word occurs at least --min-count={options.min_count} times in {names}"
        )
    remap = np.full(len(words), -1, dtype=np.int32)  # (U,) provisional -> final id or -1
    remap[order] = np.arange(len(order), dtype=np.int32)
    return Vocab([words[i] for i in order], counts[order]), remap


def drop_unknown(ids: np.ndarray, offsets: np.ndarray, remap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Provisional ids (N,) and non-empty documents' offsets -> final ids with dropped words left
    out, and the offsets over them (documents may become empty)."""
    final = remap[ids]  # (N,)
    kept = final >= 0
    out = final[kept]
    del final
    # Kept tokens per document (documents are never empty here, so reduceat is safe), then offsets.
    per_doc = np.add.reduceat(kept, offsets[:-1], dtype=np.int64) if len(offsets) > 1 else np.zeros(0, np.int64)
    return out, np.concatenate([[0], np.cumsum(per_doc)]).astype(np.int64)  # (N',), (D+1,)


def corpus_meta(options: PreprocessOptions, vocab: Vocab, tokens_raw: int, tokens: int, documents: int,
                unique_words: int, longest: int, sources: list[dict], seconds: float, shards: list[dict]) -> dict:
    """The meta.json record of a corpus."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "seqkit_version": __version__,
        "options": options.to_dict(),
        "counts": {
            "documents": documents,
            "tokens_raw": tokens_raw,
            "tokens": tokens,
            "unique_words": unique_words,
            "vocab_size": len(vocab),
            "coverage": float(tokens / tokens_raw) if tokens_raw else 0.0,
            "longest_document": longest,
            "undecodable_bytes": sum(s.get("undecodable_bytes", 0) for s in sources),
        },
        "sources": sources,
        "seconds": round(seconds, 3),
        "shards": shards,
    }


_BLOCK = 1 << 22  # provisional ids read per step from a spill file (16 MB; about 100 MB of temporaries)


def _count_blocks(ids: np.ndarray, n_words: int) -> np.ndarray:
    """(U,) int64 occurrences of each provisional id, reading ``ids`` in blocks (pages released)."""
    counts = np.zeros(n_words, np.int64)
    for a in range(0, len(ids), _BLOCK):
        counts += np.bincount(ids[a : a + _BLOCK], minlength=n_words)
        release_pages(ids, a + _BLOCK)
    return counts


def drop_unknown_to_file(ids: np.ndarray, offsets: np.ndarray, remap: np.ndarray, n_kept: int, path: Path,
                         in_place: bool = False) -> np.ndarray:
    """`drop_unknown` block by block: the final ids go straight into the .npy file ``path`` (``n_kept``
    of them), so neither array is held in memory. Returns the (D+1,) offsets over them: written over
    ``offsets`` itself with ``in_place`` (each block reads its old offsets before writing the new ones,
    which are never larger: the array stays sorted), so a corpus of millions of documents does not
    hold two offset arrays."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.int32, shape=(n_kept,))
    new_offsets = offsets if in_place else np.empty(len(offsets), np.int64)
    pos = j = 0  # final ids written so far; offsets filled so far
    for a in range(0, len(ids), _BLOCK):
        b = min(a + _BLOCK, len(ids))
        final = remap[ids[a:b]]  # (b-a,)
        kept = final >= 0
        before = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])  # (b-a+1,) kept before each position
        hi = int(np.searchsorted(offsets, b, side="left")) if b < len(ids) else len(offsets)
        new_offsets[j:hi] = pos + before[offsets[j:hi] - a]
        j = hi
        out[pos : pos + int(before[-1])] = final[kept]
        pos += int(before[-1])
        out.flush()
        release_pages(ids, b)
        release_pages(out, pos)
    del out
    return new_offsets


def _finish(enc: _Encoded, inputs: list[str], options: PreprocessOptions,
            out_ids: Path | None = None) -> tuple[Vocab, np.ndarray | None, np.ndarray, dict]:
    """Vocabulary by count, ids renumbered with rare words dropped, and the meta record. With
    ``out_ids``, the ids are written there in blocks (and None is returned in their place)."""
    names = ", ".join(inputs)
    if len(enc.ids) == 0:
        raise InputError(f"no tokens found in {names}: is it text in UTF-8? (check the preprocessing options too)")
    counts = _count_blocks(enc.ids, len(enc.words))  # (U,)
    vocab, remap = final_vocab(enc.words, counts, options, names)
    if out_ids is None:
        ids, offsets = drop_unknown(enc.ids, enc.offsets, remap)
        n_kept = len(ids)
    else:
        ids, n_kept = None, int(vocab.counts.sum())
        offsets = drop_unknown_to_file(enc.ids, enc.offsets, remap, n_kept, out_ids, in_place=enc.offsets.flags.writeable)
    meta = corpus_meta(
        options, vocab, tokens_raw=int(len(enc.ids)), tokens=n_kept, documents=len(offsets) - 1,
        unique_words=len(enc.words), longest=longest_document(offsets, _BLOCK),
        sources=[s.to_dict() for s in enc.sources], seconds=enc.seconds,
        shards=[{"ids": "ids.npy", "offsets": "offsets.npy", "tokens": n_kept, "documents": len(offsets) - 1}],
    )
    return vocab, ids, offsets, meta


def write_meta(folder: Path, meta: dict) -> None:
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _check_inputs(inputs: list[str]) -> None:
    if not inputs:
        raise InputError("no input given: name one or more text files, or '-' for stdin")
    if inputs.count("-") > 1:
        raise InputError("stdin ('-') can be read only once")
    for path in inputs:
        if path != "-":
            check_readable_file(path)


def encode_in_memory(
    inputs: list[str],
    options: PreprocessOptions = PreprocessOptions(),
    on_progress: Progress | None = None,
    workers: int | None = None,
) -> EncodedCorpus:
    """The encoded corpus of ``inputs`` without writing a folder (`train-w2v` on raw text)."""
    _check_options(options)
    _check_inputs(inputs)
    vocab, ids, offsets, meta = _finish(_stream_encode(inputs, options, on_progress, workers), inputs, options)
    return EncodedCorpus(None, vocab, ids, offsets, meta)


def preprocess(
    inputs: list[str],
    out_dir: str | Path,
    options: PreprocessOptions = PreprocessOptions(),
    force: bool = False,
    on_progress: Progress | None = None,
    workers: int | None = None,
) -> EncodedCorpus:
    """Encode ``inputs`` into the corpus folder ``out_dir`` (written whole or not at all)."""
    _check_options(options)
    _check_inputs(inputs)
    out_dir = Path(out_dir)
    check_output(out_dir, inputs, force=force, folder=True)
    with atomic_dir(out_dir, force=force) as tmp:
        # provisional ids spill to disk and final ids are written in blocks: memory holds the
        # words and document offsets, not the corpus
        spill = tmp / ".provisional-ids"
        encoded = _stream_encode(inputs, options, on_progress, workers, spill=spill)
        vocab, _, offsets, meta = _finish(encoded, inputs, options, out_ids=tmp / "ids.npy")
        del encoded
        spill.unlink(missing_ok=True)
        vocab.save(tmp / "vocab.tsv")
        np.save(tmp / "offsets.npy", offsets)
        del offsets  # before the folder is loaded back (one offsets array at a time)
        write_meta(tmp, meta)
    return EncodedCorpus.load(out_dir)


def corpus_stats(corpus: EncodedCorpus) -> dict:
    """The figures `seqkit corpus stats` shows."""
    c = corpus.meta.get("counts", {})
    lengths = np.diff(corpus.offsets)
    return {
        "documents": corpus.n_docs,
        "tokens": corpus.n_tokens,
        "tokens_raw": c.get("tokens_raw", corpus.n_tokens),
        "vocab_size": len(corpus.vocab),
        "coverage": round(c.get("coverage", 1.0), 4),
        "longest_document": int(lengths.max()) if len(lengths) else 0,
        "mean_document": round(float(lengths.mean()), 1) if len(lengths) else 0.0,
        "undecodable_bytes": c.get("undecodable_bytes", 0),
    }
