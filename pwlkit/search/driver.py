"""Run search cells resumably: skip what the store holds, run the rest as jobs, store each job.

The store is `pwlkit.runs.ResultStore` (one atomic parquet part per finished job), so a
killed run loses at most the jobs that were running, and running the same command again
computes only the missing runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pwlkit.benchmarks.base import Benchmark
from pwlkit.runs.driver import run_jobs, run_target
from pwlkit.runs.record import RunRecord
from pwlkit.runs.store import ResultStore

from .cells import DEFAULT_RUNS_PER_JOB, SearchCell, group_search_jobs
from .job import ROW_COLUMNS, ROW_COLUMNS_SINCE_SELECTIONS, run_search_job

DEFAULT_OUTPUT_DIR = "outputs/searches"


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
    device: str | None = None,
) -> RunRecord:
    """Run every cell not stored in ``store_dir`` yet; safe to interrupt and run again.

    ``executor``: "local" (default: a process pool, one worker per core, each with its share of
    torch threads; searches without a predictor run inline), "inline" or "dask".

    ``benchmark`` passes an in-memory space to the jobs (by default each job loads its
    benchmark by name from ``data_dir``); ``fit_fn`` replaces the training engine; ``device``
    is where the predictors train (``cpu``, ``cuda``, ``auto``; not part of the stored cells).
    """
    executor, device = run_target(executor, scheduler, device)
    if executor == "local" and all(not c.loss for c in cells):
        executor = "inline"  # random / evolution take milliseconds: no worker start-up
    return run_jobs(
        cells,
        group_search_jobs(cells, runs_per_job),
        store_dir,
        run_search_job,
        executor=executor,
        run_kwargs={
            "data_dir": data_dir,
            "fit_fn": fit_fn,
            "benchmark": benchmark,
            "device": device,
        },
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        unit="search runs",
    )


def read_cells(store_dir: str | Path, cells: list[SearchCell]) -> pd.DataFrame:
    """The stored rows of ``cells``, in the cells' order (missing cells are absent)."""
    df = ResultStore(store_dir).read([c.cell_id for c in cells], required=ROW_COLUMNS)
    if df.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS_SINCE_SELECTIONS))
    df["curve"] = df["curve"].map(list)
    df["queried"] = df["queried"].map(list)
    if "chosen_losses" not in df.columns:  # parts written before selection strategies
        df["chosen_losses"] = [[] for _ in range(len(df))]
    df["chosen_losses"] = df["chosen_losses"].map(lambda v: [] if v is None else list(v))
    return df


def rows_to_runs(df: pd.DataFrame) -> list[dict]:
    """Stored rows back to the result dicts `summarize_runs` takes."""
    out = []
    for rec in df.to_dict("records"):
        rec["settings"] = json.loads(rec["settings"])
        out.append(rec)
    return out
