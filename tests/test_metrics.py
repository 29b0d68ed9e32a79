"""Metrics against brute-force loops, scipy, hand examples with ties, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from pwlkit.metrics import (
    evaluate,
    kendall_tau,
    n_at_k,
    precision_at,
    spearman,
    top1_test,
    top_count,
)

# ---------------------------------------------------------------- brute-force references


def brute_tau_b(x, y):
    n = len(x)
    conc = disc = tie_x = tie_y = 0
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = x[i] - x[j], y[i] - y[j]
            tie_x += dx == 0
            tie_y += dy == 0
            if dx * dy > 0:
                conc += 1
            elif dx * dy < 0:
                disc += 1
    pairs = n * (n - 1) / 2
    return (conc - disc) / math.sqrt((pairs - tie_x) * (pairs - tie_y))


def brute_avg_ranks(x):
    return [1 + sum(v < xi for v in x) + 0.5 * (sum(v == xi for v in x) - 1) for xi in x]


def brute_spearman(x, y):
    rx, ry = brute_avg_ranks(x), brute_avg_ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


def brute_pred_order(pred, true):
    # the documented rule: best prediction first; equal predictions worst truth first, then index
    return sorted(range(len(pred)), key=lambda i: (-pred[i], true[i], i))


def brute_precision(pred, true, t):
    n = math.ceil(round(t * len(pred) / 100, 9))
    nth_best = sorted(true, reverse=True)[n - 1]
    picked = brute_pred_order(pred, true)[:n]
    return sum(true[i] >= nth_best for i in picked) / n


def brute_n_at_k(pred, true, k):
    return min(1 + sum(v > true[i] for v in true) for i in brute_pred_order(pred, true)[:k])


def random_cases(count=150, seed=0):
    rng = np.random.default_rng(seed)
    for c in range(count):
        n = int(rng.integers(2, 40))
        if c % 3 == 0:  # many ties on both sides
            pred, true = rng.integers(0, 4, n), rng.integers(0, 5, n)
        elif c % 3 == 1:  # ties in the prediction only
            pred, true = rng.integers(0, 3, n), rng.random(n)
        else:
            pred, true = rng.normal(size=n), rng.random(n)
        yield pred.astype(float).tolist(), true.astype(float).tolist()


# ---------------------------------------------------------------- agreement


def test_tau_and_spearman_match_brute_force_and_scipy_with_ties():
    checked = 0
    for pred, true in random_cases():
        if len(set(pred)) < 2 or len(set(true)) < 2:
            continue
        checked += 1
        assert kendall_tau(pred, true) == pytest.approx(brute_tau_b(pred, true), abs=1e-12)
        assert kendall_tau(pred, true) == pytest.approx(stats.kendalltau(pred, true)[0])
        assert spearman(pred, true) == pytest.approx(brute_spearman(pred, true), abs=1e-12)
        assert spearman(pred, true) == pytest.approx(stats.spearmanr(pred, true)[0])
    assert checked > 100


def test_precision_and_n_at_k_match_brute_force_with_ties():
    for pred, true in random_cases(seed=1):
        n = len(pred)
        for t in (0.5, 1, 10, 33.3, 50, 100):
            assert precision_at(pred, true, t) == pytest.approx(brute_precision(pred, true, t))
        for k in sorted({1, 2, n // 2 or 1, n}):
            assert n_at_k(pred, true, k) == brute_n_at_k(pred, true, k)


def test_precision_matches_the_set_definition_without_ties():
    rng = np.random.default_rng(2)
    for _ in range(50):
        n = int(rng.integers(5, 300))
        pred, true = rng.normal(size=n), rng.normal(size=n)
        for t in (1, 5, 10, 50):
            size = top_count(t, n)
            top_pred = set(np.argsort(-pred)[:size])
            top_true = set(np.argsort(-true)[:size])
            assert precision_at(pred, true, t) == len(top_pred & top_true) / size


def test_evaluate_agrees_with_the_single_metrics():
    rng = np.random.default_rng(3)
    true = rng.random(500)
    pred = true + rng.normal(0, 0.2, 500)
    result = evaluate(pred, true)
    assert set(result) == {"tau", "spearman", "precision_at", "n_at_k"}
    assert result["tau"] == kendall_tau(pred, true)
    assert result["spearman"] == spearman(pred, true)
    assert result["precision_at"] == {t: precision_at(pred, true, t) for t in (0.5, 1, 5, 10)}
    assert result["n_at_k"] == {k: n_at_k(pred, true, k) for k in (1, 5, 10, 50)}
    assert all(type(v) is float for v in result["precision_at"].values())
    assert all(type(v) is int for v in result["n_at_k"].values())
    assert type(result["tau"]) is float and type(result["spearman"]) is float


# ---------------------------------------------------------------- hand examples and tie rules


def test_hand_examples():
    pred, true = [0.9, 0.1, 0.8, 0.3], [0.7, 0.2, 0.1, 0.9]
    # true ranks: 0.7 -> 2, 0.2 -> 3, 0.1 -> 4, 0.9 -> 1; predicted order: 0, 2, 3, 1
    assert [n_at_k(pred, true, k) for k in (1, 2, 3, 4)] == [2, 2, 1, 1]
    # top 25% = 1 arch: pred {0} vs true {3} -> 0; top 50%: {0, 2} vs {3, 0} -> 1/2
    # top 75% = 3: {0, 2, 3} vs {3, 0, 1} -> 2/3
    assert [precision_at(pred, true, t) for t in (25, 50, 75, 100)] == [0.0, 0.5, 2 / 3, 1.0]
    # a ceil: 10% of 4 archs is 1 arch
    assert precision_at(pred, true, 10) == 0.0 and top_count(10, 4) == 1


def test_truth_ties_at_the_boundary_all_count_as_top():
    # top 25% of 4 = 1 arch; three archs share the best truth, any of them is a hit
    assert precision_at([0.1, 0.9, 0.2, 0.3], [5.0, 5.0, 5.0, 1.0], 25) == 1.0
    # the shared true rank of tied archs: 1 + number strictly better
    assert n_at_k([0.1, 0.9, 0.2, 0.3], [5.0, 3.0, 3.0, 1.0], 1) == 2


def test_prediction_ties_never_help_the_predictor():
    true = np.arange(10.0)  # stored in accuracy order: index order would leak the truth
    const = np.zeros(10)
    assert precision_at(const, true, 10) == 0.0  # the tied top is filled worst-first
    assert precision_at(const, true, 50) == 0.0
    assert n_at_k(const, true, 3) == 8  # the three worst: true ranks 10, 9, 8
    assert kendall_tau(const, true) == 0.0 and spearman(const, true) == 0.0
    # same answer whatever order the archs are stored in
    assert n_at_k(const, true[::-1], 3) == 8


def test_metrics_do_not_depend_on_storage_order():
    rng = np.random.default_rng(4)
    pred, true = rng.integers(0, 6, 200).astype(float), rng.integers(0, 20, 200).astype(float)
    perm = rng.permutation(200)
    assert evaluate(pred, true) == evaluate(pred[perm], true[perm])


def test_accepts_lists_numpy_and_torch():
    pred, true = [0.3, 0.1, 0.2], [3, 1, 2]
    expected = evaluate(pred, true, ks=(1, 3))
    assert evaluate(np.array(pred), np.array(true), ks=(1, 3)) == expected
    assert evaluate(torch.tensor(pred, requires_grad=True), torch.tensor(true), ks=(1, 3)) == (
        expected
    )
    assert expected["tau"] == pytest.approx(1.0)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("pred", "true", "message"),
    [
        ([1.0, 2.0], [1.0, 2.0, 3.0], "pred has 2 values but true has 3"),
        ([1.0], [1.0], "at least 2 architectures"),
        ([[1.0, 2.0]], [[1.0, 2.0]], "must be 1-D"),
        ([1.0, float("nan"), 2.0], [1.0, 2.0, 3.0], r"pred has 1 NaN or infinite.*index 1"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, float("inf")], r"true has 1 NaN or infinite"),
    ],
)
def test_bad_scores(pred, true, message):
    for fn in (kendall_tau, spearman, evaluate):
        with pytest.raises(ValueError, match=message):
            fn(pred, true)
    with pytest.raises(ValueError, match=message):
        precision_at(pred, true, 10)
    with pytest.raises(ValueError, match=message):
        n_at_k(pred, true, 1)


@pytest.mark.parametrize("t", [0, -1, 100.5, "ten", None])
def test_bad_t(t):
    with pytest.raises(ValueError, match=r"t=.*\(0, 100\]"):
        precision_at([1, 2, 3], [1, 2, 3], t)
    with pytest.raises(ValueError, match=r"\(0, 100\]"):
        evaluate([1, 2, 3], [1, 2, 3], ts=(1, t), ks=(1,))


@pytest.mark.parametrize("k", [0, 4, 1.5, True, "1"])
def test_bad_k(k):
    with pytest.raises(ValueError, match=r"k=.*\[1, 3\]"):
        n_at_k([1, 2, 3], [1, 2, 3], k)
    with pytest.raises(ValueError, match=r"\[1, 3\]"):
        evaluate([1, 2, 3], [1, 2, 3], ts=(50,), ks=(1, k))


def test_top1_test_reads_the_test_value_of_the_predicted_best():
    test = np.array([91.0, 93.5, np.nan, 94.0])  # a NaN test value elsewhere is harmless
    assert top1_test([0.2, 0.9, 0.1, 0.4], test) == 93.5
    assert top1_test(torch.tensor([0.5, 0.5, 0.1, 0.2]), test) == 91.0  # ties: lowest index
    with pytest.raises(ValueError, match="pred has 3 values but test has 4"):
        top1_test([0.1, 0.2, 0.3], test)
    with pytest.raises(ValueError, match="NaN or infinite"):
        top1_test([0.1, float("nan"), 0.3, 0.2], test)
