"""The results store: one parquet file per finished job, written atomically.

Layout of ``<output_dir>/<study name>/``::

    study.yaml                      the parameters of the latest run (for people)
    results/part-<job id>.parquet   one row per cell of a finished job
    failures.jsonl                  one line per failed job (id, cells, error)

A part is written to a temporary name in the same folder, flushed to disk and renamed with
``os.replace``, so a killed run leaves either a whole part or none, and a write that fails (a
full disk, no permission) removes its temporary file. Stored parts are never rewritten or
deleted by pwlkit; a cell is done when its id is in some part.

Runs hold the store while they compute (advisory ``flock`` locks, released by the OS when a
process dies), so two runs of one store never compute the same cells:

- a study (`hold`) holds the store's ``.lock``: a second run of the same grid waits for it; a
  run of another grid is refused while the store is held (it would overwrite ``study.yaml``
  under the first run);
- a search (`claim`) writes no ``study.yaml`` and holds only its cells, in a
  ``.lock-run-*`` file listing them: searches of other cells (two strategies on one
  benchmark) run at once in the benchmark's store; one whose cells overlap a running one's
  waits for it, then finds those cells done.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

_PART_PREFIX = "part-"
_TMP_PREFIX = ".tmp-"
_STALE_TMP_SECONDS = 3600.0
_LOCK_NAME = ".lock"
_CLAIMS_LOCK = ".lock-claims"
_RUN_LOCK_PREFIX = ".lock-run-"


class StoreBusyError(ValueError):
    """Another run of a different grid holds the store."""


class ResultStore:
    """Read and append the finished cells of one study."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.results_dir = self.root / "results"
        self.failures_path = self.root / "failures.jsonl"
        self.skipped: list[tuple[Path, str]] = []
        """Parts the last read could not use, with the reason (damaged file, foreign layout)."""

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r}, parts={len(self.parts())})"

    # ------------------------------------------------------------------------------ writing

    def prepare(self, parameters: dict[str, Any] | None = None) -> None:
        """Create the folders and check they are writable, before any fit starts."""
        probe = self.results_dir / f"{_TMP_PREFIX}probe-{os.getpid()}"
        try:
            self.results_dir.mkdir(parents=True, exist_ok=True)
            try:
                probe.write_bytes(b"")
            finally:
                _remove(probe)
        except OSError as exc:
            raise PermissionError(
                f"cannot write the store {str(self.root)!r}: {exc.strerror or exc}. Choose "
                "another output folder (--output-dir of `pwlkit search`, output_dir in a study "
                "file or notebook parameters) or fix its permissions."
            ) from None
        self._remove_stale_temporaries()
        if parameters is not None:
            self._atomic_write_bytes(
                self.root / "study.yaml", yaml.safe_dump(parameters, sort_keys=False).encode()
            )

    @contextlib.contextmanager
    def hold(self, grid: str = "", notify=None) -> Iterator[float]:
        """Hold the store for one run of ``grid`` (an id of its cells); yields the seconds
        spent waiting for another holder.

        A second run of the same grid waits here (saying so once on stderr, or through
        ``notify``) until the first ends, then sees the first run's cells as done. A run of
        another grid raises `StoreBusyError` at once.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock (Windows): runs are not serialized
            yield 0.0
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / _LOCK_NAME, "a+") as fh:
            waited = 0.0
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder, _, held_grid = fh.read().strip().partition(" ")
                holder = holder or "unknown"
                if held_grid and grid and held_grid != grid:
                    raise StoreBusyError(
                        f"store {str(self.root)!r} is being computed by another run (pid "
                        f"{holder}) of a different grid with the same name; give this study "
                        "another name (or output_dir) in its file, or wait until that run ends"
                    ) from None
                message = (
                    f"another run (pid {holder}) is computing {self.root}; waiting for it to "
                    "finish, then running what is left"
                )
                (notify or _say)(message)
                start = time.perf_counter()
                fcntl.flock(fh, fcntl.LOCK_EX)
                waited = time.perf_counter() - start
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()} {grid}".strip())
            fh.flush()
            try:
                yield waited
            finally:
                fh.seek(0)
                fh.truncate()
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def claim(
        self, cells: Iterable[str], notify: Callable[[str], None] | None = None
    ) -> Iterator[float]:
        """Hold ``cells`` of the store for one run that writes no ``study.yaml`` (a search);
        yields the seconds spent waiting for other runs.

        Runs of disjoint cells share the store and run at once. A run whose cells overlap
        those of a running one waits for it (saying so once on stderr, or through ``notify``),
        then sees those cells as done.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock (Windows): runs are not serialized
            yield 0.0
            return
        mine = set(cells)
        self.root.mkdir(parents=True, exist_ok=True)
        own = self.root / f"{_RUN_LOCK_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        with open(self.root / _CLAIMS_LOCK, "a") as registry:
            fcntl.flock(registry, fcntl.LOCK_EX)  # held only while a run registers
            busy = self._running_claims(mine)
            fh = open(own, "w")  # noqa: SIM115 - held open (and locked) for the whole run
            try:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.write(json.dumps({"pid": os.getpid(), "cells": sorted(mine)}))
                fh.flush()
            except BaseException:
                fh.close()
                _remove(own)
                raise
        try:
            start = time.perf_counter()
            if busy:
                pids = ", ".join(sorted({pid for _, pid in busy}))
                (notify or _say)(
                    f"another run (pid {pids}) is computing some of the same cells in "
                    f"{self.root}; waiting for it to finish, then running what is left"
                )
            for path, _ in busy:
                try:
                    with open(path) as other:
                        fcntl.flock(other, fcntl.LOCK_SH)  # returns when that run ends
                except FileNotFoundError:
                    pass  # it ended meanwhile
            yield time.perf_counter() - start if busy else 0.0
        finally:
            _remove(own)
            fh.close()

    def _running_claims(self, cells: set[str]) -> list[tuple[Path, str]]:
        """(lock file, pid) of the running claims that share a cell with ``cells``; the files
        of runs that died are removed."""
        import fcntl

        busy = []
        for path in sorted(self.root.glob(f"{_RUN_LOCK_PREFIX}*")):
            try:
                fh = open(path)  # noqa: SIM115 - closed below
            except FileNotFoundError:
                continue
            with fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:  # its run is alive
                    try:
                        held = json.loads(fh.read() or "{}")
                    except ValueError:
                        held = {}
                    if cells.intersection(held.get("cells", ())) or not held:
                        busy.append((path, str(held.get("pid", "unknown"))))
                    continue
                _remove(path)  # its run died without removing it
        return busy

    def write_part(self, job_id: str, rows: pd.DataFrame) -> Path:
        """Store a finished job's rows atomically; returns the part's path."""
        final = self.results_dir / f"{_PART_PREFIX}{job_id}.parquet"
        tmp = self.results_dir / f"{_TMP_PREFIX}{job_id}-{os.getpid()}.parquet"
        try:
            rows.to_parquet(tmp, index=False)
            _fsync_file(tmp)
            os.replace(tmp, final)
        except BaseException:  # a full disk, no permission, an interrupt: no temporary left
            _remove(tmp)
            raise
        _fsync_dir(self.results_dir)
        return final

    def log_failure(self, job_id: str, cell_ids: list[str], error: str) -> None:
        """Append one failed job to failures.jsonl (kept for `pwlkit study status`)."""
        record = {"time": time.time(), "job_id": job_id, "cells": cell_ids, "error": error}
        with open(self.failures_path, "a") as fh:
            fh.write(json.dumps(record) + "\n")

    def _atomic_write_bytes(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f"{_TMP_PREFIX}{path.name}-{os.getpid()}")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except BaseException:
            _remove(tmp)
            raise

    def _remove_stale_temporaries(self) -> None:
        """Drop temporaries left by killed runs (old enough that no live run owns them)."""
        now = time.time()
        for tmp in self.results_dir.glob(f"{_TMP_PREFIX}*"):
            try:
                if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                    tmp.unlink()
            except OSError:
                pass

    # ------------------------------------------------------------------------------ reading

    def parts(self) -> list[Path]:
        if not self.results_dir.is_dir():
            return []
        return sorted(self.results_dir.glob(f"{_PART_PREFIX}*.parquet"))

    def done_ids(self) -> set[str]:
        """Ids of every stored cell (reads one column per part: fast on big stores)."""
        done: set[str] = set()
        self.skipped = []
        for part in self.parts():
            table = self._read(part, columns=["cell_id"])
            if table is not None:
                done.update(table.column("cell_id").to_pylist())
        return done

    def read(
        self, cell_ids: Iterable[str] | None = None, required: Iterable[str] = ()
    ) -> pd.DataFrame:
        """Every stored row (one per cell id), optionally only the given cells, in the order
        of ``cell_ids`` when given.

        Parts that cannot be read, lack a ``required`` column or store a column with another
        type than the store's other parts (a file from elsewhere) are left out and listed in
        ``skipped``.
        """
        self.skipped = []
        tables = [(part, table) for part in self.parts() if (table := self._read(part)) is not None]
        frames = _as_frames(tables)
        if not frames:
            return pd.DataFrame()
        frames = self._same_layout(frames, {"cell_id", "job_id", *required})
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True).drop_duplicates("cell_id", keep="first")
        if cell_ids is not None:
            order = {cid: i for i, cid in enumerate(dict.fromkeys(cell_ids))}
            df = df[df["cell_id"].isin(order)]
            df = df.assign(_order=df["cell_id"].map(order)).sort_values("_order", kind="stable")
            df = df.drop(columns="_order")
        return df.reset_index(drop=True)

    def _same_layout(
        self, frames: list[tuple[Path, pd.DataFrame]], required: set[str]
    ) -> list[pd.DataFrame]:
        """Keep the parts that hold the required columns with the types most parts give them
        (a store that grew new metric columns keeps its older parts)."""
        layouts: dict[tuple, int] = {}
        keys = []
        for _, df in frames:
            key = tuple((c, str(t)) for c, t in df.dtypes.items())
            keys.append(key)
            layouts[key] = layouts.get(key, 0) + 1
        common_types = dict(max(layouts, key=layouts.get))
        kept = []
        for (part, df), key in zip(frames, keys):
            types = dict(key)
            missing = sorted(required - set(types))
            clash = sorted(c for c in set(types) & set(common_types) if types[c] != common_types[c])
            if missing:
                self.skipped.append((part, f"it lacks the column(s) {missing}"))
            elif clash:
                self.skipped.append((part, f"column(s) {clash} have other types than elsewhere"))
            else:
                kept.append(df)
        return kept

    def _read(self, part: Path, columns: list[str] | None = None):
        try:
            # ParquetFile, not read_table: a part is one small file, and read_table's dataset
            # layer cost 2.5x the read itself (the findings read thousands of parts)
            with pq.ParquetFile(part) as file:
                return file.read(columns=columns, use_threads=False)
        except Exception as exc:  # noqa: BLE001 - a damaged file must not hide the others
            self.skipped.append((part, f"unreadable ({type(exc).__name__}: {exc})"))
            return None

    def failures(self) -> list[dict[str, Any]]:
        """Failed jobs logged by earlier runs, oldest first."""
        if not self.failures_path.is_file():
            return []
        out = []
        for line in self.failures_path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a kill; the others still count
        return out


