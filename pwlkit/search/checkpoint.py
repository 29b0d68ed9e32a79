"""The checkpoint of an open-space search: one JSON line per evaluation, appended as it returns.

The first line is the header, the arguments that determine the search::

    {"format": "pwlkit.open_search", "version": 1, "space": "darts", "strategy": "pw",
     "loss": "hr->mape@20", "seed": 0, "budget": 100, "config": {"n_init": 10, ...}}

How the predictors run (``device``, ``threads``) is not in it (`identity`): a search resumes
with another device and computes nothing twice. Headers that hold such settings (written
before) still resume: those fields are ignored when headers are compared.

Every further line is one evaluation, in the order the search asked for them::

    {"query": 0, "arch": "Genotype(...)", "score": 91.3, "seconds": 412.0}
    {"query": 1, "arch": "Genotype(...)", "error": "RuntimeError: CUDA out of memory"}

``query`` is the position of the evaluation in the search's query order (failures included).
Each line is appended, then ``os.fsync``'d, so a kill leaves at most a torn last line (no
final newline); reading ignores it and the next run cuts it off before appending. A line that
a failing write (a full disk) left half written is cut off at once. A line whose score is not a
finite number (edited by hand, or written by another program) reads back as a failed
evaluation. While a search runs it holds an exclusive advisory ``fcntl.flock`` on the
file, so a second search on the same checkpoint stops at once with an error instead of
writing beside it.

`Evaluations` is the search's side of it: it asks the checkpoint before calling ``evaluate``
(a rerun replays every stored result and evaluates only what is new), calls ``evaluate`` here
or on worker processes (`submitter`), and stores each result in query order.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np

from pwlkit.checks import POSITIVE, BadParameter, check
from pwlkit.spaces import Space

FORMAT = "pwlkit.open_search"
VERSION = 1


_HEADER_START = b'{"format": "pwlkit.open_search"'
"""How every header line starts: a torn first line is a header only if it starts so."""


MAIN_GUARD = (
    "worker processes import the script that started the search, so a script must call "
    'open_search under `if __name__ == "__main__":`'
)
"""Why a process pool fails when a script has no main guard (spawned workers re-run it)."""


class CheckpointError(BadParameter):
    """A checkpoint that cannot be used: another search's, in use, or not a checkpoint."""


class SearchStopped(RuntimeError):
    """A search that cannot go on: as many evaluations failed as the budget, or a worker
    process died. Everything finished before is in the checkpoint."""


def identity(config: dict[str, Any]) -> dict[str, Any]:
    """A `SearchConfig` as a dict without the settings that only say how predictors run
    or that hold the value earlier searches ran with (`pwlkit.train.config.identity_settings`):
    the header's ``config``."""
    from pwlkit.train.config import identity_settings

    hparams = identity_settings(config.get("hparams") or {})
    return {**config, "hparams": hparams} if "hparams" in config else config


def _parse(data: bytes, path: Path) -> tuple[dict | None, list[dict], int]:
    """(header or None, records, byte length of the complete lines) of a checkpoint's bytes."""
    lines = data.split(b"\n")
    complete = lines[:-1]  # the last piece has no newline: empty, or a torn write
    torn = lines[-1]
    if not complete and torn and not _HEADER_START.startswith(torn[: len(_HEADER_START)]):
        raise CheckpointError(
            f"{path} is not a pwlkit open_search checkpoint (it holds no {FORMAT} header): "
            "use another file"
        )
    header, records, end = None, [], 0
    for number, line in enumerate(complete, start=1):
        end += len(line) + 1
        try:
            item = json.loads(line)
        except ValueError:
            if number == 1:
                item = None  # not a header: said below
            else:
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
    old, new = identity(stored.get("config") or {}), identity(wanted["config"])
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
        header = {**header, "config": identity(header.get("config") or {})}
        self.header = {"format": FORMAT, "version": VERSION, **header}
        self.records: list[dict] = []
        self._file = None

    def __enter__(self) -> Checkpoint:  # noqa: PYI034 - a final class in practice
        file = open(self.path, "a+b", buffering=0)  # held open (and locked) until __exit__
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
        """Append one line; a line a failed write (a full disk) left half written is cut off,
        so the file holds whole lines only."""
        data = (json.dumps(item, allow_nan=False) + "\n").encode("utf-8")
        fd = self._file.fileno()
        end = os.lseek(fd, 0, os.SEEK_END)
        written = 0
        try:
            while written < len(data):
                written += os.write(fd, data[written:])
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)
            raise
        os.fsync(fd)

    def append(self, record: dict) -> None:
        """Store one evaluation now (written, flushed and synced before this returns)."""
        self._write(record)
        self.records.append(record)


