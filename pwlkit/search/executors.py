"""Run search jobs inline, in a local process pool, or on Dask; yield results as they end.

The executor names, core split and worker start-up are those of `pwlkit.study.executors`
(whose iterators are bound to study jobs); this module maps any top-level job function over
search jobs the same way. Nothing here writes: the caller stores each job's rows as it ends.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from pwlkit.study.executors import _init_worker, resolve_executor, split_cores

__all__ = ["iter_jobs", "resolve_executor"]


def iter_jobs(
    fn: Callable[..., Any],
    jobs: list,
    kwargs: dict[str, Any],
    executor: str = "inline",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(job, fn(job, **kwargs))``, or ``(job, exception)`` for a failed job.

    ``executor``: "inline" (this process), "local" (spawned process pool, one torch thread
    share per worker) or "dask" (``scheduler`` address, or a LocalCluster for the run).
    """
    kind = resolve_executor("dask" if scheduler else executor)
    if kind == "inline":
        for job in jobs:
            try:
                yield job, fn(job, **kwargs)
            except Exception as exc:  # noqa: BLE001 - reported by the caller; others go on
                yield job, exc
        return
    n, threads = split_cores(workers, len(jobs))
    kwargs = dict(kwargs, threads=threads)
    if kind == "local":
        pool = ProcessPoolExecutor(
            max_workers=n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        clean = False
        try:
            pending = {pool.submit(fn, job, **kwargs): job for job in jobs}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    exc = fut.exception()
                    yield job, (exc if exc is not None else fut.result())
            clean = True
        finally:
            pool.shutdown(wait=clean, cancel_futures=True)
        return
    yield from _iter_dask(fn, jobs, kwargs, n, scheduler)


def _iter_dask(fn, jobs, kwargs, n_workers, scheduler):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="20s")
    else:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    try:
        futures = {
            client.submit(fn, job, **kwargs, key=f"pwlkit-search-{job.job_id}", pure=False): job
            for job in jobs
        }
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                yield job, fut.result()
            except Exception as exc:  # noqa: BLE001 - reported by the caller
                yield job, exc
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
