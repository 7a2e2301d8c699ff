"""`seqkit corpus list` and `seqkit corpus fetch`, downloading from a server on 127.0.0.1.

A test catalog ($SEQKIT_CATALOG) points the corpora at the local server, which serves tiny
synthetic archives: there is no internet here, and no real data belongs in the repository.
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.datasets.test_imdb import check_imdb_output, make_imdb_tarball, make_text8_zip

runner = CliRunner()


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def one_error_line(result, code: int = 1) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A server on 127.0.0.1 with a synthetic aclImdb_v1.tar.gz and text8.zip, and a catalog
    ($SEQKIT_CATALOG) that points at them. Yields a function that rewrites the catalog."""
    www = tmp_path / "www"
    www.mkdir()
    imdb_archive = make_imdb_tarball(www / "aclImdb_v1.tar.gz")
    text8_archive = make_text8_zip(www / "text8.zip")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(www)))
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    path = tmp_path / "catalog.json"

    def entry(name, archive: Path, converter, outputs, **kw):
        e = {"name": name, "title": name.upper(), "kind": "download", "url": f"{base}/{archive.name}",
             "size_bytes": archive.stat().st_size, "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
             "licence": "test licence", "citation": "Test et al.", "converter": converter, "description": "d",
             "outputs": outputs}
        e.update(kw)
        return e

    def write(imdb: dict | None = None, text8: dict | None = None):
        entries = [
            entry("imdb", imdb_archive, "imdb", [{"file": "train.tsv", "rows": 3}, {"file": "test.tsv", "rows": 3},
                                                 {"file": "unsup.txt", "rows": 2}], **(imdb or {})),
            entry("text8", text8_archive, "text8", [{"file": "text8", "rows": None}], **(text8 or {})),
            {"name": "lee", "title": "Lee", "kind": "builtin", "path": "gensim/test/test_data/lee_background.cor",
             "licence": "l", "citation": "c", "converter": "lines", "description": "d",
             "outputs": [{"file": "lee_background.txt", "rows": 300}]},
        ]
        path.write_text(json.dumps({"corpora": entries}))

    write()
    monkeypatch.setenv("SEQKIT_CATALOG", str(path))
    write.base = base
    write.imdb_archive = imdb_archive
    write.out = tmp_path / "out"  # the output folder each test fetches into
    yield write
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- list ------------------------------------------------------------------------------------


def test_list_tsv_when_piped():
    result = run(["corpus", "list"])
    assert result.exit_code == 0, result.stderr
    rows = {r[0]: r for r in (line.split("\t") for line in result.stdout.splitlines())}
    assert set(rows) >= {"imdb", "text8", "lee", "pang-lee"} and all(len(r) == 6 for r in rows.values())
    assert rows["imdb"][1:4] == ["download", "84125825", "sha256"]
    assert rows["text8"][2:4] == ["31344016", "unverified (size only)"]
    assert rows["lee"][1] == "builtin" and rows["lee"][3] == "built in"


def test_list_table_on_a_terminal(monkeypatch):
    monkeypatch.setattr("seqkit.cli.output.stdout_is_terminal", lambda: True)
    monkeypatch.setattr("seqkit.cli.catalog.stdout_is_terminal", lambda: True)
    result = run(["corpus", "list"])
    assert result.exit_code == 0
    assert "84.1 MB" in result.stdout and "31.3 MB" in result.stdout and "imdb" in result.stdout
    assert "unverified" in result.stdout and "\t" not in result.stdout


def test_list_json_has_the_full_entries():
    result = run(["corpus", "list", "--json"])
    records = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    imdb = records["imdb"]
    assert imdb["url"].endswith("aclImdb_v1.tar.gz") and len(imdb["sha256"]) == 64 and imdb["verification"] == "sha256"
    assert "Maas" in imdb["citation"] and imdb["licence"]
    assert records["text8"]["sha256"] is None and records["text8"]["verification"] == "size"


