"""Cells and jobs: a study grid cut into fits, and fits grouped for the batched engine.

A cell is one fit plus its whole-space metrics. Its id is a hash of every setting that can
change its numbers, so a stored row is reused only for exactly the same fit and a changed
setting always makes new cells. Jobs group cells that the engine can train together in one
batch; the grouping depends on the study alone (never on the executor or on what is already
stored), so every executor trains the same batches and gets the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import product
from typing import Any

from pwlkit.losses import parse_spec
from pwlkit.runs.jobs import Cell, Job, group_jobs

from .schema import Study

RESULT_FORMAT = 1
"""Version of the stored row layout and of how a cell is computed; bump to invalidate stores."""


def _result_settings(text: str) -> dict[str, Any]:
    """Settings that identify a cell: execution settings dropped, and later settings at the
    value earlier stores were computed with (`pwlkit.train.config.LATER_SETTINGS`)."""
    from pwlkit.train.config import identity_settings

    return identity_settings(json.loads(text))


@dataclass(frozen=True)
class FitCell(Cell):
    """One fit: a loss trained on ``train_size`` architectures of a benchmark with a seed."""

    benchmark: str
    signal: str
    loss: str
    train_size: int
    backbone: str
    seed: int
    epochs: int
    hparams: str
    """Engine hyperparameters as canonical JSON text (hashable, order-free)."""
    ts: tuple[float, ...]
    ks: tuple[int, ...]
    settings: str = "{}"
    """Every engine setting with defaults filled in (canonical JSON): a changed default of
    the engine changes the cell, so stored rows never mix two trainings."""
    sampling: str = "random"
    """How the training sample is drawn (`pwlkit.train.sample_train`); ``random`` is left
    out of the id, so cells stored before strategies existed stay valid."""

    def config(self) -> dict[str, Any]:
        """Everything that determines this cell's numbers."""
        return {
            "benchmark": self.benchmark,
            "signal": self.signal,
            "loss": self.loss,
            "train_size": self.train_size,
            "backbone": self.backbone,
            "seed": self.seed,
            "epochs": self.epochs,
            "hparams": _result_settings(self.hparams),
            "settings": _result_settings(self.settings),
            "ts": [float(t) for t in self.ts],
            "ks": [int(k) for k in self.ks],
            "format": RESULT_FORMAT,
            **({"sampling": self.sampling} if self.sampling != "random" else {}),
        }

    @property
    def batch_key(self) -> tuple:
        """Cells with equal keys can be trained in one batched engine call."""
        return (
            self.benchmark,
            self.signal,
            self.backbone,
            self.train_size,
            self.epochs,
            self.hparams,
            self.ts,
            self.ks,
        )


@dataclass(frozen=True)
class FitJob(Job):
    """Fits trained together by one call of the batched engine (equal batch keys)."""

    cells: tuple[FitCell, ...]

    @property
    def pretrained(self) -> bool:
        """Whether a cell of the job starts from pretrained weights (``pretrain`` not none)."""
        return any(json.loads(c.hparams).get("pretrain", "none") != "none" for c in self.cells)

    @property
    def cost(self) -> float:
        """Relative cost estimate (train size x epochs x fits) used to start big jobs first
        and to bound `pwlkit study verify`; an ``auto`` cell counts its fold fits, and a job
        with pretraining its pretraining (epochs x at most ``max_archs`` cells: an upper
        bound, the weights are cached once made)."""
        from pwlkit.train.pretrain import PRETRAIN_SETTINGS

        c = self.cells[0]
        fits = c.train_size * c.epochs * sum(parse_spec(x.loss).fits for x in self.cells)
        if self.pretrained:
            fits += PRETRAIN_SETTINGS["epochs"] * PRETRAIN_SETTINGS["max_archs"]
        return float(fits)


def engine_settings(backbone: str, epochs: int, hparams: dict[str, Any]) -> dict[str, Any]:
    """The engine's full settings for a fit (defaults filled), as the engine resolves them."""
    from pwlkit.predictors import ARCH_PARAMS
    from pwlkit.train.config import resolve

    train, arch = resolve(backbone, epochs, dict(hparams))
    return {**train, **ARCH_PARAMS.get(backbone, {}), **arch}


def expand_cells(study: Study) -> list[FitCell]:
    """Every cell of a study, in a fixed order (axis point, sampling, benchmark, backbone,
    size, loss, seed)."""
    cells = []
    for point in study.axis_points():
        fixed = {**dict(study.hyperparameters), **point}
        hparams = json.dumps(fixed, sort_keys=True)
        settings = {
            bb: json.dumps(engine_settings(bb, study.epochs, fixed), sort_keys=True)
            for bb in study.backbones
        }
        cells += [
            FitCell(
                benchmark=b,
                signal=study.signal,
                loss=loss,
                train_size=n,
                backbone=bb,
                seed=s,
                epochs=study.epochs,
                hparams=hparams,
                ts=tuple(float(t) for t in study.ts),
                ks=tuple(int(k) for k in study.ks),
                settings=settings[bb],
                sampling=sampling,
            )
            for sampling, b, bb, n, loss, s in product(
                study.samplings,
                study.benchmarks,
                study.backbones,
                study.train_sizes,
                study.losses,
                study.seeds,
            )
        ]
    return cells


def group_fit_jobs(cells: list[FitCell], cells_per_job: int) -> list[FitJob]:
    """Cut cells into batched jobs: equal batch keys, seed-major, at most ``cells_per_job``.

    Seed-major order keeps earlier jobs unchanged when seeds are appended to a study.
    Deterministic: the same cells always give the same jobs, whatever is stored already.
    """
    loss_order: dict[str, int] = {}
    for cell in cells:
        loss_order.setdefault(cell.loss, len(loss_order))
    return group_jobs(
        cells,
        cells_per_job,
        lambda c: (c.seed, loss_order[c.loss]),
        job_type=FitJob,
        option="cells_per_job",
    )


def study_jobs(study: Study) -> list[FitJob]:
    """The study's jobs (deterministic; what every executor runs)."""
    return group_fit_jobs(expand_cells(study), study.cells_per_job)
