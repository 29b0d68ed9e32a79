"""One run loop for studies and searches: skip what is stored, compute the rest, store jobs
as they end.

The store is held for the run, so two runs never compute the same cells: a second run of the
same cells started meanwhile waits, then finds them done. A run that writes ``study.yaml``
(``parameters``: a study) holds the whole store (`ResultStore.hold`), and a run of another
grid under the same name is refused while it runs; a run without (a search) holds only its
cells (`ResultStore.claim`), so searches of other cells in the same store run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pwlkit.checks import check_params

from .executors import PARAMS, iter_outcomes, resolve_executor
from .jobs import Cell, Job, digest, pending_jobs
from .record import RunRecord, store_outcomes
from .store import ResultStore


def run_target(executor: str, scheduler: str | None, device: str | None) -> tuple[str, str | None]:
    """Where a study or search computes: its executor (a ``scheduler`` address means Dask) and
    its device resolved (`pwlkit.train.device`; None: the engine's default), both checked
    before anything runs. The device is not part of any cell."""
    executor = resolve_executor("dask" if scheduler else executor)
    if device is not None:
        from pwlkit.train.device import resolve_device

        device = str(resolve_device(device))
    return executor, device


def run_jobs(
    cells: Sequence[Cell],
    jobs: Sequence[Job],
    store_dir: str | Path,
    fn: Callable[..., Any],
    *,
    executor: str,
    run_kwargs: dict[str, Any],
    workers: int | None = None,
    threads: int | None = None,
    scheduler: str | None = None,
    retries: int | None = None,
    progress: bool = True,
    name: str = "",
    unit: str = "cells",
    describe_job: Callable[[Job], str] | None = None,
    before_compute: Callable[[list[Job]], None] | None = None,
    parameters: dict[str, Any] | None = None,
) -> RunRecord:
    """Compute every job's cells that ``store_dir`` does not hold yet, with ``fn(job,
    **run_kwargs)`` on ``executor``; store each job's rows as it finishes.

    ``before_compute(pending)`` runs once there is work to do, before any job starts (data
    checks); ``parameters`` are then written to ``study.yaml`` for people to read (a run
    with parameters holds the whole store, one without only its cells).
    """
    check_params({"workers": workers, "threads": threads, "retries": retries}, PARAMS)
    started = time.perf_counter()
    store = ResultStore(store_dir)
    store.prepare()
    ids = [c.cell_id for c in cells]
    held = store.hold(grid=digest(sorted(ids))) if parameters is not None else store.claim(ids)
    with held as waited:
        done_before = store.done_ids()
        todo = pending_jobs(jobs, done_before)
        record = RunRecord(
            study=name,
            store=Path(store_dir),
            executor=executor,
            total=len(cells),
            already_done=sum(c.cell_id in done_before for c in cells),
            unit=unit,
            waited=waited,
        )
        if todo:
            if before_compute is not None:
                before_compute(todo)
            if parameters is not None:
                store.prepare(parameters)
            todo.sort(key=lambda j: -j.cost)  # long jobs first: shorter tail
            outcomes = iter_outcomes(
                executor,
                todo,
                run_kwargs,
                workers=workers,
                threads=threads,
                scheduler=scheduler,
                retries=retries,
                fn=fn,
            )
            from tqdm.auto import tqdm

            bar = tqdm(
                total=record.total,
                initial=record.already_done,
                unit=unit.split()[-1].rstrip("s"),
                desc=name or None,
                disable=not progress,
                smoothing=0.1,
            )
            store_outcomes(outcomes, store, record, bar, describe_job)
    record.seconds = time.perf_counter() - started
    return record
