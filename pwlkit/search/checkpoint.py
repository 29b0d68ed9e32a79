"""The checkpoint of an open-space search: one JSON line per evaluation, appended as it returns.

The first line is the header, the arguments that determine the search::

    {"format": "pwlkit.open_search", "version": 1, "space": "darts", "strategy": "pw",
     "loss": "hr->mape@20", "seed": 0, "budget": 100, "config": {"n_init": 10, ...}}

Every further line is one evaluation, in the order the search asked for them::

    {"query": 0, "arch": "Genotype(...)", "score": 91.3, "seconds": 412.0}
    {"query": 1, "arch": "Genotype(...)", "error": "RuntimeError: CUDA out of memory"}

``query`` is the position of the evaluation in the search's query order (failures included).
Each line is written with one ``write``, then ``flush`` and ``os.fsync``, so a kill leaves at
most a torn last line (no final newline); reading ignores it and the next run cuts it off
before appending. While a search runs it holds an exclusive advisory ``fcntl.flock`` on the
file, so a second search on the same checkpoint stops at once with an error instead of
writing beside it.

`Evaluations` is the search's side of it: it asks the checkpoint before calling ``evaluate``
(a rerun replays every stored result and evaluates only what is new), calls ``evaluate`` here
or on worker processes (`submitter`), and stores each result in query order.
"""

from __future__ import annotations

import fcntl
import json
import math
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from pwlkit.checks import POSITIVE, BadParameter, check
from pwlkit.spaces import Space

FORMAT = "pwlkit.open_search"
VERSION = 1


class CheckpointError(BadParameter):
    """A checkpoint that cannot be used: another search's, in use, or not a checkpoint."""


def _parse(data: bytes, path: Path) -> tuple[dict | None, list[dict], int]:
    """(header or None, records, byte length of the complete lines) of a checkpoint's bytes."""
    lines = data.split(b"\n")
    complete = lines[:-1]  # the last piece has no newline: empty, or a torn write
    header, records, end = None, [], 0
    for number, line in enumerate(complete, start=1):
        end += len(line) + 1
        try:
            item = json.loads(line)
        except ValueError:
            raise CheckpointError(
                f"checkpoint {path}: line {number} is not JSON; the file is damaged "
                "(only a torn last line is expected after a kill)"
            ) from None
        if number == 1:
            if not isinstance(item, dict) or item.get("format") != FORMAT:
                raise CheckpointError(
                    f"{path} is not a pwlkit open_search checkpoint (its first line is not a "
                    f"{FORMAT} header): use another file"
                )
            if item.get("version") != VERSION:
                raise CheckpointError(
                    f"checkpoint {path} has format version {item.get('version')!r}, this "
                    f"pwlkit reads version {VERSION}"
                )
            header = item
        elif not isinstance(item, dict) or "arch" not in item:
            raise CheckpointError(f"checkpoint {path}: line {number} is not an evaluation")
        else:
            records.append(item)
    return header, records, end


def read_checkpoint(path: str | Path) -> tuple[dict, list[dict]]:
    """The header and the evaluation records of a checkpoint, in the order they were written
    (a torn last line is left out).

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: an empty file, or one that is not an open_search checkpoint.
    """
    path = Path(path)
    header, records, _ = _parse(path.read_bytes(), path)
    if header is None:
        raise CheckpointError(f"checkpoint {path} holds no header yet (nothing was stored)")
    return header, records


