"""The command line's conventions that every command follows."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from seqkit import __version__
from seqkit.cli import app

runner = CliRunner()


def run(args, **kw):
    return runner.invoke(app, args, **kw)


def test_version_from_console_script_and_module():
    out = subprocess.run([sys.executable, "-m", "seqkit", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"seqkit {__version__}"
    assert run(["--version"]).stdout.strip() == f"seqkit {__version__}"


HEAVY = ("numba", "gensim", "numpy", "matplotlib", "plotly", "sklearn", "umap", "scipy", "PIL", "dask", "distributed",
         "fastapi", "starlette", "uvicorn")


@pytest.mark.parametrize("args", [["--help"], ["plot", "--help"], ["plot", "words", "--help"], ["export", "--help"],
                                  ["preprocess", "--help"], ["predict", "--help"], ["serve", "--help"]])
def test_help_imports_no_heavy_modules(args):
    code = (
        "import sys; from seqkit.cli import app; from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, {args!r}); assert r.exit_code == 0, r.stdout; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _all_commands(group, path=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _all_commands(command, path + (name,))
        else:
            yield path + (name,)


def test_flags_show_no_type_in_help():
    import typer

    commands = list(_all_commands(typer.main.get_command(app)))
    assert ("plot", "words") in commands and ("train-w2v",) in commands
    for command in [()] + commands:
        result = run([*command, "--help"], env={"COLUMNS": "160"})
        assert result.exit_code == 0
        assert "<bool>" not in result.stdout, command
    assert "<int>" in run(["train-w2v", "--help"], env={"COLUMNS": "160"}).stdout  # options with values keep theirs


def test_shell_completion_is_offered_and_completes_commands_and_options():
    import os
    from pathlib import Path

    seqkit = str(Path(sys.executable).parent / "seqkit")  # the console script installed beside this Python
    # Typer takes the shell named here only with its detection off; otherwise it looks for a shell among the
    # process's ancestors, and a suite run in the background (reparented to init) has none.
    named = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    script = subprocess.run([seqkit, "--show-completion", "bash"], env=named, capture_output=True, text=True)
    assert script.returncode == 0 and "complete -o default -F _seqkit_completion seqkit" in script.stdout
    env = {**os.environ, "_SEQKIT_COMPLETE": "complete_bash"}
    words = subprocess.run([seqkit], env={**env, "COMP_WORDS": "seqkit pl", "COMP_CWORD": "1"}, capture_output=True, text=True)
    assert words.stdout.split() == ["plot"]
    words = subprocess.run([seqkit], env={**env, "COMP_WORDS": "seqkit plot words m --me", "COMP_CWORD": "4"},
                           capture_output=True, text=True)
    assert words.stdout.split() == ["--method"]


def test_user_mistake_is_one_red_line_on_stderr_exit_1(tmp_path):
    result = run(["preprocess", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"error: input {tmp_path / 'missing.txt'} does not exist"]
    assert "Traceback" not in result.stderr


def test_bad_usage_is_one_line_and_exit_2():
    """Usage mistakes (click's, in a box of five lines before) are one error line too, naming the help."""
    cases = [
        (["preprocess", "--no-such-option"], "No such option: --no-such-option", "seqkit preprocess"),
        (["preprocess", "x", "-o", "y", "--min-count", "0"],
         "Invalid value for '--min-count': Input should be greater than or equal to 1", "seqkit preprocess"),
        (["train-w2v", "x", "-o", "y", "--model", "foo"],
         "Invalid value for '--model': 'foo' is not one of 'skipgram', 'cbow'", "seqkit train-w2v"),
        (["train-w2v", "x"], "Missing option '--output' / '-o'", "seqkit train-w2v"),
        (["no-such-command"], "No such command 'no-such-command'", "seqkit"),
        (["--no-such-option", "preprocess"], "No such option: --no-such-option", "seqkit"),
    ]
    for args, message, command in cases:
        result = run(args)
        assert result.exit_code == 2, (args, result.stderr)
        (line,) = result.stderr.splitlines()  # click may add "(Possible options: ...)" in between
        assert line.startswith(f"error: {message}") and line.endswith(f" (see '{command} -h')"), line


def test_debug_lets_the_traceback_through(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQKIT_DEBUG", raising=False)
    result = run(["--debug", "preprocess", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and result.exception is not None
    assert type(result.exception).__name__ == "InputError"
    # the next invocation without --debug is back to one-line errors
    result = run(["preprocess", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o")])
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:")


def test_stdin_input_and_json_output(tmp_path):
    result = run(["preprocess", "-", "-o", str(tmp_path / "c"), "--min-count", "1", "--json"], input="a b\nb c\n")
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["documents"] == 2 and stats["tokens"] == 4 and stats["vocab_size"] == 3
    assert "wrote" in result.stderr  # messages on stderr, data on stdout


def test_empty_stdin(tmp_path):
    result = run(["preprocess", "-", "-o", str(tmp_path / "c")], input="")
    assert result.exit_code == 1 and "no input on stdin" in result.stderr


def test_corpus_stats_tsv_when_piped_and_json(tmp_path):
    assert run(["preprocess", "-", "-o", str(tmp_path / "c"), "--min-count", "1"], input="x y x\n").exit_code == 0
    piped = run(["corpus", "stats", str(tmp_path / "c")])
    rows = dict(line.split("\t") for line in piped.stdout.splitlines())
    assert rows["documents"] == "1" and rows["tokens"] == "3" and rows["vocab_size"] == "2"
    as_json = json.loads(run(["corpus", "stats", str(tmp_path / "c"), "--json"]).stdout)
    assert as_json["longest_document"] == 3


def test_stats_of_a_folder_that_is_no_corpus(tmp_path):
    result = run(["corpus", "stats", str(tmp_path)])
    assert result.exit_code == 1 and "seqkit preprocess" in result.stderr


def test_ctrl_c_exits_130_with_a_message(tmp_path, monkeypatch):
    import seqkit.text.preprocess as pp

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pp, "preprocess", interrupted)
    result = run(["preprocess", "-", "-o", str(tmp_path / "c")], input="a\n")
    assert result.exit_code == 130 and "interrupted" in result.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x00junk\x00"])
def test_bad_files_through_the_cli(tmp_path, content):
    path = tmp_path / "bad"
    path.write_bytes(content)
    result = run(["preprocess", str(path), "-o", str(tmp_path / "c")])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c").exists()


def test_undecodable_bytes_counted_in_meta_not_a_crash(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café crème\n".encode("latin-1") * 3)
    result = run(["preprocess", str(path), "-o", str(tmp_path / "c"), "--min-count", "1"])
    assert result.exit_code == 0 and "undecodable" in result.stderr
    meta = json.loads((tmp_path / "c" / "meta.json").read_text())
    assert meta["counts"]["undecodable_bytes"] == 6


def test_real_ctrl_c_with_worker_processes_is_one_line_and_leaves_nothing(tmp_path):
    import os
    import signal
    import time

    big = tmp_path / "big.txt"
    line = " ".join(f"word{i % 5000}" for i in range(200)) + "\n"
    big.write_text(line * 24000)  # ~24 MB: long enough to interrupt mid-way on a loaded machine
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "seqkit", "preprocess", str(big), "-o", str(out), "--workers", "2"],
        start_new_session=True, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    stderr = proc.communicate(timeout=60)[1]
    if proc.returncode == 0 or (out.exists() and proc.returncode == 130):
        # The test was held up past the run's end: the interrupt came after the output was complete.
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130, stderr  # what the run printed, should it ever fail (one CI run: -2)
    assert "Traceback" not in stderr and stderr.strip().startswith("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def _assert_one_interrupt_line(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "interrupted: nothing half-written was left behind\n"


def test_ctrl_c_outside_a_command_is_one_line_and_exit_130():
    """A Ctrl-C can land while the app is built, or as a command returns, outside the command's own
    handler: it too is one line and exit 130, not Python's traceback and death by the signal (-2)."""
    code = ("import seqkit.cli as cli\n"
            "def interrupted():\n"
            "    raise KeyboardInterrupt\n"
            "cli.app_for = lambda args: interrupted\n"
            "cli.main()\n")
    _assert_one_interrupt_line(_python(code, "similar"))


def test_ctrl_c_while_the_cli_imports_is_one_line_and_exit_130():
    """The first tenth of a second of every run imports typer and rich: a Ctrl-C there too is one line."""
    code = ("import builtins\n"
            "real_import = builtins.__import__\n"
            "def interrupted_import(name, *args, **kwargs):\n"
            "    if name == 'typer':\n"
            "        raise KeyboardInterrupt\n"
            "    return real_import(name, *args, **kwargs)\n"
            "builtins.__import__ = interrupted_import\n"
            "from seqkit.entry import main\n"
            "main()\n")
    _assert_one_interrupt_line(_python(code, "similar"))


@pytest.mark.parametrize("interrupted", [True, False])
def test_ctrl_c_that_a_library_turns_into_another_error_is_still_an_interrupt(interrupted):
    """numpy's tofile (in np.save) raises a TypeError when a Ctrl-C lands in its os.PathLike check (seen
    once in 100 interrupted `preprocess --workers 2` runs): still one line and exit 130. The same error
    without a Ctrl-C is a bug, and keeps its traceback."""
    code = ("import os, signal\n"
            "import seqkit.cli as cli\n"
            "def run():\n"
            "    try:\n"
            f"        {'signal.raise_signal(signal.SIGINT)' if interrupted else 'raise KeyboardInterrupt'}\n"
            "    except KeyboardInterrupt:\n"
            "        raise TypeError('expected str, bytes or os.PathLike object, not BufferedWriter') from None\n"
            "cli.app_for = lambda args: run\n"
            "cli.main()\n")
    proc = _python(code, "preprocess")
    if interrupted:
        _assert_one_interrupt_line(proc)
    else:
        assert proc.returncode == 1 and "Traceback" in proc.stderr and "TypeError" in proc.stderr


_FINALIZER_RAISES = ("import seqkit.cli as cli\n"
                     "import seqkit.fileio as fileio\n"
                     "class Finalized:\n"
                     "    def __del__(self):\n"
                     "        raise {error}\n"
                     "check_output = fileio.check_output\n"
                     "def checked(*args, **kwargs):\n"
                     "    Finalized()  # collected at once, its __del__ run inside the command\n"
                     "    return check_output(*args, **kwargs)\n"
                     "fileio.check_output = checked\n"
                     "cli.main()\n")


def test_a_ctrl_c_that_a_finalizer_swallowed_still_stops_the_command(tmp_path):
    """A Ctrl-C landing in a finalizer (a Dask future's __del__: seen in stress runs) is dropped by Python
    ("Exception ignored in ...") and the command used to finish, exit 0, as if none came. It now stops at
    the next progress update or output: one line, exit 130, nothing written."""
    out = tmp_path / "demo.npz"
    proc = _python(_FINALIZER_RAISES.format(error="KeyboardInterrupt"), "train-w2v", "--demo", "-o", str(out),
                   "--epochs", "1")
    _assert_one_interrupt_line(proc)
    assert list(tmp_path.iterdir()) == []


def test_other_errors_in_finalizers_are_reported_as_python_does(tmp_path):
    out = tmp_path / "demo.txt"
    proc = _python(_FINALIZER_RAISES.format(error="ValueError('in a finalizer')"), "train-w2v", "--demo", "-o",
                   str(out), "--epochs", "1", "--format", "word2vec-text")
    assert proc.returncode == 0, proc.stderr
    assert "Exception ignored in" in proc.stderr and "ValueError: in a finalizer" in proc.stderr
    assert out.exists()


def test_a_swallowed_ctrl_c_stops_the_job_before_its_output_lands(tmp_path, monkeypatch):
    """No progress update after it: the output is not renamed into place (fileio.atomic_path, atomic_dir)."""
    from seqkit import fileio

    for make in (fileio.atomic_path, fileio.atomic_dir):
        target = tmp_path / "out"
        with pytest.raises(KeyboardInterrupt):
            with make(target) as tmp:
                (tmp / "part" if tmp.is_dir() else tmp).write_text("x")
                monkeypatch.setattr(fileio, "_lost_interrupt", [True])
        assert list(tmp_path.iterdir()) == []
    fileio.raise_lost_interrupt()  # raised once: nothing left to raise


def _children(pid: int) -> list[tuple[int, float]]:
    """(pid, CPU seconds used) of each child process of ``pid``."""
    import os

    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.isdigit() and int(fields[1]) == pid:
            found.append((int(entry), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")))
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_process_that_dies_is_one_line_and_leaves_nothing(tmp_path):
    """A tokenizing worker killed mid-run (the out-of-memory killer, say): one error line, exit 1, no
    temporary left, and no hang (the pool used before waited for the lost batch for ever)."""
    import os
    import signal
    import time

    big = tmp_path / "big.txt"
    from seqkit.text.fast_encode import DISABLE_ENV

    big.write_text((" ".join(f"word{i % 5000}" for i in range(200)) + "\n") * 48000)
    proc = subprocess.Popen(  # the regular-expression tokenizer: seconds of work for each worker
        [sys.executable, "-m", "seqkit", "preprocess", str(big), "-o", str(tmp_path / "out"), "--workers", "2"],
        start_new_session=True, stderr=subprocess.PIPE, text=True, env={**os.environ, DISABLE_ENV: "1"},
    )
    deadline, victims = time.time() + 60, []
    while time.time() < deadline and not victims and proc.poll() is None:
        # a worker past its imports (about 0.25 s of CPU here) is at work: the batch it holds is lost
        victims = [c for c, cpu in _children(proc.pid) if cpu > 0.5 and "spawn_main" in _cmdline(c)]
        time.sleep(0.01)
    if not victims:
        proc.kill()
        pytest.skip("the run ended before a worker was at work")
    os.kill(victims[0], signal.SIGKILL)
    try:
        stderr = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    if proc.returncode == 0:
        pytest.skip("the run finished before the worker died")
    assert proc.returncode == 1, stderr
    assert stderr.strip().splitlines()[-1] == "error: a preprocessing worker process died (out of memory?): try --workers 1"
    assert "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def _sigint_disposition_of_a_spawned_child(queue):
    import signal

    queue.put(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)


def test_workers_start_with_ctrl_c_ignored_and_the_parent_still_gets_it():
    """A worker process must ignore the process group's Ctrl-C from its first instruction (one that
    is still importing printed a traceback), while a Ctrl-C that lands in the parent meanwhile is
    delivered once the workers are started, not lost. The second half runs in a fresh process, as
    the CLI does: here other threads of the test session (left unblocked) could take the signal."""
    import multiprocessing as mp
    import signal

    from seqkit.fileio import workers_ignore_sigint

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    with workers_ignore_sigint():
        child = ctx.Process(target=_sigint_disposition_of_a_spawned_child, args=(queue,))
        child.start()
    assert queue.get(timeout=60) is True
    child.join(60)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    code = ("import os, signal\n"
            "from seqkit.fileio import workers_ignore_sigint\n"
            "try:\n"
            "    with workers_ignore_sigint():\n"
            "        os.kill(os.getpid(), signal.SIGINT)\n"
            "    print('lost')\n"
            "except KeyboardInterrupt:\n"
            "    print('delivered')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "delivered", proc.stderr


def test_a_ctrl_c_another_thread_takes_waits_until_the_temporary_is_guarded():
    """Between making a temporary and entering the try block that removes it, SIGINT is held. Blocking it in
    the main thread alone let the kernel hand a Ctrl-C to another thread (a progress display's, a worker
    pool's), and Python raised it in the main thread at once: an interrupted `preprocess --workers 2` in CI
    left its temporary folder behind. In a fresh process with such a thread, the interrupt must wait for
    _release."""
    code = ("import os, signal, threading, time\n"
            "from seqkit.fileio import _hold_interrupts, _release\n"
            "stop = threading.Event()\n"
            "helper = threading.Thread(target=stop.wait)\n"
            "helper.start()\n"
            "try:\n"
            "    held = _hold_interrupts()\n"
            "    try:\n"
            "        os.kill(os.getpid(), signal.SIGINT)\n"
            "        deadline = time.time() + 0.5\n"
            "        while time.time() < deadline:\n"
            "            pass\n"
            "        print('held')\n"
            "    except KeyboardInterrupt:\n"
            "        print('early')\n"
            "    try:\n"
            "        _release(held)\n"
            "        print('lost')\n"
            "    except KeyboardInterrupt:\n"
            "        print('delivered')\n"
            "finally:\n"
            "    stop.set()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["held", "delivered"], (proc.stdout, proc.stderr)


def test_a_ctrl_c_after_the_command_finished_does_not_kill_the_process():
    """Once the command is over, a late Ctrl-C (during interpreter shutdown) must not turn a finished
    run into death by signal (exit -2)."""
    code = ("import signal, sys\n"
            "from seqkit.cli import main\n"
            "sys.argv = ['seqkit', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == "True"


NORMALIZE_FLAGS = ("--lowercase", "--strip-html", "--urls", "--numbers", "--punct", "--symbols")


@pytest.mark.parametrize("cmd", ["preprocess", "train-w2v", "crosscheck", "train-classifier"])
def test_every_command_that_reads_text_takes_the_same_normalisation_options(cmd):
    from seqkit.cli import options

    r = run([cmd, "--help"], terminal_width=200)
    assert r.exit_code == 0
    for flag in NORMALIZE_FLAGS:
        assert flag in r.stdout, (cmd, flag)
    assert set(options.NORMALIZE.options) <= set(options.PREPROCESS.options)


def test_an_option_group_hands_the_command_one_built_config():
    import typer

    from seqkit.cli import options

    seen = {}
    one = typer.Typer()

    @one.command()
    @options.NORMALIZE.into("normalize")
    def show(word: str, normalize=None):
        seen["word"], seen["normalize"] = word, normalize

    r = CliRunner().invoke(one, ["x", "--keep-case", "--numbers", "token"])
    assert r.exit_code == 0, r.output
    assert seen["word"] == "x" and not seen["normalize"].lowercase and seen["normalize"].numbers == "token"
