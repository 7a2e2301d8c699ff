"""The fastText CLI for tests that compare with it: built from ../shared/peers when absent, else skipped."""

import pytest

from tests.formats.fasttext_corpus import fasttext_cli


@pytest.fixture(scope="session")
def fasttext(tmp_path_factory) -> str:
    cli = fasttext_cli(tmp_path_factory.mktemp("peers"))
    if cli is None:
        pytest.skip("the fastText CLI is not built and cannot be built here (bash ../shared/peers/build.sh)")
    return cli
