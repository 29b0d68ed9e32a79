"""Cells and jobs, the vocabulary studies and searches share.

A *cell* is one unit of stored result (a fit for studies, a search run for searches). Its id
is a hash of everything that can change its numbers (`Cell.config`), so a stored row is reused
only for exactly the same computation. A *job* is cells computed together (one batched engine
call, or seeds run in lockstep); cells with equal ``batch_key`` may share a job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


def digest(payload: Any) -> str:
    """Short stable id of a JSON-able payload (cell and job ids of studies and searches)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Cell:
    """Base of study and search cells: ``config()`` determines the numbers, ``cell_id`` is its
    digest, ``batch_key`` says which cells may be computed in one job."""

    def config(self) -> dict[str, Any]:  # pragma: no cover - every cell type defines it
        raise NotImplementedError

    @property
    def batch_key(self) -> tuple:  # pragma: no cover - every cell type defines it
        raise NotImplementedError

    @property
    def cell_id(self) -> str:
        return digest(self.config())


@dataclass(frozen=True)
class Job:
    """Cells computed together by one call of a job function (equal batch keys)."""

    cells: tuple[Cell, ...]

    @property
    def job_id(self) -> str:
        return digest(sorted(c.cell_id for c in self.cells))

    @property
    def cell_ids(self) -> list[str]:
        return [c.cell_id for c in self.cells]

    @property
    def cost(self) -> float:
        """Relative cost estimate used to start big jobs first (cell types refine it)."""
        return float(len(self.cells))

    def __len__(self) -> int:
        return len(self.cells)


def group_jobs(
    cells: Iterable[Cell],
    per_job: int,
    order: Callable[[Cell], Any],
    job_type: type[Job] = Job,
    option: str = "per_job",
) -> list[Job]:
    """Cut cells into jobs of equal batch keys, sorted by ``order``, at most ``per_job`` each.

    Deterministic: the same cells always give the same jobs, whatever is stored already, so
    every executor computes the same batches and gets the same numbers. ``option`` names
    the setting ``per_job`` came from, for the error message.
    """
    if isinstance(per_job, bool) or not isinstance(per_job, int) or per_job < 1:
        raise ValueError(f"{option} must be an integer >= 1, got {per_job!r}")
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.batch_key, []).append(cell)
    jobs: list[Job] = []
    for members in groups.values():
        members = sorted(members, key=order)
        for i in range(0, len(members), per_job):
            jobs.append(job_type(tuple(members[i : i + per_job])))
    return jobs


def pending_jobs(jobs: Iterable[Job], done: set[str]) -> list[Job]:
    """Jobs still to compute, with their stored cells removed (a job keeps its type)."""
    out = []
    for job in jobs:
        missing = tuple(c for c in job.cells if c.cell_id not in done)
        if missing:
            out.append(job if len(missing) == len(job.cells) else type(job)(missing))
    return out
