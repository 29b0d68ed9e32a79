"""Run a study: check everything, skip what is stored, run the rest, store jobs as they end."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pwlkit.runs.benchmark_cache import load_benchmark_cached
from pwlkit.runs.driver import run_jobs, run_target
from pwlkit.runs.gridfile import GridFileError
from pwlkit.runs.jobs import Job
from pwlkit.runs.record import RunRecord
from pwlkit.runs.store import ResultStore

from .cells import expand_cells, study_jobs
from .job import run_fit_job
from .schema import Study, check_cutoffs, load_study


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
            raise GridFileError(
                f"{study.source}: key 'train_sizes': {too_big} larger than benchmark "
                f"{name!r}, which has {bench.num_archs} architectures (valid: 2 to "
                f"{bench.num_archs})"
            )
        check_cutoffs(study, name, bench.num_archs)


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
    device: str | None = None,
) -> RunRecord:
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
        device: where the models train: ``cpu`` (default), ``cuda``, ``cuda:N`` or ``auto``
            (`pwlkit.train.device`); checked before anything runs, not part of the cells.

    Returns:
        A `RunRecord`. Failed jobs are listed there and in ``failures.jsonl``; the other
        jobs' results are stored.
    """
    study = load_study(study)
    kind, device = run_target(executor, scheduler, device)
    data_dir = data_dir if data_dir is not None else study.data_dir
    return run_jobs(
        expand_cells(study),
        study_jobs(study),
        study.store_dir,
        run_fit_job,
        executor=kind,
        run_kwargs={
            "data_dir": data_dir,
            "fit_fn": fit_fn,
            "sample_fn": sample_fn,
            "device": device,
        },
        workers=workers,
        threads=threads,
        scheduler=scheduler,
        retries=retries,
        progress=progress,
        name=study.name,
        describe_job=_describe_study_job,
        before_compute=lambda jobs: check_data(study, jobs, data_dir),
        parameters=study.to_dict(),
    )


def _describe_study_job(job: Job) -> str:
    c = job.cells[0]
    return f"{len(job)} cells: {c.benchmark}, n={c.train_size}, {c.backbone}"


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
