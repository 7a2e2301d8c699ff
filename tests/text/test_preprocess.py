import json
from collections import Counter

import numpy as np
import pytest

from seqkit.errors import InputError, OptionError, SeqkitError
from seqkit.text.corpus import EncodedCorpus, restrict
from seqkit.text.normalize import Normalizer, NormalizeOptions
from seqkit.text.preprocess import PreprocessOptions, encode_in_memory, preprocess

DOCS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "",
    "zebra",
]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(DOCS) + "\n")
    return path


def decode(corpus):
    return [[corpus.vocab.words[i] for i in doc] for doc in corpus.documents()]


def test_encoding_round_trips_and_drops_rare_words(text_file, tmp_path):
    corpus = preprocess([str(text_file)], tmp_path / "c", PreprocessOptions(min_count=2))
    counts = Counter(w for d in DOCS for w in d.split())
    kept = {w for w, c in counts.items() if c >= 2}
    assert set(corpus.vocab.words) == kept
    assert decode(corpus) == [[w for w in d.split() if w in kept] for d in DOCS if d]  # empty lines skipped
    assert list(corpus.vocab.counts) == sorted(corpus.vocab.counts, reverse=True)
    assert corpus.vocab.words[0] == "the"
    assert corpus.ids.dtype == np.int32 and isinstance(corpus.ids, np.memmap)


def test_folder_contents_and_meta(text_file, tmp_path):
    out = tmp_path / "c"
    preprocess([str(text_file)], out, PreprocessOptions(min_count=1))
    assert sorted(p.name for p in out.iterdir()) == ["ids.npy", "meta.json", "offsets.npy", "vocab.tsv"]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["format_version"] == 2
    assert meta["shards"] == [{"ids": "ids.npy", "offsets": "offsets.npy", "tokens": 18, "documents": 4}]
    assert meta["counts"]["documents"] == 4 and meta["counts"]["tokens"] == 18
    assert meta["sources"][0]["path"] == str(text_file) and len(meta["sources"][0]["sha256"]) == 64
    assert meta["options"]["min_count"] == 1 and meta["options"]["normalize"]["lowercase"] is True
    assert (out / "vocab.tsv").read_text().splitlines()[0] == "the\t4"


def test_max_vocab_keeps_most_frequent(text_file):
    corpus = encode_in_memory([str(text_file)], PreprocessOptions(min_count=1, max_vocab=3))
    assert corpus.vocab.words == ["the", "cat", "sat"]


def test_long_documents_are_cut_in_order(tmp_path):
    path = tmp_path / "big.txt"
    words = [f"w{i % 7}" for i in range(1003)]
    path.write_text(" ".join(words))  # one line, no newline
    corpus = encode_in_memory([str(path)], PreprocessOptions(min_count=1, max_doc_tokens=100))
    lengths = np.diff(corpus.offsets)
    assert list(lengths) == [100] * 10 + [3]
    assert [w for d in decode(corpus) for w in d] == words


def test_worker_processes_give_the_same_corpus(tmp_path):
    path = tmp_path / "many.txt"
    rng = np.random.default_rng(0)
    path.write_text("\n".join(" ".join(f"w{k}" for k in rng.zipf(1.5, 30)) for _ in range(3000)))
    one = encode_in_memory([str(path)], PreprocessOptions(min_count=2), workers=1)
    two = encode_in_memory([str(path)], PreprocessOptions(min_count=2), workers=2)
    assert one.vocab.words == two.vocab.words
    assert np.array_equal(one.ids, two.ids) and np.array_equal(one.offsets, two.offsets)


