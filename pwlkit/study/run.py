"""Run a study: check everything, skip what is stored, run the rest, store jobs as they end."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import Cell, Job, expand_cells, group_jobs
from .executors import iter_outcomes, resolve_executor
from .runner import load_benchmark_cached
from .schema import Study, StudyError, load_study
from .store import ResultStore


@dataclass
class RunReport:
    """What a run did: counts of cells (or search runs), failures, time."""

    study: str
    store: Path
    executor: str
    total: int
    already_done: int
    computed: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    unit: str = "cells"

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def done(self) -> int:
        return self.already_done + self.computed

    def __str__(self) -> str:
        prefix = f"study {self.study}: " if self.study else ""
        text = (
            f"{prefix}{self.done}/{self.total} {self.unit} done "
            f"({self.already_done} already stored, {self.computed} computed now) "
            f"in {self.seconds:.1f} s [{self.executor}]; results in {self.store}"
        )
        if self.failed:
            n = sum(len(f["cells"]) for f in self.failed)
            text += (
                f"\n{len(self.failed)} job(s) failed ({n} {self.unit}); run again to retry "
                f"them. First error: {self.failed[0]['error']}"
            )
        return text


def store_outcomes(
    outcomes: Iterator[tuple[Job, Any]],
    store: ResultStore,
    report: RunReport,
    bar: Any,
    describe_job: Callable[[Job], str] | None = None,
) -> None:
    """Store each job's rows the moment it finishes; log a failed job and go on. The
    executor is closed on the way out (an interrupt stops its workers)."""
    try:
        for job, result in outcomes:
            if isinstance(result, BaseException):
                error = _describe(result)
                store.log_failure(job.job_id, job.cell_ids, error)
                report.failed.append({"job_id": job.job_id, "cells": job.cell_ids, "error": error})
                what = describe_job(job) if describe_job else f"{len(job)} {report.unit}"
                bar.write(f"job {job.job_id} failed ({what}): {error}")
                bar.set_postfix(failed=len(report.failed))
                continue
            store.write_part(job.job_id, result)
            report.computed += len(job)
            bar.update(len(job))
    finally:
        bar.close()
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()


def study_cells(study: Study) -> list[Cell]:
    """The study's cells in table order."""
    return expand_cells(study)


def study_jobs(study: Study) -> list[Job]:
    """The study's jobs (deterministic; what every executor runs)."""
    return group_jobs(expand_cells(study), study.cells_per_job)


def pending_jobs(study: Study, done: set[str]) -> list[Job]:
    """Jobs still to run, with their stored cells removed."""
    out = []
    for job in study_jobs(study):
        missing = tuple(c for c in job.cells if c.cell_id not in done)
        if missing:
            out.append(job if len(missing) == len(job.cells) else Job(missing))
    return out


def check_data(study: Study, jobs: list[Job], data_dir: str | Path | None) -> None:
    """Load every benchmark the jobs need and check the train sizes fit, before any fit."""
    sizes: dict[str, set[int]] = {}
    for job in jobs:
        sizes.setdefault(job.cells[0].benchmark, set()).add(job.cells[0].train_size)
    for name, ns in sizes.items():
        try:
            bench = load_benchmark_cached(name, data_dir)
        except (FileNotFoundError, OSError) as exc:
            msg = str(exc.args[-1] if exc.args else exc)
            if "data_dir" not in msg and "data-dir" not in msg:
                msg += ". Pass --data-dir (or data_dir=) with the folder holding its tables"
            raise FileNotFoundError(
                f"{study.source}: key 'benchmarks': {name!r} cannot be loaded: {msg}"
            ) from None
        too_big = sorted(n for n in ns if n > bench.num_archs)
        if too_big:
            raise StudyError(
                f"{study.source}: key 'train_sizes': {too_big} larger than benchmark "
                f"{name!r}, which has {bench.num_archs} architectures (valid: 2 to "
                f"{bench.num_archs})"
            )


