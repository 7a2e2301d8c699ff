"""The fastText CLI fixture of tests/formats."""

from tests.formats.conftest import fasttext  # noqa: F401