def test_several_inputs_and_a_document_never_spans_files(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("x y")  # no final newline
    b.write_text("y z\n")
    corpus = encode_in_memory([str(a), str(b)], PreprocessOptions(min_count=1))
    assert decode(corpus) == [["x", "y"], ["y", "z"]]


def test_all_rare_corpus_says_what_to_do(text_file):
    with pytest.raises(InputError, match="no word occurs at least --min-count=50 times"):
        encode_in_memory([str(text_file)], PreprocessOptions(min_count=50))


def test_text_without_tokens(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("!!! ... ???\n")
    with pytest.raises(InputError, match="no tokens"):
        encode_in_memory([str(path)])


def test_bad_options():
    with pytest.raises(OptionError):
        encode_in_memory(["x"], PreprocessOptions(min_count=0))


def test_existing_output_refused_unless_forced(text_file, tmp_path):
    out = tmp_path / "c"
    preprocess([str(text_file)], out, PreprocessOptions(min_count=1))
    with pytest.raises(SeqkitError, match="--force"):
        preprocess([str(text_file)], out, PreprocessOptions(min_count=1))
    corpus = preprocess([str(text_file)], out, PreprocessOptions(min_count=2), force=True)
    assert "zebra" not in corpus.vocab


def test_interrupted_run_leaves_nothing_behind(text_file, tmp_path):
    out = tmp_path / "c"
    preprocess([str(text_file)], out, PreprocessOptions(min_count=1))
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        preprocess([str(text_file)], out, PreprocessOptions(min_count=2), force=True, on_progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "docs.txt"]  # no temp folders
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old corpus intact


def test_restrict_matches_preprocessing_with_the_higher_min_count(text_file):
    loose = encode_in_memory([str(text_file)], PreprocessOptions(min_count=1))
    strict = encode_in_memory([str(text_file)], PreprocessOptions(min_count=2))
    narrowed = restrict(loose, min_count=2)
    assert narrowed.vocab.words == strict.vocab.words
    assert np.array_equal(narrowed.ids, strict.ids) and np.array_equal(narrowed.offsets, strict.offsets)


def test_corrupted_corpus_folder_is_detected(text_file, tmp_path):
    out = tmp_path / "c"
    preprocess([str(text_file)], out, PreprocessOptions(min_count=1))
    (out / "ids.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(InputError, match="corrupted|incomplete"):
        EncodedCorpus.load(out)
    with pytest.raises(InputError, match="not an encoded corpus"):
        EncodedCorpus.load(tmp_path)


def test_tokenizer_is_the_same_as_the_normalizer(tmp_path):
    text = "Hello <b>World</b> &amp; don't 3.14 http://x.y"
    path = tmp_path / "t.txt"
    path.write_text(text)
    corpus = encode_in_memory([str(path)], PreprocessOptions(min_count=1))
    assert decode(corpus)[0] == Normalizer(NormalizeOptions()).tokenize(text)


def test_real_imdb_unsup_has_50000_documents(shared_corpora, tmp_path):
    corpus = preprocess([str(shared_corpora / "imdb" / "unsup.txt.gz")], tmp_path / "u", PreprocessOptions())
    assert corpus.n_docs == 50000
    assert corpus.n_tokens > 10_000_000 and 30_000 < len(corpus.vocab) < 80_000
    assert corpus.vocab.words[:3] == ["the", "and", "a"]


def test_the_written_corpus_equals_the_in_memory_one_block_by_block(tmp_path, monkeypatch):
    """preprocess spills provisional ids to disk and renumbers them in blocks; with blocks of 7 ids
    (cutting documents, and documents left empty by rare words) the result is encode_in_memory's."""
    import seqkit.text.preprocess as pp

    monkeypatch.setattr(pp, "_BLOCK", 7)
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    lines = [" ".join(rng.choice(words, int(rng.integers(1, 25)), p=np.linspace(2, 0.1, 40) / np.linspace(2, 0.1, 40).sum()))
             for _ in range(300)] + ["once twice", "w0 " * 60]
    path = tmp_path / "t.txt"
    path.write_text("\n".join(lines) + "\n")
    options = PreprocessOptions(min_count=4, max_doc_tokens=13)
    memory = encode_in_memory([str(path)], options, workers=1)
    disk = preprocess([str(path)], tmp_path / "c", options, workers=1)
    assert disk.vocab.words == memory.vocab.words and np.array_equal(disk.vocab.counts, memory.vocab.counts)
    assert np.array_equal(disk.ids, memory.ids) and np.array_equal(disk.offsets, memory.offsets)
    assert (np.diff(disk.offsets) == 0).any() and "once" not in disk.vocab  # a rare word dropped, its document emptied
    longest = int(np.diff(memory.offsets).max())  # 13: the cut; found over blocks of 7 offsets
    assert longest == 13 and disk.meta["counts"]["longest_document"] == memory.meta["counts"]["longest_document"] == longest
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["ids.npy", "meta.json", "offsets.npy", "vocab.tsv"]
