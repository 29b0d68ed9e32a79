"""Search-study files: a grid of searches (benchmarks x strategies x budgets x signals x seeds).

The keys every grid file has (name, benchmarks, seeds, hyperparameters, ...) are read by
`pwlkit.runs.gridfile`; this module declares the search's own (strategies, budgets, the search
options) and checks the budgets with `check_budget`. The file is checked in full before any
search starts; every problem names the file, the key and the valid choices. Results go to
``<output_dir>/<name>/`` (a `pwlkit.runs.ResultStore`) and a run that is interrupted resumes
where it stopped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pwlkit.checks import POSITIVE, BadParameter, ListOf, Options
from pwlkit.runs.benchmark_cache import load_benchmark_cached
from pwlkit.runs.fields import NAMES, key_names
from pwlkit.runs.gridfile import MAPPING_SOURCE, GridFile, GridFileError, GridKind, read_grid
from pwlkit.runs.record import RunRecord

from .api import OPTIONS, check_hparams
from .budget import check_budget
from .cells import DEFAULT_RUNS_PER_JOB, SearchCell, search_cells
from .driver import DEFAULT_OUTPUT_DIR, read_cells, run_cells
from .loop import CONFIG_OPTIONS, SEARCH_HPARAMS, SIGNALS, SearchConfig, configure
from .strategies import check_strategy, strategy_kind

SEARCH_FILES = GridKind(
    what="search study",
    keys={
        "strategies": "random, evolution, pw, bananas, npenas, gp, pw+, or loss / schedule "
        "specs (mse, hr->mape@20, ens(mape)x5, ...)",
        "budgets": "query budgets (integers >= 1)",
        "signals": "what the searches read: [val] (default), [test] or [val, test]",
        "n_init": "random architectures before the first predictor (default 10)",
        "pool_size": "candidates scored per round (default 100)",
        "top_k": "architectures queried per round (default 10)",
        "epochs": "predictor epochs per round (default pwlkit.search.SEARCH_EPOCHS)",
        "backbone": "predictor backbone (default gcn)",
        "population": "regularized evolution population (default 20)",
        "sample": "regularized evolution tournament size (default 5)",
        "acquisition": "mean, ucb, ei or its (default: the strategy's; mean for a loss)",
        "beta": "ucb's weight of the standard deviation (default 0.5)",
        "pool_parents": "best architectures the pool mutates (default: the strategy's; 1)",
        "pool_random": "share of the pool drawn at random, in [0, 1] (default: the strategy's; 0)",
        "members": "ensemble size of bananas and pw+ (default 5)",
        "wl_iterations": "Weisfeiler-Lehman iterations of the gp strategy (default 2)",
        "runs_per_job": f"seeds run in lockstep in one job (default {DEFAULT_RUNS_PER_JOB})",
    },
    checks={
        "strategies": NAMES,
        "budgets": ListOf(POSITIVE),
        "signals": ListOf(Options(SIGNALS, what="signal")),
        **{k: OPTIONS[k] for k in CONFIG_OPTIONS},
        "runs_per_job": POSITIVE,
    },
    required=("strategies", "budgets"),
    output_dir=DEFAULT_OUTPUT_DIR,
    reserved=(*CONFIG_OPTIONS, "benchmark", "train_sets", "losses", "seeds", "signal"),
    renamed={"runs": "seeds"},
)
"""A search-study file's own keys (`pwlkit.runs.gridfile` reads the shared ones): what each
means and accepts (the search options are `pwlkit.search.api.OPTIONS`; strategies are
parsed). ``runs``, the old name of ``seeds``, is still read, with a note on stderr."""

KEYS: dict[str, str] = SEARCH_FILES.all_keys
"""Every key of a search-study file, shared ones included, with what it means."""


@dataclass(frozen=True, eq=False)
class SearchStudy:
    """A validated search study."""

    name: str
    benchmarks: tuple[str, ...]
    strategies: tuple[str, ...]
    budgets: tuple[int, ...]
    seeds: tuple[int, ...]
    signals: tuple[str, ...] = ("val",)
    config: SearchConfig = field(default_factory=SearchConfig)
    runs_per_job: int = DEFAULT_RUNS_PER_JOB
    output_dir: Path = Path(DEFAULT_OUTPUT_DIR)
    data_dir: str | None = None
    description: str = ""
    source: str = MAPPING_SOURCE

    @property
    def store_dir(self) -> Path:
        return Path(self.output_dir) / self.name


def load_search_study(source: str | Path | Mapping[str, Any] | SearchStudy) -> SearchStudy:
    """Read and check a search study (a YAML file, a dict, or an already loaded study).

    Raises:
        GridFileError: malformed YAML, unknown or missing keys, bad values, strategies,
            backbone or engine settings, a budget the strategies cannot spend
            (`check_budget`); the message names the file, the key and the valid choices.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(source, SearchStudy):
        return source
    grid = read_grid(source, SEARCH_FILES)
    own = grid.own
    overrides = {k: own[k] for k in CONFIG_OPTIONS if k in own}
    config = dataclasses.replace(
        SearchConfig(), hparams={**SEARCH_HPARAMS, **grid.hyperparameters}, **overrides
    )
    try:
        check_hparams(config)
    except BadParameter as exc:
        raise grid.fail("hyperparameters", str(exc)) from None
    strategies = tuple(
        check_strategy(s, grid.names("strategies"), what="strategy", first_fit=config.n_init)
        for s in own["strategies"]
    )
    _check_budgets(grid, own["budgets"], strategies, config)
    return SearchStudy(
        name=grid.name,
        benchmarks=grid.benchmarks,
        strategies=own["strategies"],
        budgets=own["budgets"],
        seeds=grid.seeds,
        signals=own.get("signals", ("val",)),
        config=config,
        runs_per_job=own.get("runs_per_job", DEFAULT_RUNS_PER_JOB),
        output_dir=grid.output_dir,
        data_dir=grid.data_dir,
        description=grid.description,
        source=grid.source,
    )


