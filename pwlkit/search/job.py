"""Run one search job: its seeds in lockstep, one stored row per run.

`run_search_job` is a top-level function of plain arguments so that process pools and Dask
workers can import and call it; it returns rows and writes nothing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pwlkit.benchmarks.base import Benchmark
from pwlkit.runs.benchmark_cache import load_benchmark_cached
from pwlkit.runs.threads import set_task_threads

from .api import run_searches
from .cells import SearchJob

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
"""The columns every stored search run has."""

ROW_COLUMNS_SINCE_SELECTIONS = (*ROW_COLUMNS[:-3], "chosen_losses", *ROW_COLUMNS[-3:])
"""The columns written now: ``chosen_losses`` is each round's loss of a selection strategy
(``auto``, ``warm->focus@auto``; empty for the others); older parts lack it."""


def run_search_job(
    job: SearchJob,
    data_dir: str | Path | None = None,
    threads: int | dict[str, int] | None = None,
    fit_fn: Callable | None = None,
    benchmark: Benchmark | None = None,
    device: str | None = None,
) -> pd.DataFrame:
    """Run a job's seeds in lockstep and return one row per run (a top-level function, so
    process pools and Dask workers can call it). ``benchmark`` is used instead of loading the
    job's benchmark by name (for spaces built in memory); ``threads`` as in
    `pwlkit.runs.threads.set_task_threads`; ``device`` where the predictors train (see
    `pwlkit.train.device`; not part of the stored cell)."""
    set_task_threads(threads)
    first = job.cells[0]
    if benchmark is not None and benchmark.name == first.benchmark:
        bench = benchmark
    else:
        bench = load_benchmark_cached(first.benchmark, data_dir)
    config = first.search_config()
    if device is not None:
        config = dataclasses.replace(config, hparams={**config.hparams, "device": device})
    start = time.perf_counter()
    runs = run_searches(
        bench,
        first.strategy,
        first.budget,
        [c.seed for c in job.cells],
        first.signal,
        config=config,
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
        row = {col: run.get(col) for col in ROW_COLUMNS_SINCE_SELECTIONS}
        row.update(settings=cell.settings, seconds=seconds, cell_id=cell.cell_id, job_id=job.job_id)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS_SINCE_SELECTIONS))
