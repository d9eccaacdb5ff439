"""Row ids as compact byte arrays, and matching submission ids to solution ids.

Ids are compared as exact strings (after trimming surrounding whitespace), so
'007' and '7' differ.  They are kept as fixed-width numpy byte strings rather
than Python objects, which takes a sixth of the memory, and are matched through
a 64-bit hash whose every hit is verified byte for byte, so a hash collision can
never match the wrong row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

_MULT = np.uint64(0x9E3779B97F4A7C15)


def encode(values: pd.Series, width: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (ids as stripped UTF-8 'S' array, mask of ids longer than ``width``).

    With ``width`` the array has exactly that itemsize; longer ids (which cannot be
    in a solution whose ids are at most ``width`` bytes) are blanked and flagged.
    """
    # Callers pass text columns without missing cells (io.Table guarantees it).
    raw = values.to_numpy(dtype=object)
    too_long = None
    if width is not None:
        lengths = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
        if lengths.size and lengths.max() > width:  # characters <= bytes, so this is a safe pre-filter
            raw = raw.copy()
            long_at = np.flatnonzero(lengths > width)
            stripped = np.array([str(v).strip() for v in raw[long_at]], dtype=object)
            raw[long_at] = stripped  # surrounding whitespace does not count
            still = np.array([len(v) > width for v in stripped], dtype=bool)
            too_long = np.zeros(len(raw), dtype=bool)
            too_long[long_at[still]] = True
            raw[too_long] = ""
    try:
        ids = raw.astype("S")
    except UnicodeEncodeError:
        ids = np.array([str(v).encode("utf-8") for v in raw], dtype="S")
    ids = np.char.strip(ids)
    if width is not None:
        if ids.dtype.itemsize > width:  # multi-byte characters can still overflow
            over = np.char.str_len(ids) > width
            ids[over] = b""
            too_long = over if too_long is None else (too_long | over)
        ids = ids.astype(f"S{max(width, 1)}")
    return ids, (too_long if too_long is not None and too_long.any() else None)


def decode(ids: np.ndarray) -> np.ndarray:
    """Byte ids back to Python strings (for messages and sample submissions)."""
    return np.char.decode(ids, "utf-8").astype(object)


_HASH_BLOCK = 65_536  # rows hashed at a time, to bound the temporary word matrix


def _hash(ids: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each fixed-width id, vectorised over 8-byte words."""
    out = np.empty(ids.size, dtype=np.uint64)
    for start in range(0, ids.size, _HASH_BLOCK):
        out[start:start + _HASH_BLOCK] = _hash_block(ids[start:start + _HASH_BLOCK])
    return out


def _hash_block(ids: np.ndarray) -> np.ndarray:
    width = ids.dtype.itemsize
    padded = -(-width // 8) * 8
    raw = np.zeros((ids.size, padded), dtype=np.uint8)
    raw[:, :width] = np.ascontiguousarray(ids).view(np.uint8).reshape(ids.size, width)
    words = raw.view(np.uint64)
    h = np.full(ids.size, 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h ^= words[:, j]
            h *= _MULT
            h ^= h >> np.uint64(29)
    return h


class IdIndex:
    """Finds the solution row of each submission id; built once per solution.

    Holds the solution's id hashes sorted (8 bytes a row) and their rows (4
    bytes a row): half the memory of a hash table.  Lookups sort each chunk's
    hashes first, so the binary searches walk memory in order.
    """

    def __init__(self, ids: np.ndarray):
        self.ids = ids
        self.width = ids.dtype.itemsize
        keys = _hash(ids)
        self._order = np.argsort(keys).astype(np.int32 if ids.size < 2**31 else np.int64)
        self._keys = keys[self._order]
        del keys
        self._exact = None
        if self._keys.size > 1 and (self._keys[1:] == self._keys[:-1]).any():
            # Duplicate ids or (astronomically rarely) a hash collision: exact strings instead.
            self._exact = pd.Index(ids.astype(object))

    def duplicates(self) -> np.ndarray:
        """Positions (in solution order) of ids already seen earlier."""
        if self._exact is None:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self._exact.duplicated())

    def lookup(self, sub_ids: np.ndarray, start: int | None = None) -> np.ndarray:
        """Solution row of each id in ``sub_ids`` (same width), or -1 if absent.

        ``start`` is the solution row the chunk would begin at if the submission
        kept the solution's order, the common case, which then costs one comparison.
        """
        in_range = start is not None and 0 < sub_ids.size and start + sub_ids.size <= self.ids.size
        if in_range and np.array_equal(self.ids[start:start + sub_ids.size], sub_ids):
            return np.arange(start, start + sub_ids.size, dtype=np.int64)
        if self._exact is not None:
            return self._exact.get_indexer(sub_ids.astype(object)).astype(np.int64)
        rows = np.full(sub_ids.size, -1, dtype=np.int64)
        if self._keys.size == 0 or sub_ids.size == 0:
            return rows
        keys = _hash(sub_ids)
        by_key = np.argsort(keys)
        at = np.searchsorted(self._keys, keys[by_key])
        at = np.minimum(at, self._keys.size - 1)
        found = self._keys[at] == keys[by_key]
        rows[by_key[found]] = self._order[at[found]]
        hit = np.flatnonzero(rows >= 0)
        wrong = self.ids[rows[hit]] != sub_ids[hit]  # rule out hash collisions
        rows[hit[wrong]] = -1
        return rows