def _layout(table: pa.Table) -> tuple:
    """What decides a part's pandas column types: its Arrow types, the pandas types its writer
    recorded, and which integer and boolean columns hold nulls (those become floats and
    objects)."""
    nullable = tuple(
        field.name
        for field, column in zip(table.schema, table.columns)
        if column.null_count
        and (pa.types.is_integer(field.type) or pa.types.is_boolean(field.type))
    )
    recorded = (table.schema.pandas_metadata or {}).get("columns", [])
    written = tuple((c.get("name"), c.get("numpy_type"), str(c.get("metadata"))) for c in recorded)
    return tuple((field.name, str(field.type)) for field in table.schema), nullable, written


def _as_frames(tables: list[tuple[Path, pa.Table]]) -> list[tuple[Path, pd.DataFrame]]:
    """Each part as a DataFrame with the column types of its own ``to_pandas()``, in part
    order, converted one layout at a time: a big store has thousands of small parts, and one
    conversion per part took half of its reading time."""
    by_layout: dict[tuple, list[int]] = {}
    for i, (_, table) in enumerate(tables):
        by_layout.setdefault(_layout(table), []).append(i)
    frames: list[Any] = [None] * len(tables)
    for members in by_layout.values():
        whole = pa.concat_tables([tables[i][1] for i in members]).to_pandas()
        start = 0
        for i in members:
            rows = tables[i][1].num_rows
            frames[i] = (tables[i][0], whole.iloc[start : start + rows])
            start += rows
    return frames


def _remove(path: Path) -> None:
    """Delete a temporary file if it is there (cleaning up after a failed write)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
