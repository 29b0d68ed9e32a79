"""The budgeted search loops, written once for tables and spaces: random search, regularized
evolution and predictor-guided search (NPENAS-style).

A loop draws its candidates from a `pwlkit.search.candidates.CandidateSource` and scores them
through its runs, so the table-backed search is the case where evaluating is a table lookup:
`search_queries` runs the loops on a table's rows with `TableLookup` runs, and
`pwlkit.search.open_search` runs the same loops on a space's samples with runs that call the
user's ``evaluate`` (`pwlkit.search.checkpoint.Evaluations`).

A table search sees only a *signal view* of the benchmark: a copy whose ``val`` is the chosen
signal and whose ``test`` is blanked, so nothing inside a loop can read the reported metric. It
returns the queried rows in query order; `pwlkit.search.outcome` turns those into test results.

Guided runs of several seeds advance in lockstep, so one batched `fit_predict_many` call per
round trains the predictors of all runs at once (the engine's fast path on CPU).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pwlkit.benchmarks.base import SIGNALS, Benchmark

from .candidates import CandidateSource, TableRows
from .strategies import Strategy

SEARCH_HPARAMS: dict = {"batch_size": 64, "lr": 1e-3, "weight_decay": 1e-3}
"""Predictor training settings of a search round, pinned here (not taken from the engine's
defaults) so that stored searches stay comparable when the engine's defaults move: Adam with
lr 1e-3 and weight decay 1e-3, mini-batches of at most 64 (so a round on 65-128 architectures
takes two steps an epoch). These were the engine defaults when `PW_SWITCH` and `SEARCH_EPOCHS`
were chosen; user ``hparams`` override them key by key."""


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of the search loops (defaults follow the NPENAS / NASLib settings).

    Attributes:
        n_init: random architectures queried before the first predictor (guided search).
        pool_size: unqueried neighbours of the best-so-far scored by the predictor each round.
        top_k: architectures queried per round (the predictor's top ``top_k`` of the pool).
        epochs: predictor training epochs per round; ``None`` uses `SEARCH_EPOCHS`.
        backbone: predictor backbone, one of `pwlkit.train.BACKBONES`.
        population: regularized evolution's population (its random start uses as many queries).
        sample: regularized evolution's tournament size.
        hparams: keyword arguments for `pwlkit.train.fit_predict_many` (default
            `SEARCH_HPARAMS`).
    """

    n_init: int = 10
    pool_size: int = 100
    top_k: int = 10
    epochs: int | None = None
    backbone: str = "gcn"
    population: int = 20
    sample: int = 5
    hparams: dict = dataclasses.field(default_factory=lambda: dict(SEARCH_HPARAMS))


SEARCH_EPOCHS = 100
"""Predictor epochs per search round. A search trains a fresh predictor every round on at most
``budget`` architectures, so it uses fewer epochs than the study default (300): a 30-run,
budget-100 NB201 search takes 1-3 minutes on 2 cores, and a pilot with 200 epochs was no
better (NB201 CIFAR-10, val signal: HR->MAPE@40 5.81 vs 5.77 test error, MSE 5.80 vs 5.79)."""


def signal_view(benchmark: Benchmark, signal: str) -> Benchmark:
    """A copy of ``benchmark`` whose ``val`` is the search signal and whose ``test`` is NaN.

    The search loops and the predictor only ever get this view, so the reported metric cannot
    leak into a search run with ``signal="val"``. Reading ``benchmark.test`` here happens only
    for ``signal="test"``, the protocol that searches on the reported metric itself.
    """
    if signal not in SIGNALS:
        raise ValueError(f"unknown signal {signal!r}: use one of {', '.join(SIGNALS)}")
    values = benchmark.values(signal)
    blank = np.full(len(benchmark.arch), np.nan)
    return dataclasses.replace(
        benchmark, val=np.asarray(values, dtype=np.float64), test=blank, test_is_val=False
    )


class Run(Protocol):
    """One search run as the loops see it: what it queried (``archs``, ``scores``, in query
    order, failures left out), its ``budget`` and ``left``, and ``query`` (score a batch;
    returns which succeeded)."""

    archs: list
    scores: list[float]
    budget: int

    @property
    def left(self) -> int: ...

    def best(self) -> int: ...

    def query(self, batch: Sequence) -> list[bool]: ...


class TableLookup:
    """A table search's run: a query reads the signal of the queried rows, and never fails."""

    def __init__(self, signal: np.ndarray, budget: int) -> None:
        self.signal, self.budget = signal, budget
        self.queried = np.zeros(len(signal), dtype=bool)
        self.archs: list[int] = []
        self.scores: list[float] = []

    @property
    def left(self) -> int:
        return self.budget - len(self.archs)

    def best(self) -> int:
        return int(np.argmax(self.scores))

    def query(self, batch: Sequence[int]) -> list[bool]:
        rows = [int(i) for i in batch]
        self.queried[rows] = True
        self.archs += rows
        self.scores += [float(self.signal[i]) for i in rows]
        return [True] * len(rows)


