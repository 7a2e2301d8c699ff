"""Every thread gets its own scratch buffers. numba's parfor pass hoists an np.empty out of a prange loop
when nothing in the loop body stores the array; all threads then share one sentence buffer, one set of
noise words and one set of hot-row copies. One thread (the reference tests) cannot see that, so this
test compiles the kernel afresh and reads numba's own record of what it hoisted."""

import numpy as np
import pytest
from numba import njit
from numba.core import ir

from seqkit.embed import kernels, subword_kernels
from seqkit.embed.hot_rows import no_hot_rows
from seqkit.embed.subwords import SubwordConfig, word_rows


def hoisted_allocations(dispatcher) -> list[str]:
    """The np.empty calls numba moved out of ``dispatcher``'s prange loops (it must have compiled once)."""
    diagnostics = dispatcher.get_metadata(dispatcher.signatures[0])["parfor_diagnostics"]
    hoisted = [inst for info in diagnostics.hoist_info.values() for inst in info.get("hoisted", [])]
    empty = {i.target.name for i in hoisted if isinstance(i.value, ir.Expr) and i.value.op == "getattr" and i.value.attr == "empty"}
    return [str(i) for i in hoisted if isinstance(i.value, ir.Expr) and i.value.op == "call" and i.value.func.name in empty]


def fresh(module, name, monkeypatch):
    """``module.name`` recompiled in this process (a kernel loaded from numba's cache keeps no diagnostics)."""
    dispatcher = njit(parallel=True, fastmath=True)(getattr(module, name).py_func)
    monkeypatch.setattr(module, name, dispatcher)
    return dispatcher


def tiny_inputs(v=6, dim=4):
    tables = (np.zeros(v, np.uint64), np.zeros(v, np.uint64), np.zeros(v, np.int32), np.zeros((v, 2), np.uint8),
              np.zeros((v, 2), np.int32), np.zeros(v, np.int32))
    empty = (np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros((0, 2), np.int64))  # no shards: compiles only
    return tables, empty, (np.zeros((0, 2)), np.zeros(0, np.uint64), np.zeros(0), np.zeros((0, 3), np.int64))


@pytest.mark.parametrize("name, settings", [("_shards_skipgram", (1, 0, 3, 4, 1, 5, 0)), ("_shards_cbow", (0, 0, 3, 4, 1, 5, 0)),
                                            ("_shards_batched", (1, 0, 3, 4, 1, 5, 1))])
def test_word2vec_kernel_allocates_per_thread(name, settings, monkeypatch):
    kernel = fresh(kernels, name, monkeypatch)
    tables, (ids, offsets, shards), rest = tiny_inputs()
    syn0 = np.zeros((6, 4), np.float32)
    kernels.train_shards(syn0, syn0.copy(), syn0[:5].copy(), ids, offsets, shards, tables, no_hot_rows(6), settings, *rest)
    assert hoisted_allocations(kernel) == []


def test_subword_kernel_allocates_per_thread(monkeypatch):
    kernel = fresh(subword_kernels, "_shards_skipgram", monkeypatch)
    tables, corpus, rest = tiny_inputs()
    csr = word_rows(["a", "b", "c", "d", "e", "f"], 6, SubwordConfig(2, 3, 10))
    syn0 = np.zeros((16, 4), np.float32)
    subword_kernels.train_shards((syn0, np.zeros((6, 4), np.float32)), corpus, tables, csr, no_hot_rows(6),
                                 subword_kernels.SubwordSettings(1, 0, 3, 4, 5), *rest)
    assert hoisted_allocations(kernel) == []
