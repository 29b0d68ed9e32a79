"""Reading user tables (CSV or parquet) with a clear error for missing columns."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .errors import DataFormatError


def read_table(path: Path, required: Sequence[str], dtype: dict | None = None):
    """A CSV or parquet file as a DataFrame; raises ValueError naming missing columns."""
    import pandas as pd  # deferred: pandas import costs ~0.5 s and cache hits never need it

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path)
    elif suffix == ".csv":
        df = pd.read_csv(path, dtype=dtype)
    else:
        raise DataFormatError(f"{path}: a table must be .csv or .parquet, not {suffix!r}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataFormatError(
            f"{path} lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns))}. "
            f"Required: {', '.join(required)}."
        )
    if len(df) == 0:
        raise DataFormatError(f"{path} has no rows")
    return df


def table_columns(path: Path) -> list[str] | None:
    """The column names of a CSV or parquet table, read from its header alone (a listing asks
    this of every task table); None when the file cannot be read (loading it says why)."""
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh), [])
    except Exception:  # noqa: BLE001 - any damage: the load reports it in full
        return None


def lacks_column(column: str) -> Callable[[Path], str]:
    """A `Source.lacks` check: the table has no ``column`` (a task table with some tasks only)."""

    def lacks(path: Path) -> str:
        columns = table_columns(path)
        return f"{path.name} has no {column!r} column" if columns and column not in columns else ""

    return lacks


MAX_ABS_VALUE = 1e12
"""Largest value (in absolute terms) an accuracy column may hold: a larger one is an export or
unit error, and squared errors of it overflow the float32 arithmetic predictors train in."""


def numeric_column(df, column: str, path: Path) -> np.ndarray:
    """A column as float64; raises naming the first row that is not a finite number, or is
    larger than `MAX_ABS_VALUE` in absolute value (rows count from 0, the header excluded)."""
    import pandas as pd

    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise DataFormatError(
            f"{path}: column {column!r} row {int(bad[0])} is {_shown(df[column].iloc[bad[0]])}, "
            f"not a finite number ({len(bad)} such rows)"
        )
    huge = np.flatnonzero(np.abs(values) > MAX_ABS_VALUE)
    if len(huge):
        raise DataFormatError(
            f"{path}: column {column!r} row {int(huge[0])} is {values[huge[0]]:g}, larger than "
            f"{MAX_ABS_VALUE:g} in absolute value ({len(huge)} such rows); accuracies must lie "
            f"within +-{MAX_ABS_VALUE:g}"
        )
    return values


def _shown(value) -> str:
    """A cell as the user wrote it: ``inf`` or ``'abc'``, not ``np.float64(inf)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)
