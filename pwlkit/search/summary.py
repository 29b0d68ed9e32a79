"""Many runs of one search, stored and summarized: what `pwlkit search` prints.

`summarize_search` runs (or reuses from the store) ``runs`` seeds of one search and returns the
numbers of the paper's search tables; `summarize_rows` and `paper_table` do the same for a
whole search study.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from pwlkit.benchmarks.base import SIGNALS, Benchmark
from pwlkit.checks import MAX_SEED, POSITIVE, SEED, Folder, Interval, Options, check_params
from pwlkit.runs import executors
from pwlkit.runs.benchmark_cache import load_benchmark_cached

from .api import make_config
from .budget import check_budget
from .cells import DEFAULT_RUNS_PER_JOB, search_cells
from .driver import DEFAULT_OUTPUT_DIR, read_cells, rows_to_runs, run_cells
from .loop import SearchConfig, configure
from .outcome import summarize_runs
from .strategies import check_strategy, resolve_strategy

PARAMS: dict = {
    "budget": POSITIVE,
    "runs": POSITIVE,
    "first_seed": SEED,
    "signal": Options(SIGNALS, what="signal"),
    "runs_per_job": POSITIVE,
    "workers": executors.PARAMS["workers"],
    "output_dir": [Folder(), None],
}
"""What `summarize_search`'s arguments accept (`pwlkit.checks` constraints); the last seed,
``first_seed + runs - 1``, must not pass `pwlkit.checks.MAX_SEED` either. Search options are
`pwlkit.search.api.OPTIONS`."""


def check_search_args(values: dict, **how) -> dict:
    """`PARAMS` checks of ``values`` (any of its keys) and of the last seed; ``how``: the
    keywords of `pwlkit.checks.check_params` (``names``, ``error``, ``skip_none``)."""
    out = check_params(values, PARAMS, **how)
    if out.get("first_seed") is not None and out.get("runs") is not None:
        last = {"first_seed": Interval(int, 0, MAX_SEED - out["runs"] + 1)}
        check_params({"first_seed": out["first_seed"]}, last, **how)
    return out


def summarize_search(
    benchmark: Benchmark | str,
    strategy: str,
    budget: int,
    runs: int = 30,
    signal: str = "val",
    *,
    first_seed: int = 0,
    data_dir: str | Path | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    output_dir: str | Path | None = DEFAULT_OUTPUT_DIR,
    runs_per_job: int = DEFAULT_RUNS_PER_JOB,
    config: SearchConfig | None = None,
    progress: bool = False,
    device: str | None = None,
    **options,
) -> dict:
    """Run seeds ``first_seed .. first_seed + runs - 1`` of a search and summarize them.

    Runs are stored in ``<output_dir>/<benchmark>/`` and reused by later calls with the same
    settings (``output_dir=None`` stores nothing). Returns `summarize_runs`'s keys (mean / std
    of the final test error, found-best fraction, oracle line, mean best-so-far curve, signal)
    plus the strategy, its resolved loss, budget, settings, and how many runs were computed
    now or reused.
    """
    check_search_args(
        {
            "budget": budget,
            "runs": runs,
            "first_seed": first_seed,
            "signal": signal,
            "runs_per_job": runs_per_job,
            "workers": workers,
            "output_dir": output_dir,
        }
    )
    executors.resolve_executor(executor)
    bench = (
        benchmark
        if isinstance(benchmark, Benchmark)
        else load_benchmark_cached(benchmark, data_dir)
    )
    cfg = configure(check_strategy(strategy), make_config(config, **options))
    seeds = list(range(int(first_seed), int(first_seed) + runs))
    strat = resolve_strategy(strategy, bench, cfg.members)
    check_budget(budget, strat.kind, cfg, size=bench.num_archs, space=repr(bench.name))
    cells = search_cells(bench, strategy, budget, signal, seeds, cfg)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pwlkit-search-") as tmp:
        store = Path(output_dir) / bench.name if output_dir is not None else Path(tmp)
        report = run_cells(
            cells,
            store,
            executor,
            workers=workers,
            scheduler=scheduler,
            data_dir=data_dir,
            runs_per_job=runs_per_job,
            progress=progress,
            benchmark=None if isinstance(benchmark, str) else bench,
            device=device,
        )
        if report.failed:
            raise RuntimeError(f"search runs failed: {report.failed[0]['error']}")
        df = read_cells(store, cells)
    out = {
        "benchmark": bench.name,
        "strategy": strat.spec,
        "loss": strat.loss,
        "budget": int(budget),
        "seeds": [seeds[0], seeds[-1]],
        **summarize_runs(rows_to_runs(df), bench, signal),
        "settings": json.loads(cells[0].settings),
        "computed_runs": report.computed,
        "reused_runs": report.already_done,
        "seconds": time.perf_counter() - start,
        "store": str(store) if output_dir is not None else None,
    }
    return out


def summarize_rows(df: pd.DataFrame, data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per (benchmark, strategy, loss, budget, signal) of stored runs: mean and std of
    the test error, found-best fraction, runs, and the oracle and global-best lines."""
    keys = ["benchmark", "strategy", "loss", "budget", "signal"]
    rows = []
    for key, group in df.groupby(keys, sort=False):
        bench = load_benchmark_cached(key[0], data_dir)
        s = summarize_runs(rows_to_runs(group), bench, key[4])
        rows.append(
            {
                **dict(zip(keys, key)),
                "mean_test_error": s["mean_test_error"],
                "std_test_error": s["std_test_error"],
                "found_best_fraction": s["found_best_fraction"],
                "n_runs": s["n_runs"],
                "oracle_test_error": s["oracle_test_error"],
                "global_best_test_error": s["global_best_test_error"],
            }
        )
    return pd.DataFrame(rows)


def paper_table(summary: pd.DataFrame, budget: int | None = None) -> pd.DataFrame:
    """The paper's layout: rows = strategy, columns = (signal, benchmark), cells "mean ± std",
    with an ``oracle`` row (best architecture by the signal) and a ``global best`` row."""
    s = summary if budget is None else summary[summary["budget"] == budget]
    cell = s.assign(
        value=s["mean_test_error"].map("{:.2f}".format)
        + " ± "
        + s["std_test_error"].map("{:.2f}".format)
    )
    table = cell.pivot_table(
        index="strategy",
        columns=["signal", "benchmark"],
        values="value",
        aggfunc="first",
        sort=False,
    )
    extra = s.drop_duplicates(["signal", "benchmark"]).set_index(["signal", "benchmark"])
    table.loc["oracle"] = extra["oracle_test_error"].map("{:.2f}".format)
    table.loc["global best"] = extra["global_best_test_error"].map("{:.2f}".format)
    return table
