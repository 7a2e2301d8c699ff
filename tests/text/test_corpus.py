"""The encoded corpus on disk."""

import numpy as np
import pytest


def test_release_pages_frees_memory_and_keeps_the_data(tmp_path):
    import sys

    from seqkit.text.corpus import release_pages

    if not sys.platform.startswith("linux"):
        pytest.skip("VmRSS is Linux's")

    def rss_mb():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))

    path = tmp_path / "ids.npy"
    np.save(path, np.arange(8_000_000, dtype=np.int32))  # 32 MB
    ids = np.load(path, mmap_mode="r")
    assert int(ids.sum(dtype=np.int64)) == 8_000_000 * 7_999_999 // 2  # every page resident
    before = rss_mb()
    release_pages(ids, 7_000_000)
    assert before - rss_mb() >= 20
    assert ids[6_999_999] == 6_999_999 and ids[5] == 5 and ids[7_999_999] == 7_999_999
    release_pages(np.arange(10, dtype=np.int32), 5)  # an array in memory: nothing to do


def _write_v1(folder, words, ids, offsets):
    """A corpus folder as format 1 wrote it: ids.npy + offsets.npy, no shard list."""
    import json

    folder.mkdir()
    (folder / "vocab.tsv").write_text("".join(f"{w}\t{10 - i}\n" for i, w in enumerate(words)))
    np.save(folder / "ids.npy", np.asarray(ids, np.int32))
    np.save(folder / "offsets.npy", np.asarray(offsets, np.int64))
    (folder / "meta.json").write_text(json.dumps({"format": "seqkit-corpus", "format_version": 1, "counts": {}}))


def test_format_1_corpora_still_load(tmp_path):
    from seqkit.text.corpus import EncodedCorpus

    _write_v1(tmp_path / "c", ["a", "b", "c"], [0, 1, 2, 0, 0], [0, 3, 5])
    corpus = EncodedCorpus.load(tmp_path / "c")
    assert len(corpus.shards) == 1 and corpus.n_docs == 2 and corpus.n_tokens == 5
    assert [list(d) for d in corpus.documents()] == [[0, 1, 2], [0, 0]]
    assert isinstance(corpus.ids, np.memmap)


def _write_sharded(folder, parts):
    import json

    folder.mkdir()
    (folder / "vocab.tsv").write_text("a\t9\nb\t8\nc\t7\n")
    shards = []
    for k, (ids, offsets) in enumerate(parts):
        np.save(folder / f"ids-{k}.npy", np.asarray(ids, np.int32))
        np.save(folder / f"offsets-{k}.npy", np.asarray(offsets, np.int64))
        shards.append({"ids": f"ids-{k}.npy", "offsets": f"offsets-{k}.npy"})
    meta = {"format": "seqkit-corpus", "format_version": 2, "shards": shards}
    (folder / "meta.json").write_text(json.dumps(meta))
    return meta


def test_sharded_corpus_reads_as_one(tmp_path):
    from seqkit.text.corpus import EncodedCorpus, restrict

    _write_sharded(tmp_path / "c", [([0, 1, 2], [0, 2, 3]), ([2, 2], [0, 0, 2]), ([1], [0, 1])])
    corpus = EncodedCorpus.load(tmp_path / "c")
    assert corpus.n_docs == 5 and corpus.n_tokens == 6
    assert list(corpus.offsets) == [0, 2, 3, 3, 5, 6] and list(corpus.ids) == [0, 1, 2, 2, 2, 1]
    assert [list(d) for d in corpus.documents()] == [[0, 1], [2], [], [2, 2], [1]]
    assert list(corpus.document(3)) == [2, 2] and list(corpus.document(4)) == [1]
    small = restrict(corpus, min_count=8)  # 'c' dropped, shard by shard
    assert small.vocab.words == ["a", "b"] and list(small.offsets) == [0, 2, 2, 2, 2, 3]


@pytest.mark.parametrize("name", ["../ids.npy", "/etc/passwd", ".hidden.npy", 7, ""])
def test_hostile_shard_names_are_refused(tmp_path, name):
    import json

    from seqkit.errors import InputError
    from seqkit.text.corpus import EncodedCorpus

    meta = _write_sharded(tmp_path / "c", [([0, 1], [0, 2])])
    meta["shards"][0]["ids"] = name
    (tmp_path / "c" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="shard file"):
        EncodedCorpus.load(tmp_path / "c")


@pytest.mark.parametrize("offsets", [[0, 3], [1, 2], [0, 2, 1, 2]])
def test_shards_whose_offsets_disagree_are_refused(tmp_path, offsets):
    from seqkit.errors import InputError
    from seqkit.text.corpus import EncodedCorpus

    _write_sharded(tmp_path / "c", [([0, 1], offsets)])
    with pytest.raises(InputError, match="corrupted: offsets"):
        EncodedCorpus.load(tmp_path / "c")


def test_newer_corpus_format_is_refused(tmp_path):
    import json

    from seqkit.errors import InputError
    from seqkit.text.corpus import EncodedCorpus

    meta = _write_sharded(tmp_path / "c", [([0], [0, 1])])
    meta["format_version"] = 3
    (tmp_path / "c" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="newer seqkit"):
        EncodedCorpus.load(tmp_path / "c")


@pytest.mark.parametrize("backwards_at", [1, 2, 3, 5, 6, 7])
def test_offsets_going_backwards_are_found_across_check_blocks(tmp_path, monkeypatch, backwards_at):
    """The offsets are checked in blocks (no temporary as long as millions of documents' offsets):
    a step back on either side of a block's edge is still found."""
    from seqkit.errors import InputError
    from seqkit.text import corpus
    from seqkit.text.corpus import EncodedCorpus

    monkeypatch.setattr(corpus, "_CHECK_BLOCK", 3)
    offsets = list(range(0, 17, 2))  # 8 documents of 2 tokens
    offsets[backwards_at] = offsets[backwards_at + 1] + 1  # then one step back
    _write_sharded(tmp_path / "c", [([0] * 16, offsets)])
    with pytest.raises(InputError, match="corrupted: offsets"):
        EncodedCorpus.load(tmp_path / "c")
    _write_sharded(tmp_path / "ok", [([0] * 16, list(range(0, 17, 2)))])
    assert EncodedCorpus.load(tmp_path / "ok").n_docs == 8
