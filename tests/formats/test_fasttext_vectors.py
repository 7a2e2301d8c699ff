"""Every fastText model in gensim's test data (old layout without magic number, version 11, non-ASCII
and cp852 vocabularies) gives gensim's vectors in `seqkit vectors`, in-vocabulary and OOV, within 1e-6.
One word is the exception: gensim gives "</s>" character n-grams, fastText does not (dictionary.cc
initNgrams); seqkit follows fastText, checked against its print-word-vectors."""

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.formats.fasttext_corpus import run

MODELS = ["lee_fasttext.bin", "lee_fasttext_new.bin", "non_ascii_fasttext.bin", "cp852_fasttext.bin"]
OOV = ["xyzzyq", "nonexistentword", "résumé", "über", "日本語", "ab"]
runner = CliRunner()


def _datapath(name):
    from gensim.test.utils import datapath

    return datapath(name)


def seqkit_vectors(path, words) -> dict[str, np.ndarray]:
    """word -> vector from `seqkit vectors --format tsv` (words from stdin; a row is the word and its numbers)."""
    r = runner.invoke(app, ["vectors", path, "--format", "tsv"], input="\n".join(words) + "\n")
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    from seqkit.tsv import unescape

    return {unescape(row[0]): np.array(row[1:], np.float64) for row in rows}  # words are TSV-escaped


@pytest.mark.parametrize("name", MODELS)
def test_vectors_equal_gensims(name):
    from gensim.models.fasttext import load_facebook_vectors

    path = _datapath(name)
    g = load_facebook_vectors(path)
    words = [w for w in g.index_to_key if w != "</s>" and not any(c.isspace() for c in w)]
    oov = [w for w in OOV if w not in g.key_to_index]
    got = seqkit_vectors(path, words + oov)
    for w in words + oov:
        np.testing.assert_allclose(got[w], g[w], atol=1e-6, err_msg=w)


def test_end_of_sentence_word_is_fastTexts(fasttext):
    path = _datapath("lee_fasttext_new.bin")
    out = run(fasttext, "print-word-vectors", path, stdin="</s>\n").split()
    got = seqkit_vectors(path, ["</s>"])["</s>"]
    np.testing.assert_allclose(got, np.array(out[1:], float), rtol=1e-4, atol=1e-6)
