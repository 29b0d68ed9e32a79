"""Where jobs run: in this process, in a local process pool, or on a Dask cluster.

Each executor yields ``(job, rows)`` as jobs finish, or ``(job, exception)`` for a job that
failed, and never writes anything itself: the caller stores rows as they arrive, so a crash
or a kill loses at most the jobs still running. Every executor calls the same job function
(`pwlkit.study.job.run_fit_job` for study jobs, `pwlkit.search.job.run_search_job` for
searches) on the same
jobs, so the numbers do not depend on which one ran them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pandas as pd

from pwlkit.checks import NON_NEGATIVE, POSITIVE, Options, check

from .jobs import Job
from .threads import worker_host

EXECUTORS = ("inline", "local", "dask")
ALIASES = {"process": "local", "processes": "local", "pool": "local", "serial": "inline"}

PARAMS: dict[str, Any] = {
    "executor": Options(EXECUTORS, what="executor"),
    "workers": [POSITIVE, None],
    "threads": [POSITIVE, None],
    "retries": [NON_NEGATIVE, None],
}
"""What the executor arguments of a run accept (`pwlkit.checks` constraints); ``None``: the
executor's default. Executor names go through `resolve_executor` (aliases)."""

SCHEDULER_TIMEOUT = "20s"
"""How long a run tries to reach a running Dask scheduler before it stops with one line."""

Outcome = Iterator[tuple[Job, "pd.DataFrame | BaseException"]]
JobFn = Callable[..., "pd.DataFrame"]


def resolve_executor(name: str) -> str:
    """Canonical executor name; unknown names list the valid ones."""
    return check("executor", ALIASES.get(name, name), PARAMS["executor"])


def cpu_count() -> int:
    """Cores this process may use (respects CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def split_cores(workers: int | None, n_jobs: int) -> tuple[int, int]:
    """(worker processes, torch threads each) with workers x threads <= cores."""
    cores = cpu_count()
    n = check("workers", workers, PARAMS["workers"]) or cores
    n = max(1, min(n, n_jobs))
    return n, max(1, cores // n)


def iter_inline(jobs: list[Job], run_kwargs: dict[str, Any], fn: JobFn) -> Outcome:
    """Run jobs one after another in this process (debugging, notebooks, tiny studies).

    A ``threads`` value in ``run_kwargs`` applies for the run only; the caller's torch thread
    count is restored afterwards.
    """
    import torch

    before = torch.get_num_threads()
    try:
        for job in jobs:
            try:
                rows = fn(job, **run_kwargs)
            except Exception as exc:  # noqa: BLE001 - reported by the caller; other jobs go on
                yield job, exc
            else:
                yield job, rows
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def iter_local(
    jobs: list[Job],
    run_kwargs: dict[str, Any],
    workers: int | None = None,
    threads: int | None = None,
    retries: int = 1,
    *,
    fn: JobFn,
) -> Outcome:
    """Run jobs in a pool of spawned processes on this machine.

    A worker that dies (out of memory, killed) breaks the pool; the jobs it took down are
    retried in a fresh pool up to ``retries`` times.
    """
    todo = list(jobs)
    attempt = 0
    while todo:
        n, per_worker = split_cores(workers, len(todo))
        kwargs = dict(run_kwargs, threads=threads or per_worker)
        pool = ProcessPoolExecutor(
            max_workers=n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        broken: list[Job] = []
        finished_cleanly = False
        try:
            pending = {pool.submit(fn, job, **kwargs): job for job in todo}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken.append(job)
                    elif exc is not None:
                        yield job, exc
                    else:
                        yield job, fut.result()
            finished_cleanly = True
        finally:
            # On an interrupt do not wait for running jobs; their workers exit on their own.
            pool.shutdown(wait=finished_cleanly, cancel_futures=True)
        attempt += 1
        if broken and attempt > retries:
            for job in broken:
                yield (
                    job,
                    RuntimeError(
                        "a worker process died while running this job (out of memory?); "
                        f"gave up after {retries} retr{'y' if retries == 1 else 'ies'}"
                    ),
                )
            break
        todo = broken


def _init_worker(parent_pid: int) -> None:
    """Pool worker start-up: exit when the parent is gone (a killed run leaves no orphans)."""
    from pwlkit.train.workers import exit_with_parent

    exit_with_parent(parent_pid)


def _threads_per_host(client) -> dict[str, int]:
    """Torch threads per task on each host: its cores / task slots of all its workers."""
    workers = client.scheduler_info().get("workers", {})
    try:
        cores = client.run(cpu_count)
    except Exception:  # noqa: BLE001 - a worker that cannot answer uses its own rule
        cores = {}
    slots: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for addr, info in workers.items():
        host = worker_host(addr)
        slots[host] = slots.get(host, 0) + int(info.get("nthreads", 1) or 1)
        host_cores[host] = max(host_cores.get(host, 1), int(cores.get(addr, 1) or 1))
    return {h: max(1, host_cores[h] // max(1, n)) for h, n in slots.items()}


def iter_dask(
    jobs: list[Job],
    run_kwargs: dict[str, Any],
    workers: int | None = None,
    threads: int | None = None,
    scheduler: str | None = None,
    retries: int = 2,
    *,
    fn: JobFn,
) -> Outcome:
    """Run jobs on Dask: a running scheduler (``scheduler='tcp://host:8786'``) or a
    `LocalCluster` started for this run. A task whose worker dies is re-run elsewhere, and a
    failing task is retried ``retries`` times before it is reported.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise RuntimeError("the dask executor needs `dask[distributed]` installed") from exc

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ConnectionError(
                f"cannot reach the Dask scheduler at {scheduler!r} within "
                f"{SCHEDULER_TIMEOUT}: {reason}. Start one with `dask scheduler` and workers "
                "with `dask worker ADDR`, or leave out --scheduler to run on this machine"
            ) from None
    else:
        n, per_worker = split_cores(workers, len(jobs))
        threads = threads or per_worker
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    try:
        kwargs = dict(run_kwargs, threads=threads or _threads_per_host(client))
        futures = {
            client.submit(
                fn,
                job,
                **kwargs,
                key=f"pwlkit-{fn.__name__}-{job.job_id}",
                retries=retries,
                pure=False,
            ): job
            for job in jobs
        }
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                rows = fut.result()
            except Exception as exc:  # noqa: BLE001 - reported, other jobs go on
                yield job, exc
            else:
                yield job, rows
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def iter_outcomes(
    kind: str,
    jobs: list[Job],
    run_kwargs: dict[str, Any],
    *,
    workers: int | None = None,
    threads: int | None = None,
    scheduler: str | None = None,
    retries: int | None = None,
    fn: JobFn,
) -> Outcome:
    """``(job, rows or exception)`` from the executor ``kind`` ("inline", "local", "dask");
    ``retries`` defaults to each executor's own (local 1, Dask 2)."""
    kind = resolve_executor(kind)
    if kind == "inline":
        return iter_inline(jobs, dict(run_kwargs, threads=threads), fn)
    more = {} if retries is None else {"retries": retries}
    if kind == "local":
        return iter_local(jobs, run_kwargs, workers, threads, fn=fn, **more)
    return iter_dask(jobs, run_kwargs, workers, threads, scheduler, fn=fn, **more)
