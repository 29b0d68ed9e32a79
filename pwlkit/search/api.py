"""Public entry points: `run_search` (one seed) and `run_searches` (seeds in lockstep)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from pwlkit.benchmarks.base import Benchmark
from pwlkit.checks import (
    NON_NEGATIVE,
    POSITIVE,
    SEED,
    Interval,
    Options,
    check,
    check_names,
    check_params,
)

from .acquisition import ACQUISITIONS
from .budget import check_budget
from .loop import SEARCH_HPARAMS, SearchConfig, configure, search_queries, signal_view
from .outcome import run_outcome
from .strategies import check_strategy, resolve_strategy


def _backbones() -> tuple[str, ...]:
    from pwlkit.train import BACKBONES  # imports torch: only when a backbone is checked

    return BACKBONES


OPTIONS: dict = {
    "n_init": POSITIVE,
    "pool_size": POSITIVE,
    "top_k": POSITIVE,
    "epochs": [POSITIVE, None],
    "backbone": Options(_backbones, what="backbone"),
    "population": POSITIVE,
    "sample": POSITIVE,
    "hparams": [dict, None],
    "acquisition": [Options(ACQUISITIONS, what="acquisition"), None],
    "beta": [Interval(float, 0, None), None],
    "pool_parents": [POSITIVE, None],
    "pool_random": [Interval(float, 0, 1), None],
    "members": [Interval(int, 2, None, noun="ensemble size"), None],
    "wl_iterations": [NON_NEGATIVE, None],
}
"""What each `SearchConfig` field accepts (`pwlkit.checks` constraints); ``hparams`` values
are checked by the engine (`pwlkit.train.config.resolve`). How they fit together (``top_k <=
pool_size``, budgets against ``n_init``) is checked with the budget (`check_budget`); an
acquisition against the strategy's surrogate by `pwlkit.search.loop.configure`."""


def make_config(config: SearchConfig | None = None, **overrides) -> SearchConfig:
    """A `SearchConfig` with keyword overrides, checked (`OPTIONS`, and the engine settings in
    ``hparams``); unknown keywords raise naming the valid ones."""
    base = config or SearchConfig()
    check_names(overrides, OPTIONS, what="search option")
    overrides = check_params(overrides, OPTIONS)
    if "hparams" in overrides:
        overrides["hparams"] = {**SEARCH_HPARAMS, **(overrides["hparams"] or {})}
    cfg = dataclasses.replace(base, **overrides)
    check_hparams(cfg)
    return cfg


def check_hparams(config: SearchConfig) -> None:
    """Check the engine settings of a config's predictor fits before any search starts."""
    from pwlkit.train.config import resolve

    resolve(config.backbone, config.epochs, dict(config.hparams), where="hparams")


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
    epochs, backbone, population, sample, hparams, acquisition, beta, pool_parents,
    pool_random, members, wl_iterations; those left unset take the strategy's defaults);
    ``fit_fn`` replaces the training engine `pwlkit.train.fit_predict_many` (same
    signature).
    """
    cfg = make_config(config, **options)
    seeds = [check("seeds", s, SEED) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: pass at least one seed")
    cfg = configure(check_strategy(strategy), cfg)
    strat = resolve_strategy(strategy, benchmark, cfg.members)
    budget = check_budget(
        budget, strat.kind, cfg, size=benchmark.num_archs, space=repr(benchmark.name)
    )
    view = signal_view(benchmark, signal)
    start = time.perf_counter()
    chosen: list[list[str]] = [[] for _ in seeds]
    orders = search_queries(view, strat, budget, seeds, cfg, fit_fn, chosen)
    seconds = (time.perf_counter() - start) / len(seeds)
    results = []
    for seed, order, losses in zip(seeds, orders, chosen):
        result = {
            "benchmark": benchmark.name,
            "strategy": strat.spec,
            "loss": strat.loss,
            "signal": signal,
            "budget": int(budget),
            "seed": seed,
            **run_outcome(benchmark, order, view.val[order]),
            "chosen_losses": losses,
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