def key_of(space: Space) -> Callable[[str], str]:
    """What makes two canonical strings one architecture (NB101: the module hash)."""
    return getattr(space, "_key", lambda arch: arch)


def score_of(value: Any) -> float:
    """``value`` as a score: a finite real number. A bool, a string, None, NaN or infinity is
    not one (``True`` is no accuracy), so it raises and the evaluation fails."""
    kind = type(value).__name__
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(f"evaluate returned {value!r} (a {kind}): need a finite number")
    if "bool" in str(getattr(value, "dtype", "")):
        raise TypeError(f"evaluate returned {value!r} (booleans): need a finite number")
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"evaluate returned {value!r} (a {kind}): need a finite number") from None
    if not math.isfinite(score):
        raise ValueError(f"evaluate returned {value!r}: need a finite number")
    return score


def call_evaluate(evaluate: Callable[[str], float], arch: str) -> tuple[float | None, Any, float]:
    """``(score, None, seconds)`` or ``(None, exception, seconds)``; runs where evaluate runs, so
    an exception of ``evaluate`` (or a return that is no score, `score_of`) comes back as a
    value and any other is the pool's own."""
    start = time.perf_counter()
    try:
        score = score_of(evaluate(arch))
    except Exception as exc:  # noqa: BLE001 - the caller records or raises it
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that cannot travel back as itself
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        return None, exc, time.perf_counter() - start
    return score, None, time.perf_counter() - start


def stored_result(record: dict) -> tuple[float | None, str | None]:
    """``(score, None)`` or ``(None, error text)`` of a checkpoint line; a line whose score is
    not a finite number (NaN, infinity, text, missing) is a failed evaluation."""
    if record.get("error") is not None:
        return None, str(record["error"])
    try:
        return score_of(record.get("score")), None
    except (TypeError, ValueError):
        score = record.get("score")
        return None, f"ValueError: the checkpoint holds score {score!r}, not a finite number"


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
                ok.append(self._keep(index, arch, *stored_result(rec)))
                if self._exhausted():
                    break
                continue
            result = next(results, None)
            if result is None:  # not evaluated: an earlier evaluation raised
                break
            score, exc, seconds = result
            if exc is not None and stop:
                raised = raised or exc  # not stored: a rerun evaluates it again
                continue
            ok.append(self._keep(index, arch, score, exc, seconds))
            if self._exhausted():
                break
        self.queries += len(batch)
        if raised is not None:
            raise raised
        if self._exhausted():
            arch, text = next(reversed(self.failed.items()))
            short = arch if len(arch) <= 80 else arch[:77] + "..."
            raise SearchStopped(
                f"stopping: {len(self.failed)} evaluations failed, as many as the budget "
                f"{self.budget} (the last, of {short}: {text})"
            )
        return ok

    def _exhausted(self) -> bool:
        """As many failures as the budget while successes are still missing: the search
        stops there, so an ``evaluate`` that always fails is called ``budget`` times."""
        return len(self.failed) >= self.budget and self.left > 0

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
            try:
                futures = [pool.submit(call_evaluate, evaluate, a) for a in archs]
                for future in futures:
                    yield future.result()
            except BrokenProcessPool:
                raise SearchStopped(
                    f"parallel={workers}: a worker process died (its own message, if any, is "
                    f"printed above); {MAIN_GUARD} (or the worker ran out of memory)"
                ) from None
            except RuntimeError as exc:
                if "bootstrapping phase" not in str(exc):
                    raise
                raise SearchStopped(f"parallel={workers}: {MAIN_GUARD}") from None

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
