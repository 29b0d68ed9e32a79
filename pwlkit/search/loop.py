"""The budgeted search loops: random, regularized evolution, and predictor-guided (NPENAS-style).

Each loop sees only a *signal view* of the benchmark: a copy whose ``val`` is the chosen signal
and whose ``test`` is blanked, so nothing inside a loop can read the reported metric. A loop
returns the queried rows in query order; `pwlkit.search.outcome` turns those into test results.

Guided runs of several seeds advance in lockstep: every run has queried the same number of
architectures at each round, so one batched `fit_predict_many` call trains the predictors of
all runs at once (the engine's fast path on CPU).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pwlkit.benchmarks.base import SIGNALS, Benchmark
from pwlkit.checks import POSITIVE, check

from .neighbours import HammingCodes, nearest_unqueried, random_nearest_unqueried
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
    values = benchmark.val if signal == "val" else benchmark.test
    blank = np.full(len(benchmark.arch), np.nan)
    return dataclasses.replace(
        benchmark, val=np.asarray(values, dtype=np.float64), test=blank, test_is_val=False
    )


def check_budget(
    benchmark: Benchmark, strategy: Strategy, budget: int, config: SearchConfig
) -> None:
    """Reject budgets the strategy cannot spend, naming the limit and the fix."""
    check("budget", budget, POSITIVE)
    if budget > benchmark.num_archs:
        raise ValueError(
            f"budget {budget} exceeds the {benchmark.num_archs} architectures of "
            f"{benchmark.name!r}: use a budget of at most {benchmark.num_archs}"
        )
    if strategy.kind == "guided":
        if config.n_init < 2:
            raise ValueError(f"n_init must be at least 2 to train a predictor, got {config.n_init}")
        if budget < config.n_init:
            raise ValueError(
                f"budget {budget} is smaller than the {config.n_init} random initial "
                f"architectures of a guided search: raise the budget or lower n_init"
            )
        if config.top_k < 1 or config.pool_size < config.top_k:
            raise ValueError(
                f"need 1 <= top_k <= pool_size, got top_k={config.top_k}, "
                f"pool_size={config.pool_size}"
            )
    if strategy.kind == "evolution":
        if not 1 <= config.sample <= config.population:
            raise ValueError(
                f"need 1 <= sample <= population, got sample={config.sample}, "
                f"population={config.population}"
            )
        if budget < config.population:
            raise ValueError(
                f"budget {budget} is smaller than the evolution population "
                f"{config.population}: raise the budget or lower the population"
            )


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
    if strategy.kind == "random":
        return [_random(view, budget, seed) for seed in seeds]
    if strategy.kind == "evolution":
        enc = HammingCodes(view)
        return [_evolution(view, enc, budget, seed, config) for seed in seeds]
    return _guided(view, strategy.loss, budget, seeds, config, fit_fn, chosen)


def _random(view: Benchmark, budget: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(view.num_archs, size=budget, replace=False)


def _evolution(
    view: Benchmark, enc: HammingCodes, budget: int, seed: int, config: SearchConfig
) -> np.ndarray:
    """Regularized evolution (Real et al. 2019): tournament, mutate the winner, age out."""
    rng = np.random.default_rng(seed)
    signal = view.val
    queried = np.zeros(view.num_archs, dtype=bool)
    order = list(rng.choice(view.num_archs, size=config.population, replace=False))
    queried[order] = True
    population = list(order)
    while len(order) < budget:
        contenders = rng.choice(len(population), size=config.sample, replace=False)
        parent = max((population[c] for c in contenders), key=lambda i: signal[i])
        child = random_nearest_unqueried(enc, parent, queried, rng)
        queried[child] = True
        order.append(child)
        population.append(child)
        population.pop(0)
    return np.asarray(order, dtype=np.int64)


def _guided(
    view: Benchmark,
    loss: str,
    budget: int,
    seeds: list[int],
    config: SearchConfig,
    fit_fn: Callable[..., np.ndarray] | None,
    chosen: list[list[str]] | None = None,
) -> list[np.ndarray]:
    """NPENAS-style search, all seeds in lockstep (one batched predictor fit per round)."""
    from pwlkit.train.selection import parse_selection, resolve_selections

    if fit_fn is None:
        from pwlkit.train import fit_predict_many as fit_fn
    selects = parse_selection(loss) is not None

    enc = HammingCodes(view)
    signal = view.val
    rngs = [np.random.default_rng(seed) for seed in seeds]
    orders = [list(rng.choice(view.num_archs, size=config.n_init, replace=False)) for rng in rngs]
    masks = []
    for order in orders:
        mask = np.zeros(view.num_archs, dtype=bool)
        mask[order] = True
        masks.append(mask)
    epochs = config.epochs if config.epochs is not None else SEARCH_EPOCHS
    while len(orders[0]) < budget:
        k = min(config.top_k, budget - len(orders[0]))
        pools = []
        for order, mask, rng in zip(orders, masks, rngs):
            parent = order[int(np.argmax(signal[order]))]
            pools.append(nearest_unqueried(enc, parent, mask, config.pool_size, rng))
        fit_seeds = [int(rng.integers(2**31 - 1)) for rng in rngs]
        # Score only what the round needs: the engine gets the sub-table of training rows and
        # candidate pools (a predictor's score of a cell does not depend on the other rows).
        rows = np.unique(np.concatenate([np.asarray(o) for o in orders] + pools))
        sub, sets = view.rows(rows), [np.searchsorted(rows, order) for order in orders]
        fit = {"backbone": config.backbone, "epochs": epochs, "signal": "val", **config.hparams}
        losses = [loss] * len(seeds)
        if selects:  # the loss of this round, chosen on each run's queried architectures
            losses = resolve_selections(sub, sets, losses, fit_seeds, **fit)
            for r, spec in enumerate(losses):
                if chosen is not None:
                    chosen[r].append(spec)
        preds = fit_fn(sub, sets, losses, fit_seeds, **fit)
        for r, (order, mask, pool) in enumerate(zip(orders, masks, pools)):
            scores = np.asarray(preds[r])[np.searchsorted(rows, pool)]
            picks = pool[np.argsort(-scores, kind="stable")[:k]]
            order.extend(int(i) for i in picks)
            mask[picks] = True
    return [np.asarray(order, dtype=np.int64) for order in orders]
