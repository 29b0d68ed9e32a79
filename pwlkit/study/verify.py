"""Re-run stored jobs of a finished store and compare their metrics with what it holds.

A shipped store saves a newcomer hours of compute only if its numbers are what the code gives
today. `verify_store` picks stored jobs at random (among those cheap enough to re-run), trains
each again exactly as `pwlkit study run` did (same cells in the same batch, so the engine's
summation order is the same) and compares every metric of every cell. On the machine that
made the store the numbers repeat bit for bit, and the comparison is cell by cell within
`TOLERANCE`. On another machine (another CPU vendor or vector unit, another torch: the rows'
``machine`` column, `pwlkit.train.device.kernel_fingerprint`) the products round differently in
the last bit and a 300-epoch fit grows that into differences the size of seed noise, so the
job is compared in distribution instead: the mean difference over its ``n`` cells within
four standard errors of that noise (`CELL_NOISE` / sqrt(n)), no cell beyond `CELL_BOUND`. Rows stored before the column existed
count as made on another machine. Two more things decide the last bits: the torch thread count
(a CPU's sums split by thread; the re-run uses ``threads``, 1 by default, as each worker of a
2-worker study run) and, for cells with pretraining, the pretrained weights (recomputed unless
cached, by whatever process layout pretrained first), so pretrained cells are compared in
distribution on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pwlkit.checks import POSITIVE, SEED, BadParameter, Interval, check
from pwlkit.metrics import TOP1_TEST
from pwlkit.runs.store import ResultStore

from .cells import FitJob, expand_cells
from .job import run_fit_job
from .schema import Study, load_study

TOLERANCE = {"tau": 1e-3, "spearman": 1e-3, "precision_at": 0.02, TOP1_TEST: 1e-9}
"""Largest absolute difference accepted per metric: rank correlations to 1e-3 and
Precision@T to 0.02 (a top-T set of 78 cells may swap one cell when two predictions nearly
tie), the test value of the top-1 pick exactly (up to float noise). N@K is compared only
when the cell's predictions rank the same way (its tau and Spearman agree to 1e-9): N@K jumps
when the best cell moves by one place, so it has no meaningful tolerance."""


@dataclass
class JobCheck:
    """One re-run job: its cells, the largest difference per metric, and what went wrong.
    ``mode`` is ``"exact"`` (same machine kind: cell by cell) or ``"distribution"``."""

    job_id: str
    cells: int
    cost: float
    max_diff: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    mode: str = "exact"
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        worst = ", ".join(f"{k} {v:.2g}" for k, v in self.max_diff.items())
        state = "reproduces" if self.ok else "DIFFERS: " + "; ".join(self.problems)
        how = "" if self.mode == "exact" else ", in distribution: made on another machine"
        notes = "".join(f"; {n}" for n in self.notes)
        return (
            f"job {self.job_id} ({self.cells} cells{how}): {state} "
            f"(largest differences: {worst}){notes}"
        )


@dataclass
class DamagedPart:
    """A stored part that cannot be read: its job cannot be checked, so the store does not
    pass (as `pwlkit study summary` exits 1 on it)."""

    part: str
    why: str
    ok = False

    def __str__(self) -> str:
        why = " ".join(self.why.split())
        return (
            f"part {self.part}: DAMAGED, left out ({why}); its job cannot be checked: run the "
            "study again to recompute its cells"
        )


def verify_store(
    store: str | Path,
    jobs: int = 2,
    max_cost: float = 2e6,
    seed: int | None = None,
    data_dir: str | Path | None = None,
    threads: int = 1,
) -> list[JobCheck | DamagedPart]:
    """Re-run ``jobs`` stored jobs picked at random and compare them with the store.

    Every stored part that cannot be used (damaged, or another layout) comes first in the
    list, as a `DamagedPart` (never ``ok``); the checks of the re-run jobs follow.

    Args:
        store: a study store folder (holding ``study.yaml`` and ``results/``).
        jobs: how many stored jobs to re-run.
        max_cost: only jobs with train size x epochs x cells at most this are picked (the
            default, 2e6, keeps a pick to about half a minute on 2 cores).
        seed: the pick's random seed (None: a fresh pick each call).
        data_dir: where the benchmark tables are.
        threads: torch threads of the re-run. A CPU's reductions split by thread, so a job
            repeats bit for bit only at the thread count it ran with: 1, the default, is what
            `pwlkit study run` gives each of its two workers on a 2-core machine (the stores
            shipped here).
    """
    check("jobs", jobs, POSITIVE)
    check("threads", threads, POSITIVE)
    check("max_cost", max_cost, Interval(float, 0, None, closed="neither"))
    if seed is not None:
        check("seed", seed, SEED)
    root = Path(store)
    if not root.exists():
        raise BadParameter(f"store: {str(root)!r} not found (a study store folder or study file)")
    if not (root / "study.yaml").is_file():
        raise BadParameter(f"store: {str(root)!r} holds no study.yaml (not a study store)")
    reader = ResultStore(root)
    stored = reader.read()
    damaged = [DamagedPart(str(part), why) for part, why in reader.skipped]
    if stored.empty:
        unread = (
            f" it can read ({len(damaged)} damaged part(s), first {damaged[0].part})"
            if damaged
            else ""
        )
        raise BadParameter(f"store: {str(root)!r} holds no finished job{unread}")
    done = stored_jobs(stored, load_study(root / "study.yaml"))
    if not done:
        raise BadParameter(f"store: {str(root)!r} holds no job of its study.yaml's cells")
    cheap = [job for job in done if job.cost <= max_cost]
    if not cheap:
        raise BadParameter(
            f"max_cost: no stored job of {str(root)!r} costs at most {max_cost:g} "
            f"(cheapest {min(job.cost for job in done):g}); raise max_cost"
        )
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(cheap), size=min(jobs, len(cheap)), replace=False)
    return [*damaged, *(_check_job(cheap[i], stored, data_dir, threads) for i in sorted(picks))]


def stored_jobs(stored: pd.DataFrame, study: Study) -> list[FitJob]:
    """The jobs as they ran, rebuilt from the stored rows' ``job_id`` and the study's cells.

    A store extended later (more losses, sizes or seeds) holds jobs grouped from the cells
    that were pending then, not the grouping of today's whole study, so the jobs are read
    from the store; a job whose cells the study no longer has is left out."""
    cells = {c.cell_id: c for c in expand_cells(study)}
    jobs = []
    for _, rows in stored.groupby("job_id", sort=False):
        members = [cells[i] for i in rows["cell_id"] if i in cells]
        if members and len(members) == len(rows):
            jobs.append(FitJob(tuple(members)))
    return jobs


def _check_job(job: FitJob, stored: pd.DataFrame, data_dir, threads: int) -> JobCheck:
    import torch

    before_threads = torch.get_num_threads()
    try:
        again = run_fit_job(job, data_dir=data_dir, threads=threads).set_index("cell_id")
    finally:
        torch.set_num_threads(before_threads)
    before = stored[stored["cell_id"].isin(again.index)].set_index("cell_id")
    result = JobCheck(job.job_id, len(job.cells), job.cost)
    if len(before) != len(again):
        result.problems.append(f"{len(again) - len(before)} of the job's cells are not stored")
    before = before.reindex(again.index)
    made_on = set(before["machine"].dropna()) if "machine" in before else set()
    if job.pretrained and made_on == set(again["machine"]):
        # pretrained weights are recomputed here unless cached, and the pretraining's sums
        # split by the process's thread layout: equal in distribution, not bit for bit
        result.notes.append("pretrained cells: compared in distribution")
    if made_on != set(again["machine"]) or job.pretrained:
        result.mode = "distribution"
        return _compare_in_distribution(result, before, again)
    precision = [c for c in again.columns if c.startswith("precision_at_")]
    for metric in ("tau", "spearman", TOP1_TEST, *precision):
        limit = TOLERANCE["precision_at" if metric in precision else metric]
        diff = float(np.nanmax(np.abs(again[metric].to_numpy() - before[metric].to_numpy())))
        result.max_diff[metric] = diff
        if not diff <= limit:
            result.problems.append(f"{metric} differs by {diff:.3g} (> {limit:g})")
    same_order = (np.abs(again["tau"] - before["tau"]) < 1e-9) & (
        np.abs(again["spearman"] - before["spearman"]) < 1e-9
    )
    for metric in (c for c in again.columns if c.startswith("n_at_")):
        moved = (again[metric] != before[metric]) & same_order
        if moved.any():
            result.problems.append(f"{metric} differs on {int(moved.sum())} identical rankings")
    if "chosen_loss" not in before:  # stores made before selections name the loss itself
        return result
    changed = again["chosen_loss"] != before["chosen_loss"]
    if changed.any():
        result.problems.append(f"chosen_loss differs on {int(changed.sum())} cells")
    return result


CELL_NOISE = {"tau": 0.015, "spearman": 0.015, "precision_at": 0.05}
"""The spread of one cell's metric when a fit is re-run with other rounding: it lands at the
same expected metrics with trajectory noise. On NB201 CIFAR-10 (N = 469, 16 cells, an AMD EPYC
against the Intel Xeon that made the store) the cells' tau moved by up to 0.023, with a
standard deviation of about 0.01. A job passes when its mean difference is within four
standard errors, ``4 * CELL_NOISE / sqrt(n)``: 0.015 in tau for 16 cells, far below what a
changed loss or protocol moves."""

CELL_BOUND = {"tau": 0.1, "spearman": 0.1, "precision_at": 0.4}
"""Largest single-cell difference accepted on another machine (a cell off by more is a
broken fit, not rounding)."""


def _compare_in_distribution(result: JobCheck, before: pd.DataFrame, again: pd.DataFrame):
    """Mean and largest difference per metric over the cells whose loss choice agrees (a
    selection may pick another loss when its fold scores round differently: noted, left out)."""
    same = pd.Series(True, index=again.index)
    if "chosen_loss" in before:
        same = again["chosen_loss"] == before["chosen_loss"]
        if (~same).any():
            result.notes.append(f"{int((~same).sum())} cell(s) chose another loss (left out)")
        if same.sum() < max(1, len(same) // 2):
            result.problems.append(f"chosen_loss differs on {int((~same).sum())} cells")
            return result
    precision = [c for c in again.columns if c.startswith("precision_at_")]
    for metric in ("tau", "spearman", *precision):
        kind = "precision_at" if metric in precision else metric
        diff = again.loc[same, metric].to_numpy() - before.loc[same, metric].to_numpy()
        result.max_diff[metric] = float(np.nanmax(np.abs(diff)))
        mean = float(np.nanmean(diff))
        limit = 4 * CELL_NOISE[kind] / np.sqrt(max(1, int(np.isfinite(diff).sum())))
        if not abs(mean) <= limit:
            result.problems.append(f"{metric} differs by {mean:+.3g} on average (> {limit:.3g})")
        if not result.max_diff[metric] <= CELL_BOUND[kind]:
            result.problems.append(
                f"{metric} differs by {result.max_diff[metric]:.3g} on one cell "
                f"(> {CELL_BOUND[kind]:g})"
            )
    return result
