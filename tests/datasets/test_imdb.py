"""Converting IMDB (aclImdb) and text8 archives, and the built-in corpora, into seqkit's files.

The archives here are tiny and synthetic, built by the tests; one slow test uses the real
`../shared/corpora/aclImdb_v1.tar.gz` where it is present.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from seqkit.datasets import convert
from seqkit.datasets.catalog import find
from seqkit.errors import InputError

# (split, label, id, rating, text): deliberately out of order, with newlines, tabs and HTML
REVIEWS = [
    ("test", "pos", 3, 8, "Great <br /><br />film.\nTruly."),
    ("test", "neg", 12, 1, "Awful\tawful."),
    ("test", "neg", 2, 4, "Meh."),
    ("train", "pos", 10, 9, "Loved it — café crème."),
    ("train", "pos", 9, 10, "Superb!"),
    ("train", "neg", 7, 2, "Bad.\r\nVery bad."),
    ("train", "unsup", 11, 0, "No label here."),
    ("train", "unsup", 5, 0, "Another\tone."),
]
EXTRA = {"README": "Large Movie Review Dataset v1.0\n", "imdb.vocab": "the\nand\n", "train/urls_pos.txt": "http://x\n"}


def write_imdb_folder(root: Path) -> Path:
    """An aclImdb/ folder in the published layout under ROOT."""
    base = root / "aclImdb"
    for split, label, rid, rating, text in REVIEWS:
        f = base / split / label / f"{rid}_{rating}.txt"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    for name, text in EXTRA.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(text)
    return base


def make_imdb_tarball(path: Path) -> Path:
    """aclImdb_v1.tar.gz with the reviews in the (unsorted) order above, as the real one is."""
    with tarfile.open(path, "w:gz") as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"aclImdb/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("README", EXTRA["README"].encode())
        for split, label, rid, rating, text in REVIEWS:
            add(f"{split}/{label}/{rid}_{rating}.txt", text.encode("utf-8"))
        add("imdb.vocab", EXTRA["imdb.vocab"].encode())
    return path


def make_text8_zip(path: Path, text: bytes = b" anarchism originated as a term of abuse") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("text8", text)
    return path


EXPECTED_TRAIN = [
    "label\trating\ttext",
    "neg\t2\tBad. Very bad.",  # \r\n: one space
    "pos\t10\tSuperb!",
    "pos\t9\tLoved it — café crème.",
]
EXPECTED_TEST = [
    "label\trating\ttext",
    "neg\t4\tMeh.",
    "neg\t1\tAwful awful.",
    "pos\t8\tGreat <br /><br />film. Truly.",
]
EXPECTED_UNSUP = ["Another one.", "No label here."]


def read_lines(path: Path) -> list[str]:
    data = path.read_bytes().decode("utf-8")
    assert data.endswith("\n") and "\r" not in data
    return data[:-1].split("\n")


def check_imdb_output(out: Path) -> None:
    assert read_lines(out / "train.tsv") == EXPECTED_TRAIN
    assert read_lines(out / "test.tsv") == EXPECTED_TEST
    assert read_lines(out / "unsup.txt") == EXPECTED_UNSUP


def test_imdb_archive_to_tsv_sorted_by_label_then_id(tmp_path):
    archive = make_imdb_tarball(tmp_path / "aclImdb_v1.tar.gz")
    out = tmp_path / "out"
    out.mkdir()
    files = convert.imdb(archive, out)
    assert [(f.file, f.rows) for f in files] == [("train.tsv", 3), ("test.tsv", 3), ("unsup.txt", 2)]
    assert all(f.bytes == (out / f.file).stat().st_size for f in files)
    check_imdb_output(out)
    assert sorted(p.name for p in out.iterdir()) == ["test.tsv", "train.tsv", "unsup.txt"]  # no temporary files


def test_imdb_folder_gives_the_same_files_as_the_archive(tmp_path):
    root = write_imdb_folder(tmp_path / "src")
    for source in (root, root.parent):  # aclImdb/ itself or the folder holding it
        out = tmp_path / f"out-{source.name}"
        out.mkdir()
        convert.imdb(source, out)
        check_imdb_output(out)


def test_every_row_has_three_fields_and_the_labeled_reader_reads_it(tmp_path):
    from seqkit.datasets.labeled import read_labeled

    out = tmp_path / "o"
    out.mkdir()
    convert.imdb(make_imdb_tarball(tmp_path / "a.tar.gz"), out)
    assert all(len(line.split("\t")) == 3 for line in read_lines(out / "train.tsv"))
    data = read_labeled(str(out / "test.tsv"))
    assert data.labels == ["neg", "neg", "pos"] and data.texts[1] == "Awful awful."


def test_imdb_progress_counts_reviews(tmp_path):
    seen = []
    out = tmp_path / "o"
    out.mkdir()
    convert.imdb(make_imdb_tarball(tmp_path / "a.tar.gz"), out, on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(REVIEWS), len(REVIEWS))


def test_not_an_imdb_archive(tmp_path):
    junk = tmp_path / "aclImdb_v1.tar.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00 definitely not gzip")
    (tmp_path / "o").mkdir()
    with pytest.raises(InputError, match="not a readable tar archive"):
        convert.imdb(junk, tmp_path / "o")
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(InputError, match="no IMDB reviews"):
        convert.imdb(empty, tmp_path / "o")
    assert list((tmp_path / "o").iterdir()) == []


def test_row_counts_are_compared_with_the_catalog(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    files = convert.convert(find("imdb"), make_imdb_tarball(tmp_path / "a.tar.gz"), out)
    warnings = convert.row_mismatches(find("imdb"), files)
    assert warnings[0] == "train.tsv has 3 rows where the catalog expects 25,000" and len(warnings) == 3


def test_text8_zip_is_extracted_streamed(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    seen = []
    files = convert.text8(make_text8_zip(tmp_path / "text8.zip"), out, on_progress=lambda d, t: seen.append((d, t)))
    assert (out / "text8").read_bytes() == b" anarchism originated as a term of abuse"
    assert files[0].file == "text8" and files[0].rows is None and seen[-1] == (40, 40)


def test_text8_damaged_or_without_the_file(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    noise = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(200))  # incompressible
    good = make_text8_zip(tmp_path / "good.zip", noise).read_bytes()
    for offset in (40, 3000):  # a broken deflate stream, then a CRC-32 mismatch
        damaged = bytearray(good)
        damaged[good.index(b"text8") + offset] ^= 0xFF
        (tmp_path / "bad.zip").write_bytes(bytes(damaged))
        with pytest.raises(InputError, match="not a readable zip archive .*download it again"):
            convert.text8(tmp_path / "bad.zip", out)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as z:
        z.writestr("a", "1")
        z.writestr("b", "2")
    with pytest.raises(InputError, match="holds no file 'text8'"):
        convert.text8(tmp_path / "two.zip", out)
    (tmp_path / "plain.zip").write_text("not a zip")
    with pytest.raises(InputError, match="not a readable zip archive"):
        convert.text8(tmp_path / "plain.zip", out)
    assert list(out.iterdir()) == []


def test_builtin_converters(tmp_path):
    src = tmp_path / "lee.cor"
    src.write_bytes(b"first doc \r\nsecond doc\n\nthird")
    files = convert.lines(src, tmp_path, "lee.txt")
    assert read_lines(tmp_path / "lee.txt") == ["first doc", "second doc", "third"] and files[0].rows == 3
    ft = tmp_path / "p.cor"
    ft.write_text("__label__neg bad film . \n__label__pos good\tfilm\n\n")
    convert.fasttext_tsv(ft, tmp_path, "p.tsv")
    assert read_lines(tmp_path / "p.tsv") == ["label\ttext", "neg\tbad film .", "pos\tgood film"]
    ft.write_text("no label here\n")
    with pytest.raises(InputError, match="line 1 has no __label__"):
        convert.fasttext_tsv(ft, tmp_path, "q.tsv")


def test_gensim_builtins_convert(tmp_path):
    for name, file, rows in (("lee", "lee_background.txt", 300), ("pang-lee", "polarity.tsv", 200)):
        entry = find(name)
        files = convert.convert(entry, entry.builtin_file(), tmp_path)
        assert [(f.file, f.rows) for f in files] == [(file, rows)]
    assert read_lines(tmp_path / "polarity.tsv")[0] == "label\ttext"


def _sha256_of_lines(path: Path, gz: bool) -> str:
    h = hashlib.sha256()
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@pytest.mark.slow
def test_real_imdb_archive(shared_corpora, tmp_path):
    """The real archive: 25,000/25,000/50,000 rows, byte for byte the files in ../shared/corpora/imdb."""
    from seqkit.datasets.fetch import fetch

    archive = shared_corpora / "aclImdb_v1.tar.gz"
    if not archive.is_file():
        pytest.skip(f"{archive} is not present")
    result = fetch(find("imdb"), tmp_path / "imdb", source=archive)
    assert [(f.file, f.rows) for f in result.files] == [("train.tsv", 25000), ("test.tsv", 25000), ("unsup.txt", 50000)]
    assert result.warnings == [] and result.verified == "sha256" and result.matched
    assert read_lines(tmp_path / "imdb" / "train.tsv")[0] == "label\trating\ttext"
    for f in result.files:
        reference = shared_corpora / "imdb" / f"{f.file}.gz"
        if reference.is_file():
            assert _sha256_of_lines(tmp_path / "imdb" / f.file, gz=False) == _sha256_of_lines(reference, gz=True), f.file
