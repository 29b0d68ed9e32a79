"""Whole-space metrics of a predictor: rank correlation and how well it finds the top.

The functions take ``pred`` (predicted scores) and ``true`` (ground truth; ``test`` for
`top1_test`), one value per architecture, higher = better, as 1-D array-likes (numpy, lists, CPU
torch tensors). Inputs are
checked once at the entry (`check_scores`); the bodies are vectorised numpy.

Tie rules (deterministic, and never in the predictor's favour):

* The predictor's top K / top T% is taken by sorting ``pred`` descending; architectures with
  equal predictions are ordered worst-truth-first (then by index). A predictor gains nothing
  from ties: a constant one scores as badly as any ordering could, and a benchmark stored in
  accuracy order cannot leak into the metric through index order.
* The true top T% is every architecture whose true value is at least the ``n``-th best value,
  ``n = ceil(t% of N)``; tied architectures count equally as top.
* The true rank of an architecture is 1 + the number strictly better (tied ones share a rank).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from pwlkit.checks import Interval, ListOf

__all__ = [
    "DEFAULT_KS",
    "DEFAULT_TS",
    "T_PERCENT",
    "check_scores",
    "cutoff_checks",
    "default_ks",
    "evaluate",
    "kendall_tau",
    "n_at_k",
    "precision_at",
    "spearman",
    "top1_test",
    "top_count",
    "true_rank",
]


DEFAULT_TS: tuple[float, ...] = (0.5, 1, 5, 10)
"""Precision@T percentages `evaluate` reports when none are given."""

DEFAULT_KS: tuple[int, ...] = (1, 5, 10, 50)
"""N@K cut-offs `evaluate` reports when none are given, those up to the space's size
(`default_ks`): a user table of 30 architectures has no N@50."""

T_PERCENT = Interval(float, 0, 100, closed="right", noun="percent")
"""A Precision@T percentage of the space."""


def default_ks(n: int) -> tuple[int, ...]:
    """The `DEFAULT_KS` that fit a space of ``n`` architectures (cut-offs above ``n`` are
    dropped: N@K of the whole space is N@n).

    Example:
        >>> default_ks(30)
        (1, 5, 10)
    """
    return tuple(k for k in DEFAULT_KS if k <= n)


def cutoff_checks(n: int, space: str = "the space") -> dict[str, ListOf]:
    """Declared checks of ``ts`` and ``ks`` for a space of ``n`` architectures (a command's
    options, checked before any fit); a cut-off above ``n`` is refused with the space's size.

    Example:
        >>> cutoff_checks(30, "graph-x")["ks"].item.problem("--ks", 50)
        '--ks must be an integer in [1, 30], got 50 (graph-x has 30 architectures)'
    """
    return {
        "ts": ListOf(T_PERCENT),
        "ks": ListOf(Interval(int, 1, n, note=f"{space} has {n} architectures")),
    }


def _as_1d(x: Any, name: str) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor: avoid importing torch here
        x = x.detach().cpu().numpy()
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one score per architecture), got shape {arr.shape}")
    return arr


def check_scores(pred: Any, true: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a prediction/truth pair and return them as float64 numpy vectors.

    Raises:
        ValueError: not 1-D, lengths differ, fewer than 2 architectures, NaN or infinite values.
    """
    p, y = _as_1d(pred, "pred"), _as_1d(true, "true")
    if p.shape != y.shape:
        raise ValueError(
            f"pred has {p.shape[0]} values but true has {y.shape[0]}; pass one prediction per "
            "architecture of the evaluated set"
        )
    if p.shape[0] < 2:
        raise ValueError(f"need at least 2 architectures to rank, got {p.shape[0]}")
    for name, arr in (("pred", p), ("true", y)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ValueError(
                f"{name} has {int(bad.sum())} NaN or infinite values (first at index "
                f"{int(np.argmax(bad))}); drop those architectures or fix the predictor"
            )
    return p, y


def _check_t(t: Any) -> float:
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise ValueError(f"t={t!r} must be a number, a percentage in (0, 100]") from None
    if not 0.0 < value <= 100.0:
        raise ValueError(f"t={t!r} is a percentage of the space and must be in (0, 100]")
    return value


def _check_k(k: Any, n: int) -> int:
    whole = isinstance(k, (int, np.integer)) or (isinstance(k, float) and k.is_integer())
    if isinstance(k, bool) or not whole:
        raise ValueError(f"k={k!r} must be an integer in [1, {n}]")
    if not 1 <= int(k) <= n:
        raise ValueError(f"k={k!r} must be in [1, {n}] (the number of architectures)")
    return int(k)


def top_count(t: float, n: int) -> int:
    """Size of the top ``t`` percent of ``n`` architectures: ``ceil(t * n / 100)``, at least 1.

    Rounded to 9 decimals first so that, e.g., 10% of 100 is 10, not 11.
    """
    return max(1, math.ceil(round(t * n / 100.0, 9)))


def true_rank(true: np.ndarray) -> np.ndarray:
    """Rank of each architecture by truth: 1 + the number strictly better (ties share a rank)."""
    ascending = np.sort(true)
    return true.shape[0] - np.searchsorted(ascending, true, side="right") + 1


def _pred_order(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices by prediction, best first; equal predictions worst-truth-first, then by index."""
    return np.lexsort((np.arange(p.shape[0]), y, -p))


def _rank_corr(name: str, p: np.ndarray, y: np.ndarray) -> float:
    """scipy's ``kendalltau`` or ``spearmanr``, imported here: scipy.stats takes a second to
    load, and the processes that only need metric names should not pay it."""
    if np.ptp(p) == 0 or np.ptp(y) == 0:
        return 0.0
    from scipy import stats

    return float(getattr(stats, name)(p, y).statistic)


def kendall_tau(pred: Any, true: Any) -> float:
    """Kendall's tau-b between prediction and truth over the whole set (scipy, handles ties).

    Returns 0.0 when either input is constant (tau is undefined there; 0 = no ordering
    information, so a collapsed predictor averages like a random one rather than vanishing
    from a mean as NaN).

    Args:
        pred: predicted scores, one per architecture.
        true: ground truth, same length.

    Returns:
        tau-b in [-1, 1].

    Raises:
        ValueError: see `check_scores`.

    Example:
        >>> round(kendall_tau([0.1, 0.2, 0.3], [1.0, 3.0, 2.0]), 4)  # (2 - 1) / 3
        0.3333
    """
    return _rank_corr("kendalltau", *check_scores(pred, true))


def spearman(pred: Any, true: Any) -> float:
    """Spearman's rank correlation (scipy; ties get average ranks); 0.0 for a constant input.

    Args:
        pred: predicted scores, one per architecture.
        true: ground truth, same length.

    Returns:
        rho in [-1, 1].

    Raises:
        ValueError: see `check_scores`.

    Example:
        >>> spearman([0.1, 0.2, 0.3], [1.0, 3.0, 2.0])  # 1 - 6 * (0 + 1 + 1) / (3 * 8)
        0.5
    """
    return _rank_corr("spearmanr", *check_scores(pred, true))


def _precision(order: np.ndarray, y: np.ndarray, y_desc: np.ndarray, t: float) -> float:
    n = top_count(t, y.shape[0])
    threshold = y_desc[n - 1]
    return float(np.count_nonzero(y[order[:n]] >= threshold)) / n


def precision_at(pred: Any, true: Any, t: float) -> float:
    """Precision@T: the share of the predicted top T% that is truly in the top T%.

    ``n = ceil(t% of N)``; ``|predicted top n  ∩  true top n| / n``, with the module's tie rules
    (truth ties at the boundary all count as top; prediction ties ordered worst-truth-first).

    Args:
        pred: predicted scores, one per architecture.
        true: ground truth, same length.
        t: percentage of the space, in (0, 100].

    Returns:
        a fraction in [0, 1] (1 = the predictor's top T% is all truly top).

    Raises:
        ValueError: bad ``t`` or inputs (see `check_scores`).

    Example:
        >>> precision_at([0.9, 0.1, 0.8, 0.3], [0.7, 0.2, 0.1, 0.9], 50)  # {0, 2} vs {3, 0}
        0.5
    """
    p, y = check_scores(pred, true)
    t = _check_t(t)
    return _precision(_pred_order(p, y), y, np.sort(y)[::-1], t)


def n_at_k(pred: Any, true: Any, k: int) -> int:
    """N@K: the best true rank (1 = global best) among the predictor's top ``k``.

    Lower is better; 1 means the predictor's top ``k`` contains a best architecture. True
    ranks count ties as in `true_rank`; prediction ties are ordered worst-truth-first.

    Args:
        pred: predicted scores, one per architecture.
        true: ground truth, same length.
        k: how many of the predictor's best to look at, in [1, N].

    Returns:
        an integer rank in [1, N].

    Raises:
        ValueError: bad ``k`` or inputs (see `check_scores`).

    Example:
        >>> n_at_k([0.9, 0.1, 0.8, 0.3], [0.7, 0.2, 0.1, 0.9], 2)  # ranks of 0.7, 0.1: 2, 4
        2
    """
    p, y = check_scores(pred, true)
    k = _check_k(k, p.shape[0])
    return int(true_rank(y)[_pred_order(p, y)[:k]].min())


def top1_test(pred: Any, test: Any) -> float:
    """Test value of the architecture the predictor ranks first: what a search that trusts the
    predictor would report.

    Equal top predictions resolve to the lowest index (``np.argmax``), as the study has always
    stored this column.

    Args:
        pred: predicted scores, one per architecture.
        test: test values, same length (any finite or NaN floats: only one is read).

    Returns:
        ``test[argmax(pred)]`` as a float.

    Raises:
        ValueError: not 1-D, lengths differ, or ``pred`` has NaN or infinite values.

    Example:
        >>> top1_test([0.2, 0.9, 0.4], [91.0, 93.5, 94.0])
        93.5
    """
    p, t = _as_1d(pred, "pred"), _as_1d(test, "test")
    if p.shape != t.shape:
        raise ValueError(f"pred has {p.shape[0]} values but test has {t.shape[0]}")
    if not np.all(np.isfinite(p)):
        raise ValueError("pred has NaN or infinite values; the predictor's best is undefined")
    return float(t[int(np.argmax(p))])


def evaluate(
    pred: Any,
    true: Any,
    ts: Iterable[float] | None = None,
    ks: Iterable[int] | None = None,
) -> dict[str, Any]:
    """Every metric at once, sorting each input only once.

    Args:
        pred: predicted scores, one per architecture.
        true: ground truth, same length.
        ts: percentages for Precision@T, each in (0, 100] (None: `DEFAULT_TS`).
        ks: cut-offs for N@K, each in [1, N] (None: the `DEFAULT_KS` up to N, `default_ks`,
            so a small table is scored too).

    Returns:
        ``{"tau": float, "spearman": float, "precision_at": {t: float}, "n_at_k": {k: int}}``
        with plain python numbers; the dict keys are the given ``ts`` and ``ks``.

    Raises:
        ValueError: bad inputs, ``t`` or ``k`` (checked before any metric is computed).

    Example:
        >>> r = evaluate([0.9, 0.1, 0.8, 0.3], [0.7, 0.2, 0.1, 0.9], ts=(50,), ks=(1, 2))
        >>> r["precision_at"], r["n_at_k"]
        ({50: 0.5}, {1: 2, 2: 2})
    """
    p, y = check_scores(pred, true)
    ts = list(DEFAULT_TS if ts is None else ts)
    ks = list(default_ks(p.shape[0]) if ks is None else ks)
    checked_t = [_check_t(t) for t in ts]
    checked_k = [_check_k(k, p.shape[0]) for k in ks]
    order = _pred_order(p, y)
    y_desc = np.sort(y)[::-1]
    best_so_far = np.minimum.accumulate(true_rank(y)[order[: max(checked_k, default=1)]])
    return {
        "tau": _rank_corr("kendalltau", p, y),
        "spearman": _rank_corr("spearmanr", p, y),
        "precision_at": {t: _precision(order, y, y_desc, c) for t, c in zip(ts, checked_t)},
        "n_at_k": {k: int(best_so_far[c - 1]) for k, c in zip(ks, checked_k)},
    }
