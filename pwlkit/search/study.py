"""Search study files: a grid of searches (benchmarks x strategies x budgets x signals x runs).

The file is checked in full before any search starts; every problem names the file, the key
and the valid choices. Results go to ``<output_dir>/<name>/`` (a `pwlkit.runs.ResultStore`)
and a run that is interrupted resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pwlkit.checks import POSITIVE, BadParameter, Folder, ListOf, Options, check_params
from pwlkit.runs.benchmark_cache import load_benchmark_cached
from pwlkit.runs.fields import (
    FOLDER_NAME,
    NAMES,
    check_keys,
    key_names,
    read_mapping,
    seed_list,
    setting_map,
)
from pwlkit.runs.record import RunRecord

from .api import OPTIONS, check_hparams
from .cells import DEFAULT_RUNS_PER_JOB, SearchCell, search_cells
from .driver import DEFAULT_OUTPUT_DIR, read_cells, run_cells
from .loop import SEARCH_HPARAMS, SIGNALS, SearchConfig
from .strategies import BASELINES, check_strategy

KEYS: dict[str, str] = {
    "name": "search study name; results go to <output_dir>/<name>/",
    "description": "free text",
    "benchmarks": "benchmark names (see `pwlkit benchmarks`)",
    "strategies": "random, evolution, pw, or loss / schedule specs (mse, hr->mape@20, ...)",
    "budgets": "query budgets (integers >= 1)",
    "signals": "what the searches read: [val] (default), [test] or [val, test]",
    "runs": "a count n (seeds 0..n-1) or a list of integer seeds",
    "n_init": "random architectures before the first predictor (default 10)",
    "pool_size": "candidates scored per round (default 100)",
    "top_k": "architectures queried per round (default 10)",
    "epochs": "predictor epochs per round (default pwlkit.search.SEARCH_EPOCHS)",
    "backbone": "predictor backbone (default gcn)",
    "population": "regularized evolution population (default 20)",
    "sample": "regularized evolution tournament size (default 5)",
    "hyperparameters": "extra training settings passed to the engine, e.g. {lr: 0.001}",
    "runs_per_job": f"seeds run in lockstep in one job (default {DEFAULT_RUNS_PER_JOB})",
    "output_dir": f"folder holding search stores (default {DEFAULT_OUTPUT_DIR})",
    "data_dir": "folder with benchmark tables (overridden by --data-dir)",
}
REQUIRED = ("name", "benchmarks", "strategies", "budgets", "runs")
_CONFIG_KEYS = ("n_init", "pool_size", "top_k", "epochs", "backbone", "population", "sample")

CHECKS: dict[str, Any] = {
    "name": FOLDER_NAME,
    "description": str,
    "benchmarks": NAMES,
    "strategies": NAMES,
    "budgets": ListOf(POSITIVE),
    "signals": ListOf(Options(SIGNALS, what="signal")),
    **{k: OPTIONS[k] for k in _CONFIG_KEYS},
    "runs_per_job": POSITIVE,
    "output_dir": Folder(),
    "data_dir": (str, Path),
}
"""What each key of a search study file accepts (`pwlkit.checks` constraints; the search
options are `pwlkit.search.api.OPTIONS`); ``runs`` and ``hyperparameters`` have checks of
their own, strategies are parsed."""


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
    source: str = "<dict>"

    @property
    def store_dir(self) -> Path:
        return Path(self.output_dir) / self.name


def load_search_study(source: str | Path | Mapping[str, Any] | SearchStudy) -> SearchStudy:
    """Read and check a search study (a YAML file, a dict, or an already loaded study).

    Raises:
        BadParameter: malformed YAML, unknown or missing keys, bad values, strategies,
            backbone or engine settings; the message names the file, the key and the valid
            choices.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(source, SearchStudy):
        return source
    if isinstance(source, Mapping):
        raw, src = dict(source), "<dict>"
    else:
        raw = read_mapping(Path(source), "search study", list(KEYS), BadParameter)
        src = str(source)

    def fail(key: str, msg: str) -> BadParameter:
        return BadParameter(f"{src}: key {key!r}: {msg}")

    names = key_names(src)
    check_keys(raw, KEYS, REQUIRED, src, BadParameter)
    given = {k: v for k, v in raw.items() if k in CHECKS and v is not None}
    p = check_params(given, CHECKS, names=names, skip_none=True)
    strategies, budgets = p["strategies"], p["budgets"]
    seeds = seed_list(raw["runs"], names("runs"), BadParameter)
    hparams = setting_map(
        raw.get("hyperparameters") or {},
        names("hyperparameters"),
        BadParameter,
        (*_CONFIG_KEYS, "benchmark", "train_sets", "losses", "seeds", "signal"),
    )
    overrides = {k: p[k] for k in _CONFIG_KEYS if k in p}
    config = dataclasses.replace(SearchConfig(), hparams={**SEARCH_HPARAMS, **hparams}, **overrides)
    try:
        check_hparams(config)
    except BadParameter as exc:
        raise fail("hyperparameters", str(exc)) from None
    for s in strategies:
        check_strategy(s, names("strategies"), what="strategy", first_fit=config.n_init)
    guided = [s for s in strategies if s not in BASELINES]
    if guided and min(budgets) < config.n_init:
        raise fail(
            "budgets",
            f"{min(budgets)} is smaller than n_init={config.n_init} random initial "
            f"architectures of the guided strategies {guided}: raise it or lower n_init",
        )
    if "evolution" in strategies and min(budgets) < config.population:
        raise fail(
            "budgets",
            f"{min(budgets)} is smaller than the evolution population {config.population}",
        )
    data_dir = p.get("data_dir")
    return SearchStudy(
        name=p["name"],
        benchmarks=p["benchmarks"],
        strategies=strategies,
        budgets=budgets,
        seeds=seeds,
        signals=p.get("signals", ("val",)),
        config=config,
        runs_per_job=p.get("runs_per_job", DEFAULT_RUNS_PER_JOB),
        output_dir=Path(p.get("output_dir", DEFAULT_OUTPUT_DIR)),
        data_dir=str(data_dir) if data_dir is not None else None,
        description=p.get("description", ""),
        source=src,
    )


def expand_search_cells(study: SearchStudy, data_dir: str | Path | None = None) -> list[SearchCell]:
    """Every search run of the study (loads each benchmark to resolve ``pw`` and check
    budgets against the space)."""
    cells = []
    for name in study.benchmarks:
        bench = load_benchmark_cached(name, data_dir or study.data_dir)
        for budget in study.budgets:
            if budget > bench.num_archs:
                raise ValueError(
                    f"{study.source}: key 'budgets': {budget} exceeds the {bench.num_archs} "
                    f"architectures of {name!r}"
                )
            for strategy in study.strategies:
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