def test_list_with_a_broken_catalog(tmp_path, monkeypatch):
    bad = tmp_path / "c.json"
    bad.write_text("{")
    monkeypatch.setenv("SEQKIT_CATALOG", str(bad))
    assert "is not valid JSON" in one_error_line(run(["corpus", "list"]))


# --- fetch -----------------------------------------------------------------------------------


def test_fetch_downloads_verifies_and_converts(site):
    out = site.out
    result = run(["corpus", "fetch", "imdb", "-o", out])
    assert result.exit_code == 0, result.stderr
    check_imdb_output(out)
    assert leftovers(out) == ["source.json", "test.tsv", "train.tsv", "unsup.txt"]  # the archive is not kept
    assert leftovers(out.parent) == ["catalog.json", "out", "www"]  # no temporary files
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0] == [str(out / "train.tsv"), "3", str((out / "train.tsv").stat().st_size)]
    assert "SHA-256 verified" in result.stderr
    source = json.loads((out / "source.json").read_text())
    assert source["archive"]["verified"] == "sha256" and source["licence"] == "test licence"
    assert source["archive"]["sha256"] == hashlib.sha256(site.imdb_archive.read_bytes()).hexdigest()


def test_fetch_json_and_keep_archive(site):
    result = run(["corpus", "fetch", "imdb", "-o", site.out, "--keep-archive", "--json"])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["verified"] == "sha256" and record["warnings"] == []
    assert [f["file"] for f in record["files"]] == ["train.tsv", "test.tsv", "unsup.txt", "aclImdb_v1.tar.gz"]
    assert (site.out / "aclImdb_v1.tar.gz").read_bytes() == site.imdb_archive.read_bytes()


def test_hash_mismatch_exits_1_and_leaves_nothing(site):
    site(imdb={"sha256": "0" * 64})
    line = one_error_line(run(["corpus", "fetch", "imdb", "-o", site.out]))
    assert "does not match the catalog entry 'imdb'" in line and "The download was deleted" in line
    assert "--no-verify" in line
    assert leftovers(site.out.parent) == ["catalog.json", "www"]


def test_size_announced_by_the_server_differs(site):
    site(imdb={"size_bytes": 123})
    line = one_error_line(run(["corpus", "fetch", "imdb", "-o", site.out / "deeper" / "imdb"]))
    assert "offers" in line and "the catalog expects 123" in line
    assert leftovers(site.out.parent) == ["catalog.json", "www"]  # the folders it made are gone too


def test_no_verify_takes_a_changed_file(site):
    site(imdb={"sha256": "0" * 64, "size_bytes": 123})
    result = run(["corpus", "fetch", "imdb", "-o", site.out, "--no-verify"])
    assert result.exit_code == 0 and "not verified" in result.stderr
    check_imdb_output(site.out)


def test_server_404_is_one_clear_line(site):
    site(imdb={"url": f"{site.base}/gone/aclImdb_v1.tar.gz"})
    line = one_error_line(run(["corpus", "fetch", "imdb", "-o", site.out]))
    assert "cannot download" in line and "HTTP 404" in line
    assert leftovers(site.out.parent) == ["catalog.json", "www"]


def test_no_server_is_one_clear_line(site):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    site(imdb={"url": f"http://127.0.0.1:{port}/aclImdb_v1.tar.gz"})
    line = one_error_line(run(["corpus", "fetch", "imdb", "-o", site.out]))
    assert "cannot download" in line and "--from FILE" in line


def test_text8_without_a_hash_checks_the_size(site):
    site(text8={"sha256": None})
    result = run(["corpus", "fetch", "text8", "-o", site.out])
    assert result.exit_code == 0, result.stderr
    assert (site.out / "text8").read_bytes() == b" anarchism originated as a term of abuse"
    assert "size checked only" in result.stderr
    site(text8={"sha256": None, "size_bytes": 5})
    assert "offers" in one_error_line(run(["corpus", "fetch", "text8", "-o", site.out / "again"]))


