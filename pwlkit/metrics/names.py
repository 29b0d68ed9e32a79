"""The names of metric columns, which way each metric improves, and short labels for them.

A results row holds ``tau``, ``spearman``, ``precision_at_<T>`` (T a percentage written with
``:g``: ``precision_at_0.5``, ``precision_at_5``), ``n_at_<K>`` and ``top1_test``. Studies write
these names, and claims, charts and widgets read them, through this one module, so that a
column means the same thing everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "N_AT_PREFIX",
    "PRECISION_PREFIX",
    "RANK_CORRELATIONS",
    "TOP1_TEST",
    "best_of",
    "flatten_metrics",
    "is_metric_column",
    "is_rank_metric",
    "lower_is_better",
    "metric_columns",
    "metric_label",
    "n_at_column",
    "parse_column",
    "precision_column",
]

PRECISION_PREFIX = "precision_at_"
N_AT_PREFIX = "n_at_"
#: Whole-space rank correlations: their column is their `evaluate` key.
RANK_CORRELATIONS = ("tau", "spearman")
#: Test value of the architecture the predictor ranks first (see `top1_test`).
TOP1_TEST = "top1_test"

_K_RE = re.compile(r"^\d+$")
_FORMS = f"{', '.join(RANK_CORRELATIONS)}, {PRECISION_PREFIX}<T>, {N_AT_PREFIX}<K>, {TOP1_TEST}"


def precision_column(t: float) -> str:
    """Results column of Precision@T, e.g. ``precision_at_0.5``, ``precision_at_5``."""
    return f"{PRECISION_PREFIX}{float(t):g}"


def n_at_column(k: int) -> str:
    """Results column of N@K, e.g. ``n_at_10``."""
    return f"{N_AT_PREFIX}{int(k)}"


def metric_columns(ts: Iterable[float], ks: Iterable[int]) -> list[str]:
    """Every metric column of a study's rows, in table order.

    Example:
        >>> metric_columns([0.5, 5], [10])
        ['tau', 'spearman', 'precision_at_0.5', 'precision_at_5', 'n_at_10', 'top1_test']
    """
    return [
        *RANK_CORRELATIONS,
        *(precision_column(t) for t in ts),
        *(n_at_column(k) for k in ks),
        TOP1_TEST,
    ]


def parse_column(column: str) -> tuple[str, float | int | None]:
    """A metric column back to its `evaluate` key and cut-off: T for Precision@T, K for N@K.

    Inverse of `precision_column` / `n_at_column` (T as written, so to 6 significant digits).

    Raises:
        ValueError: ``column`` is not a metric column; the message lists the forms.

    Example:
        >>> parse_column("precision_at_0.5"), parse_column("n_at_10"), parse_column("tau")
        (('precision_at', 0.5), ('n_at_k', 10), ('tau', None))
    """
    text = str(column)
    if text in RANK_CORRELATIONS or text == TOP1_TEST:
        return text, None
    if text.startswith(PRECISION_PREFIX):
        try:
            t = float(text.removeprefix(PRECISION_PREFIX))
        except ValueError:
            t = math.nan
        if math.isfinite(t):
            return "precision_at", t
    elif text.startswith(N_AT_PREFIX) and _K_RE.match(text.removeprefix(N_AT_PREFIX)):
        return "n_at_k", int(text.removeprefix(N_AT_PREFIX))
    raise ValueError(f"{column!r} is not a metric column; metric columns are {_FORMS}")


def is_metric_column(column: Any) -> bool:
    """True for the columns `parse_column` reads (``fit_seconds``, ``loss``... are not)."""
    try:
        parse_column(column)
    except ValueError:
        return False
    return True


def flatten_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """`evaluate`'s nested dict as result columns: tau, spearman, ``precision_at_<T>``,
    ``n_at_<K>`` (any other nested dict ``name`` becomes ``name_<key>``).

    Example:
        >>> flatten_metrics({"tau": 0.5, "precision_at": {0.5: 0.1}, "n_at_k": {10: 3}})
        {'tau': 0.5, 'precision_at_0.5': 0.1, 'n_at_10': 3}
    """
    flat: dict[str, Any] = {}
    for key, val in metrics.items():
        if not isinstance(val, Mapping):
            flat[key] = val
        elif key == "precision_at":
            flat.update({precision_column(t): v for t, v in val.items()})
        elif key == "n_at_k":
            flat.update({n_at_column(k): v for k, v in val.items()})
        else:
            flat.update({f"{key}_{float(k):g}": v for k, v in val.items()})
    return flat


def lower_is_better(metric: str) -> bool:
    """N@K-style metrics (the best true rank found) and errors improve downwards; the others
    (tau, Precision@T, accuracies) upwards. Accepts free-form names such as ``N@10``."""
    m = metric.lower().replace(" ", "")
    return m.startswith(("n@", "n_at", "nat")) or m.endswith(("error", "err", "regret", "rank"))


def best_of(values: Any, metric: str) -> Any:
    """The label of the best entry of ``values`` (a pandas Series of ``metric`` values), in the
    metric's own direction; NaN entries are skipped.

    >>> import pandas as pd
    >>> best_of(pd.Series({"hr": 0.8, "mse": 0.7}), "tau"), best_of(pd.Series({"hr": 9, "mse": 3}), "N@10")
    ('hr', 'mse')
    """
    return values.idxmin() if lower_is_better(metric) else values.idxmax()


def is_rank_metric(metric: str) -> bool:
    """N@K-style metrics: a rank, where 1 is best (their line charts point the axis down)."""
    m = metric.lower().replace(" ", "")
    return m.startswith(("n@", "n_at"))


def metric_label(column: str) -> str:
    """A compact header: ``precision_at_0.5`` -> ``P@0.5%``, ``n_at_10`` -> ``N@10``; other
    columns keep their name."""
    if column.startswith(PRECISION_PREFIX):
        return f"P@{column.removeprefix(PRECISION_PREFIX)}%"
    if column.startswith(N_AT_PREFIX):
        return f"N@{column.removeprefix(N_AT_PREFIX)}"
    return column
