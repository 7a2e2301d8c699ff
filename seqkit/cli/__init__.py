"""The `seqkit` command: sub-apps from each cli module joined into one Typer app.

Modules here import only typer, rich and the standard library at top level, so that
`seqkit --help` starts fast; each command imports the library it needs inside its body.
"""

from __future__ import annotations

import functools
import os
import signal
import sys

import typer
from typer.core import TyperGroup, _click

from seqkit import __version__
from seqkit.errors import SeqkitError

UsageError = _click.exceptions.UsageError  # click's, as Typer vendors it

DEBUG_ENV = "SEQKIT_DEBUG"
_debug = {"on": False}  # set by --debug for the one invocation in progress


def _debugging() -> bool:
    return _debug["on"] or bool(os.environ.get(DEBUG_ENV))


class SeqkitGroup(TyperGroup):
    """Turns user mistakes into one red line on stderr and exit 1 (usage mistakes: exit 2), a broken pipe
    into a quiet exit, Ctrl-C into exit 130, a MemoryError into one line and exit 1, an OSError (a full
    disk, stdout to /dev/full) into one line and exit 1. `--debug` (or SEQKIT_DEBUG=1) lets the traceback
    through."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_help(self)

    def list_commands(self, ctx):  # keep the order in which commands were registered
        return list(self.commands)

    def make_context(self, info_name, args, parent=None, **extra):
        try:  # the options before the command (`seqkit --bogus`)
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as e:
            _usage_error(e)

    def invoke(self, ctx):
        _debug["on"] = False
        try:
            result = super().invoke(ctx)
            from seqkit.fileio import raise_lost_interrupt

            raise_lost_interrupt()  # a Ctrl-C that a finalizer swallowed: the command was interrupted
            sys.stdout.flush()  # a full stdout fails here, inside the handler, not at exit
            return result
        except SeqkitError as e:
            if _debugging():
                raise
            from seqkit.cli.output import error_line

            error_line(str(e))
            raise typer.Exit(getattr(e, "exit_code", 1))
        except UsageError as e:  # an unknown option, a value out of range, a missing argument: exit 2
            _usage_error(e)
        except KeyboardInterrupt:
            if _debugging():
                raise
            _say_interrupted()
            raise typer.Exit(130)
        except MemoryError:  # an allocation within the stated limits (seqkit/limits.py) that this machine lacks
            if _debugging():
                raise
            from seqkit.cli.output import error_line

            error_line("out of memory: this machine cannot hold what the command needs (smaller options or input?); "
                       "nothing half-written was left behind")
            raise typer.Exit(1)
        except BrokenPipeError:
            # The reader of our stdout went away (`| head`): stop quietly.
            _silence_stdout()
            raise typer.Exit(0)
        except OSError as e:  # the system refused a read or a write: one line, no traceback
            if _debugging():
                raise
            from seqkit.cli.output import error_line

            _silence_stdout()
            where = f" ({e.filename})" if e.filename else ""
            error_line(f"{e.strerror or e}{where}")
            raise typer.Exit(1)


def _usage_error(e) -> None:
    """A usage mistake as one error line, naming the command's help; exit 2 (as click's). The error that
    shows a command's help when it is called with no arguments passes through."""
    if _debugging() or type(e).__name__ == "NoArgsIsHelpError":
        raise e
    from seqkit.cli.output import error_line

    ctx = getattr(e, "ctx", None)
    error_line(e.format_message().rstrip(".") + (f" (see '{ctx.command_path} -h')" if ctx is not None else ""))
    raise typer.Exit(e.exit_code)


def plain_help(command) -> None:
    """Every help text of ``command`` and its sub-commands (docstrings, option and argument help) is
    plain text, never rich markup: escaped once here, so that `pip install 'seqkit[dask]'` shows its
    `[dask]` instead of losing it as an unknown style tag."""
    escape = escape_markup
    if getattr(command, "_plain_help", False):
        return
    command._plain_help = True
    for attr in ("help", "short_help", "epilog"):
        if getattr(command, attr, None):
            setattr(command, attr, escape(getattr(command, attr)))
    for param in command.params:
        if getattr(param, "help", None):
            param.help = escape(param.help)
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)


_MARKUP = None


def escape_markup(text: str) -> str:
    """rich.markup.escape without importing rich (tens of ms of every command's start): a backslash before
    each [tag] rich would read, backslashes before it doubled, a trailing lone backslash doubled."""
    global _MARKUP
    if _MARKUP is None:
        import re

        _MARKUP = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
    text = _MARKUP.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)
    return text + "\\" if text.endswith("\\") and not text.endswith("\\\\") else text


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _no_flag_types() -> None:
    """Typer 0.2x prints a type column for every option, `<bool>` beside plain flags (--quiet, --force):
    noise for a flag, which takes no value. Show nothing there for flags; options with values keep theirs."""
    from typer.core import TyperOption

    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_seqkit", False):
        return

    def display_type_rich(self, ctx):
        return None if getattr(self, "is_flag", False) and not getattr(self, "count", False) else original(self, ctx)

    display_type_rich._seqkit = True
    TyperOption.display_type_rich = display_type_rich


