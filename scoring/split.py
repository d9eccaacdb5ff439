"""Public/private splits: the solution's optional Usage column.

Usage values are Public, Private or Ignored (case-insensitive).  Ignored rows
must still be predicted but are never scored.  A solution without Usage scores
every row as both public and private.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

USAGE_COLUMN = "Usage"
PUBLIC, PRIVATE, IGNORED = 0, 1, 2
_CODES = {"public": PUBLIC, "private": PRIVATE, "ignored": IGNORED}
PARTS = ("public", "private", "overall")


def find_usage_column(columns) -> str | None:
    """The Usage column's name as written (matched case-insensitively)."""
    for name in columns:
        if name.strip().lower() == "usage":
            return name
    return None


def parse_usage(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 codes, mask of values that are not Public/Private/Ignored)."""
    factor, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    mapped = np.array([_CODES.get(str(v).strip().lower(), -1) for v in uniques], dtype=np.int8)[factor]
    bad = mapped < 0
    return np.where(bad, IGNORED, mapped).astype(np.int8), bad


def part_rows(usage: np.ndarray | None, n: int, part: str) -> np.ndarray:
    """A boolean mask of the rows scored in ``part`` ('public', 'private' or 'overall').

    A mask costs a byte a row, an index array eight.
    """
    if usage is None:
        return np.ones(n, dtype=bool)
    if part == "public":
        return usage == PUBLIC
    if part == "private":
        return usage == PRIVATE
    if part == "overall":
        return usage != IGNORED
    raise ValueError(f"unknown part {part!r}; expected one of {', '.join(PARTS)}")


def assign_usage(solution: pd.DataFrame, public_fraction: float, seed: int) -> pd.DataFrame:
    """A copy of ``solution`` with a Usage column: exactly round(n * public_fraction)
    rows Public, chosen by ``numpy.random.default_rng(seed)``, the rest Private.

    The same frame, fraction and seed always give the same split.
    """
    if not isinstance(solution, pd.DataFrame):
        raise TypeError("assign_usage expects a pandas DataFrame")
    if find_usage_column(map(str, solution.columns)) is not None:
        raise ValueError("the solution already has a Usage column")
    fraction = float(public_fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"public_fraction must be between 0 and 1, got {public_fraction!r}")
    n = len(solution)
    n_public = round(n * fraction)
    public = np.random.default_rng(seed).choice(n, size=n_public, replace=False)
    usage = np.full(n, "Private", dtype=object)
    usage[public] = "Public"
    out = solution.copy()
    out[USAGE_COLUMN] = usage
    return out
