"""Evaluation figures equal gensim's on the same vectors."""

import logging

import numpy as np
import pytest

from seqkit.embed.evaluate import analogy_accuracy, evaluate_all, gensim_dataset, rank_average, spearman, word_pairs
from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import InputError


@pytest.fixture(scope="module")
def planted():
    """Vectors for words of questions-words.txt (some also capitalized, as case variants), of the
    word-pair files and fillers, where some analogies hold (planted offsets plus noise), so that
    accuracy is neither 0 nor 1."""
    rng = np.random.default_rng(7)
    words, seen = [], set()
    for line in open(gensim_dataset("questions-words.txt"), encoding="utf-8"):
        if not line.startswith(":"):
            words += [w for w in line.lower().split() if w not in seen and not seen.add(w)]
    rng.shuffle(words)
    words = words[:700] + [w.capitalize() for w in words[:40]] + [f"filler{i}" for i in range(100)]
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in open(gensim_dataset(name), encoding="utf-8"):
            parts = line.lower().split("\t")
            if not line.startswith("#") and len(parts) == 3 and rng.random() < 0.6:
                words += [w for w in parts[:2] if w not in seen and not seen.add(w)]
    kept = {w: i for i, w in enumerate(words)}
    d = 24
    offset = rng.standard_normal(d)
    vecs = rng.standard_normal((len(words), d))
    for line in open(gensim_dataset("questions-words.txt"), encoding="utf-8"):
        parts = line.lower().split()
        if len(parts) == 4 and rng.random() < 0.05 and parts[3] in kept and parts[2] in kept:
            vecs[kept[parts[3]]] = vecs[kept[parts[2]]] + offset + 0.3 * rng.standard_normal(d)
    return words, vecs.astype(np.float32)


def _gensim(words, vecs):
    from gensim.models import KeyedVectors as GensimKV

    g = GensimKV(vecs.shape[1])
    g.add_vectors(words, vecs)
    return g


@pytest.mark.parametrize("restrict", [30000, 500])
def test_analogies_equal_gensims(planted, restrict):
    words, vecs = planted
    ours = analogy_accuracy(KeyedVectors(words, vecs), restrict_vocab=restrict)
    score, sections = _gensim(words, vecs).evaluate_word_analogies(
        gensim_dataset("questions-words.txt"), restrict_vocab=restrict)
    assert 0 < ours["accuracy"] < 1
    assert ours["accuracy"] == pytest.approx(score)
    for mine, theirs in zip(ours["sections"], sections[:-1]):
        assert mine["section"] == theirs["section"]
        assert (mine["correct"], mine["total"]) == (len(theirs["correct"]), len(theirs["correct"]) + len(theirs["incorrect"]))
    assert ours["total"] == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_equal_gensims(planted, name):
    words, vecs = planted
    ours = word_pairs(KeyedVectors(words, vecs), gensim_dataset(name))
    _, (rho, _), oov_ratio = _gensim(words, vecs).evaluate_word_pairs(gensim_dataset(name))
    assert ours["pairs"] > 10
    assert ours["spearman"] == pytest.approx(rho, abs=1e-9)
    assert 100 * ours["oov"] / (ours["oov"] + ours["pairs"]) == pytest.approx(oov_ratio)


def test_figures_equal_gensims_on_vectors_gensim_trained():
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    logging.disable(logging.INFO)
    wv = Word2Vec(LineSentence(gensim_dataset("lee_background.cor")), vector_size=32, min_count=2, epochs=3,
                  workers=1, seed=1).wv
    kv = KeyedVectors(list(wv.index_to_key), wv.vectors)
    g_acc, g_sections = wv.evaluate_word_analogies(gensim_dataset("questions-words.txt"), restrict_vocab=30000)
    ours = analogy_accuracy(kv)
    assert ours["total"] == len(g_sections[-1]["correct"]) + len(g_sections[-1]["incorrect"]) > 0
    assert ours["accuracy"] == pytest.approx(g_acc)
    for name in ("wordsim353.tsv", "simlex999.txt"):
        _, (g_rho, _), _ = wv.evaluate_word_pairs(gensim_dataset(name))
        assert word_pairs(kv, gensim_dataset(name))["spearman"] == pytest.approx(g_rho, abs=1e-6)


