"""Reading user tables (CSV or parquet) with a clear error for missing columns."""

from __future__ import annotations

from collections.abc import Sequence
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


def numeric_column(df, column: str, path: Path) -> np.ndarray:
    """A column as float64; raises naming the first row that is not a number."""
    import pandas as pd

    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise DataFormatError(
            f"{path}: column {column!r} row {int(bad[0])} is {df[column].iloc[bad[0]]!r}, "
            f"not a finite number ({len(bad)} such rows)"
        )
    return values