def _first_difference(stored: dict, wanted: dict) -> str | None:
    """What differs between two headers, named as the argument of `open_search`."""
    for key in ("space", "strategy", "loss", "seed", "budget"):
        if stored.get(key) != wanted[key]:
            name = "strategy (resolved loss)" if key == "loss" else key
            return f"{name}: stored {stored.get(key)!r}, this call {wanted[key]!r}"
    old, new = stored.get("config") or {}, wanted["config"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            return f"{key}: stored {old.get(key)!r}, this call {new.get(key)!r}"
    return None


class Checkpoint:
    """An open checkpoint: the stored evaluations by arch key, and `append` for new ones.

    Opening takes the lock, reads what is stored, checks the header against ``header`` (the
    one a new file gets) and cuts off a torn last line. Use it as a context manager; closing
    releases the lock.
    """

    def __init__(self, path: str | Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self.header = {"format": FORMAT, "version": VERSION, **header}
        self.records: list[dict] = []
        self._file = None

    def __enter__(self) -> Checkpoint:  # noqa: PYI034 - a final class in practice
        file = open(self.path, "a+b")  # held open (and locked) until __exit__
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            raise CheckpointError(
                f"checkpoint {self.path} is in use by another search (it holds a lock on the "
                "file): wait for it to finish, or use another checkpoint file"
            ) from None
        try:
            file.seek(0)
            data = file.read()
            stored, self.records, end = _parse(data, self.path)
            if end < len(data):
                file.truncate(end)
            if stored is None:
                file.truncate(0)
                self._file = file
                self._write(self.header)
            else:
                diff = _first_difference(stored, self.header)
                if diff:
                    raise CheckpointError(
                        f"checkpoint {self.path} belongs to another search ({diff}): rerun with "
                        "the arguments it was written with to resume, or use another file"
                    )
        except BaseException:
            file.close()
            raise
        self._file = file
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()  # releases the lock
            self._file = None

    def _write(self, item: dict) -> None:
        self._file.write((json.dumps(item) + "\n").encode("utf-8"))
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, record: dict) -> None:
        """Store one evaluation now (written, flushed and synced before this returns)."""
        self._write(record)
        self.records.append(record)


def key_of(space: Space) -> Callable[[str], str]:
    """What makes two canonical strings one architecture (NB101: the module hash)."""
    return getattr(space, "_key", lambda arch: arch)


def call_evaluate(evaluate: Callable[[str], float], arch: str) -> tuple[float | None, Any, float]:
    """``(score, None, seconds)`` or ``(None, exception, seconds)``; runs where evaluate runs, so
    an exception of ``evaluate`` comes back as a value and any other is the pool's own."""
    start = time.perf_counter()
    try:
        value = evaluate(arch)
        score = float(value)
        if not math.isfinite(score):
            raise ValueError(f"evaluate returned {value!r}: need a finite number")
    except Exception as exc:  # noqa: BLE001 - the caller records or raises it
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that cannot travel back as itself
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        return None, exc, time.perf_counter() - start
    return score, None, time.perf_counter() - start


class Evaluations:
    """What a search evaluated (``archs`` / ``scores`` in query order), what failed, what it
    has asked for (``seen``, by arch key) and what the checkpoint held (``stored``)."""

    def __init__(self, space, budget, on_error, submit, store) -> None:
        self.space, self.budget = space, budget
        self.on_error, self.submit, self.store = on_error, submit, store
        self.key = key_of(space)
        self.archs: list[str] = []
        self.scores: list[float] = []
        self.failed: dict[str, str] = {}
        self.seen: set[str] = set()
        self.queries = 0
        self.reused = 0
        records = store.records if store is not None else []
        self.stored = {self.key(r["arch"]): r for r in records}

    @property
    def left(self) -> int:
        return self.budget - len(self.archs)

    def best(self) -> int:
        return int(np.argmax(self.scores))

    def query(self, batch: list[str]) -> list[bool]:
        """Evaluate ``batch`` (distinct, unseen, canonical) or read it back from the checkpoint;
        each new result is stored as soon as it and every earlier query of the batch are in.
        Returns which succeeded."""
        self.seen.update(self.key(a) for a in batch)
        stop = self.on_error == "raise"
        fresh = [a for a in batch if self.key(a) not in self.stored]
        results = iter(self.submit(fresh, stop))
        raised, ok = None, []
        for j, arch in enumerate(batch):
            index = self.queries + j
            rec = self.stored.get(self.key(arch))
            if rec is not None:
                self.reused += 1
                ok.append(self._keep(index, arch, rec.get("score"), rec.get("error")))
                continue
            result = next(results, None)
            if result is None:  # not evaluated: an earlier evaluation raised
                break
            score, exc, seconds = result
            if exc is not None and stop:
                raised = raised or exc  # not stored: a rerun evaluates it again
                continue
            ok.append(self._keep(index, arch, score, exc, seconds))
        self.queries += len(batch)
        if raised is not None:
            raise raised
        if len(self.failed) >= self.budget and self.left > 0:
            arch, text = next(reversed(self.failed.items()))
            raise RuntimeError(
                f"{len(self.failed)} evaluations failed, as many as the budget: stopping "
                f"(the last: {arch}: {text})"
            )
        return ok

    def _keep(self, index: int, arch: str, score, error, seconds: float | None = None) -> bool:
        """Keep one result; a new one (``seconds`` given) also goes to the checkpoint."""
        if error is not None:
            text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
            self.failed[arch] = text
            record = {"query": index, "arch": arch, "error": text}
        else:
            self.archs.append(arch)
            self.scores.append(float(score))
            record = {"query": index, "arch": arch, "score": float(score)}
        if seconds is not None and self.store is not None:
            self.store.append({**record, "seconds": round(seconds, 3)})
        return error is None


def submitter(evaluate: Callable, parallel: Any) -> tuple[Callable, Callable[[bool], None]]:
    """(``submit(archs, stop)``: yields the results of evaluating ``archs`` in their order, each
    as soon as it is in (one at a time, ``stop`` ends it at the first failure); ``close(wait)``:
    release the workers, waiting for running evaluations or not)."""
    if parallel is None:

        def run_here(archs: list[str], stop: bool) -> Iterator:
            for arch in archs:
                result = call_evaluate(evaluate, arch)
                yield result
                if stop and result[1] is not None:
                    return

        return run_here, lambda wait: None
    if isinstance(parallel, (int, np.integer)) and not isinstance(parallel, bool):
        workers = check("parallel", int(parallel), POSITIVE)
        check_picklable(evaluate, f"parallel={workers}")
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

        def run_pool(archs: list[str], stop: bool) -> Iterator:
            futures = [pool.submit(call_evaluate, evaluate, a) for a in archs]
            for future in futures:
                yield future.result()

        return run_pool, lambda wait: pool.shutdown(wait=wait, cancel_futures=True)
    if callable(getattr(parallel, "submit", None)):
        dask = type(parallel).__module__.split(".")[0] == "distributed"
        if not dask:  # Dask pickles with cloudpickle, which takes lambdas and local functions
            check_picklable(evaluate, f"parallel={type(parallel).__name__}")
        extra = {"pure": False} if dask else {}

        def run_client(archs: list[str], stop: bool) -> Iterator:
            futures = [parallel.submit(call_evaluate, evaluate, a, **extra) for a in archs]
            for future in futures:
                yield future.result()

        return run_client, lambda wait: None
    raise BadParameter(
        f"parallel must be None, a number of worker processes or a distributed.Client, "
        f"got {parallel!r}"
    )


def check_picklable(evaluate: Callable, where: str) -> None:
    """Raise `BadParameter` saying how to fix an ``evaluate`` worker processes cannot get."""
    try:
        pickle.dumps(evaluate)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing
        raise BadParameter(
            f"evaluate must be picklable to run with {where} (a function defined at module "
            f"level of an importable module, not a lambda or a local function): {exc}"
        ) from None