def test_spearman_with_ties_equals_scipys():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 5, 60).astype(float), rng.integers(0, 7, 60).astype(float)
    assert spearman(a, b) == pytest.approx(spearmanr(a, b)[0], abs=1e-12)
    assert rank_average(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_evaluate_all_with_own_files_and_oov(tmp_path):
    kv = KeyedVectors(["a", "b", "c", "d"], np.eye(4, dtype=np.float32) + 0.1)
    (tmp_path / "q.txt").write_text(": one\na b c d\nA B C zzz\n")
    (tmp_path / "p.tsv").write_text("# comment\na\tb\t1\na\tc\t2\nb\td\t3\nx\ty\t4\n")
    r = evaluate_all(kv, str(tmp_path / "q.txt"), str(tmp_path / "p.tsv"), str(tmp_path / "p.tsv"))
    assert r["analogy_total"] == 1 and r["analogy_oov"] == 1
    assert r["wordsim353_pairs"] == 3 and r["wordsim353_oov"] == 1


def test_malformed_files(tmp_path):
    kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    (tmp_path / "q.txt").write_text("a b a b\n")
    with pytest.raises(InputError, match="section"):
        analogy_accuracy(kv, str(tmp_path / "q.txt"))
    (tmp_path / "e.txt").write_text(": empty\nnothing here\n")
    with pytest.raises(InputError, match="no analogy questions"):
        analogy_accuracy(kv, str(tmp_path / "e.txt"))
    (tmp_path / "p.tsv").write_text("a\tb\tnot-a-number\n")
    with pytest.raises(InputError, match="not a number"):
        word_pairs(kv, str(tmp_path / "p.tsv"))
    (tmp_path / "c.tsv").write_text("# only a comment\n")
    with pytest.raises(InputError, match="no word pairs"):
        word_pairs(kv, str(tmp_path / "c.tsv"))
    with pytest.raises(InputError, match="does not exist"):
        word_pairs(kv, str(tmp_path / "missing.txt"))


def test_restrict_words_asks_the_same_questions_whatever_the_order_of_ties(planted):
    """Two files of one model that order equally frequent words differently (gensim puts the later
    seen first, word2vec.c and seqkit the earlier) cut --restrict at different words; a word list
    gives both the same questions, the same answers and the same accuracy."""
    words, vecs = planted
    n = len(words)
    reordered = list(range(n - 1, n // 2 - 1, -1)) + list(range(n // 2))  # the second half's words first
    kv, other = KeyedVectors(words, vecs), KeyedVectors([words[i] for i in reordered], vecs[reordered])
    cut = n // 2
    plain = analogy_accuracy(kv, restrict_vocab=cut), analogy_accuracy(other, restrict_vocab=cut)
    assert plain[0]["total"] != plain[1]["total"]  # the cut-off decides which questions are asked
    listed = frozenset(words[: cut])
    mine, theirs = analogy_accuracy(kv, restrict_words=listed), analogy_accuracy(other, restrict_words=listed)
    assert mine["words"] == theirs["words"] == cut
    assert (mine["total"], mine["correct"]) == (theirs["total"], theirs["correct"]) == (
        plain[0]["total"], plain[0]["correct"])  # over the model's own first words: as --restrict
    assert 0 < mine["accuracy"] < 1


def test_word_lists(tmp_path):
    from seqkit.embed.evaluate import read_word_list

    (tmp_path / "v.tsv").write_text("king\t9\n\nqueen\t4\n")  # a corpus folder's vocab.tsv
    assert read_word_list(tmp_path / "v.tsv") == {"king", "queen"}
    (tmp_path / "blank.txt").write_text("\n \n")
    with pytest.raises(InputError, match="no words"):
        read_word_list(tmp_path / "blank.txt")
    (tmp_path / "bin.txt").write_bytes(b"king\n\xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_word_list(tmp_path / "bin.txt")
    with pytest.raises(InputError, match="does not exist"):
        read_word_list(tmp_path / "missing.txt")


def test_frequent_words_keep_every_tie_at_the_cut_off():
    from seqkit.embed.evaluate import frequent_words

    words, counts = ["a", "b", "c", "d", "e"], [9, 7, 3, 7, 7]
    assert frequent_words(words, counts, 2) == {"a", "b", "d", "e"}  # b, d, e share the 2nd count
    assert frequent_words(words, counts, 1) == {"a"}
    assert frequent_words(words, counts, 10) == set(words)
