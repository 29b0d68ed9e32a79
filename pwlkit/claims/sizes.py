"""Which train sizes of a benchmark count as "little" and as "enough" data.

Both are relative: the smallest size of a benchmark is "little", the upper half of its sizes
"enough", and a benchmark with a single train size (for example a store still filling in) is
neither, so the size claims leave it out instead of calling its one size the smallest.
"""

from __future__ import annotations

import pandas as pd

ONE_SIZE = "needs two or more train sizes of one benchmark (little or enough data is relative)"


def rows_at_sizes(df: pd.DataFrame, which: str) -> pd.DataFrame:
    """The rows at the ``upper`` half of each benchmark's train sizes, or at its ``smallest``;
    benchmarks with one train size are left out."""
    sizes = {b: sorted(s.unique()) for b, s in df.groupby("benchmark")["train_size"]}
    keep = {
        b: s[len(s) // 2 :] if which == "upper" else s[:1] for b, s in sizes.items() if len(s) > 1
    }
    return df[[n in keep.get(b, ()) for b, n in zip(df["benchmark"], df["train_size"])]]
