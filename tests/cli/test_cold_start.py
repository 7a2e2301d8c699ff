"""One-shot queries and predictions import only what they need: no Numba (0.4 s of start-up), SciPy,
gensim or the server's stack. The whole command runs in a fresh process under -X importtime."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

HEAVY = ("numba", "llvmlite", "scipy", "gensim", "pydantic", "fastapi", "starlette", "uvicorn", "dask", "matplotlib")


def imported(args, stdin="") -> set[str]:
    """Top-level modules imported by `seqkit ARGS` in a fresh interpreter."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "seqkit", *map(str, args)], input=stdin,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    return {n.split(".")[0] for n in names}


def test_similar_imports_nothing_heavy(tmp_path):
    from seqkit.embed.formats import save_native

    words = ["king", "queen", "man", "woman"]
    save_native(tmp_path / "m.w2v", words, np.arange(4, 0, -1), {"vectors": np.eye(4, dtype=np.float32)}, {})
    assert imported(["similar", tmp_path / "m.w2v", "king"]).isdisjoint(HEAVY + ("rich",))  # a pipe: no table


@pytest.mark.parametrize("text", ["pip install 'seqkit[dask]'", "[bold]x[/bold] and [1, 2]", "a \\[red]b", "end\\",
                                  "end\\\\", "[#fff]c[@click]", "plain"])
def test_help_markup_is_escaped_as_rich_escapes_it(text):
    from rich.markup import escape

    from seqkit.cli import escape_markup

    assert escape_markup(text) == escape(text)


def test_predict_of_a_line_with_a_linear_model_imports_nothing_heavy(tmp_path):
    from tests.models.linear.test_model import _fit, _sentiment

    _fit(_sentiment(100, 0), word_ngrams=2, buckets=50).save(tmp_path / "m.npz")
    assert imported(["predict", tmp_path / "m.npz"], "a good film\n").isdisjoint(HEAVY)


@pytest.mark.parametrize("extra", [["--k", "2"], ["--json"]])
def test_a_long_input_still_takes_the_kernel(tmp_path, extra):
    """The other side of the switch: past SMALL_CHARS of text the Numba kernel predicts (it is faster there)."""
    from seqkit.models.linear.predict_numpy import SMALL_CHARS
    from tests.models.linear.test_model import _fit, _sentiment

    _fit(_sentiment(100, 0), word_ngrams=2, buckets=50).save(tmp_path / "m.npz")
    assert "numba" in imported(["predict", tmp_path / "m.npz", *extra], "a good film\n" * (SMALL_CHARS // 10))


@pytest.fixture(scope="module")
def neural_models(tmp_path_factory):
    """A tiny MLP and a tiny stacked bidirectional GRU, trained on the classifier tests' data."""
    from tests.cli.test_classify import FAST, _examples, _tsv, run

    d = tmp_path_factory.mktemp("neural")
    train = _tsv(d / "train.tsv", _examples(100, 0))
    models = {}
    for arch in (["--arch", "mlp"], ["--arch", "gru", "--bidirectional", "--layers", "2"]):
        models[arch[1]] = d / f"{arch[1]}.npz"
        r = run(["train-classifier", train, "-o", models[arch[1]], *arch, *FAST])
        assert r.exit_code == 0, r.stderr
    return models


@pytest.mark.parametrize("arch", ["mlp", "gru"])
def test_predict_of_a_line_with_a_neural_model_imports_nothing_heavy(neural_models, arch):
    """A few short texts take the model's NumPy path (TrainedClassifier.predict_proba): no Numba to load."""
    assert imported(["predict", neural_models[arch]], "a good film\n").isdisjoint(HEAVY)


def test_a_long_input_to_a_gru_still_takes_the_kernels(neural_models):
    from seqkit.models.linear.predict_numpy import SMALL_CHARS

    assert "numba" in imported(["predict", neural_models["gru"]], "a good film\n" * (SMALL_CHARS // 10))


def _commands(group, path=()):
    for name, command in group.commands.items():
        yield path + (name,)
        if hasattr(command, "commands"):
            yield from _commands(command, path + (name,))


def test_a_command_line_builds_only_its_module_with_the_same_help():
    """`seqkit similar ...` builds the app from vectors.py alone (COMMAND_MODULES); every command and
    group of the full app is in that table, and its help is the same in the lean app as in the full one."""
    import typer
    from typer.testing import CliRunner

    from seqkit.cli import COMMAND_MODULES, app, build_app

    full = typer.main.get_command(app)
    assert set(full.commands) == set(COMMAND_MODULES)
    runner = CliRunner()
    for command in _commands(full):
        lean = build_app(COMMAND_MODULES[command[0]])
        assert set(typer.main.get_command(lean).commands) == {c for c, m in COMMAND_MODULES.items()
                                                              if m == COMMAND_MODULES[command[0]]}
        expected = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
        got = runner.invoke(lean, [*command, "--help"], env={"COLUMNS": "120"})
        assert expected.exit_code == got.exit_code == 0 and got.stdout == expected.stdout, command


@pytest.mark.parametrize("args, module", [(["similar", "--help"], "vectors"), (["--debug", "predict", "--help"], "classify"),
                                          (["corpus", "list", "--help"], "corpus")])
def test_one_shot_commands_import_no_other_cli_module(args, module):
    code = ("import sys\nfrom seqkit.cli import main\n"
            f"sys.argv = ['seqkit', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('seqkit.cli.'))), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[2] for m in out.stderr.split()}
    commands = {"corpus", "w2v", "vectors", "crosscheck", "classify", "quantize", "serve", "plot"}
    assert module in loaded and not (commands - {module}) & loaded, out.stderr
    full = subprocess.run([sys.executable, "-c", code.replace(f"*{args!r}", "'--help'")], capture_output=True,
                          text=True, check=True)
    assert commands <= {m.split(".")[2] for m in full.stderr.split()}  # --help lists every command
