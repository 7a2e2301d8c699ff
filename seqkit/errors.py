"""The errors a user can act on. The CLI turns each into one red line on stderr and exit 1."""

INTERRUPTED = "nothing half-written was left behind"  # after "interrupted: ", wherever a Ctrl-C ends a run


class SeqkitError(Exception):
    """A problem the user can fix: the message says what happened and what to do."""


class InputError(SeqkitError):
    """An input file is missing, unreadable, empty or malformed."""


class EmptyInputError(InputError):
    """An input file, or stdin, holds no bytes at all."""


class ModelFormatError(InputError):
    """A model or vector file is truncated, corrupted, of an unknown kind or of a newer format."""


class OptionError(SeqkitError):
    """Options that make no sense together or out of range (exit 2, like other usage errors)."""

    exit_code = 2


class UnknownWordError(SeqkitError):
    """A query word is not in the model's vocabulary."""

    def __init__(self, word: str, where: str = "the model", why: str = ""):
        super().__init__(f"'{word}' is not in the vocabulary of {where}" + (f" {why}" if why else ""))
        self.word = word


class OutputError(SeqkitError):
    """An output cannot be written: it exists (without --force), would replace an input, or its folder
    is missing or unwritable, or the disk is full."""
