"""The report's run schedule: a study's first run trains alone, its readers follow together."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pwlkit.report.build import _run_groups
from pwlkit.report.plan import ReportRun


def _run(label: str) -> ReportRun:
    return ReportRun(notebook=Path(f"{label}.ipynb"), params_file=None, label=label)


class _Recorder:
    """A stand-in for a notebook run: records start/end order and how many ran at once."""

    def __init__(self, fail: set[str] = frozenset(), hold: float = 0.05) -> None:
        self.events: list[str] = []
        self.fail, self.hold = fail, hold
        self.active = self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, run: ReportRun) -> None:
        with self.lock:
            self.events.append(f"start {run.label}")
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.hold)
        run.status = "failed" if run.label in self.fail else "ok"
        with self.lock:
            self.active -= 1
            self.events.append(f"end {run.label}")


def test_readers_wait_for_the_first_run_then_run_together():
    grid, r1, r2, r3, other = (_run(x) for x in ("grid", "r1", "r2", "r3", "other"))
    rec = _Recorder()
    _run_groups([[grid, r1, r2, r3], [other]], rec, jobs=3)
    ev = rec.events
    assert ev[:2] == ["start grid", "start other"] or ev[:2] == ["start other", "start grid"]
    for r in ("r1", "r2", "r3"):
        assert ev.index(f"start {r}") > ev.index("end grid")
    # three slots: the readers overlap each other once the grid is done
    assert rec.peak == 3
    assert all(r.status == "ok" for r in (grid, r1, r2, r3, other))


def test_after_a_failed_first_run_the_next_trains_alone():
    grid, r1, r2, r3 = (_run(x) for x in ("grid", "r1", "r2", "r3"))
    rec = _Recorder(fail={"grid"})
    _run_groups([[grid, r1, r2, r3]], rec, jobs=3)
    ev = rec.events
    assert ev[:4] == ["start grid", "end grid", "start r1", "end r1"]
    assert {e for e in ev[4:]} == {"start r2", "start r3", "end r2", "end r3"}


def test_one_slot_runs_everything_in_order():
    runs = [_run(x) for x in ("a", "b", "c", "d")]
    rec = _Recorder(hold=0.0)
    _run_groups([runs[:3], runs[3:]], rec, jobs=1)
    starts = [e.split()[1] for e in rec.events if e.startswith("start")]
    assert starts == ["a", "d", "b", "c"] and rec.peak == 1


def test_an_exception_in_a_run_reaches_the_caller():
    def boom(run: ReportRun) -> None:
        raise RuntimeError(f"broke on {run.label}")

    with pytest.raises(RuntimeError, match="broke on"):
        _run_groups([[_run("a"), _run("b")], [_run("c")]], boom, jobs=2)
