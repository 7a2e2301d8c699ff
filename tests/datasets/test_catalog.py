"""The corpus catalog (loading, validating, finding) and the downloader, against 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from seqkit.datasets import catalog
from seqkit.datasets.catalog import find, load_catalog
from seqkit.datasets.fetch import FetchError, download, match_copy, sha256_file
from seqkit.errors import InputError

REPO = Path(__file__).resolve().parents[2]
PACKAGE_CATALOG = REPO / "seqkit" / "datasets" / "catalog.json"


def test_the_catalog_in_corpora_is_the_packaged_one():
    in_corpora = REPO / "corpora" / "catalog.json"
    assert in_corpora.is_file() and PACKAGE_CATALOG.is_file()
    assert in_corpora.read_bytes() == PACKAGE_CATALOG.read_bytes()
    assert catalog.default_catalog_path().resolve() == PACKAGE_CATALOG.resolve()


def test_the_catalog_ships_as_package_data():
    import tomllib

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "catalog.json" in pyproject["tool"]["setuptools"]["package-data"]["seqkit.datasets"]


def test_known_corpora_and_their_facts():
    entries = {e.name: e for e in load_catalog()}
    assert set(entries) >= {"lee", "pang-lee", "imdb", "text8"}
    imdb = entries["imdb"]
    assert imdb.kind == "download" and imdb.url == "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    assert imdb.size_bytes == 84125825 and imdb.sha256.startswith("c40f74a18d3b") and imdb.verification == "sha256"
    assert imdb.archive_name == "aclImdb_v1.tar.gz" and "Maas" in imdb.citation
    assert [o["file"] for o in imdb.outputs] == ["train.tsv", "test.tsv", "unsup.txt"]
    text8 = entries["text8"]
    assert text8.size_bytes == 31344016 and text8.sha256 is None and text8.verification == "size"
    assert "CC BY-SA" in text8.licence
    for name in ("lee", "pang-lee"):
        assert entries[name].kind == "builtin" and entries[name].verification == "none"
        assert entries[name].builtin_file().is_file()
    for e in entries.values():
        assert e.licence and e.citation and e.description and e.title


def test_find_by_alias_and_case():
    assert find("IMDB").name == "imdb" and find("aclImdb").name == "imdb" and find("polarity").name == "pang-lee"


@pytest.mark.parametrize("typo, hint", [("imbd", "did you mean 'imdb'?"), ("txt8", "did you mean 'text8'?"), ("pang", "'pang-lee'")])
def test_unknown_name_suggests(typo, hint):
    with pytest.raises(InputError) as e:
        find(typo)
    assert hint in str(e.value) and "seqkit corpus list" in str(e.value)


def test_unknown_name_without_a_close_one_lists_the_known():
    with pytest.raises(InputError, match="unknown corpus 'zzzz': known corpora: lee, pang-lee, imdb, text8"):
        find("zzzz")


def _entry(**kw):
    e = {"name": "x", "title": "X", "kind": "download", "url": "http://h/x.zip", "size_bytes": 3, "sha256": None,
         "licence": "l", "citation": "c", "converter": "text8", "description": "d"}
    e.update(kw)
    return e


@pytest.mark.parametrize(
    "entries, message",
    [
        ([_entry(kind="torrent")], "kind must be one of builtin, download"),
        ([_entry(url=None)], "a download needs a 'url'"),
        ([_entry(sha256="abc")], "sha256 must be 64 hex digits"),
        ([_entry(size_bytes=-1)], "size_bytes must be a positive integer"),
        ([_entry(converter="magic")], "converter must be one of"),
        ([_entry(citation="")], "needs a non-empty string 'citation'"),
        ([_entry(name="Bad Name")], "name must be lowercase"),
        ([_entry(), _entry(name="y", aliases=["x"])], "the name 'x' is also used by 'x'"),
        ([_entry(kind="builtin", url=None)], "a builtin needs a 'path'"),
        (["not an object"], "entry 1: is not a JSON object"),
    ],
)
def test_invalid_entries_are_named(tmp_path, entries, message):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"corpora": entries}))
    with pytest.raises(InputError) as e:
        load_catalog(path)
    assert message in str(e.value) and str(path) in str(e.value)


def test_unreadable_catalogs(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    with pytest.raises(InputError, match="is not valid JSON"):
        load_catalog(bad)
    bad.write_text("[]")
    with pytest.raises(InputError, match="a list 'corpora'"):
        load_catalog(bad)
    monkeypatch.setenv(catalog.CATALOG_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(InputError, match=r"does not exist \(\$SEQKIT_CATALOG names it\)"):
        load_catalog()


def test_env_var_names_another_catalog(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"corpora": [_entry(name="mine")]}))
    monkeypatch.setenv(catalog.CATALOG_ENV, str(path))
    assert [e.name for e in load_catalog()] == ["mine"]


def test_builtin_of_a_missing_package(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"corpora": [_entry(kind="builtin", url=None, path="no_such_pkg_xyz/data/f.txt", converter="lines")]}))
    with pytest.raises(InputError, match="pip install no_such_pkg_xyz"):
        load_catalog(path)[0].builtin_file()


def test_catalog_and_builtin_paths_do_not_import_gensim():
    code = ("import sys; from seqkit.datasets.catalog import load_catalog; "
            "[e.builtin_file() for e in load_catalog() if e.kind == 'builtin']; print('gensim' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_match_copy_by_hash_then_by_size(tmp_path):
    imdb = find("imdb")
    assert match_copy(imdb, 1, imdb.sha256).note == "the published archive"
    assert "repack" in match_copy(imdb, 1, imdb.also_accept[0].sha256).note
    assert match_copy(imdb, imdb.size_bytes, "0" * 64) is None  # the size alone is not enough when a hash is known
    text8 = find("text8")
    assert match_copy(text8, 31344016, "0" * 64) is not None and match_copy(text8, 5, "0" * 64) is None
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    assert sha256_file(f) == (hashlib.sha256(b"abc").hexdigest(), 3)


# --- downloading from a server on 127.0.0.1 -------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/www on 127.0.0.1; yields (base URL, folder)."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()
    httpd.server_close()


def test_download_streams_hashes_and_reports_progress(server, tmp_path):
    base, www = server
    data = bytes(range(256)) * 10000  # 2.5 MB: several chunks
    (www / "f.bin").write_bytes(data)
    seen = []
    digest, size = download(f"{base}/f.bin", tmp_path / "f.bin", on_progress=lambda d, t: seen.append((d, t)))
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert (tmp_path / "f.bin").read_bytes() == data and seen[-1] == (len(data), len(data)) and len(seen) >= 3


def test_download_check_failure_leaves_nothing(server, tmp_path):
    base, www = server
    (www / "f.bin").write_bytes(b"hello")

    def check(size, sha):
        raise FetchError("mismatch")

    with pytest.raises(FetchError, match="mismatch"):
        download(f"{base}/f.bin", tmp_path / "f.bin", check=check)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www"]


def test_download_refuses_an_unexpected_length_before_writing(server, tmp_path):
    base, www = server
    (www / "f.bin").write_bytes(b"hello")
    with pytest.raises(FetchError, match="offers 5 bytes, but the catalog expects 4 or 6"):
        download(f"{base}/f.bin", tmp_path / "f.bin", expected_sizes={4, 6})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www"]


def test_download_http_errors_and_no_server(server, tmp_path):
    base, _ = server
    with pytest.raises(FetchError, match=r"the server answered HTTP 404"):
        download(f"{base}/missing.zip", tmp_path / "x")
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(FetchError, match=r"cannot download .*(refused|no network)"):
        download(f"http://127.0.0.1:{port}/x.zip", tmp_path / "x", timeout=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www"]


def test_download_cut_short(tmp_path):
    class Short(_Quiet):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.close_connection = True

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Short)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with pytest.raises(FetchError, match=r"(stopped|failed) after"):
            download(f"http://127.0.0.1:{httpd.server_address[1]}/x", tmp_path / "x", timeout=10)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert list(tmp_path.iterdir()) == []
