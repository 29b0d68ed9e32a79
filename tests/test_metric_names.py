"""Metric vocabulary: column names round-trip, directions, labels, and the t-interval of a mean
against t-table values and scipy."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import stats

from pwlkit import metrics
from pwlkit.metrics import (
    evaluate,
    flatten_metrics,
    is_metric_column,
    lower_is_better,
    metric_columns,
    metric_label,
    n_at_column,
    parse_column,
    precision_column,
    t_half_width,
)


@pytest.mark.parametrize("t", [0.05, 0.5, 1, 1.0, 5, 10, 12.5, 100])
def test_precision_columns_round_trip(t):
    column = precision_column(t)
    assert parse_column(column) == ("precision_at", float(t))
    assert precision_column(parse_column(column)[1]) == column


@pytest.mark.parametrize("k", [1, 10, 50, 1_000_000])
def test_n_at_columns_round_trip(k):
    assert n_at_column(k) == f"n_at_{k}"
    assert parse_column(n_at_column(k)) == ("n_at_k", k)


def test_column_spellings_are_the_study_ones():
    assert metric_columns([0.5, 1, 5], [1, 10]) == [
        "tau",
        "spearman",
        "precision_at_0.5",
        "precision_at_1",
        "precision_at_5",
        "n_at_1",
        "n_at_10",
        "top1_test",
    ]
    assert all(is_metric_column(c) for c in metric_columns([0.5], [10]))


@pytest.mark.parametrize(
    "column", ["loss", "fit_seconds", "precision_at_", "precision_at_x", "n_at_1.5", "n_at_"]
)
def test_other_columns_are_not_metrics(column):
    assert not is_metric_column(column)
    with pytest.raises(ValueError, match=r"precision_at_<T>, n_at_<K>"):
        parse_column(column)


def test_flattened_evaluate_has_the_study_columns():
    rng = np.random.default_rng(0)
    pred, true = rng.random(50), rng.random(50)
    flat = flatten_metrics(evaluate(pred, true, ts=(0.5, 10), ks=(1, 5)))
    assert list(flat) == metric_columns((0.5, 10), (1, 5))[:-1]  # top1_test is not evaluate's


@pytest.mark.parametrize(
    ("metric", "lower"),
    [
        ("tau", False),
        ("spearman", False),
        ("precision_at_0.5", False),
        ("top1_test", False),
        ("n_at_10", True),
        ("N@10", True),
        ("test_error", True),
        ("regret", True),
    ],
)
def test_direction(metric, lower):
    assert lower_is_better(metric) is lower


def test_labels():
    assert metric_label("precision_at_0.5") == "P@0.5%"
    assert metric_label("n_at_10") == "N@10"
    assert metric_label("tau") == "tau"


def test_half_width_matches_t_tables():
    # t_{0.975, 3} = 3.182, t_{0.95, 4} = 2.132, t_{0.995, 9} = 3.250 (printed t tables)
    assert t_half_width(1.0, 4) == pytest.approx(3.182 / 2, abs=1e-3)
    assert t_half_width(2.0, 5, 0.9) == pytest.approx(2.132 * 2 / math.sqrt(5), abs=1e-3)
    assert t_half_width(0.3, 10, 0.99) == pytest.approx(3.250 * 0.3 / math.sqrt(10), abs=1e-3)


def test_half_width_matches_scipy_interval_and_is_nan_below_two():
    vals = np.array([0.1, 0.4, 0.35, 0.8, 0.55])
    lo, hi = stats.t.interval(0.9, len(vals) - 1, loc=vals.mean(), scale=stats.sem(vals))
    half = t_half_width(vals.std(ddof=1), len(vals), 0.9)
    assert (vals.mean() - half, vals.mean() + half) == pytest.approx((lo, hi))
    out = t_half_width([1.0, np.nan, np.nan], [4, 1, 0])
    assert out[0] == pytest.approx(1.5912, abs=1e-4) and np.isnan(out[1:]).all()


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_half_width_rejects_levels_outside_zero_one(level):
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        t_half_width(1.0, 4, level)


def test_doctests_of_names_and_intervals():
    for module in (metrics.names, metrics.intervals):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 1, module.__name__


def test_best_of_follows_the_metric_direction_and_skips_nan():
    import pandas as pd

    from pwlkit.metrics import best_of

    values = pd.Series({"hr": 0.81, "mse": float("nan"), "mape": 0.79})
    assert best_of(values, "tau") == "hr"
    assert best_of(values, "n_at_10") == "mape"
    assert best_of(pd.Series({"a": 3.0, "b": float("nan")}), "precision_at_0.5") == "a"
