"""Run search cells resumably: skip what the store holds, run the rest as jobs, store each job.

The store is `pwlkit.study.ResultStore` (one atomic parquet part per finished job), so a
killed run loses at most the jobs that were running, and running the same command again
computes only the missing runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pwlkit.benchmarks.base import Benchmark
from pwlkit.study.executors import iter_outcomes, resolve_executor
from pwlkit.study.run import RunReport, store_outcomes
from pwlkit.study.runner import load_benchmark_cached, set_task_threads
from pwlkit.study.store import ResultStore

from .cells import DEFAULT_RUNS_PER_JOB, SearchCell, SearchJob, group_search_jobs
from .run import run_searches

DEFAULT_OUTPUT_DIR = "outputs/searches"

ROW_COLUMNS = (
    "benchmark",
    "strategy",
    "loss",
    "signal",
    "budget",
    "seed",
    "settings",
    "test",
    "test_error",
    "found_best",
    "best_index",
    "best_arch",
    "best_signal",
    "curve",
    "queried",
    "seconds",
    "cell_id",
    "job_id",
)


def run_search_job(
    job: SearchJob,
    data_dir: str | Path | None = None,
    threads: int | dict[str, int] | None = None,
    fit_fn: Callable | None = None,
    benchmark: Benchmark | None = None,
) -> pd.DataFrame:
    """Run a job's seeds in lockstep and return one row per run (a top-level function, so
    process pools and Dask workers can call it). ``benchmark`` is used instead of loading the
    job's benchmark by name (for spaces built in memory); ``threads`` as in
    `pwlkit.study.runner.set_task_threads`."""
    set_task_threads(threads)
    first = job.cells[0]
    if benchmark is not None and benchmark.name == first.benchmark:
        bench = benchmark
    else:
        bench = load_benchmark_cached(first.benchmark, data_dir)
    start = time.perf_counter()
    runs = run_searches(
        bench,
        first.strategy,
        first.budget,
        [c.seed for c in job.cells],
        first.signal,
        config=first.search_config(),
        fit_fn=fit_fn,
    )
    seconds = (time.perf_counter() - start) / len(job.cells)
    rows = []
    for cell, run in zip(job.cells, runs):
        if run["loss"] != cell.loss:
            raise RuntimeError(
                f"strategy {cell.strategy!r} now resolves to {run['loss']!r}, the cell was "
                f"made for {cell.loss!r}; rebuild the cells"
            )
        row = {col: run.get(col) for col in ROW_COLUMNS}
        row.update(settings=cell.settings, seconds=seconds, cell_id=cell.cell_id, job_id=job.job_id)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def run_cells(
    cells: list[SearchCell],
    store_dir: str | Path,
    executor: str = "local",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    data_dir: str | Path | None = None,
    runs_per_job: int = DEFAULT_RUNS_PER_JOB,
    fit_fn: Callable | None = None,
    progress: bool = False,
    benchmark: Benchmark | None = None,
) -> RunReport:
    """Run every cell not stored in ``store_dir`` yet; safe to interrupt and run again.

    ``executor``: "local" (default: a process pool, one worker per core, each with its share of
    torch threads; searches without a predictor run inline), "inline" or "dask".

    ``benchmark`` passes an in-memory space to the jobs (by default each job loads its
    benchmark by name from ``data_dir``); ``fit_fn`` replaces the training engine.
    """
    started = time.perf_counter()
    executor = resolve_executor("dask" if scheduler else executor)
    store = ResultStore(store_dir)
    store.prepare()
    done = store.done_ids()
    todo = [c for c in cells if c.cell_id not in done]
    jobs = sorted(group_search_jobs(todo, runs_per_job), key=lambda j: -j.cost)
    if executor == "local" and all(not j.cells[0].loss for j in jobs):
        executor = "inline"  # random / evolution take milliseconds: no worker start-up
    report = RunReport(
        study="",
        store=Path(store_dir),
        executor=executor,
        total=len(cells),
        already_done=len(cells) - len(todo),
        unit="search runs",
    )
    from tqdm.auto import tqdm

    bar = tqdm(total=len(cells), initial=report.already_done, unit="run", disable=not progress)
    kwargs = {"data_dir": data_dir, "fit_fn": fit_fn, "benchmark": benchmark}
    outcomes = iter_outcomes(
        executor, jobs, kwargs, workers=workers, scheduler=scheduler, fn=run_search_job
    )
    store_outcomes(outcomes, store, report, bar)
    report.seconds = time.perf_counter() - started
    return report


def read_cells(store_dir: str | Path, cells: list[SearchCell]) -> pd.DataFrame:
    """The stored rows of ``cells``, in the cells' order (missing cells are absent)."""
    order = {c.cell_id: i for i, c in enumerate(cells)}
    df = ResultStore(store_dir).read(order)
    if df.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    df = df.assign(_order=df["cell_id"].map(order)).sort_values("_order")
    df = df.drop(columns="_order").reset_index(drop=True)
    df["curve"] = df["curve"].map(list)
    df["queried"] = df["queried"].map(list)
    return df


def rows_to_runs(df: pd.DataFrame) -> list[dict]:
    """Stored rows back to the result dicts `summarize_runs` takes."""
    out = []
    for rec in df.to_dict("records"):
        rec["settings"] = json.loads(rec["settings"])
        out.append(rec)
    return out
