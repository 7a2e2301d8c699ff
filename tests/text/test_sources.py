import bz2
import gzip
import hashlib

import pytest

from seqkit.errors import InputError
from seqkit.text.sources import iter_documents, iter_pieces


def pieces(path, **kw):
    infos = []
    out = list(iter_pieces(str(path), info_out=infos, **kw))
    return out, infos[0]


@pytest.mark.parametrize("opener,suffix", [(open, ".txt"), (gzip.open, ".whatever"), (bz2.open, ".bz2")])
def test_compression_detected_by_content(tmp_path, opener, suffix):
    path = tmp_path / f"in{suffix}"
    with opener(path, "wt", encoding="utf-8") as f:
        f.write("one line\ntwo line\n")
    out, info = pieces(path)
    assert out == [("one line", True), ("two line", True)]
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info.size == path.stat().st_size


def test_huge_line_is_cut_at_whitespace_in_bounded_pieces(tmp_path):
    words = [f"w{i}" for i in range(20000)]
    path = tmp_path / "one_line.txt"
    path.write_text(" ".join(words))  # no newline at all, like text8
    out, _ = pieces(path, max_chars=1000)
    assert all(len(text) <= 2000 for text, _ in out)
    assert [end for _, end in out][-1] is True and not any(end for _, end in out[:-1])
    assert " ".join(t for t, _ in out).split() == words


def test_undecodable_bytes_are_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"caf\xe9 ok\n\xff\xfe tail\n")
    out, info = pieces(path)
    assert out[0][0] == "caf\ufffd ok"
    assert info.undecodable_bytes == 3


def test_tsv_text_column_found_by_header(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("label\trating\ttext\npos\t9\tgreat film\nneg\t2\tawful\n")
    assert list(iter_documents(str(path))) == ["great film", "awful"]


def test_named_column_missing_lists_the_columns(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("label\tbody\npos\tx\n")
    with pytest.raises(InputError, match="no column 'text'.*label, body"):
        list(iter_documents(str(path), column="text"))


@pytest.mark.parametrize(
    "content,message",
    [(b"", "is empty"), (b"\x00\x01\x02binary\x00", "binary"), (b"\x1f\x8b\x08\x00garbage", "not a valid gzip")],
)
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(iter_documents(str(path)))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(iter_documents(str(tmp_path / "nope")))
    with pytest.raises(InputError, match="is a folder"):
        list(iter_documents(str(tmp_path)))


def test_truncated_gzip_is_an_input_error(tmp_path):
    path = tmp_path / "t.gz"
    data = gzip.compress(("word " * 50000).encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError):
        list(iter_documents(str(path)))


def test_empty_input_has_its_own_error_class(tmp_path):
    from seqkit.errors import EmptyInputError

    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    with pytest.raises(EmptyInputError, match="is empty"):
        list(iter_documents(str(empty)))
