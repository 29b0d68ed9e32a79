"""Whole-space metrics of a predictor, and the vocabulary every table and chart of them uses.

`functions`: tau, Spearman, Precision@T, N@K, top-1 test and `evaluate` (all at once);
`names`: result-column names, which way each metric improves, short labels; `intervals`: the
t-interval and the bootstrap interval of a mean over seeds, clipped to the metric's range.
"""

from .functions import (
    DEFAULT_KS,
    DEFAULT_TS,
    T_PERCENT,
    check_scores,
    cutoff_checks,
    default_ks,
    evaluate,
    kendall_tau,
    n_at_k,
    precision_at,
    spearman,
    top1_test,
    top_count,
    true_rank,
)
from .intervals import bootstrap_interval, clip_interval, metric_bounds, t_half_width
from .names import (
    N_AT_PREFIX,
    PRECISION_PREFIX,
    RANK_CORRELATIONS,
    TOP1_TEST,
    best_of,
    flatten_metrics,
    is_metric_column,
    is_rank_metric,
    lower_is_better,
    metric_columns,
    metric_label,
    n_at_column,
    parse_column,
    precision_column,
)

__all__ = [
    "DEFAULT_KS",
    "DEFAULT_TS",
    "N_AT_PREFIX",
    "PRECISION_PREFIX",
    "RANK_CORRELATIONS",
    "TOP1_TEST",
    "T_PERCENT",
    "best_of",
    "bootstrap_interval",
    "check_scores",
    "clip_interval",
    "cutoff_checks",
    "default_ks",
    "evaluate",
    "flatten_metrics",
    "is_metric_column",
    "is_rank_metric",
    "kendall_tau",
    "lower_is_better",
    "metric_bounds",
    "metric_columns",
    "metric_label",
    "n_at_column",
    "n_at_k",
    "parse_column",
    "precision_at",
    "precision_column",
    "spearman",
    "t_half_width",
    "top1_test",
    "top_count",
    "true_rank",
]

# doctest.testmod(pwlkit.metrics) skips re-exported functions; list their examples here.
__test__ = {name: obj for name, obj in globals().items() if name in __all__ and callable(obj)}
