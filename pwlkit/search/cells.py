"""Search runs as cells and jobs, keyed like study cells so stores resume and never mix.

A cell is one search run (benchmark, strategy, signal, budget, seed and the settings that
strategy uses). Its id is a hash of everything that can change its numbers: a stored run is
reused only for exactly the same search, and settings a strategy ignores (the predictor's
epochs for random search) do not split its cells. A job is a group of cells that differ only in
the seed; a guided job runs its seeds in lockstep with one batched predictor fit per round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pwlkit.benchmarks.base import Benchmark
from pwlkit.losses import parse_spec
from pwlkit.runs.jobs import Cell, Job, group_jobs
from pwlkit.train.config import identity_settings

from .loop import SEARCH_EPOCHS, SearchConfig, configure, used_options
from .strategies import Strategy, check_strategy, resolve_strategy

RESULT_FORMAT = 1
"""Version of the stored row layout and of the search loops; bump to invalidate stores."""

DEFAULT_RUNS_PER_JOB = 10
"""Seeds per job: a guided job trains this many predictors per round in one batched fit."""


def strategy_settings(strategy: Strategy, config: SearchConfig) -> dict[str, Any]:
    """The `SearchConfig` fields a strategy actually uses (epochs resolved; ``config``
    configured for it, `pwlkit.search.loop.configure`). The acquisition and pool options
    appear only where they differ from the paper's guided search (`used_options`), so the
    cells stored before they existed keep their ids; the Gaussian process trains no
    predictor, so it has no epochs, backbone or engine settings."""
    if strategy.kind == "random":
        return {}
    if strategy.kind == "evolution":
        return {"population": config.population, "sample": config.sample}
    pool = {"n_init": config.n_init, "pool_size": config.pool_size, "top_k": config.top_k}
    if strategy.surrogate == "gp":
        return {**pool, **used_options(strategy, config)}
    return {
        **pool,
        "epochs": config.epochs if config.epochs is not None else SEARCH_EPOCHS,
        "backbone": config.backbone,
        # how the predictors run (device, threads) is no part of the search's identity
        "hparams": identity_settings(config.hparams),
        **used_options(strategy, config),
    }


@dataclass(frozen=True)
class SearchCell(Cell):
    """One search run; ``settings`` is canonical JSON of `strategy_settings`."""

    benchmark: str
    strategy: str
    loss: str
    signal: str
    budget: int
    seed: int
    settings: str

    def config(self) -> dict[str, Any]:
        """Everything that determines this run's numbers."""
        return {
            "benchmark": self.benchmark,
            "strategy": self.strategy,
            "loss": self.loss,
            "signal": self.signal,
            "budget": self.budget,
            "seed": self.seed,
            "settings": json.loads(self.settings),
            "format": RESULT_FORMAT,
        }

    @property
    def batch_key(self) -> tuple:
        """Cells with equal keys run in one job (seeds in lockstep)."""
        return (self.benchmark, self.strategy, self.loss, self.signal, self.budget, self.settings)

    def search_config(self) -> SearchConfig:
        """The `SearchConfig` this cell runs with."""
        return SearchConfig(**json.loads(self.settings))


@dataclass(frozen=True)
class SearchJob(Job):
    """Cells run together: the same search with different seeds (ids as a study `Job`'s)."""

    cells: tuple[SearchCell, ...]

    @property
    def cost(self) -> float:
        """Relative cost (guided runs train a predictor per round, ``auto`` its fold fits
        too; the others are cheap)."""
        c = self.cells[0]
        if c.loss:
            rounds = c.budget * parse_spec(c.loss).fits
        else:  # a Gaussian process fit is a fraction of a predictor's; the baselines nothing
            rounds = (0.1 if c.strategy == "gp" else 0.01) * c.budget
        return float(rounds * len(self.cells))


def search_cells(
    benchmark: Benchmark,
    strategy: str,
    budget: int,
    signal: str,
    seeds: list[int],
    config: SearchConfig,
) -> list[SearchCell]:
    """One cell per seed of a (benchmark, strategy, budget, signal) search."""
    config = configure(check_strategy(strategy), config)
    strat = resolve_strategy(strategy, benchmark, config.members)
    settings = json.dumps(strategy_settings(strat, config), sort_keys=True)
    return [
        SearchCell(benchmark.name, strat.spec, strat.loss, signal, int(budget), int(s), settings)
        for s in seeds
    ]


def group_search_jobs(cells: list[SearchCell], runs_per_job: int) -> list[SearchJob]:
    """Cut cells into jobs of equal batch keys, at most ``runs_per_job`` seeds, seed order.

    Deterministic: the same cells always give the same jobs, whatever is stored already, so
    every executor runs the same lockstep groups and gets the same numbers.
    """
    return group_jobs(
        cells, runs_per_job, lambda c: c.seed, job_type=SearchJob, option="runs_per_job"
    )