def _check_budgets(
    grid: GridFile, budgets: tuple[int, ...], strategies: tuple[str, ...], config: SearchConfig
) -> None:
    """Every budget against every kind of strategy the file lists (`check_budget`), and the
    acquisition against each strategy (`configure`), before the benchmarks load; their sizes
    are checked when the cells are made."""
    for strategy in strategies:  # an acquisition the strategy's surrogate cannot serve
        configure(strategy, config, names=_file_keys(grid.source), error=GridFileError)
    kinds = dict.fromkeys(strategy_kind(s) for s in strategies)
    for budget in sorted(budgets):
        for kind in kinds:
            check_budget(budget, kind, config, names=_file_keys(grid.source), error=GridFileError)


def _file_keys(source: str) -> Callable[[str], str]:
    """`check_budget`'s parameters named as keys of the file (``budget``: a value of
    ``budgets``)."""
    plain = key_names(source)
    return lambda key: plain("budgets" if key == "budget" else key)


def expand_search_cells(study: SearchStudy, data_dir: str | Path | None = None) -> list[SearchCell]:
    """Every search run of the study (loads each benchmark to resolve ``pw`` and check
    budgets against the space)."""
    cells = []
    for name in study.benchmarks:
        bench = load_benchmark_cached(name, data_dir or study.data_dir)
        for budget in study.budgets:
            for strategy in study.strategies:
                check_budget(
                    budget,
                    strategy_kind(check_strategy(strategy)),
                    study.config,
                    size=bench.num_archs,
                    space=repr(name),
                    names=_file_keys(study.source),
                    error=GridFileError,
                )
                for signal in study.signals:
                    cells += search_cells(
                        bench, strategy, budget, signal, list(study.seeds), study.config
                    )
    return cells


def run_search_study(
    study: SearchStudy | str | Path | Mapping[str, Any],
    executor: str = "local",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    data_dir: str | Path | None = None,
    progress: bool = True,
    device: str | None = None,
) -> RunRecord:
    """Run every search of a study that is not stored yet; safe to interrupt and re-run."""
    study = load_search_study(study)
    data_dir = data_dir if data_dir is not None else study.data_dir
    cells = expand_search_cells(study, data_dir)
    return run_cells(
        cells,
        study.store_dir,
        executor,
        workers=workers,
        scheduler=scheduler,
        data_dir=data_dir,
        runs_per_job=study.runs_per_job,
        progress=progress,
        device=device,
    )


def load_search_results(
    study: SearchStudy | str | Path | Mapping[str, Any], data_dir: str | Path | None = None
):
    """The stored runs of a study: one row per run (settings, test error, curve, queried)."""
    study = load_search_study(study)
    return read_cells(study.store_dir, expand_search_cells(study, data_dir or study.data_dir))
