"""Where independent training tasks run: single-threaded workers, as threads or fresh processes.

Every task computes on one torch thread, so its numbers never depend on how many workers
there are or of which kind. Threads share the interpreter lock: each of the hundreds of small
operations of a training step releases and retakes it, and two training threads of one
process lost about 15% of their speed to that here (a GCN step took 4.9 ms on each of two
threads, 4.2 ms in each of two processes and 4.2 ms alone). Long calls therefore run in fresh
interpreter processes (``python -m pwlkit.train.worker_main``), which cost about 2 s to start.
Forking the caller instead is not safe: MKL's allocator state copied mid-use made a forked
child spin forever inside its first matrix product. Fresh processes never import the caller's
``__main__``, so scripts need no ``if __name__ == "__main__"`` guard.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import torch

T = TypeVar("T")
Ctx = TypeVar("Ctx")
Item = TypeVar("Item")

PROCESS_MIN_SECONDS = 60.0
"""Estimated single-thread seconds of all tasks together from which worker processes are
used: each costs about 2 s to start (Python + torch), which two workers repay after about
30 s of work at a 15% gain."""

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


def exit_with_parent(parent_pid: int, every: float = 1.0) -> None:
    """Start a daemon thread that ends this process once ``parent_pid`` is gone, so a killed
    run leaves no workers computing for nobody."""

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="pwlkit-parent-watch").start()


def _child_env() -> dict[str, str]:
    """The caller's environment with its import path, so the child finds the same pwlkit."""
    env = dict(os.environ)
    path = [p for p in sys.path if p]
    if env.get("PYTHONPATH"):
        path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path))
    return env


def run_in_processes(
    fn: Callable[[Ctx, Item], T], context: Ctx, items: Sequence[Item], workers: int
) -> list[T]:
    """``[fn(context, item) for item in items]`` computed in ``workers`` fresh processes.

    ``fn`` must be a module-level function and ``context`` and the items picklable; item
    ``i`` goes to worker ``i % workers`` (one torch thread each). Results come back in item
    order; the first failing item's exception is raised here with the worker's traceback.
    Workers are killed if the caller is interrupted.
    """
    workers = max(1, min(int(workers), len(items)))
    parts = [list(range(w, len(items), workers)) for w in range(workers)]
    procs: list[subprocess.Popen] = []
    env = _child_env()
    try:
        for part in parts:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pwlkit.train.worker_main", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            procs.append(proc)
            # A worker that died at start-up closes the pipe; reading its reply says so.
            with contextlib.suppress(BrokenPipeError):
                pickle.dump(
                    (fn, context, [items[i] for i in part]),
                    proc.stdin,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        results: list[Any] = [None] * len(items)
        for proc, part in zip(procs, parts):
            try:
                status, payload = pickle.load(proc.stdout)
            except EOFError:
                proc.wait()
                raise RuntimeError(
                    f"a training worker process exited with code {proc.returncode} before "
                    "returning its results (out of memory? see the messages above)"
                ) from None
            proc.wait()
            if status == "error":
                exc, text = payload
                if hasattr(exc, "add_note"):
                    exc.add_note(f"in a pwlkit training worker process:\n{text}")
                raise exc
            for i, value in zip(part, payload):
                results[i] = value
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None and not stream.closed:
                    with contextlib.suppress(OSError):
                        stream.close()


def serve(parent_pid: int) -> None:
    """Worker side of `run_in_processes`: read ``(fn, context, items)`` from stdin, write
    ``("ok", results)`` or ``("error", (exception, traceback))`` to stdout."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the result stream
    exit_with_parent(parent_pid)
    torch.set_num_threads(1)
    fn, context, items = pickle.load(sys.stdin.buffer)
    try:
        reply: tuple[str, Any] = ("ok", [fn(context, item) for item in items])
    except BaseException as exc:  # noqa: BLE001 - sent back to the caller, which raises it
        text = traceback.format_exc()
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that cannot travel becomes its text
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        reply = ("error", (exc, text))
    pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def choose_processes(n_tasks: int, workers: int, est_seconds: float) -> bool:
    """Worker processes when there is parallel work worth their start-up;
    ``PWLKIT_WORKERS=threads|processes`` overrides."""
    mode = os.environ.get(WORKERS_ENV, "").strip().lower()
    if mode not in ("", "threads", "processes"):
        raise ValueError(f"{WORKERS_ENV}={mode!r}: valid values are 'threads' and 'processes'")
    if n_tasks < 2 or workers < 2 or mode == "threads":
        return False
    return mode == "processes" or est_seconds >= PROCESS_MIN_SECONDS


def run_tasks(
    fn: Callable[[Ctx, Item], T],
    context: Ctx,
    items: Sequence[Item],
    workers: int,
    est_seconds: float = 0.0,
) -> list[T]:
    """``[fn(context, item) for item in items]`` on ``workers`` single-threaded workers of the
    faster kind for this much work (``est_seconds`` on one thread)."""
    if choose_processes(len(items), workers, est_seconds):
        return run_in_processes(fn, context, items, workers)
    return run_single_threaded([lambda it=it: fn(context, it) for it in items], workers)
