"""The `seqkit` command's entry point (the console script and `python -m seqkit`): a Ctrl-C that lands
while the command-line interface is still importing is one line and exit 130, as one during a command
(seqkit.cli.main), not Python's traceback and death by the signal."""

import sys

from seqkit.errors import INTERRUPTED


def main() -> None:
    try:
        from seqkit.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write(f"interrupted: {INTERRUPTED}\n")
        raise SystemExit(130) from None
    run()
