"""Prepared jobs trained in model groups and scored on the whole space.

`fit_scores` cuts a `Prepared` call into groups of stacked models (as many as keep one
training step under the group FLOP budget, `pwlkit.train.config.GROUP_STEP_FLOPS`), trains
the groups on single-threaded workers (threads or fresh processes, `pwlkit.train.workers`) or
one after another on a GPU, and scores every architecture with every model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..losses import parse_loss
from ..predictors import Encoding, build_predictor
from . import at_switch, engine
from . import workers as workers_mod
from .config import (
    BF16_GROUP_STEP_FLOPS,
    CORE_FLOPS_PER_SECOND,
    GROUP_STEP_FLOPS,
    MAX_GROUP,
    TRAIN_DTYPES,
)
from .device import GPU_MAX_GROUP
from .prepare import Prepared, loss_groups
from .pretrain import load_encoder


def group_size(prep: Prepared) -> int:
    """Models per group: the ``max_models`` setting when given, else as many as keep a step under the
    FLOP budget (at most `MAX_GROUP`); `GPU_MAX_GROUP` on a GPU; one for backbones that do
    not stack."""
    one = build_predictor(prep.backbone, prep.encoding(), 1, **prep.arch)
    if prep.max_models:
        return int(prep.max_models)
    if prep.device.type != "cpu":
        return GPU_MAX_GROUP
    if not one.stacks:
        return 1
    step_flops = min(prep.opt.batch_size, prep.idx.shape[1]) * one.flops_per_arch()["train"]
    budget = BF16_GROUP_STEP_FLOPS if TRAIN_DTYPES[prep.opt.train_dtype] else GROUP_STEP_FLOPS
    return max(1, min(MAX_GROUP, int(budget // step_flops)))


def fit_scores(prep: Prepared) -> np.ndarray:
    """``[M, num_archs]`` float64 scores of every architecture by the ``M`` trained models.

    Raises:
        TrainingDiverged: a model's loss or scores stopped being finite.
    """
    size = group_size(prep)
    starts = list(range(0, len(prep.seeds), size))
    workers = 1 if prep.device.type != "cpu" else prep.execution.threads_or_default()
    one = build_predictor(prep.backbone, prep.encoding(), 1, **prep.arch)
    n_archs = prep.benchmark.num_archs
    work = len(prep.seeds) * one.fit_flops(prep.opt.epochs, prep.idx.shape[1], n_archs)
    job = GroupFits(
        backbone=prep.backbone,
        arch=prep.arch,
        enc=prep.encoding(),
        num_archs=n_archs,
        losses=[s.name for s in prep.schedules],
        seeds=list(prep.seeds),
        idx=prep.idx,
        targets=prep.targets,
        opt=prep.opt,
        size=size,
        score_workers=workers if len(starts) == 1 else 1,  # a lone group scores on all
        pretrained=prep.pretrained(prep.seeds),
    )
    if prep.device.type != "cpu":
        results = [fit_group(job, lo) for lo in starts]
    else:
        results = workers_mod.run_tasks(
            fit_group, job, starts, workers, est_seconds=work / CORE_FLOPS_PER_SECOND
        )
    out = np.empty((len(prep.seeds), n_archs), dtype=np.float64)
    for lo, pred in zip(starts, results):
        out[lo : lo + len(pred)] = pred
    engine.check_finite_scores(out, prep.opt)
    return out


@dataclass(frozen=True)
class GroupFits:
    """Everything the model groups of one call need; picklable, for worker processes."""

    backbone: str
    arch: dict[str, Any]
    enc: Encoding
    num_archs: int
    losses: list[str]
    seeds: list[int]
    idx: np.ndarray
    targets: np.ndarray
    opt: engine.Optim
    size: int
    score_workers: int
    pretrained: list[dict[str, torch.Tensor]]
    """Per job, the pretrained weights its model starts from ([] without pretraining)."""


def fit_group(job: GroupFits, lo: int) -> np.ndarray:
    """Train the group of models ``lo .. lo + size`` and score the whole space with each.

    Models whose switch options restart the learning rate or reset Adam at different epochs
    (`at_switch.optimiser_key`) share no optimiser: they train as separate stacked models.
    """
    jobs = list(range(lo, min(lo + job.size, len(job.seeds))))
    parts: dict[tuple, list[int]] = {}
    for j in jobs:
        key = at_switch.optimiser_key(parse_loss(job.losses[j]), job.opt.epochs)
        parts.setdefault(key, []).append(j)
    if len(parts) == 1:
        return _fit_models(job, jobs)
    out = np.empty((len(jobs), job.num_archs), dtype=np.float32)
    for part in parts.values():
        out[[j - lo for j in part]] = _fit_models(job, part)
    return out


def _fit_models(job: GroupFits, jobs: list[int]) -> np.ndarray:
    """Train the jobs ``jobs`` (consecutive or not) as one stacked model; score the space."""
    group_seeds = [job.seeds[j] for j in jobs]
    device = job.enc.device
    model = build_predictor(job.backbone, job.enc, len(group_seeds), **job.arch)
    model.reset(group_seeds)
    model.to(device)
    if job.pretrained:
        load_encoder(model, [job.pretrained[j] for j in jobs])
    groups = loss_groups([parse_loss(job.losses[j]) for j in jobs], group_seeds, device)
    engine.train(
        model,
        torch.from_numpy(job.idx[jobs]).to(device),
        torch.from_numpy(job.targets[jobs]).to(device),
        groups,
        group_seeds,
        job.opt,
    )
    return engine.predict_all(model, job.num_archs, workers=job.score_workers).numpy()
