"""Public entry points: `run_search` (one seed) and `run_searches` (seeds in lockstep)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from pwlkit.benchmarks.base import Benchmark

from .loop import SEARCH_HPARAMS, SearchConfig, check_budget, search_queries, signal_view
from .outcome import run_outcome
from .strategies import resolve_strategy


def make_config(config: SearchConfig | None = None, **overrides) -> SearchConfig:
    """A `SearchConfig` with keyword overrides; unknown keywords raise naming the valid ones."""
    base = config or SearchConfig()
    valid = {f.name for f in dataclasses.fields(SearchConfig)}
    bad = sorted(set(overrides) - valid)
    if bad:
        raise ValueError(f"unknown search option(s) {bad}: valid options are {sorted(valid)}")
    if "hparams" in overrides:
        overrides["hparams"] = {**SEARCH_HPARAMS, **(overrides["hparams"] or {})}
    return dataclasses.replace(base, **overrides)


def run_searches(
    benchmark: Benchmark,
    strategy: str,
    budget: int,
    seeds: list[int],
    signal: str = "val",
    config: SearchConfig | None = None,
    fit_fn: Callable[..., np.ndarray] | None = None,
    **options,
) -> list[dict]:
    """Run one search per seed with ``budget`` queries; returns one result dict per seed.

    The search sees only ``signal`` ("val" by default); each result reports the test value of
    the architecture that is best by the signal among those queried. Guided runs of the given
    seeds share batched predictor fits, so a run's predictor depends on the seeds it was grouped
    with only through floating-point summation order (results are exactly reproducible for the
    same seed list). ``options`` override `SearchConfig` fields (n_init, pool_size, top_k,
    epochs, backbone, population, sample, hparams); ``fit_fn`` replaces the training engine
    `pwlkit.train.fit_predict_many` (same signature).
    """
    cfg = make_config(config, **options)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: pass at least one seed")
    strat = resolve_strategy(strategy, benchmark)
    check_budget(benchmark, strat, budget, cfg)
    view = signal_view(benchmark, signal)
    start = time.perf_counter()
    orders = search_queries(view, strat, int(budget), seeds, cfg, fit_fn)
    seconds = (time.perf_counter() - start) / len(seeds)
    results = []
    for seed, order in zip(seeds, orders):
        result = {
            "benchmark": benchmark.name,
            "strategy": strat.spec,
            "loss": strat.loss,
            "signal": signal,
            "budget": int(budget),
            "seed": seed,
            **run_outcome(benchmark, order, view.val[order]),
            "seconds": seconds,
        }
        results.append(result)
    return results


def run_search(
    benchmark: Benchmark,
    strategy: str,
    budget: int,
    seed: int = 0,
    signal: str = "val",
    config: SearchConfig | None = None,
    fit_fn: Callable[..., np.ndarray] | None = None,
    **options,
) -> dict:
    """One budgeted search; see `run_searches` for the protocol and the result's keys."""
    return run_searches(benchmark, strategy, budget, [seed], signal, config, fit_fn, **options)[0]
