"""The search loops: budget, isolation from the test metric, determinism, quality, bad input.

Most tests replace the GCN engine by a ridge regression on one-hot operations (same signature
as `pwlkit.train.fit_predict_many`), which learns the toy space's additive landscape in
milliseconds; `test_search_engine.py` runs the real engine.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import CALLS, ridge_fit

from pwlkit.search import SearchConfig, resolve_strategy, run_search, run_searches, signal_view
from pwlkit.search.loop import search_queries
from pwlkit.search.outcome import best_so_far
from pwlkit.search.strategies import pw_spec
from pwlkit.search.toy import make_toy_benchmark


class SpyArray:
    """Stands in for ``benchmark.test`` and records every read; numpy reads a non-array
    sequence element by element through ``__getitem__``, so whole-array uses are recorded."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.reads: list = []

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, idx):
        self.reads.append(idx)
        return self.values[idx]


@pytest.fixture(scope="module")
def toy():
    return make_toy_benchmark(n_edges=5, n_ops=4, seed=0)  # 1,024 cells


STRATEGIES = ["random", "evolution", "mse", "pw"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("budget", [20, 37])
def test_budget_spent_exactly_without_repeats(toy, strategy, budget):
    runs = run_searches(toy, strategy, budget, seeds=[0, 1, 2], fit_fn=ridge_fit)
    for r in runs:
        q = np.asarray(r["queried"])
        assert len(q) == budget
        assert len(np.unique(q)) == budget
        assert q.min() >= 0 and q.max() < toy.num_archs
        assert len(r["curve"]) == budget


def test_guided_rounds_train_on_everything_queried(toy):
    CALLS.clear()
    run_searches(toy, "mse", 37, seeds=[0, 1], fit_fn=ridge_fit, n_init=10, top_k=10)
    # 10 random, then rounds of 10, 10 and a last round of 7: three fits, all seeds together.
    assert [c["n"] for c in CALLS] == [[10, 10], [20, 20], [30, 30]]
    assert all(c["signal"] == "val" for c in CALLS)


def test_whole_space_can_be_queried(toy):
    small = make_toy_benchmark(n_edges=3, n_ops=3, seed=1)  # 27 cells
    for strategy in ["random", "evolution", "mse"]:
        r = run_search(small, strategy, 27, seed=0, fit_fn=ridge_fit, population=5, sample=2)
        assert sorted(r["queried"]) == list(range(27))
        assert r["found_best"]


def test_a_run_with_equal_scores_queries_its_pool_unranked(toy):
    """Nothing to rank yet: no predictor is fitted, and the run still spends its budget."""
    flat = dataclasses.replace(toy, val=np.full(toy.num_archs, 50.0))
    CALLS.clear()
    r = run_search(flat, "mse", 30, seed=0, fit_fn=ridge_fit)
    assert CALLS == [] and len(set(r["queried"])) == 30


def test_search_never_reads_test(toy):
    """The loops see only the signal view; building it must not touch ``test`` either."""
    spy = SpyArray(np.array(toy.test))
    spied = dataclasses.replace(toy, test=spy)
    view = signal_view(spied, "val")
    for strategy in STRATEGIES:
        search_queries(view, resolve_strategy(strategy, toy), 30, [0, 1], SearchConfig(), ridge_fit)
    assert spy.reads == []
    assert np.isnan(view.test).all()


@pytest.mark.parametrize("strategy", ["evolution", "mse", "pw"])
def test_test_values_do_not_change_a_val_search(toy, strategy):
    rng = np.random.default_rng(5)
    scrambled = dataclasses.replace(toy, test=rng.permutation(toy.test))
    a = run_searches(toy, strategy, 40, seeds=[0, 1], fit_fn=ridge_fit)
    b = run_searches(scrambled, strategy, 40, seeds=[0, 1], fit_fn=ridge_fit)
    assert [r["queried"] for r in a] == [r["queried"] for r in b]
    # ...whereas a search on the test signal does follow the test values.
    c = run_searches(toy, strategy, 40, seeds=[0, 1], signal="test", fit_fn=ridge_fit)
    d = run_searches(scrambled, strategy, 40, seeds=[0, 1], signal="test", fit_fn=ridge_fit)
    assert [r["queried"] for r in c] != [r["queried"] for r in d]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_deterministic_per_seed(toy, strategy):
    a = run_searches(toy, strategy, 30, seeds=[3, 4], fit_fn=ridge_fit)
    b = run_searches(toy, strategy, 30, seeds=[3, 4], fit_fn=ridge_fit)
    assert [r["queried"] for r in a] == [r["queried"] for r in b]
    assert a[0]["queried"] != a[1]["queried"]


def test_guided_beats_random_on_planted_optimum(toy):
    seeds = list(range(8))
    guided = run_searches(toy, "mse", 40, seeds, fit_fn=ridge_fit)
    rand = run_searches(toy, "random", 40, seeds)
    evo = run_searches(toy, "evolution", 40, seeds)
    g = np.mean([r["found_best"] for r in guided])
    assert g >= 0.75
    assert g > np.mean([r["found_best"] for r in rand])
    assert np.mean([r["test_error"] for r in guided]) < np.mean([r["test_error"] for r in rand])
    assert np.mean([r["test_error"] for r in evo]) < np.mean([r["test_error"] for r in rand])


def test_report_uses_best_by_signal(toy):
    r = run_search(toy, "random", 25, seed=7)
    q = np.asarray(r["queried"])
    best = q[np.argmax(toy.val[q])]
    assert r["best_index"] == best
    assert r["test_error"] == pytest.approx(100 - toy.test[best])
    assert r["curve"][-1] == r["test_error"]
    assert r["found_best"] == (toy.test[best] == toy.test.max())
    # The curve after query i is the test error of the best by val among the first i + 1.
    for i in (0, 5, 24):
        first = q[: i + 1]
        assert r["curve"][i] == pytest.approx(100 - toy.test[first[np.argmax(toy.val[first])]])


def test_test_signal_curve_never_rises(toy):
    r = run_search(toy, "evolution", 40, seed=1, signal="test")
    assert np.all(np.diff(r["curve"]) <= 0)


def test_best_so_far_keeps_earlier_ties():
    assert best_so_far(np.array([1.0, 3.0, 3.0, 2.0, 4.0])).tolist() == [0, 1, 1, 1, 4]


def test_pw_resolves_the_papers_pair_per_space(toy):
    for space, expected in [
        ("nb201", "hr->mape@20"),
        ("nb101", "listmle->warp@20"),
        ("darts", "hr->mape@20"),
        ("toy", "hr->mape@20"),
    ]:
        b = dataclasses.replace(toy, space=space)
        assert pw_spec(b) == expected
        assert resolve_strategy("pw", b).loss == expected
    micro = dataclasses.replace(toy, space="tnb101-micro", name="tnb101-micro-class_scene")
    assert pw_spec(micro) == "hr->warp@20"
    jig = dataclasses.replace(toy, space="tnb101-micro", name="tnb101-micro-jigsaw")
    assert pw_spec(jig) == "mse->ew@20"
    assert resolve_strategy("hr->mape@200", toy).loss == "hr->mape@200"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"strategy": "mse", "budget": 5}, "smaller than the 10 random initial"),
        ({"strategy": "mse", "budget": 30, "n_init": 1}, "n_init must be at least 2"),
        ({"strategy": "bohb", "budget": 30}, "unknown search strategy 'bohb'.*random"),
        ({"strategy": "random", "budget": 2000}, "exceeds the 1024 architectures"),
        ({"strategy": "random", "budget": 0}, "budget must be an integer >= 1, got 0"),
        ({"strategy": "random", "budget": 30, "signal": "train"}, "unknown signal 'train'"),
        ({"strategy": "evolution", "budget": 15}, "smaller than the evolution population 20"),
        ({"strategy": "mse", "budget": 30, "top_k": 200}, "top_k <= pool_size"),
        ({"strategy": "mse", "budget": 30, "epochz": 5}, "unknown search option"),
    ],
)
def test_bad_input_is_a_clear_error(toy, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_search(toy, seed=0, fit_fn=ridge_fit, **kwargs)
