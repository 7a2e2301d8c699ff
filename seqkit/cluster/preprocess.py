"""`seqkit preprocess --cluster`: the single-process corpus, made by Dask workers.

1. The client cuts the inputs into line-aligned byte ranges (ranges.py); a compressed input is one
   range. Each worker tokenizes its range, counts its words and keeps its provisional ids (ids into
   the range's own first-seen word list) as a part file in the output's temporary folder.
2. The client merges the ranges' word lists in input order, so every word gets the index of its
   first occurrence in the whole input, adds up the counts and sorts: the same vocabulary, ties in
   the same order, as one process reading the inputs front to back. Each range's map from its own
   word list to those indices goes to a part file too: the client's memory does not grow with the
   number of ranges.
3. Each worker maps its part to the final ids (the map from first-seen to final ids is sent to
   every worker once), drops the rare words and writes one shard (ids-KKKKK.npy, offsets-KKKKK.npy).
   meta.json lists the shards in input order.

Workers read the inputs and write the shards by path: the paths must be the same on every worker
(a shared file system). The folder appears whole or not at all (seqkit.fileio.atomic_dir).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from seqkit.cluster import ranges as R
from seqkit.cluster.session import connect, n_workers, on_worker, ordered
from seqkit.errors import InputError
from seqkit.fileio import atomic_dir
from seqkit.text import preprocess as pp
from seqkit.text.corpus import EncodedCorpus, shard_entry

RANGE_BYTES = 64 << 20  # most text per task: a task's overhead is small against its work, its memory bounded
MIN_RANGE_BYTES = 4 << 20  # least text per task when a small input is cut finer to keep every worker busy


@dataclass
class RangeCounts:
    """What a worker returns for one range after counting."""

    words: list[str]  # first-seen order within the range
    counts: np.ndarray  # (U_r,) int64
    tokens: int
    undecodable_bytes: int
    source: dict | None  # a compressed input's record (size, hash), read whole by this task


def _part_names(k: int) -> tuple[str, str, str]:
    """Range k's provisional ids and offsets (written by its worker) and its word map (by the client)."""
    return f".part-{k:05d}-ids.npy", f".part-{k:05d}-offsets.npy", f".part-{k:05d}-words.npy"


@on_worker
def count_range(r: R.Range, k: int, folder: str, options: pp.PreprocessOptions) -> RangeCounts:
    """On a worker: tokenize range ``k``, save its provisional ids, return its word counts."""
    from seqkit.text import sources
    from seqkit.text.normalize import Normalizer

    before = sources._replaced[0]
    infos: list = []
    pieces = R.iter_range_pieces(r) if r.end >= 0 else sources.iter_pieces(r.path, options.column, info_out=infos)
    words, ids, offsets = pp.encode_pieces(pieces, Normalizer(options.normalize).tokenize, options.max_doc_tokens)
    ids_name, offsets_name, _ = _part_names(k)
    np.save(Path(folder) / ids_name, ids)
    np.save(Path(folder) / offsets_name, offsets)
    counts = np.bincount(ids, minlength=len(words)).astype(np.int64)
    source = infos[0].to_dict() if infos else None
    undecodable = infos[0].undecodable_bytes if infos else sources._replaced[0] - before
    return RangeCounts(words, counts, int(len(ids)), undecodable, source)


@on_worker
def encode_range(k: int, folder: str, remap: np.ndarray) -> tuple[dict | None, int]:
    """On a worker: part ``k`` -> shard ``k`` over the final vocabulary (``remap``: global first-seen
    index -> final id or -1). Returns the shard's meta record (None when it holds no document) and its
    longest document."""
    folder = Path(folder)
    ids_name, offsets_name, words_name = _part_names(k)
    ids = np.load(folder / ids_name, allow_pickle=False)
    offsets = np.load(folder / offsets_name, allow_pickle=False)
    to_final = remap[np.load(folder / words_name, allow_pickle=False)]  # (U_k,) this range's words
    final, final_offsets = pp.drop_unknown(ids, offsets, to_final)
    if len(final_offsets) == 1:
        return None, 0
    names = f"ids-{k:05d}.npy", f"offsets-{k:05d}.npy"
    np.save(folder / names[0], final)
    np.save(folder / names[1], final_offsets)
    return shard_entry(*names, final, final_offsets), int(np.diff(final_offsets).max())


@on_worker
def hash_file(path: str) -> tuple[int, str]:
    """On a worker: (size, SHA-256) of a plain input, for meta.json."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


class _Merger:
    """Ranges' word lists merged in input order: global first-seen indices and summed counts."""

    def __init__(self):
        self.index: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self.counts = np.zeros(0, np.int64)

    def add(self, rc: RangeCounts) -> np.ndarray:
        """Adds the range's counts; returns its (U_r,) int32 map from local to global index."""
        g = np.fromiter(map(self.index.__getitem__, rc.words), dtype=np.int32, count=len(rc.words))
        if len(self.index) > len(self.counts):
            self.counts = np.concatenate([self.counts, np.zeros(len(self.index) - len(self.counts), np.int64)])
        np.add.at(self.counts, g, rc.counts)
        return g