def run_study(
    study: Study | str | Path | Mapping[str, Any],
    executor: str = "local",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    data_dir: str | Path | None = None,
    threads: int | None = None,
    retries: int = 2,
    progress: bool = True,
    fit_fn: Callable | None = None,
    sample_fn: Callable | None = None,
) -> RunReport:
    """Run every cell of a study that is not stored yet; safe to interrupt and re-run.

    Args:
        study: a study file, a parameter dict, or a `Study`.
        executor: ``"local"`` (process pool on this machine, default), ``"inline"`` (this
            process), or ``"dask"`` (``scheduler`` address, or a LocalCluster for the run).
            Giving ``scheduler`` implies ``"dask"``.
        workers: worker processes (default: one per core); ignored with ``scheduler``.
        scheduler: address of a running Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
        data_dir: folder of benchmark tables (default: the study's ``data_dir``, then the
            usual search path).
        threads: torch threads per worker (default: cores / workers).
        retries: times a job whose worker died (or that failed on Dask) is run again.
        progress: show a tqdm bar (cells done / total, ETA).
        fit_fn, sample_fn: replace the training engine (defaults: `pwlkit.train`).

    Returns:
        A `RunReport`. Failed jobs are listed there and in ``failures.jsonl``; the other
        jobs' results are stored.
    """
    study = load_study(study)
    kind = resolve_executor("dask" if scheduler else executor)
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    data_dir = data_dir if data_dir is not None else study.data_dir
    started = time.perf_counter()

    store = ResultStore(study.store_dir)
    store.prepare()
    cells = expand_cells(study)
    done_before = store.done_ids()
    jobs = pending_jobs(study, done_before)
    report = RunReport(
        study=study.name,
        store=study.store_dir,
        executor=kind,
        total=len(cells),
        already_done=sum(c.cell_id in done_before for c in cells),
    )
    if not jobs:
        report.seconds = time.perf_counter() - started
        return report
    check_data(study, jobs, data_dir)
    store.prepare(study.to_dict())

    jobs.sort(key=lambda j: -j.cost)  # long jobs first: shorter tail
    run_kwargs = {"data_dir": data_dir, "fit_fn": fit_fn, "sample_fn": sample_fn}
    outcomes = iter_outcomes(
        kind,
        jobs,
        run_kwargs,
        workers=workers,
        threads=threads,
        scheduler=scheduler,
        retries=retries,
    )

    from tqdm.auto import tqdm

    bar = tqdm(
        total=report.total,
        initial=report.already_done,
        unit="cell",
        desc=study.name,
        disable=not progress,
        smoothing=0.1,
    )
    store_outcomes(outcomes, store, report, bar, _describe_study_job)
    report.seconds = time.perf_counter() - started
    return report


def _describe_study_job(job: Job) -> str:
    c = job.cells[0]
    return f"{len(job)} cells: {c.benchmark}, n={c.train_size}, {c.backbone}"


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


@dataclass
class StudyStatus:
    """How far a study is: cells done / total, per benchmark, and logged failures."""

    study: str
    store: Path
    total: int
    done: int
    by_benchmark: dict[str, tuple[int, int]]
    failed_jobs: int

    def __str__(self) -> str:
        lines = [f"study {self.study}: {self.done}/{self.total} cells done ({self.store})"]
        for name, (d, t) in self.by_benchmark.items():
            lines.append(f"  {name}: {d}/{t}")
        if self.failed_jobs:
            lines.append(f"  {self.failed_jobs} job(s) failed in earlier runs and are not done")
        return "\n".join(lines)


def study_status(study: Study | str | Path | Mapping[str, Any]) -> StudyStatus:
    """Count stored cells of a study without loading any data or training anything."""
    study = load_study(study)
    store = ResultStore(study.store_dir)
    done = store.done_ids()
    cells = expand_cells(study)
    by: dict[str, list[int]] = {}
    for c in cells:
        entry = by.setdefault(c.benchmark, [0, 0])
        entry[1] += 1
        entry[0] += c.cell_id in done
    wanted = {c.cell_id for c in cells}
    failed = {
        f["job_id"]
        for f in store.failures()
        if any(cid in wanted and cid not in done for cid in f.get("cells", []))
    }
    return StudyStatus(
        study=study.name,
        store=study.store_dir,
        total=len(cells),
        done=sum(v[0] for v in by.values()),
        by_benchmark={k: (v[0], v[1]) for k, v in by.items()},
        failed_jobs=len(failed),
    )
