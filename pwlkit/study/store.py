"""The results store: one parquet file per finished job, written atomically.

Layout of ``<output_dir>/<study name>/``::

    study.yaml                      the parameters of the latest run (for people)
    results/part-<job id>.parquet   one row per cell of a finished job
    failures.jsonl                  one line per failed job (id, cells, error)

A part is written to a temporary name in the same folder, flushed to disk and renamed with
``os.replace``, so a killed run leaves either a whole part or none. Stored parts are never
rewritten or deleted by pwlkit; a cell is done when its id is in some part.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import yaml

_PART_PREFIX = "part-"
_TMP_PREFIX = ".tmp-"
_STALE_TMP_SECONDS = 3600.0


class ResultStore:
    """Read and append the finished cells of one study."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.results_dir = self.root / "results"
        self.failures_path = self.root / "failures.jsonl"

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r}, parts={len(self.parts())})"

    # ------------------------------------------------------------------------------ writing

    def prepare(self, parameters: dict[str, Any] | None = None) -> None:
        """Create the folders and check they are writable, before any fit starts."""
        try:
            self.results_dir.mkdir(parents=True, exist_ok=True)
            probe = self.results_dir / f"{_TMP_PREFIX}probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise PermissionError(
                f"cannot write the study store {str(self.root)!r}: {exc.strerror or exc}. "
                "Choose another output_dir (study key or notebook parameter) or fix its "
                "permissions."
            ) from None
        self._remove_stale_temporaries()
        if parameters is not None:
            self._atomic_write_bytes(
                self.root / "study.yaml", yaml.safe_dump(parameters, sort_keys=False).encode()
            )

    def write_part(self, job_id: str, rows: pd.DataFrame) -> Path:
        """Store a finished job's rows atomically; returns the part's path."""
        final = self.results_dir / f"{_PART_PREFIX}{job_id}.parquet"
        tmp = self.results_dir / f"{_TMP_PREFIX}{job_id}-{os.getpid()}.parquet"
        rows.to_parquet(tmp, index=False)
        _fsync_file(tmp)
        os.replace(tmp, final)
        _fsync_dir(self.results_dir)
        return final

    def log_failure(self, job_id: str, cell_ids: list[str], error: str) -> None:
        """Append one failed job to failures.jsonl (kept for `pwlkit study status`)."""
        record = {"time": time.time(), "job_id": job_id, "cells": cell_ids, "error": error}
        with open(self.failures_path, "a") as fh:
            fh.write(json.dumps(record) + "\n")

    def _atomic_write_bytes(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f"{_TMP_PREFIX}{path.name}-{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

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
        for part in self.parts():
            table = _read(part, columns=["cell_id"])
            if table is not None:
                done.update(table.column("cell_id").to_pylist())
        return done

    def read(self, cell_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Every stored row (one per cell id), optionally only the given cells."""
        frames = []
        for part in self.parts():
            table = _read(part)
            if table is not None:
                frames.append(table.to_pandas())
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True).drop_duplicates("cell_id", keep="first")
        if cell_ids is not None:
            df = df[df["cell_id"].isin(set(cell_ids))]
        return df.reset_index(drop=True)

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


def _read(part: Path, columns: list[str] | None = None):
    try:
        return pq.read_table(part, columns=columns)
    except Exception as exc:  # noqa: BLE001 - a damaged file must not hide the others
        warnings.warn(f"skipping unreadable results part {part}: {exc}", stacklevel=3)
        return None


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
