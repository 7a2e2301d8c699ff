"""Texts -> ids -> padded, bucketed batches; metrics."""

import numpy as np
import pytest

from seqkit.errors import InputError, OptionError
from seqkit.models.data import (
    PAD_ID,
    UNK_ID,
    TextEncoder,
    TextOptions,
    bucketed_batches,
    build_vocab,
    label_ids,
    label_names,
    pad_batch,
)
from seqkit.models.metrics import classification_report


def test_vocab_has_pad_and_unk_first_and_respects_min_count_and_max_vocab():
    toks = [["b", "a", "b"], ["c", "b", "a"], ["d"]]
    assert build_vocab(toks) == ["<pad>", "<unk>", "b", "a", "c", "d"]
    assert build_vocab(toks, min_count=2) == ["<pad>", "<unk>", "b", "a"]
    assert build_vocab(toks, max_vocab=1) == ["<pad>", "<unk>", "b"]
    with pytest.raises(InputError, match="min-count=9"):
        build_vocab(toks, min_count=9)


def test_truncation_keeps_head_or_tail_and_unknown_words_map_to_unk():
    words = ["<pad>", "<unk>", "a", "b", "c", "d"]
    head = TextEncoder(words, TextOptions(max_len=3, truncate="head"))
    tail = TextEncoder(words, TextOptions(max_len=3, truncate="tail"))
    assert head.encode("a b c d").tolist() == [2, 3, 4]
    assert tail.encode("a b c d").tolist() == [3, 4, 5]
    assert tail.encode("a NEVERSEEN").tolist() == [2, UNK_ID]
    assert tail.encode("").tolist() == []
    with pytest.raises(OptionError):
        TextOptions(max_len=0)


def test_padding_pre_and_post():
    seqs = [np.array([5, 6, 7], np.int32), np.array([8], np.int32), np.array([], np.int32)]
    ids, lengths = pad_batch(seqs, "post")
    assert ids.tolist() == [[5, 6, 7], [8, PAD_ID, PAD_ID], [UNK_ID, PAD_ID, PAD_ID]]
    assert lengths.tolist() == [3, 1, 1]
    ids, _ = pad_batch(seqs, "pre")
    assert ids.tolist() == [[5, 6, 7], [PAD_ID, PAD_ID, 8], [PAD_ID, PAD_ID, UNK_ID]]


def test_bucketed_batches_cover_every_text_once_with_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 400, size=1000)
    batches = bucketed_batches(lengths, 10, np.random.default_rng(1), bucket_factor=100)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    # padding waste: far less than with random batches
    waste = sum(lengths[b].max() * len(b) - lengths[b].sum() for b in batches)
    random_waste = sum(lengths[b].max() * len(b) - lengths[b].sum() for b in np.array_split(rng.permutation(1000), 100))
    assert waste < 0.1 * random_waste
    # and a different order each epoch
    again = bucketed_batches(lengths, 10, np.random.default_rng(2), bucket_factor=100)
    assert [b.tolist() for b in again] != [b.tolist() for b in batches]


def test_labels_need_two_classes_and_no_empty_label():
    assert label_names(["pos", "neg", "pos"]) == ["neg", "pos"]
    with pytest.raises(InputError, match="at least two classes"):
        label_names(["pos", "pos"])
    with pytest.raises(InputError, match="empty label"):
        label_names(["pos", "", "neg"])
    with pytest.raises(InputError, match="not seen in training"):
        label_ids(["pos", "meh"], ["neg", "pos"])


def test_classification_report_against_hand_counts():
    y = np.array([0, 0, 0, 1, 1, 2])
    p = np.array([0, 1, 0, 1, 2, 2])
    r = classification_report(y, p, ["a", "b", "c"])
    assert r["accuracy"] == pytest.approx(4 / 6)
    assert r["confusion"]["matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert r["per_class"]["a"] == {"precision": 1.0, "recall": pytest.approx(2 / 3), "f1": pytest.approx(0.8), "support": 3}
    assert r["per_class"]["b"]["precision"] == pytest.approx(0.5)
    f1s = [0.8, 0.5, 2 * 0.5 * 1 / 1.5]
    assert r["macro_f1"] == pytest.approx(np.mean(f1s))
