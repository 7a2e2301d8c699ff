"""Word-vector files.

- native: an uncompressed .npz (never pickled) with arrays `vectors` (V, d) float32, optional
  `syn1neg` (V, d) and `syn1` (V-1, d), `counts` (V,) int64, `words` (UTF-8 words joined by
  newlines) and `meta` (UTF-8 JSON: format, format_version, training options). Subword models
  add `ngrams` (buckets, d) float32 n-gram rows, `vectors_vocab` (V, d) the words' own rows and
  `trained_buckets` (packed bits: buckets training updated), and `subwords` {minn, maxn, buckets}
  in meta. The n-gram matrix is memory-mapped where it lies inside the .npz (np.savez stores
  members uncompressed), so a query reads only the rows it needs and the model stays one file;
- word2vec text and binary, as word2vec.c, gensim and fastText (.vec) write them:
  a header "V d", then per word the word and its d numbers (binary: d little-endian float32).

`load_vectors` tells them apart by their first bytes. All writers are atomic.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.limits import MAX_DIM
from seqkit.fileio import atomic_path, check_format_version, check_readable_file
from seqkit.npzfile import aligned_member, load_npz, map_members, save_npz, stored_members

FORMAT = "seqkit-w2v"
FORMAT_VERSION = 1


def save_native(path, words: list[str], counts, arrays: dict[str, np.ndarray], meta: dict, streamed: dict | None = None) -> None:
    """Write a native model atomically. ``streamed``: {name: ((rows, cols), iterator of float32 row
    blocks)} for matrices too large to hold at once, written block by block as uncompressed members."""
    bad = [w for w in words if not w or "\n" in w]
    if bad:
        raise ModelFormatError(f"words must be non-empty and hold no newline: {bad[0]!r}")
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) and int(counts.min()) < 0:  # what load_native refuses is never written
        raise ModelFormatError("word counts must not be negative (the source model is corrupted)")
    check_finite_rows(arrays.get("vectors", np.zeros((0, 1), np.float32)), "the vectors")
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
    payload = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    payload["counts"] = np.asarray(counts, dtype=np.int64)
    payload["words"] = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
    payload["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            save_npz(f, payload)
        if streamed:
            with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name, (shape, blocks) in streamed.items():
                    _write_member(zf, name, shape, blocks)


def check_finite_rows(matrix: np.ndarray, what: str, chunk: int = 1 << 16) -> None:
    """ModelFormatError unless every number of ``matrix`` is finite, checked a chunk of rows at a time
    (a memory-mapped matrix is read once): seqkit never writes a row its readers refuse."""
    for start in range(0, len(matrix), chunk):
        if not np.isfinite(matrix[start : start + chunk]).all():
            raise ModelFormatError(f"{what} hold NaN or infinity (a corrupted source model, or training diverged: lower the learning rate); nothing written")


def _write_member(zf: zipfile.ZipFile, name: str, shape: tuple[int, int], blocks) -> None:
    """One (rows, cols) float32 .npy member of an .npz, from row blocks; their rows must add up."""
    written = 0
    with aligned_member(zf, name + ".npy") as fp:
        np.lib.format.write_array_header_2_0(fp, {"descr": "<f4", "fortran_order": False, "shape": tuple(shape)})
        for block in blocks:
            block = np.ascontiguousarray(block, dtype="<f4")
            fp.write(block.tobytes())
            written += len(block)
    if written != shape[0]:
        raise ModelFormatError(f"internal error: {name} got {written} rows of {shape[0]}")


def load_native(path) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], dict]:
    """(words, counts (V,) int64, {'vectors', 'syn1neg'?, 'syn1'?}, meta); ModelFormatError on any inconsistency."""
    words, _, counts, arrays, meta = load_native_indexed(path)
    return words, counts, arrays, meta


def load_native_indexed(path) -> tuple[list[str], dict[str, int], np.ndarray, dict[str, np.ndarray], dict]:
    """load_native's answer with the word -> row index, built by the same pass that finds duplicates."""
    p = check_readable_file(path, "model")
    with open(p, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04":
        if head[:1] == b"\x80":
            raise ModelFormatError(f"{path} is a Python pickle: seqkit never loads pickles (they can run code)")
        raise ModelFormatError(f"{path} is not a seqkit model (.npz): convert word2vec files with `seqkit export`")
    mapped = MAPPED + stored_members(p, ("vectors",))  # the vectors too where stored: no copy, CRC still checked
    arrays = load_npz(p, "seqkit model", skip=mapped)
    arrays.update(map_members(p, mapped, "seqkit model", dtype=np.float32, crc=("vectors",)))
    for name in MAPPED:
        if name in arrays and arrays[name].ndim != 2:
            raise ModelFormatError(f"{path} is corrupted: '{name}' is not a matrix")
    for name in ("vectors", "counts", "words", "meta"):
        if name not in arrays:
            raise ModelFormatError(f"{path} is not a seqkit model: it has no '{name}' array")
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
        text = arrays.pop("words").tobytes().decode("utf-8")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelFormatError(f"{path}: corrupted metadata: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFormatError(f"{path} is an .npz file but not a seqkit word-vector model")
    check_format_version(path, meta, FORMAT_VERSION, "model", ModelFormatError)
    words = text.split("\n") if text else []
    counts = arrays.pop("counts")
    vectors = arrays["vectors"]
    v = len(words)
    if (vectors.ndim != 2 or vectors.shape[0] != v or vectors.dtype != np.float32
            or counts.shape != (v,) or counts.dtype != np.int64):
        raise ModelFormatError(
            f"{path} is corrupted: {v} words, {counts.shape} counts, vectors {vectors.shape} {vectors.dtype}"
        )
    expected = {"syn1neg": (v, vectors.shape[1]), "syn1": (max(v - 1, 0), vectors.shape[1]),
                "vectors_vocab": (v, vectors.shape[1])}
    if "ngrams" in arrays:
        sub = meta.get("subwords")
        if not isinstance(sub, dict) or not all(isinstance(sub.get(k), int) for k in ("minn", "maxn", "buckets")):
            raise ModelFormatError(f"{path} is corrupted: it holds n-gram rows but no valid 'subwords' settings")
        expected["ngrams"] = (sub["buckets"], vectors.shape[1])
        packed = arrays.get("trained_buckets")
        if packed is None or packed.dtype != np.uint8 or packed.shape != ((sub["buckets"] + 7) // 8,):
            raise ModelFormatError(f"{path} is corrupted: 'trained_buckets' does not match {sub['buckets']} buckets")
    for name, shape in expected.items():
        if name in arrays and (arrays[name].shape != shape or arrays[name].dtype != np.float32):
            raise ModelFormatError(
                f"{path} is corrupted: {name} is {arrays[name].dtype} {arrays[name].shape}, expected float32 {shape}"
            )
    index = dict(zip(words, range(v)))
    if len(index) != v:
        raise ModelFormatError(f"{path} is corrupted: its vocabulary has duplicate words")
    if v and int(counts.min()) < 0:
        raise ModelFormatError(f"{path} is corrupted: negative word counts")
    if not np.isfinite(vectors).all():
        raise ModelFormatError(f"{path} is corrupted: its vectors contain NaN or infinity")
    return words, index, counts, arrays, meta


MAPPED = ("ngrams", "vectors_vocab")  # members memory-mapped, not read: only the rows used are


def write_word2vec(path, words: list[str], vectors: np.ndarray, binary: bool) -> None:
    """The classic format: a header "V d", then per word the word, a space and d numbers: text with
    9 significant digits (float32 round-trips exactly), or binary little-endian float32 followed
    by a newline (as word2vec.c writes; gensim and fastText read both)."""
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    check_finite_rows(vectors, "the vectors")
    for w in words:
        if not w or any(ch.isspace() for ch in w):
            raise ModelFormatError(f"word2vec files cannot hold words with whitespace: {w!r}")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
            if binary:
                for w, row in zip(words, vectors):
                    f.write(w.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                for w, row in zip(words, vectors):
                    f.write((w + " " + " ".join(f"{x:.9g}" for x in row.tolist()) + "\n").encode("utf-8"))


def _header(line: bytes, path, body_bytes: int) -> tuple[int, int]:
    """(words, dim) of the header line, checked against the limits and the bytes that follow it:
    a row takes at least 2d+1 bytes (a one-letter word and d one-digit numbers; binary rows 4d+2),
    so a header cannot make the reader allocate more than the file could hold."""
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 18 for p in parts):
        raise ModelFormatError(f"{path} is not a word-vector file: its first line is not 'count dim'")
    v, d = int(parts[0]), int(parts[1])
    if v < 1 or d < 1:
        raise ModelFormatError(f"{path}: header says {v} words of dimension {d}")
    if d > MAX_DIM:
        raise ModelFormatError(f"{path}: header says dimension {d:,}, over seqkit's limit of {MAX_DIM:,}")
    if v * (2 * d + 1) > body_bytes + 1:
        raise ModelFormatError(
            f"{path}: header says {v:,} words of dimension {d} but the file is only {body_bytes:,} bytes after it "
            "(truncated or not a word2vec file?)"
        )
    return v, d


def read_word2vec(path) -> tuple[list[str], np.ndarray]:
    """Read word2vec text or binary (detected); a header that disagrees with the body is an error, and
    so are words that are not UTF-8, empty, or occur twice (a file seqkit reads it can also write)."""
    size = Path(path).stat().st_size
    with open(path, "rb") as f:
        line = f.readline(64)
        v, d = _header(line, path, size - len(line))
        rest = f.read()
    if _first_row_is_text(rest, d):
        words, vectors = _read_text(rest, v, d, path)
    else:
        words, vectors = _read_binary(rest, v, d, path)
    _check_words(words, path)
    return words, vectors


def _check_words(words: list[str], path) -> None:
    seen: dict[str, int] = {}
    for i, w in enumerate(words, 1):
        if not w:
            raise ModelFormatError(f"{path}: row {i} has no word")
        first = seen.setdefault(w, i)
        if first != i:
            raise ModelFormatError(f"{path}: the word {w!r} occurs twice (rows {first} and {i}); keep one of them")


def _first_row_is_text(body: bytes, d: int) -> bool:
    """Text rows are a word and d decimal numbers; binary rows hold raw float32 bytes instead."""
    line = body[: body.find(b"\n")] if b"\n" in body else body
    parts = line.rstrip().split(b" ")
    if len(parts) < 2:
        return False
    try:
        [float(x) for x in parts[1:]]
    except ValueError:
        return False
    return True


def _read_text(body: bytes, v: int, d: int, path) -> tuple[list[str], np.ndarray]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        row = body.count(b"\n", 0, e.start) + 1
        raise ModelFormatError(f"{path}: row {row} is not valid UTF-8 (byte {e.start + 1} after the header)") from None
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) != v:
        raise ModelFormatError(f"{path}: header says {v} words but the file has {len(lines)} rows (truncated or not a word2vec file?)")
    words, rests = [], []
    for line in lines:
        word, _, rest = line.rstrip().partition(" ")
        words.append(word)
        rests.append(rest)
    try:  # numpy's C parser; it also checks that every row has as many numbers
        vectors = np.loadtxt(rests, dtype=np.float32, delimiter=" ", ndmin=2, comments=None)  # (v, d)
    except ValueError as e:
        raise ModelFormatError(f"{path}: rows of different lengths or not numbers (header says dimension {d}): {e}") from None
    if vectors.shape != (v, d):
        raise ModelFormatError(f"{path}: header says dimension {d} but rows hold {vectors.shape[1]} numbers")
    if not np.isfinite(vectors).all():
        raise ModelFormatError(f"{path}: its vectors contain NaN or infinity")
    return words, vectors


def _read_binary(body: bytes, v: int, d: int, path) -> tuple[list[str], np.ndarray]:
    """Rows are a word, a space and 4d bytes, with or without a newline after them (word2vec.c
    writes one, gensim does not). One pass finds the words; one gather copies the numbers."""
    raw_words, starts = [], np.empty(v, dtype=np.int64)
    pos, row_bytes, size, find = 0, 4 * d, len(body), body.find
    for i in range(v):
        while pos < size and body[pos] in (10, 32):  # newline after the previous row
            pos += 1
        end = find(b" ", pos)
        if end < 0 or end + 1 + row_bytes > size:
            raise ModelFormatError(f"{path}: header says {v} words but the file ends after {i} (truncated?)")
        raw_words.append(body[pos:end])
        starts[i] = end + 1
        pos = end + 1 + row_bytes
    if body[pos:].strip():
        raise ModelFormatError(f"{path}: header says {v} words of dimension {d} but the file holds more")
    for i, word in enumerate(raw_words):
        if not word or min(word) < 0x20:
            raise ModelFormatError(
                f"{path}: header says {v} words of dimension {d} but row {i + 1} does not start with a word"
                " (wrong size or corrupted)"
            )
    packed = b"".join([body[s : s + row_bytes] for s in starts.tolist()])
    vectors = np.frombuffer(packed, dtype="<f4").reshape(v, d).astype(np.float32)  # (v, d), writable copy
    if not np.isfinite(vectors).all():
        raise ModelFormatError(f"{path}: its vectors contain NaN or infinity (header wrong or file corrupted?)")
    words = []
    for i, w in enumerate(raw_words, 1):
        try:
            words.append(w.decode("utf-8"))
        except UnicodeDecodeError:
            raise ModelFormatError(f"{path}: the word in row {i} is not valid UTF-8 ({w[:40]!r})") from None
    return words, vectors


def detect(path) -> str:
    """'native', 'fasttext' (a fastText .bin, by its magic number) or 'word2vec' (text or binary)."""
    p = check_readable_file(path, "model")
    with open(p, "rb") as f:
        head = f.read(8)
    if not head:
        raise ModelFormatError(f"model {p} is empty")
    if head.startswith(b"PK\x03\x04"):
        return "native"
    from seqkit.embed.fasttext_bin import is_fasttext_bin

    if is_fasttext_bin(head):
        return "fasttext"
    from seqkit.formats.fasttext.header import sniff

    if sniff(p):  # the old layout (fastText 0.1, no magic number)
        return "fasttext-other"
    if head[:1] == b"\x80":
        raise ModelFormatError(f"{p} is a Python pickle: seqkit never loads pickles (they can run code)")
    if head[:1].isdigit():
        return "word2vec"
    raise ModelFormatError(f"{p} is neither a seqkit model nor a word2vec text/binary file")