def test_fetch_from_a_local_archive(site, tmp_path):
    result = run(["corpus", "fetch", "imdb", "--from", site.imdb_archive, "-o", site.out])
    assert result.exit_code == 0, result.stderr
    check_imdb_output(site.out)
    assert "SHA-256 verified" in result.stderr
    other = tmp_path / "other.tar.gz"
    other.write_bytes(site.imdb_archive.read_bytes() + b"\0" * 1024)  # still a valid archive, another hash
    line = one_error_line(run(["corpus", "fetch", "imdb", "--from", other, "-o", tmp_path / "o2"]))
    assert f"{other} does not match the catalog entry 'imdb'" in line and "pass --no-verify" in line
    assert not (tmp_path / "o2").exists()
    result = run(["corpus", "fetch", "imdb", "--from", other, "-o", tmp_path / "o2", "--no-verify"])
    assert result.exit_code == 0 and "not verified" in result.stderr


def test_fetch_from_an_extracted_folder(site, tmp_path):
    from tests.datasets.test_imdb import write_imdb_folder

    folder = write_imdb_folder(tmp_path / "src")
    result = run(["corpus", "fetch", "imdb", "--from", folder, "-o", site.out])
    assert result.exit_code == 0, result.stderr
    check_imdb_output(site.out)


def test_from_a_missing_file(site, tmp_path):
    line = one_error_line(run(["corpus", "fetch", "imdb", "--from", tmp_path / "nope.tar.gz", "-o", site.out]))
    assert "nope.tar.gz does not exist" in line


def test_unknown_name_exits_1_with_a_hint():
    line = one_error_line(run(["corpus", "fetch", "imbd"]))
    assert "unknown corpus 'imbd': did you mean 'imdb'?" in line


def test_existing_output_needs_force(site):
    site.out.mkdir()
    (site.out / "mine.txt").write_text("keep me")
    line = one_error_line(run(["corpus", "fetch", "imdb", "-o", site.out]))
    assert "already exists" in line and "--force" in line
    assert (site.out / "mine.txt").read_text() == "keep me"
    assert run(["corpus", "fetch", "imdb", "-o", site.out, "--force"]).exit_code == 0
    assert not (site.out / "mine.txt").exists()
    check_imdb_output(site.out)


def test_force_never_replaces_the_folder_holding_the_archive(site):
    site.out.mkdir()
    archive = site.out / "aclImdb_v1.tar.gz"
    archive.write_bytes(site.imdb_archive.read_bytes())
    line = one_error_line(run(["corpus", "fetch", "imdb", "--from", archive, "-o", site.out, "--force"]))
    assert "holds the input" in line and archive.is_file()


def test_a_failed_force_keeps_the_old_output(site):
    site.out.mkdir()
    (site.out / "mine.txt").write_text("keep me")
    site(imdb={"sha256": "0" * 64})
    one_error_line(run(["corpus", "fetch", "imdb", "-o", site.out, "--force"]))
    assert leftovers(site.out) == ["mine.txt"]


def test_builtin_default_output_and_from_is_refused(site, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(["corpus", "fetch", "lee"])
    assert result.exit_code == 0, result.stderr
    lines = (tmp_path / "corpora-data" / "lee" / "lee_background.txt").read_text().splitlines()
    assert len(lines) == 300 and "built in" in result.stderr
    one_error_line(run(["corpus", "fetch", "lee", "--from", site.imdb_archive, "-o", tmp_path / "x"]), code=2)


def test_real_catalog_builtins(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQKIT_CATALOG", raising=False)
    result = run(["corpus", "fetch", "pang-lee", "-o", tmp_path / "p", "--json"])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["files"] == [{"file": "polarity.tsv", "rows": 200, "bytes": (tmp_path / "p" / "polarity.tsv").stat().st_size}]


def test_ctrl_c_during_the_conversion_leaves_nothing(site, monkeypatch):
    import seqkit.datasets.fetch as fetching

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetching, "convert", interrupted)
    result = run(["corpus", "fetch", "imdb", "-o", site.out / "sub" / "imdb"])
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert leftovers(site.out.parent) == ["catalog.json", "www"]
