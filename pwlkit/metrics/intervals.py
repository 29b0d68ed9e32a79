"""The Student-t confidence interval of a mean over seeds, shared by tables and charts.

A study has a handful of seeds per setting, too few for a normal interval: the t quantile with
``n - 1`` degrees of freedom widens it honestly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["t_half_width"]


def t_half_width(std: Any, n: Any, level: float = 0.95) -> np.ndarray:
    """Half width ``t_{(1 + level) / 2, n - 1} * std / sqrt(n)`` of the interval of a mean.

    Args:
        std: sample standard deviation (ddof=1) of each group; scalar or array.
        n: number of values in each group, same shape.
        level: confidence level, in (0, 1).

    Returns:
        the half widths as a float array; NaN where ``n < 2`` (one seed says nothing about
        the spread).

    Raises:
        ValueError: ``level`` outside (0, 1).

    Example:
        >>> round(float(t_half_width(1.0, 4)), 4)  # t_{0.975, 3} = 3.1824, / sqrt(4)
        1.5912
    """
    from scipy import stats  # slow to import; most users of pwlkit.metrics never need it

    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    n = np.asarray(n, dtype=float)
    std = np.asarray(std, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tcrit = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        return tcrit * std / np.sqrt(n)
