"""`fit_predict` and `fit_predict_many`: train predictors on sampled rows, score the whole space.

A single fit is a batch of one: both go through the same batched engine. Inputs are checked
here, once; the engine and the backbones trust them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..benchmarks.base import SIGNALS, Benchmark
from ..checks import SEED, Interval, Options, check
from ..losses import parse_loss
from ..predictors import build_predictor, encode
from . import at_switch, engine
from . import workers as workers_mod
from .config import (
    BF16_GROUP_STEP_FLOPS,
    CORE_FLOPS_PER_SECOND,
    GROUP_STEP_FLOPS,
    MAX_GROUP,
    TRAIN_DTYPES,
    resolve,
)
from .device import GPU_MAX_GROUP
from .selection import parse_selection, resolve_selections

PARAMS: dict[str, Any] = {
    "seed": SEED,
    "signal": Options(SIGNALS, what="signal"),
    "train_size": Interval(int, 2, None),
}
"""What `fit_predict`'s own arguments accept (``train_size``: the length of a training set;
checked against the benchmark's size too). Settings are in `pwlkit.train.config.SETTINGS`."""


def fit_predict(
    benchmark: Benchmark,
    train_idx: Sequence[int] | np.ndarray,
    loss: str = "mse",
    backbone: str = "gcn",
    epochs: int | None = None,
    seed: int = 0,
    signal: str = "val",
    **hparams: Any,
) -> np.ndarray:
    """Train one predictor on ``train_idx`` and score every architecture of the space.

    Args:
        benchmark: the search space with its accuracies.
        train_idx: rows of ``benchmark`` to train on (e.g. from `sample_train`).
        loss: a loss spec for `pwlkit.losses.parse_loss`, e.g. ``"hr"``, ``"hr->mape@0.5"``.
        backbone: one of `BACKBONES`.
        epochs: training epochs (None: the backbone's default, see `TRAIN_DEFAULTS`).
        seed: seeds the weights, the epoch shuffles and the loss's random draws.
        signal: ``"val"`` or ``"test"``, the benchmark column trained on.
        **hparams: training (``batch_size``, ``lr``, ``weight_decay``, ``lr_min_ratio``),
            engine (``max_models``, ``threads``) and backbone settings
            (`pwlkit.predictors.ARCH_PARAMS`); see `TRAIN_DEFAULTS` and `ENGINE_DEFAULTS`.

    Returns:
        ``[num_archs]`` float64 predicted scores (higher = better), one per architecture.

    Raises:
        BadParameter: as `fit_predict_many`, and a ``seed`` outside `pwlkit.checks.SEED`.
    """
    check("seed", seed, PARAMS["seed"])
    return fit_predict_many(
        benchmark,
        [train_idx],
        [loss],
        [seed],
        backbone=backbone,
        epochs=epochs,
        signal=signal,
        **hparams,
    )[0]


