"""Files seqkit writes keep every member's data 64-byte aligned, so that memory-mapped matrices are
aligned (BLAS takes them); NumPy and zip tools read them as any .npz."""

import zipfile

import numpy as np
import pytest

from seqkit.embed.formats import load_native, save_native
from seqkit.embed.vectors import KeyedVectors
from seqkit.models.io import load_arrays, save_arrays
from seqkit.npzfile import ALIGN, map_members, save_npz


def _data_offsets(path) -> dict[str, int]:
    """member -> offset of its array data in the file (after the local header and the .npy header)."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as f:
        for info in zf.infolist():
            f.seek(info.header_offset + 26)
            name_len, extra_len = np.frombuffer(f.read(4), "<u2")
            start = info.header_offset + 30 + int(name_len) + int(extra_len)
            f.seek(start)
            version = np.lib.format.read_magic(f)
            (np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0)(f)
            out[info.filename] = f.tell()
    return out


@pytest.mark.parametrize("names", [["a"], ["x" * 7, "yy", "vectors"], ["ü", "a" * 61]])
def test_save_npz_aligns_every_member_and_numpy_reads_it(tmp_path, names):
    rng = np.random.default_rng(0)
    arrays = {n: rng.standard_normal((i + 3, 5)).astype(np.float32) for i, n in enumerate(names)}
    arrays["bytes"] = np.frombuffer(b"odd length!", np.uint8)
    path = tmp_path / "a.npz"
    save_npz(path, arrays)
    assert all(offset % ALIGN == 0 for offset in _data_offsets(path).values())
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) == set(arrays) and all(np.array_equal(z[n], a) for n, a in arrays.items())
    assert zipfile.ZipFile(path).testzip() is None
    mapped = map_members(path, names, crc=tuple(names))
    assert all(m.flags.aligned and np.array_equal(m, arrays[n]) for n, m in mapped.items())


def test_models_map_their_matrices_aligned(tmp_path):
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((50, 7)).astype(np.float32)
    big = rng.standard_normal((50, 7)).astype(np.float32)
    save_native(tmp_path / "m.w2v", [f"w{i}" for i in range(50)], np.arange(50, 0, -1), {"vectors": vectors}, {},
                streamed={"syn1neg": ((50, 7), iter([big[:13], big[13:]]))})
    assert all(o % ALIGN == 0 for o in _data_offsets(tmp_path / "m.w2v").values())
    words, _, arrays, _ = load_native(tmp_path / "m.w2v")
    assert arrays["vectors"].flags.aligned and np.array_equal(arrays["vectors"], vectors)
    assert np.array_equal(arrays["syn1neg"], big)
    save_arrays(tmp_path / "c.npz", {"w": big}, {"note": "x"})
    assert np.array_equal(load_arrays(tmp_path / "c.npz")[0]["w"], big)
    assert all(o % ALIGN == 0 for o in _data_offsets(tmp_path / "c.npz").values())


def test_cosines_of_an_unaligned_matrix_equal_the_aligned_ones():
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((20_000, 16)).astype(np.float32)  # more than one 8192-row block
    raw = np.zeros(vectors.nbytes + 1, np.uint8)
    odd = raw[1:].view(np.float32).reshape(vectors.shape)  # an odd offset, as in a fastText .bin
    odd[:] = vectors
    assert not odd.flags.aligned
    words = [f"w{i}" for i in range(len(vectors))]
    a, b = KeyedVectors(words, vectors), KeyedVectors(words, odd)
    q = rng.standard_normal((3, 16)).astype(np.float32)
    np.testing.assert_allclose(b.cosines(q), a.cosines(q), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.cosines(q[0], 12_345), a.cosines(q[0], 12_345), rtol=1e-5, atol=1e-6)
    (wa, sa), (wb, sb) = (zip(*kv.most_similar(["w7"], topn=5)) for kv in (a, b))
    assert wa == wb and sb == pytest.approx(sa, abs=1e-6)
