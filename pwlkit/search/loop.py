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
round trains the predictors of all runs at once (the engine's fast path on CPU). A round's
surrogate is that predictor (or an ensemble of them, `pwlkit.train.ensemble`), or a Gaussian
process on Weisfeiler-Lehman features (`pwlkit.search.gp`); its acquisition
(`pwlkit.search.acquisition`) picks what to query from a pool of mutations of the best
architectures so far and fresh random ones (`pwlkit.search.candidates.mixed_pool`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pwlkit.benchmarks.base import SIGNALS, Benchmark
from pwlkit.checks import BadParameter

from .acquisition import DEFAULT_BETA, UNCERTAIN, pick
from .candidates import CandidateSource, TableRows, mixed_pool
from .strategies import NAMED, Strategy, has_spread

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
        acquisition: how a round picks its ``top_k`` from the pool
            (`pwlkit.search.acquisition.ACQUISITIONS`: ``mean``, ``ucb``, ``ei``, ``its``).
        beta: ``ucb``'s weight of the standard deviation.
        pool_parents: how many of the best architectures so far the pool mutates.
        pool_random: the share of the pool that is fresh random architectures, in [0, 1].
        members: the ensemble size of a named ensemble method (``bananas``, ``pw+``).
        wl_iterations: Weisfeiler-Lehman iterations of the ``gp`` strategy's kernel.

    The options from ``acquisition`` on are None until `configure` fills them: with the named
    method's defaults (`pwlkit.search.strategies.NAMED`), else with `PLAIN` (the paper's
    guided search).
    """

    n_init: int = 10
    pool_size: int = 100
    top_k: int = 10
    epochs: int | None = None
    backbone: str = "gcn"
    population: int = 20
    sample: int = 5
    hparams: dict = dataclasses.field(default_factory=lambda: dict(SEARCH_HPARAMS))
    acquisition: str | None = None
    beta: float | None = None
    pool_parents: int | None = None
    pool_random: float | None = None
    members: int | None = None
    wl_iterations: int | None = None


PLAIN: dict = {"acquisition": "mean", "beta": DEFAULT_BETA, "pool_parents": 1, "pool_random": 0.0}
"""The acquisition and pool of the paper's guided search (and of any loss spec as a strategy):
the predicted top ``top_k`` of ``pool_size`` neighbours of the best architecture so far."""

ACQUISITION_FIELDS: tuple[str, ...] = (
    "acquisition",
    "beta",
    "pool_parents",
    "pool_random",
    "members",
    "wl_iterations",
)
"""The `SearchConfig` options a strategy fills (`configure`); a search that leaves them at
`PLAIN` is the search they were added to, so they stay out of its identity (`used_options`)."""

CONFIG_OPTIONS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(SearchConfig) if f.name != "hparams"
)
"""Every `SearchConfig` option a user sets by name (the command line's options, a search
file's keys); ``hparams`` is the engine's settings, set apart."""


def run_label(strategy: str, settings: dict) -> str:
    """A stored run's strategy as tables and claims name it: the spec, followed by the
    predictor settings and search options the run sets beyond its defaults (`SEARCH_HPARAMS`,
    `SearchConfig`'s, `PLAIN` and its named method's): ``pw+ [prune=dead]``,
    ``pw [top_k=2]``. Runs of one spec set otherwise are another method, so they never share a
    line, a colour or a paired test with the spec's own runs."""
    from pwlkit.train.config import LATER_SETTINGS

    named = NAMED.get(strategy)
    usual = {
        **{f.name: f.default for f in dataclasses.fields(SearchConfig) if f.name != "hparams"},
        "epochs": SEARCH_EPOCHS,
        **PLAIN,
        **SEARCH_HPARAMS,
        **(named.defaults if named is not None else {}),
    }
    # a setting at its later-setting default is left out of stored settings: read it back
    hparams = {
        **{k: v for k, v in LATER_SETTINGS.items() if k in usual},
        **(settings.get("hparams") or {}),
    }
    options = {k: v for k, v in settings.items() if k in CONFIG_OPTIONS}
    extra = {k: v for k, v in sorted({**options, **hparams}.items()) if usual.get(k) != v}
    if not extra:
        return strategy
    return f"{strategy} [{', '.join(f'{k}={v}' for k, v in extra.items())}]"


def configure(
    spec: str,
    config: SearchConfig,
    *,
    names: Callable[[str], str] | None = None,
    error: type[BadParameter] = BadParameter,
) -> SearchConfig:
    """``config`` with the options left None filled for the checked strategy spec ``spec``
    (`pwlkit.search.strategies.check_strategy`): a named method's defaults, then `PLAIN`
    (a named method's ``pretrain`` goes into ``hparams`` unless they set it). Idempotent.

    Raises:
        BadParameter: (or ``error``) an acquisition that needs a standard deviation (``ucb``,
            ``ei``, ``its``) with a surrogate that has none (one predictor); ``names`` names the
            option as the user typed it.
    """
    named = NAMED.get(spec)
    defaults = {**PLAIN, **(named.defaults if named is not None else {})}
    filled = {
        k: getattr(config, k) if getattr(config, k) is not None else defaults.get(k)
        for k in ACQUISITION_FIELDS
    }
    hparams = dict(config.hparams)
    if named is not None and "pretrain" in named.defaults:
        hparams.setdefault("pretrain", named.defaults["pretrain"])
    out = dataclasses.replace(config, hparams=hparams, **filled)
    uncertain = spec not in ("random", "evolution") and out.acquisition in UNCERTAIN
    if uncertain and not has_spread(spec, out.members):
        label = names("acquisition") if names is not None else "acquisition"
        raise error(
            f"{label}: {out.acquisition!r} needs the spread of an ensemble, and strategy "
            f"{spec!r} trains one predictor: use an ens(...) loss such as ens(mape)x5 (or the "
            "bananas or gp strategy), or acquisition 'mean'"
        )
    return out


def used_options(strategy: Strategy, config: SearchConfig) -> dict:
    """The `ACQUISITION_FIELDS` of a configured ``config`` that change what ``strategy``
    does: those away from `PLAIN` (``beta`` only for ``ucb``), the ensemble size of a named
    ensemble method, the WL iterations of the Gaussian process."""
    out = {
        k: getattr(config, k)
        for k in ("acquisition", "pool_parents", "pool_random")
        if getattr(config, k) != PLAIN[k]
    }
    if config.acquisition == "ucb":
        out["beta"] = config.beta
    named = NAMED.get(strategy.spec)
    if named is not None and "{members}" in named.loss:
        out["members"] = config.members
    if strategy.surrogate == "gp":
        out["wl_iterations"] = config.wl_iterations
    return out


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
    random search queries ``random_batch`` fresh candidates a round. Options ``config``
    leaves unset take the strategy's defaults (`configure`)."""
    if strategy.kind == "guided":
        config = configure(strategy_key(strategy), config)
        guided_search(source, runs, rngs, strategy, config, fit_fn, chosen)
        return
    for run, rng in zip(runs, rngs):
        if strategy.kind == "random":
            query_fresh(source, run, run.budget, rng, random_batch)
        else:
            evolution_search(source, run, rng, config)


def strategy_key(strategy: Strategy) -> str:
    """The spec `configure` reads for a resolved strategy: a named method's name, else its
    loss (``pw`` resolved) or its kind."""
    return strategy.spec if strategy.spec in NAMED else (strategy.loss or strategy.kind)


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


def top_parents(run: Run, n: int) -> list:
    """The ``n`` best architectures ``run`` has queried, best first (the earlier on a tie)."""
    order = np.argsort(-np.asarray(run.scores, dtype=np.float64), kind="stable")[:n]
    return [run.archs[i] for i in order]


def round_pool(source: CandidateSource, run: Run, config: SearchConfig, rng) -> Sequence:
    """A configured round's candidate pool (`pwlkit.search.candidates.mixed_pool`): mutations
    of the ``pool_parents`` best architectures so far and a ``pool_random`` share of fresh
    ones (rounded to the nearest count)."""
    n_random = int(np.floor(config.pool_size * config.pool_random + 0.5))
    parents = top_parents(run, config.pool_parents)
    return mixed_pool(source, run, parents, config.pool_size, n_random, rng)


def guided_search(
    source: CandidateSource,
    runs: list[Run],
    rngs: list[np.random.Generator],
    strategy: Strategy,
    config: SearchConfig,
    fit_fn: Callable[..., np.ndarray] | None = None,
    chosen: list[list[str]] | None = None,
) -> None:
    """NPENAS-style search, all runs in lockstep (one batched predictor fit per round).

    Each round a surrogate fitted on a run's queried architectures scores a pool of
    ``pool_size`` candidates (`round_pool`), and the run queries ``top_k`` of them chosen by
    the acquisition (`pwlkit.search.acquisition.pick`). The surrogate is the strategy's
    predictors (trained by ``fit_fn``, `pwlkit.train.fit_predict_many` by default; an
    ensemble's members each, for an acquisition that reads their spread) or a Gaussian process
    on WL features. A run whose scores are all equal has nothing to rank yet: it takes its
    pool in the pool's (random) order, and a selection records the spec itself as its loss.
    ``config`` is configured (`configure`).
    """
    if fit_fn is None:
        from pwlkit.train import fit_predict_many as fit_fn
    loss = strategy.loss
    selects = bool(loss) and _selects(loss)
    epochs = config.epochs if config.epochs is not None else SEARCH_EPOCHS
    fit = {"backbone": config.backbone, "epochs": epochs, "signal": "val", **config.hparams}
    if fit.get("pretrain", "none") != "none":
        fit["pretrain_on"] = source.pretrain_cells()
    for run, rng in zip(runs, rngs):
        query_fresh(source, run, config.n_init, rng, config.n_init)
    while active := [r for r, run in enumerate(runs) if run.left > 0]:
        pools = {r: round_pool(source, runs[r], config, rngs[r]) for r in active}
        fit_seeds = {r: int(rngs[r].integers(2**31 - 1)) for r in active}
        beliefs = {r: Belief(np.zeros(len(pools[r]))) for r in active}
        specs = dict.fromkeys(active, loss)
        ranked = [r for r in active if max(runs[r].scores) > min(runs[r].scores)]
        if ranked:
            table, train, at = source.predictor_table(
                [runs[r] for r in ranked], [pools[r] for r in ranked]
            )
            seeds = [fit_seeds[r] for r in ranked]
            if strategy.surrogate == "gp":
                found = gp_beliefs(table, train, at, config.wl_iterations, seeds)
            elif config.acquisition in UNCERTAIN:
                found = ensemble_beliefs(table, train, at, loss, seeds, fit, fit_fn)
            else:
                losses = [loss] * len(ranked)
                if selects:  # the loss of this round, chosen on each run's queried architectures
                    from pwlkit.train.selection import resolve_selections

                    chosen_specs = resolve_selections(table, train, losses, seeds, **fit)
                    losses = [s.name for s in chosen_specs]
                fitted = fit_fn(table, train, losses, seeds, **fit)
                found = [Belief(np.asarray(fitted[j])[at[j]]) for j in range(len(ranked))]
                specs.update(zip(ranked, losses))
            beliefs.update(zip(ranked, found))
        for r in active:
            if selects and chosen is not None:
                chosen[r].append(specs[r])
            k = min(config.top_k, runs[r].left)
            if r in ranked:
                b = beliefs[r]
                picks = pick(
                    config.acquisition,
                    b.mean,
                    b.std,
                    k,
                    beta=config.beta,
                    incumbent=b.incumbent,
                    rng=rngs[r],
                )
            else:
                picks = np.arange(min(k, len(pools[r])))
            runs[r].query([pools[r][i] for i in picks])


@dataclass(frozen=True)
class Belief:
    """A surrogate's belief about one run's pool: ``mean`` ``[P]``, ``std`` ``[P]`` (None when
    it has none) and ``incumbent`` (the best predicted mean among the run's queried
    architectures; None without ``std``)."""

    mean: np.ndarray
    std: np.ndarray | None = None
    incumbent: float | None = None


def _selects(loss: str) -> bool:
    from pwlkit.losses import parse_spec

    return parse_spec(loss).selection is not None


def ensemble_beliefs(
    table: Benchmark,
    train: list[np.ndarray],
    at: list[np.ndarray],
    loss: str,
    seeds: list[int],
    fit: dict,
    fit_fn: Callable[..., np.ndarray],
) -> list[Belief]:
    """Each run's ensemble (``loss``, an ``ens(...)`` spec) trained member by member through
    ``fit_fn`` (members of one backbone in one batched call, `pwlkit.train.ensemble`): per
    candidate the mean and standard deviation of the members' predictions (BANANAS), each
    member's predictions first standardised over the run's queried and candidate cells. A
    member trained with a ranking loss (HR, ListMLE) has a scale and offset of its own; without
    this its spread would measure those, not the members' disagreement."""
    from pwlkit.losses import parse_spec
    from pwlkit.train.ensemble import fit_members

    specs = [parse_spec(loss)] * len(train)
    rest = {k: v for k, v in fit.items() if k != "backbone"}

    def fit_group(backbone, sets, member_specs, member_seeds):
        return fit_fn(table, sets, member_specs, member_seeds, backbone=backbone, **rest)

    scores = fit_members(specs, train, seeds, fit["backbone"], fit_group)
    out = []
    for j, e in enumerate(scores):
        members = np.asarray(e.members, dtype=np.float64)
        cells = np.concatenate([np.asarray(at[j]), np.asarray(train[j])])
        centre = members[:, cells].mean(axis=1, keepdims=True)
        scale = members[:, cells].std(axis=1, keepdims=True)
        members = (members - centre) / np.where(scale > 0, scale, 1.0)
        pool = members[:, at[j]]
        known = members[:, train[j]].mean(axis=0)
        out.append(Belief(pool.mean(axis=0), pool.std(axis=0), float(known.max())))
    return out


def gp_beliefs(
    table: Benchmark,
    train: list[np.ndarray],
    at: list[np.ndarray],
    iterations: int,
    seeds: list[int],
) -> list[Belief]:
    """Each run's Gaussian process on the WL features of its queried architectures
    (`pwlkit.search.gp`), its posterior on its pool."""
    from .gp import gp_posterior
    from .wl import wl_features

    features = wl_features(table.ops, table.adj, table.op_names, iterations)
    out = []
    for j, seed in enumerate(seeds):
        post = gp_posterior(features[train[j]], table.val[train[j]], features[at[j]], seed)
        out.append(Belief(post.mean, post.std, post.incumbent))
    return out
