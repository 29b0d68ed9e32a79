"""What a run did (`RunRecord`), and storing each job's rows the moment it finishes."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .jobs import Job
from .store import ResultStore


@dataclass
class RunRecord:
    """What a run did: counts of cells (or search runs), failures, time."""

    study: str
    store: Path
    executor: str
    total: int
    already_done: int
    computed: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    unit: str = "cells"
    waited: float = 0.0
    """Seconds spent waiting for another run that held the store."""

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def done(self) -> int:
        return self.already_done + self.computed

    def __str__(self) -> str:
        prefix = f"study {self.study}: " if self.study else ""
        text = (
            f"{prefix}{self.done}/{self.total} {self.unit} done "
            f"({self.already_done} already stored, {self.computed} computed now) "
            f"in {self.seconds:.1f} s [{self.executor}]; results in {self.store}"
        )
        if self.failed:
            n = sum(len(f["cells"]) for f in self.failed)
            text += (
                f"\n{len(self.failed)} job(s) failed ({n} {self.unit}); run again to retry "
                f"them. First error: {self.failed[0]['error']}"
            )
        return text


def describe_error(exc: BaseException) -> str:
    """The last line of an exception as Python prints it (type and message)."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def store_outcomes(
    outcomes: Iterator[tuple[Job, Any]],
    store: ResultStore,
    record: RunRecord,
    bar: Any,
    describe_job: Callable[[Job], str] | None = None,
) -> None:
    """Store each job's rows the moment it finishes; log a failed job and go on. The
    executor is closed on the way out (an interrupt stops its workers)."""
    try:
        for job, result in outcomes:
            if isinstance(result, BaseException):
                error = describe_error(result)
                store.log_failure(job.job_id, job.cell_ids, error)
                record.failed.append({"job_id": job.job_id, "cells": job.cell_ids, "error": error})
                what = describe_job(job) if describe_job else f"{len(job)} {record.unit}"
                bar.write(f"job {job.job_id} failed ({what}): {error}")
                bar.set_postfix(failed=len(record.failed))
                continue
            store.write_part(job.job_id, result)
            record.computed += len(job)
            bar.update(len(job))
    finally:
        bar.close()
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
