"""The encoded corpus on disk."""

import numpy as np
import pytest


def test_release_pages_frees_memory_and_keeps_the_data(tmp_path):
    import sys

    from seqkit.text.corpus import release_pages

    if not sys.platform.startswith("linux"):
        pytest.skip("VmRSS is Linux's")

    def rss_mb():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))

    path = tmp_path / "ids.npy"
    np.save(path, np.arange(8_000_000, dtype=np.int32))  # 32 MB
    ids = np.load(path, mmap_mode="r")
    assert int(ids.sum(dtype=np.int64)) == 8_000_000 * 7_999_999 // 2  # every page resident
    before = rss_mb()
    release_pages(ids, 7_000_000)
    assert before - rss_mb() >= 20
    assert ids[6_999_999] == 6_999_999 and ids[5] == 5 and ids[7_999_999] == 7_999_999
    release_pages(np.arange(10, dtype=np.int32), 5)  # an array in memory: nothing to do