def search_queries(
    view: Benchmark,
    strategy: Strategy,
    budget: int,
    seeds: list[int],
    config: SearchConfig,
    fit_fn: Callable[..., np.ndarray] | None = None,
    chosen: list[list[str]] | None = None,
) -> list[np.ndarray]:
    """Run one search per seed on a signal view; returns each run's queried rows in order.

    ``fit_fn`` replaces the batched training engine (`pwlkit.train.fit_predict_many`, same
    signature) for guided strategies. With a selection strategy (``auto``,
    ``warm->focus@auto``) each round's chosen loss of run ``r`` is appended to ``chosen[r]``.
    """
    runs = [TableLookup(view.val, budget) for _ in seeds]
    rngs = [np.random.default_rng(seed) for seed in seeds]
    # A lookup costs nothing: random search draws its whole budget at once.
    source = TableRows(view)
    run_strategy(
        source, strategy, runs, rngs, config, random_batch=budget, fit_fn=fit_fn, chosen=chosen
    )
    return [np.asarray(run.archs, dtype=np.int64) for run in runs]


def run_strategy(
    source: CandidateSource,
    strategy: Strategy,
    runs: list[Run],
    rngs: list[np.random.Generator],
    config: SearchConfig,
    *,
    random_batch: int,
    fit_fn: Callable[..., np.ndarray] | None = None,
    chosen: list[list[str]] | None = None,
) -> None:
    """Spend every run's budget with ``strategy`` (run ``r`` draws from ``rngs[r]``);
    random search queries ``random_batch`` fresh candidates a round."""
    if strategy.kind == "guided":
        guided_search(source, runs, rngs, strategy.loss, config, fit_fn, chosen)
        return
    for run, rng in zip(runs, rngs):
        if strategy.kind == "random":
            query_fresh(source, run, run.budget, rng, random_batch)
        else:
            evolution_search(source, run, rng, config)


def query_fresh(
    source: CandidateSource, run: Run, n: int, rng: np.random.Generator, batch: int
) -> None:
    """Query fresh candidates, ``batch`` at a time, until ``n`` queries succeeded."""
    while len(run.archs) < n:
        run.query(source.fresh(run, min(batch, n - len(run.archs)), rng))


def evolution_search(
    source: CandidateSource, run: Run, rng: np.random.Generator, config: SearchConfig
) -> None:
    """Regularized evolution (Real et al. 2019): tournament, mutate the winner, age out."""
    query_fresh(source, run, config.population, rng, config.population)
    population = list(range(len(run.archs)))  # positions in the query order, oldest first
    while run.left > 0:
        contenders = rng.choice(len(population), size=config.sample, replace=False)
        parent = max((population[c] for c in contenders), key=lambda i: run.scores[i])
        child = source.mutation(run, run.archs[parent], rng)
        if run.query([child])[0]:
            population.append(len(run.archs) - 1)
            population.pop(0)


def guided_search(
    source: CandidateSource,
    runs: list[Run],
    rngs: list[np.random.Generator],
    loss: str,
    config: SearchConfig,
    fit_fn: Callable[..., np.ndarray] | None = None,
    chosen: list[list[str]] | None = None,
) -> None:
    """NPENAS-style search, all runs in lockstep (one batched predictor fit per round).

    Each round a predictor trained on a run's queried architectures scores a pool of
    ``pool_size`` candidates near its best so far, and the run queries the top ``top_k``. A run
    whose scores are all equal has nothing to rank yet: it takes its pool in the pool's
    (random) order, and a selection records the spec itself as its loss.
    """
    from pwlkit.losses import parse_spec
    from pwlkit.train.selection import resolve_selections

    if fit_fn is None:
        from pwlkit.train import fit_predict_many as fit_fn
    selects = parse_spec(loss).selection is not None
    epochs = config.epochs if config.epochs is not None else SEARCH_EPOCHS
    fit = {"backbone": config.backbone, "epochs": epochs, "signal": "val", **config.hparams}
    for run, rng in zip(runs, rngs):
        query_fresh(source, run, config.n_init, rng, config.n_init)
    while active := [r for r, run in enumerate(runs) if run.left > 0]:
        pools = {}
        for r in active:
            parent = runs[r].archs[runs[r].best()]
            pools[r] = source.pool(runs[r], parent, config.pool_size, rngs[r])
        fit_seeds = {r: int(rngs[r].integers(2**31 - 1)) for r in active}
        preds = {r: np.zeros(len(pools[r])) for r in active}
        specs = dict.fromkeys(active, loss)
        ranked = [r for r in active if max(runs[r].scores) > min(runs[r].scores)]
        if ranked:
            table, train, at = source.predictor_table(
                [runs[r] for r in ranked], [pools[r] for r in ranked]
            )
            seeds, losses = [fit_seeds[r] for r in ranked], [loss] * len(ranked)
            if selects:  # the loss of this round, chosen on each run's queried architectures
                chosen_specs = resolve_selections(table, train, losses, seeds, **fit)
                losses = [s.name for s in chosen_specs]
            fitted = fit_fn(table, train, losses, seeds, **fit)
            for j, r in enumerate(ranked):
                preds[r], specs[r] = np.asarray(fitted[j])[at[j]], losses[j]
        for r in active:
            if selects and chosen is not None:
                chosen[r].append(specs[r])
            picks = np.argsort(-preds[r], kind="stable")[: min(config.top_k, runs[r].left)]
            runs[r].query([pools[r][i] for i in picks])