_no_flag_types()

from seqkit.cli.lean_params import install as _lean_params  # noqa: E402

_lean_params()  # plain values converted without pydantic (a fifth of a one-shot query's time)

# Which cli module defines each top-level command or group: `seqkit similar ...` imports and builds only
# vectors.py's commands, not the twenty-odd others (tens of ms of a one-shot command's start).
# tests/cli/test_cold_start.py checks this table against the full app.
COMMAND_MODULES = {
    "preprocess": "corpus", "corpus": "corpus", "train-w2v": "w2v",
    "similar": "vectors", "analogy": "vectors", "vectors": "vectors", "export": "vectors", "evaluate-w2v": "vectors",
    "crosscheck": "crosscheck", "train-classifier": "classify", "predict": "classify", "evaluate": "classify",
    "quantize": "quantize", "serve": "serve", "plot": "plot",
}
_TOP_LEVEL = ("corpus", "w2v", "vectors", "crosscheck", "classify", "quantize", "serve")  # in --help's order


def _version(value: bool) -> None:
    if value:
        print(f"seqkit {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks instead of one-line errors."),
) -> None:
    """Word vectors and sequence models from the shell.

    Example: seqkit train-w2v --demo -o demo.w2v && seqkit similar demo.w2v king
    """
    _debug["on"] = debug


def build_app(module: str | None = None) -> typer.Typer:
    """The `seqkit` app with every command, or with those of one cli module (see COMMAND_MODULES)."""
    import importlib

    root = typer.Typer(
        cls=SeqkitGroup,
        name="seqkit",
        help="Word vectors and sequence models from the shell.",
        no_args_is_help=True,
        add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, PowerShell)
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    for name in _TOP_LEVEL if module is None else [m for m in _TOP_LEVEL if m == module]:
        # commands at the top level (`seqkit preprocess`, not `seqkit corpus preprocess`)
        root.registered_commands.extend(importlib.import_module(f"seqkit.cli.{name}").app.registered_commands)
    if module in (None, "corpus"):
        from seqkit.cli import corpus

        root.add_typer(corpus.corpus_app, name="corpus", help="List, fetch and inspect corpora.")
    if module in (None, "plot"):
        from seqkit.cli import plot

        root.add_typer(plot.app, name="plot")
    return root


def app_for(args: list[str]) -> typer.Typer:
    """The app a command line needs: one module's commands where it names a command (after --debug at
    most), every command otherwise (--help, --version, a typo, shell completion)."""
    if not any(key.startswith("_SEQKIT_COMPLETE") for key in os.environ):
        for arg in args:
            if arg != "--debug":
                return build_app(COMMAND_MODULES[arg]) if arg in COMMAND_MODULES else full_app()
    return full_app()


@functools.lru_cache(maxsize=1)
def full_app() -> typer.Typer:
    """The app with every command, built once."""
    return build_app()


def __getattr__(name: str):
    """`seqkit.cli.app`: full_app(), built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return full_app()


def _say_interrupted() -> None:
    from seqkit.cli.output import message
    from seqkit.errors import INTERRUPTED

    message(("interrupted", "yellow"), f": {INTERRUPTED}")


def _note_signals() -> int | None:
    """The read end of a pipe that gets a byte, the signal's number, for each signal Python handles
    (signal.set_wakeup_fd): main reads it to tell whether a Ctrl-C came, with Python's own handler left as
    it is (a handler written in Python, run inside a kernel's boxing or llvmlite's callbacks, crashed runs)."""
    try:
        read, write = os.pipe()
        os.set_blocking(read, False)
        os.set_blocking(write, False)
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        return read
    except (OSError, ValueError):  # no pipe to spare, or not the main thread: interrupts are not noted
        return None


def _interrupted(signals: int | None) -> bool:
    """Whether a Ctrl-C has come since _note_signals."""
    try:
        return signals is not None and signal.SIGINT in os.read(signals, 1 << 16)
    except BlockingIOError:
        return False


def _note_lost_interrupt(unraisable) -> None:
    from seqkit.fileio import note_lost_interrupt  # not at import: `seqkit --help` stays lean

    note_lost_interrupt(unraisable)


def main() -> None:
    signals = _note_signals()
    sys.unraisablehook = _note_lost_interrupt
    try:
        app_for(sys.argv[1:])()
    except (KeyboardInterrupt, Exception) as e:
        # A Ctrl-C that no command caught: it came while the app was built or the options read, or as a
        # command returned (its outputs already renamed into place), or a library raised another error in
        # its place (numpy's tofile, in np.save, raises a TypeError when one lands in its os.PathLike
        # check). Without this, Python prints a traceback, and dies of the signal (exit -2).
        if _debugging() or not (isinstance(e, KeyboardInterrupt) or _interrupted(signals)):
            raise
        _say_interrupted()
        raise SystemExit(130) from None
    finally:
        # The command is over (its outputs renamed into place, its message printed): a Ctrl-C from now
        # on has nothing to interrupt. Without this, one landing while the interpreter shuts down
        # (after it restores the default handler) kills the process by the signal, exit -2.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
