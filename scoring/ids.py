"""Row ids as compact byte arrays, and matching submission ids to solution ids.

Ids are compared as exact strings (after trimming surrounding whitespace), so
'007' and '7' differ.  They are kept as fixed-width numpy byte strings rather
than Python objects, which takes a sixth of the memory, and are matched through
a 64-bit hash whose every hit is verified byte for byte, so a hash collision can
never match the wrong row.

Ids that are canonical integers ('0', '7', '-12': no sign but a leading minus, no
leading zero, within int64) are also held as int64 when the file guarantees it (see
``io.Table.integer_ids``), and matched as integers, which is several times faster.
A canonical integer's text is determined by its value, so the two paths agree:
'007' is never read as an integer, and a file mixing '7' and '007' stays text.
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


_POW10 = np.array([10**k for k in range(20)], dtype=np.uint64)
_TEXT_BLOCK = 65_536  # rows converted at a time, so the digit matrix stays in cache


def int_text(ints: np.ndarray) -> np.ndarray:
    """The canonical decimal text of int64 ids as an 'S' array exactly as wide as the longest.

    The same array :func:`encode` gives for those ids read as text, so a solution's
    fingerprint does not depend on the path its ids took.  (``astype('S')`` is 21
    bytes wide and several times slower.)
    """
    ints = np.asarray(ints, dtype=np.int64)
    if ints.size == 0:
        return np.empty(0, dtype="S1")
    negative = ints < 0
    magnitude = np.abs(ints).view(np.uint64)  # abs(int64 min) wraps to itself: 2**63 unsigned
    largest = int(magnitude.max())
    kind = np.uint32 if largest < 2**32 else np.uint64  # 32-bit arithmetic is faster
    if kind is np.uint32:
        magnitude = magnitude.astype(np.uint32)
    most = len(str(largest))
    digits = np.ones(ints.size, dtype=np.uint8)
    for power in _POW10[1:most].astype(kind):  # a few comparisons beat a binary search
        digits += magnitude >= power
    length = digits + negative
    width = int(length.max())
    ten = kind(10)
    out = np.zeros((ints.size, width), dtype=np.uint8)
    for start in range(0, ints.size, _TEXT_BLOCK):
        block = out[start:start + _TEXT_BLOCK]
        q = magnitude[start:start + _TEXT_BLOCK]
        right = np.empty((q.size, most), dtype=np.uint8)  # digits right-aligned, zero-padded
        for column in range(most - 1, -1, -1):
            quotient = q // ten
            right[:, column] = (q - quotient * ten).astype(np.uint8) + 48
            q = quotient
        # Then each (sign, number of digits) group moves to the left, behind its sign.
        sign = negative[start:start + _TEXT_BLOCK]
        groups = digits[start:start + _TEXT_BLOCK] + (most + 1) * sign
        for group in np.flatnonzero(np.bincount(groups)).tolist():
            signed, n = divmod(group, most + 1)
            rows = groups == group
            if rows.all():
                rows = slice(None)  # one group, the common case: no gather
            block[rows, signed:signed + n] = right[rows, most - n:]
            if signed:
                block[rows, 0] = ord("-")
    return out.view(f"S{width}").ravel()


# An integer index uses a direct table (4 bytes per possible id) when the ids span at most
# this many times their number plus a little, else pandas' hash table.
_DENSE_SPAN = 2
_DENSE_SLACK = 1 << 16


class IdIndex:
    """Finds the solution row of each submission id; built once per solution.

    For text ids it holds the solution's id hashes sorted (8 bytes a row) and their
    rows (4 bytes a row): half the memory of a hash table.  Lookups sort each chunk's
    hashes first, so the binary searches walk memory in order.

    With ``ints`` (the same ids as int64, for a solution of canonical integers) it
    also matches integer ids: through a direct table when the ids are dense, else
    through pandas' hash table.  The text structures are then built only if a
    submission's ids have to be read as text.
    """

    def __init__(self, ids: np.ndarray, ints: np.ndarray | None = None):
        self.ids = ids
        self.ints = ints
        self.width = ids.dtype.itemsize
        self._text = None  # (sorted hashes, their rows, exact pd.Index or None)
        self._int_lookup = None
        if ints is None:
            self._build_text()

    # -- text ids ------------------------------------------------------------------
    def _build_text(self):
        if self._text is not None:
            return self._text
        ids = self.ids
        keys = _hash(ids)
        order = np.argsort(keys).astype(np.int32 if ids.size < 2**31 else np.int64)
        keys = keys[order]
        exact = None
        if keys.size > 1 and (keys[1:] == keys[:-1]).any():
            # Duplicate ids or (astronomically rarely) a hash collision: exact strings instead.
            exact = pd.Index(ids.astype(object))
        self._text = (keys, order, exact)
        return self._text

    def duplicates(self) -> np.ndarray:
        """Positions (in solution order) of ids already seen earlier."""
        if self.ints is not None:
            ints = self.ints
            if ints.size < 2 or bool((ints[1:] > ints[:-1]).all()):  # sorted ids: the common case
                return np.empty(0, dtype=np.int64)
            ordered = np.sort(ints)
            if not (ordered[1:] == ordered[:-1]).any():
                return np.empty(0, dtype=np.int64)
            return np.flatnonzero(pd.Index(ints).duplicated())
        exact = self._build_text()[2]
        if exact is None:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(exact.duplicated())

    def lookup(self, sub_ids: np.ndarray, start: int | None = None) -> np.ndarray:
        """Solution row of each id in ``sub_ids`` (same width), or -1 if absent.

        ``start`` is the solution row the chunk would begin at if the submission
        kept the solution's order, the common case, which then costs one comparison.
        """
        in_range = start is not None and 0 < sub_ids.size and start + sub_ids.size <= self.ids.size
        if in_range and np.array_equal(self.ids[start:start + sub_ids.size], sub_ids):
            return np.arange(start, start + sub_ids.size, dtype=np.int64)
        keys_sorted, order, exact = self._build_text()
        if exact is not None:
            return exact.get_indexer(sub_ids.astype(object)).astype(np.int64)
        rows = np.full(sub_ids.size, -1, dtype=np.int64)
        if keys_sorted.size == 0 or sub_ids.size == 0:
            return rows
        keys = _hash(sub_ids)
        by_key = np.argsort(keys)
        at = np.searchsorted(keys_sorted, keys[by_key])
        at = np.minimum(at, keys_sorted.size - 1)
        found = keys_sorted[at] == keys[by_key]
        rows[by_key[found]] = order[at[found]]
        hit = np.flatnonzero(rows >= 0)
        wrong = self.ids[rows[hit]] != sub_ids[hit]  # rule out hash collisions
        rows[hit[wrong]] = -1
        return rows

    # -- integer ids ---------------------------------------------------------------
    def lookup_ints(self, sub_ints: np.ndarray, start: int | None = None) -> np.ndarray:
        """Solution row of each int64 id in ``sub_ints``, or -1 if absent (see :meth:`lookup`).

        Only for an index built with ``ints``, whose ids have no duplicates.
        """
        ints = self.ints
        in_range = start is not None and 0 < sub_ints.size and start + sub_ints.size <= ints.size
        if in_range and np.array_equal(ints[start:start + sub_ints.size], sub_ints):
            return np.arange(start, start + sub_ints.size, dtype=np.int64)
        if self._int_lookup is None:
            self._int_lookup = _int_lookup(ints)
        return self._int_lookup(sub_ints)


def _int_lookup(ints: np.ndarray):
    """A function from int64 ids to solution rows (-1 where absent) for unique ``ints``."""
    if ints.size == 0:
        return lambda sub: np.full(sub.size, -1, dtype=np.int64)
    low, high = int(ints.min()), int(ints.max())
    span = high - low + 1
    if span <= _DENSE_SPAN * ints.size + _DENSE_SLACK:
        table = np.full(span, -1, dtype=np.int32 if ints.size < 2**31 else np.int64)
        table[ints - low] = np.arange(ints.size, dtype=table.dtype)

        def dense(sub: np.ndarray) -> np.ndarray:
            if sub.size and int(sub.min()) >= low and int(sub.max()) <= high:  # the common case: no mask
                return table[sub - low].astype(np.int64)
            rows = np.full(sub.size, -1, dtype=np.int64)
            inside = (sub >= low) & (sub <= high)  # compared before subtracting: no overflow
            rows[inside] = table[sub[inside] - low]
            return rows

        return dense
    index = pd.Index(ints)
    return lambda sub: index.get_indexer(sub).astype(np.int64, copy=False)
