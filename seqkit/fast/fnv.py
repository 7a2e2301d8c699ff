"""FNV-1a constants and the slow, obvious hashes (pure Python; the Numba ones are in hashing.py).

fastText hashes words, character n-grams and word n-grams with 32-bit FNV-1a, each byte read as a
*signed* char (``uint32_t(int8_t(c))``: bytes >= 0x80 are sign-extended); seqkit's vocabularies key
words by 64-bit FNV-1a over plain bytes."""

from __future__ import annotations

FNV32_OFFSET, FNV32_PRIME = 2166136261, 16777619
FNV64_OFFSET, FNV64_PRIME = 14695981039346656037, 1099511628211


def fnv1a32(data: bytes) -> int:
    """fastText's hash of ``data`` as an unsigned 32-bit int."""
    h = FNV32_OFFSET
    for byte in data:
        h ^= byte | 0xFFFFFF00 if byte >= 0x80 else byte  # int8 -> uint32 sign extension
        h = (h * FNV32_PRIME) & 0xFFFFFFFF
    return h


def fnv1a32_signed(data: bytes) -> int:
    """The same hash as fastText stores it: a signed int32."""
    h = fnv1a32(data)
    return h - (1 << 32) if h >= 1 << 31 else h


def fnv1a64(data: bytes) -> int:
    """64-bit FNV-1a over plain bytes (seqkit's word keys)."""
    h = FNV64_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h
