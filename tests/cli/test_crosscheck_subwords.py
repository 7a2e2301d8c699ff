"""`seqkit crosscheck --subwords`: seqkit's subword vectors against gensim's FastText, with the
out-of-vocabulary score on held-out pairs whose words never reach training."""

import json

from typer.testing import CliRunner

from seqkit.cli import app
from tests.cli.test_crosscheck import _args, planted  # noqa: F401 (fixture)

runner = CliRunner()


def test_crosscheck_subwords_scores_held_out_words(planted):
    # the planted words are t<topic>w<i>: their n-grams '<tN', 'tNw' carry the topic, so a word
    # deleted from the text still lands near its topic when built from n-grams
    result = runner.invoke(app, _args(planted) + ["--subwords", "--buckets", "5000", "--minn", "2", "--maxn", "4"])
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["subwords"] == {"minn": 2, "maxn": 4, "buckets": 5000} and r["passed"]
    for tool in ("seqkit", "gensim"):
        assert r[tool]["oov_pairs"] > 10 and r[tool]["oov_unanswered"] == 0
        assert r[tool]["oov_in_vocabulary"] == 0  # the held-out words were deleted before training
        assert r[tool]["oov_spearman"] > 0.2  # random vectors: about 0
    assert r["seqkit"]["vocab_size"] == r["gensim"]["vocab_size"] < 72  # held-out words left the vocabulary


def test_crosscheck_subwords_bad_options_exit_2(planted):
    result = runner.invoke(app, _args(planted) + ["--subwords", "--buckets", "0"])
    assert result.exit_code == 2 and "--buckets" in result.stderr