def fit_predict_many(
    benchmark: Benchmark,
    train_sets: Sequence[Sequence[int] | np.ndarray],
    losses: Sequence[str],
    seeds: Sequence[int],
    backbone: str = "gcn",
    epochs: int | None = None,
    signal: str = "val",
    **hparams: Any,
) -> np.ndarray:
    """Train ``M`` independent predictors at once (stacked weights) and score the whole space.

    Job ``m`` trains on ``train_sets[m]`` with ``losses[m]`` and ``seeds[m]`` and gives the
    same predictions as ``fit_predict`` with those arguments, up to floating-point summation
    order (exactly for losses without random draws; those that draw, mse+sr and listmle, take
    their draws from one generator per loss and group, seeded from the group's seeds).
    Deterministic on CPU for the same jobs in the same order.

    Args:
        benchmark: the search space with its accuracies.
        train_sets: ``M`` index arrays of equal length ``n`` (2 <= n <= num_archs).
        losses: ``M`` loss specs.
        seeds: ``M`` integer seeds.
        backbone, epochs, signal, **hparams: as in `fit_predict`, shared by all jobs.

    Returns:
        ``[M, num_archs]`` float64 predicted scores.

    Raises:
        BadParameter: unknown backbone / setting names or signal (the message lists the valid
            ones), settings out of range (`pwlkit.train.config.SETTINGS`), seeds outside
            `pwlkit.checks.SEED`.
        ValueError: mismatched list lengths, bad indices or train sizes, NaN or constant
            targets, unknown losses.
    """
    train_cfg, arch = resolve(backbone, epochs, hparams)
    check("signal", signal, PARAMS["signal"])
    idx = _check_jobs(benchmark, train_sets, losses, seeds)
    selections = [parse_selection(spec) for spec in losses]
    for spec, sel in dict(zip(losses, selections)).items():
        if sel is None:
            parse_loss(spec)  # a bad spec fails here, before any training
    if any(selections):
        fit = {"backbone": backbone, "epochs": epochs, "signal": signal, **hparams}
        losses = resolve_selections(benchmark, list(idx), losses, seeds, **fit)
    truth = np.asarray(benchmark.val if signal == "val" else benchmark.test, dtype=np.float64)
    targets = _scaled_targets(truth, idx, signal, benchmark.name)
    device = torch.device(train_cfg["device"])
    enc = encode(benchmark).to(device)
    opt = engine.Optim.from_settings(train_cfg)
    batch = min(opt.batch_size, idx.shape[1])
    one = build_predictor(backbone, enc, 1, **arch)
    step_flops = batch * one.flops_per_arch()["train"]
    budget = BF16_GROUP_STEP_FLOPS if TRAIN_DTYPES[opt.train_dtype] else GROUP_STEP_FLOPS
    size = train_cfg["max_models"] or max(1, min(MAX_GROUP, int(budget // step_flops)))
    workers = train_cfg["threads"] or torch.get_num_threads()
    if device.type != "cpu":  # one device: big groups, one after another, in this process
        size, workers = train_cfg["max_models"] or GPU_MAX_GROUP, 1
    if not one.stacks:  # models run one after another: a group gains nothing
        size = train_cfg["max_models"] or 1

    work = len(seeds) * one.fit_flops(opt.epochs, idx.shape[1], benchmark.num_archs)
    starts = list(range(0, len(seeds), size))
    job = _GroupFits(
        backbone=backbone,
        arch=arch,
        enc=enc,
        num_archs=benchmark.num_archs,
        losses=[str(s) for s in losses],
        seeds=[int(s) for s in seeds],
        idx=idx,
        targets=targets,
        opt=opt,
        size=size,
        score_workers=workers if len(starts) == 1 else 1,  # a lone group scores on all
    )
    out = np.empty((len(seeds), benchmark.num_archs), dtype=np.float64)
    if device.type != "cpu":
        results = [_fit_group(job, lo) for lo in starts]
    else:
        results = workers_mod.run_tasks(
            _fit_group, job, starts, workers, est_seconds=work / CORE_FLOPS_PER_SECOND
        )
    for lo, pred in zip(starts, results):
        out[lo : lo + len(pred)] = pred
    return out


@dataclass(frozen=True)
class _GroupFits:
    """Everything the model groups of one call need; picklable, for worker processes."""

    backbone: str
    arch: dict[str, Any]
    enc: Any
    num_archs: int
    losses: list[str]
    seeds: list[int]
    idx: np.ndarray
    targets: np.ndarray
    opt: engine.Optim
    size: int
    score_workers: int


def _fit_group(job: _GroupFits, lo: int) -> np.ndarray:
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


def _fit_models(job: _GroupFits, jobs: list[int]) -> np.ndarray:
    """Train the jobs ``jobs`` (consecutive or not) as one stacked model; score the space."""
    group_seeds = [job.seeds[j] for j in jobs]
    device = job.enc.device
    model = build_predictor(job.backbone, job.enc, len(group_seeds), **job.arch)
    model.reset(group_seeds)
    model.to(device)
    groups = _loss_groups([parse_loss(job.losses[j]) for j in jobs], group_seeds, device)
    engine.train(
        model,
        torch.from_numpy(job.idx[jobs]).to(device),
        torch.from_numpy(job.targets[jobs]).to(device),
        groups,
        group_seeds,
        job.opt,
    )
    return engine.predict_all(model, job.num_archs, workers=job.score_workers).numpy()


def _check_jobs(
    benchmark: Benchmark, train_sets: Sequence, losses: Sequence, seeds: Sequence
) -> np.ndarray:
    """Validate the job lists; return the ``[M, n]`` int64 index matrix."""
    if isinstance(losses, str):
        raise TypeError("losses must be a list of loss specs (one per job), not a single string")
    lengths = {"train_sets": len(train_sets), "losses": len(losses), "seeds": len(seeds)}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            "train_sets, losses and seeds must have one entry per job; got lengths "
            + ", ".join(f"{k}={v}" for k, v in lengths.items())
        )
    if not lengths["seeds"]:
        raise ValueError("no jobs: train_sets, losses and seeds are empty")
    for s in seeds:
        check("seeds", s, PARAMS["seed"])
    sizes = {len(t) for t in train_sets}
    if len(sizes) != 1:
        raise ValueError(
            f"every training set of one call must have the same size (got sizes "
            f"{sorted(sizes)}); group jobs by train size"
        )
    n, n_archs = sizes.pop(), benchmark.num_archs
    if n < 2:
        raise ValueError(f"train size must be at least 2 (a ranking needs two), got {n}")
    if n > n_archs:
        raise ValueError(
            f"train size {n} is larger than benchmark {benchmark.name!r} ({n_archs} architectures)"
        )
    idx = np.asarray([np.asarray(t) for t in train_sets])
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"training indices must be integers, got dtype {idx.dtype}")
    if idx.min() < 0 or idx.max() >= n_archs:
        bad = int(idx[(idx < 0) | (idx >= n_archs)][0])
        raise ValueError(
            f"training index {bad} is outside benchmark {benchmark.name!r} (0..{n_archs - 1})"
        )
    return idx.astype(np.int64)


def _scaled_targets(truth: np.ndarray, idx: np.ndarray, signal: str, name: str) -> np.ndarray:
    """Min-max scale each job's training targets to [0, 1] (1 = best of its sample)."""
    y = truth[idx]
    nan = np.isnan(y)
    if nan.any():
        job = int(np.nonzero(nan.any(axis=1))[0][0])
        raise ValueError(
            f"benchmark {name!r} has NaN {signal} values at {int(nan[job].sum())} training "
            f"rows of job {job} (e.g. row {int(idx[job][nan[job]][0])}); sample only rows with "
            f"a measured {signal}"
        )
    lo, hi = y.min(axis=1, keepdims=True), y.max(axis=1, keepdims=True)
    flat = np.nonzero((hi - lo)[:, 0] <= 0)[0]
    if flat.size:
        raise ValueError(
            f"job {int(flat[0])}: every training architecture has the same {signal} value "
            f"({float(lo[flat[0], 0])}); nothing to rank, sample more architectures"
        )
    return ((y - lo) / (hi - lo)).astype(np.float32)


def _loss_groups(schedules: list, seeds: list[int], device: torch.device) -> list[engine.LossGroup]:
    """One `engine.LossGroup` per distinct schedule, with the rows that use it."""
    rows_of: dict[str, list[int]] = {}
    by_name = {}
    for row, sched in enumerate(schedules):
        rows_of.setdefault(sched.name, []).append(row)
        by_name[sched.name] = sched
    groups = []
    for name, rows in rows_of.items():
        sched = by_name[name]
        gen = None
        if getattr(sched, "uses_generator", False):
            state = np.random.SeedSequence([seeds[r] for r in rows]).generate_state(2)
            gen = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
        rows_t = None if len(rows) == len(schedules) else torch.tensor(rows, device=device)
        groups.append(engine.LossGroup(sched, rows_t, gen))
    return groups
