"""Torch threads per job: a job's share of its host's cores, on this machine or on Dask."""

from __future__ import annotations

import os


def set_task_threads(threads: int | dict[str, int] | None) -> None:
    """Torch threads for a job: an int as given; None or a ``{host: threads}`` map inside a
    Dask worker: the host's share (see `_dask_task_threads`); None elsewhere: unchanged."""
    if threads is None or isinstance(threads, dict):
        threads = _dask_task_threads(threads or {})
    if threads is not None:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _dask_task_threads(per_host: dict[str, int]) -> int | None:
    """Inside a Dask worker: this host's share of cores per task slot (None elsewhere).

    ``per_host`` maps a host to threads per task, computed by the submitting process from all
    workers on that host; a host missing from it (a worker that joined later) shares its
    cores between its own slots.
    """
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None
    host = worker_host(worker.address)
    if host in per_host:
        return per_host[host]
    slots = max(1, int(getattr(worker.state, "nthreads", 0) or getattr(worker, "nthreads", 1)))
    return max(1, (os.cpu_count() or 1) // slots)


def worker_host(address: str) -> str:
    """The host part of a Dask address such as ``tcp://10.0.0.5:40123``."""
    rest = address.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest
