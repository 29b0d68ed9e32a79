"""Where independent training tasks run: single-threaded workers, as threads or forked processes.

Every task computes on one torch thread, so its numbers never depend on how many workers
there are or of which kind. Threads share the interpreter lock: each of the hundreds of small
operations of a training step releases and retakes it, and two training threads of one
process lost about 15% of their speed to that here (a GCN step took 4.9 ms on each of two
threads, 4.2 ms in each of two processes and 4.2 ms alone). Long runs therefore go to forked
processes, which start in milliseconds and share the parent's memory; short ones, and any call
where forking is unsafe (no ``fork``, not the main thread, a daemon process), stay on threads.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import torch

T = TypeVar("T")

PROCESS_MIN_SECONDS = 2.0
"""Estimated single-thread seconds of all tasks together from which forked processes are used
(a fork pool costs about 0.1 s to start and stop)."""

WORKERS_ENV = "PWLKIT_WORKERS"
"""Environment variable: ``threads`` or ``processes`` overrides the automatic choice."""

_THREADS_LOCK = threading.Lock()
_active = 0
_saved_threads = 1


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Torch on one thread for the block; the first caller saves the setting, the last restores
    it (safe when several threads of a process train at once, e.g. Dask task slots)."""
    global _active, _saved_threads
    with _THREADS_LOCK:
        if _active == 0:
            _saved_threads = torch.get_num_threads()
        _active += 1
        torch.set_num_threads(1)
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _active -= 1
            if _active == 0:
                torch.set_num_threads(_saved_threads)


def run_single_threaded(tasks: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Run independent tasks on up to ``workers`` threads, each with one torch thread.

    Results come back in task order. Torch's thread setting is restored afterwards.
    """
    workers = max(1, min(int(workers), len(tasks)))

    def run(task: Callable[[], T]) -> T:
        torch.set_num_threads(1)  # thread-local parts (OpenMP, MKL) of a fresh worker
        return task()

    with one_torch_thread():
        if workers == 1:
            return [task() for task in tasks]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run, tasks))


# Tasks handed to forked children: they inherit this table, so closures need no pickling.
_FORKED: dict[int, Sequence[Callable[[], object]]] = {}
_tokens = itertools.count()


def _init_child() -> None:
    torch.set_num_threads(1)


def _run_inherited(token: int, i: int) -> object:
    return _FORKED[token][i]()


def run_forked(tasks: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Run independent tasks in up to ``workers`` forked processes, one torch thread each.

    Tasks may be closures: children inherit them by ``fork``; only results travel back
    (pickled). Results come back in task order; a task's exception is raised here.
    """
    workers = max(1, min(int(workers), len(tasks)))
    token = next(_tokens)
    _FORKED[token] = tasks
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"),
            initializer=_init_child,
        ) as pool:
            futures = [pool.submit(_run_inherited, token, i) for i in range(len(tasks))]
            return [f.result() for f in futures]
    finally:
        del _FORKED[token]


def can_fork() -> bool:
    """Whether forking this process is safe enough to train in children."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and not multiprocessing.current_process().daemon
        and sys.platform.startswith("linux")
    )


def choose_processes(n_tasks: int, workers: int, est_seconds: float) -> bool:
    """Forked processes when there is parallel work worth the start-up and forking is safe;
    ``PWLKIT_WORKERS=threads|processes`` overrides (processes still need `can_fork`)."""
    mode = os.environ.get(WORKERS_ENV, "").strip().lower()
    if mode not in ("", "threads", "processes"):
        raise ValueError(f"{WORKERS_ENV}={mode!r}: valid values are 'threads' and 'processes'")
    if n_tasks < 2 or workers < 2 or mode == "threads" or not can_fork():
        return False
    return mode == "processes" or est_seconds >= PROCESS_MIN_SECONDS


def run_tasks(
    tasks: Sequence[Callable[[], T]], workers: int, est_seconds: float = 0.0
) -> list[T]:
    """Run independent single-threaded tasks on ``workers`` workers of the faster kind."""
    if choose_processes(len(tasks), workers, est_seconds):
        return run_forked(tasks, workers)
    return run_single_threaded(tasks, workers)