# on_progress(bytes_done, total_bytes, tokens_so_far)
Progress = Callable[[int, "int | None", int], None]


def preprocess(
    address: str,
    inputs: list[str],
    out_dir: str | Path,
    options: pp.PreprocessOptions = pp.PreprocessOptions(),
    force: bool = False,
    on_progress: Progress | None = None,
    range_bytes: int | None = None,
    on_note: Callable[[str], None] | None = None,
) -> EncodedCorpus:
    """`seqkit.text.preprocess.preprocess` on the Dask cluster at ``address``; inputs are cut into
    ranges of about ``range_bytes`` (default: 64 MB, less when that leaves workers idle)."""
    pp._check_options(options)
    pp._check_inputs(inputs)
    plans = [R.plan_input(p, options.column) for p in inputs]
    compressed = [p.path for p in plans if p.compression != "none"]
    if compressed and on_note is not None:
        on_note(f"{', '.join(compressed)}: compressed input cannot be cut into byte ranges; one worker reads each whole")
    start = time.perf_counter()
    out_dir = Path(out_dir)
    with connect(address) as client, atomic_dir(out_dir, force=force) as tmp:
        futures: list = []
        try:
            meta = _run(client, plans, options, os.fspath(tmp.resolve()), range_bytes, futures, on_progress)
        except BaseException:
            client.cancel(futures)  # no task may write into the folder once it is being removed
            raise
        meta["seconds"] = round(time.perf_counter() - start, 3)
        pp.write_meta(tmp, meta)
    return EncodedCorpus.load(out_dir)


def _run(client, plans: list[R.InputPlan], options, folder: str, range_bytes: int | None, futures: list, on_progress) -> dict:
    """Count, merge, encode; returns meta.json's record. Every future made is added to ``futures``."""
    names = ", ".join(p.path for p in plans)
    if range_bytes is None:  # at least 4 tasks per worker, so that uneven ranges even out
        fair = sum(p.size for p in plans) // (4 * n_workers(client))
        range_bytes = min(RANGE_BYTES, max(MIN_RANGE_BYTES, fair))
    ranges = [(i, r) for i, p in enumerate(plans) for r in R.cut(p, range_bytes)]
    hashes = {i: client.submit(hash_file, os.path.abspath(p.path), pure=False) for i, p in enumerate(plans) if p.compression == "none"}
    counted = [client.submit(count_range, r, k, folder, options, pure=False) for k, (_, r) in enumerate(ranges)]
    futures += list(hashes.values()) + counted
    merger, tokens_raw, done, total = _Merger(), 0, 0, sum(p.size for p in plans)
    undecodable: dict[int, int] = defaultdict(int)
    compressed: dict[int, dict] = {}
    for k, ((i, r), rc) in enumerate(zip(ranges, ordered(counted))):
        np.save(Path(folder) / _part_names(k)[2], merger.add(rc))
        tokens_raw += rc.tokens
        undecodable[i] += rc.undecodable_bytes
        if rc.source is not None:
            compressed[i] = {**rc.source, "path": plans[i].path}
        done += (r.end - r.start) if r.end >= 0 else plans[i].size
        if on_progress is not None:
            on_progress(done, total, tokens_raw)
    if tokens_raw == 0:
        raise InputError(f"no tokens found in {names}: is it text in UTF-8? (check the preprocessing options too)")
    words = list(merger.index)
    vocab, remap = pp.final_vocab(words, merger.counts, options, names)
    remap_everywhere = client.scatter(remap, broadcast=True)  # to each worker once
    encoded = [client.submit(encode_range, k, folder, remap_everywhere, pure=False) for k in range(len(ranges))]
    futures += encoded
    results = list(ordered(encoded))
    for k in range(len(ranges)):
        for name in _part_names(k):
            (Path(folder) / name).unlink(missing_ok=True)
    vocab.save(Path(folder) / "vocab.tsv")
    shards = [entry for entry, _ in results if entry is not None]
    sources = [compressed[i] if i in compressed else _plain_source(p, hashes[i].result(), undecodable[i])
               for i, p in enumerate(plans)]
    meta = pp.corpus_meta(
        options, vocab, tokens_raw=tokens_raw, tokens=sum(s["tokens"] for s in shards),
        documents=sum(s["documents"] for s in shards), unique_words=len(words),
        longest=max((lg for _, lg in results), default=0), sources=sources, seconds=0.0, shards=shards,
    )
    meta["cluster"] = {"workers": n_workers(client), "ranges": len(ranges)}
    return meta


def _plain_source(plan: R.InputPlan, size_and_hash: tuple[int, str], undecodable: int) -> dict:
    size, sha = size_and_hash
    rec = {"path": plan.path, "size": size, "sha256": sha, "compression": "none", "undecodable_bytes": undecodable}
    if plan.column_name:
        rec["column"] = plan.column_name
    return rec
