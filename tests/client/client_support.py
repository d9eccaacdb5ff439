"""Data for the client tests: a small rmse task, its files and predictions."""
from __future__ import annotations

# A small rmse task: ids 1..20, the first ten public.
N_ROWS = 20
SOLUTION_CSV = ("id,target,Usage\n" + "".join(
    f"{i},{i}.0,{'Public' if i <= 10 else 'Private'}\n" for i in range(1, N_ROWS + 1))).encode()
TRAIN_CSV = b"id,x,target\n101,0.5,1.0\n102,0.7,2.0\n"
TEST_CSV = ("id,x\n" + "".join(f"{i},0.{i}\n" for i in range(1, N_ROWS + 1))).encode()


def predictions(err: float = 0.5) -> bytes:
    return ("id,target\n" + "".join(f"{i},{i + err}\n" for i in range(1, N_ROWS + 1))).encode()


def invalid_predictions() -> bytes:
    """Rows 16..20 missing and a non-numeric value: several problems."""
    return ("id,target\n" + "".join(f"{i},{i}.5\n" for i in range(1, 15)) + "15,abc\n").encode()
