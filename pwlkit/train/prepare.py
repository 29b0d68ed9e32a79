"""The one preparation step of every fit: checked jobs, scaled targets, settings, loss groups.

Every way pwlkit trains — `fit_predict_many` on a table, `fit_models` for the estimator,
`fit_module` for your own module, the ``@auto`` switch probe and the ``auto`` folds, studies
and searches through those — calls `prepare` and trains what it returns with
`pwlkit.train.engine.train`, so a new predictor idea changes one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..benchmarks.base import Benchmark
from ..benchmarks.live import prune_dead
from ..checks import SEED, check
from ..losses import Schedule, Spec, parse_loss
from ..predictors import ARCH_PARAMS, Encoding, build_predictor, encode
from ..predictors.layers import BatchedModule
from . import engine
from .config import resolve
from .execution import Execution, split_execution
from .pretrain import PRETRAIN_POOL, load_encoder, pretrained_states


@dataclass(frozen=True)
class Prepared:
    """Everything one engine call trains from: ``M`` jobs on rows of ``benchmark``.

    ``idx`` and ``targets`` are ``[M, n]`` (targets min-max scaled per job, 1 = best of its
    sample); ``schedules`` and ``seeds`` have one entry per job; ``arch`` holds the backbone
    settings the user gave (`full_arch` adds the defaults).
    """

    benchmark: Benchmark
    backbone: str
    arch: dict[str, Any]
    opt: engine.Optim
    execution: Execution
    idx: np.ndarray
    targets: np.ndarray
    schedules: tuple[Schedule, ...]
    seeds: tuple[int, ...]
    signal: str
    max_models: int | None = None
    pretrain: str = "none"
    pretrain_on: Benchmark | None = None
    """The cells pretraining reads (the whole space; `benchmark` itself when None)."""
    prune: str = "none"
    """The ``prune`` setting; with ``dead``, `benchmark` and `pretrain_on` are pruned."""

    @property
    def device(self) -> torch.device:
        return self.execution.torch_device

    @property
    def full_arch(self) -> dict[str, Any]:
        return {**ARCH_PARAMS[self.backbone], **self.arch}

    def encoding(self) -> Encoding:
        """The benchmark's encoding on the fit's device (computed once per benchmark)."""
        return encode(self.benchmark).to(self.device)

    def model(self, rows: Sequence[int] | None = None) -> BatchedModule:
        """A fresh batched model of jobs ``rows`` (all when None), each initialised from its
        own seed, on the fit's device."""
        rows = list(range(len(self.seeds))) if rows is None else list(rows)
        model = build_predictor(self.backbone, self.encoding(), len(rows), **self.arch)
        model.reset([self.seeds[r] for r in rows])
        model.to(self.device)
        states = self.pretrained([self.seeds[r] for r in rows])
        if states:
            load_encoder(model, states)
        return model

    def pretrained(self, seeds: Sequence[int]) -> list[dict[str, torch.Tensor]]:
        """The pretrained weights of each seed ([] without pretraining), from the cache or
        computed once (`pwlkit.train.pretrain.pretrained_states`)."""
        if self.pretrain == "none":
            return []
        pool = [int(s) % PRETRAIN_POOL for s in seeds]
        found = pretrained_states(
            self.pretrain_on or self.benchmark,
            self.backbone,
            self.arch,
            self.pretrain,
            pool,
            self.device,
        )
        return [found[s] for s in pool]

    def train(
        self,
        model: BatchedModule,
        rows: Sequence[int] | None = None,
        on_epoch: Callable[[int], bool] | None = None,
    ) -> None:
        """Train ``model`` (holding jobs ``rows``, all when None) with `engine.train`."""
        rows = list(range(len(self.seeds))) if rows is None else list(rows)
        seeds = [self.seeds[r] for r in rows]
        engine.train(
            model,
            torch.from_numpy(self.idx[rows]).to(self.device),
            torch.from_numpy(self.targets[rows]).to(self.device),
            loss_groups([self.schedules[r] for r in rows], seeds, self.device),
            seeds,
            self.opt,
            on_epoch=on_epoch,
        )


def prepare(
    benchmark: Benchmark,
    train_sets: Sequence[Sequence[int] | np.ndarray],
    schedules: Sequence[str | Schedule | Spec],
    seeds: Sequence[int],
    *,
    backbone: str = "gcn",
    epochs: int | None = None,
    signal: str = "val",
    settings: dict[str, Any] | None = None,
    execution: Execution | None = None,
    pretrain_on: Benchmark | None = None,
) -> Prepared:
    """Check a call's jobs and settings and compute what training needs, before any fit.

    ``settings`` are the training and backbone settings (`pwlkit.train.config.SETTINGS`);
    ``device`` / ``threads`` among them are taken out as the `Execution` when ``execution``
    is not given. ``pretrain_on``: the unlabeled cells a ``pretrain`` setting pretrains on
    (the whole space when ``benchmark`` holds only some of its rows; ``benchmark`` itself by
    default). With ``prune="dead"`` both are read with their dead operations pruned
    (`pwlkit.benchmarks.live.prune_dead`): the models see, score and pretrain on the pruned
    cells, while rows and targets stay those of ``benchmark``.

    Raises:
        BadParameter: unknown backbone, settings or signal, values out of range, bad seeds.
        ValueError: mismatched list lengths, bad indices or train sizes, NaN or constant
            targets, unknown losses.
    """
    settings, split = split_execution(settings or {})
    execution = execution or split
    train_cfg, arch = resolve(backbone, epochs, settings)
    idx = check_jobs(benchmark, train_sets, schedules, seeds)
    parsed = tuple(_schedule(s) for s in schedules)
    targets = scaled_targets(benchmark.values(signal), idx, signal, benchmark.name)
    if train_cfg["prune"] == "dead":
        benchmark = prune_dead(benchmark)
        pretrain_on = prune_dead(pretrain_on) if pretrain_on is not None else None
    return Prepared(
        benchmark=benchmark,
        backbone=backbone,
        arch=arch,
        opt=engine.Optim.from_settings(train_cfg),
        execution=execution,
        idx=idx,
        targets=targets,
        schedules=parsed,
        seeds=tuple(int(s) for s in seeds),
        signal=signal,
        max_models=train_cfg["max_models"],
        pretrain=train_cfg["pretrain"],
        pretrain_on=pretrain_on,
        prune=train_cfg["prune"],
    )


def _schedule(spec: str | Schedule | Spec) -> Schedule:
    if isinstance(spec, Spec):
        if spec.schedule is None:
            raise ValueError(
                f"loss {spec.name!r} chooses its loss from the sample: resolve it first "
                "(pwlkit.train.selection.choose_losses), or call fit_predict_many"
            )
        return spec.schedule
    return parse_loss(spec)


def check_jobs(
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
        check("seeds", s, SEED)
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


def scaled_targets(truth: np.ndarray, idx: np.ndarray, signal: str, name: str) -> np.ndarray:
    """Min-max scale each job's training targets to [0, 1] (1 = best of its sample)."""
    y = np.asarray(truth, dtype=np.float64)[idx]
    bad = ~np.isfinite(y)
    if bad.any():
        job = int(np.nonzero(bad.any(axis=1))[0][0])
        what = "NaN" if np.isnan(y[job][bad[job]]).any() else "infinite"
        raise ValueError(
            f"benchmark {name!r} has {what} {signal} values at {int(bad[job].sum())} training "
            f"rows of job {job} (e.g. row {int(idx[job][bad[job]][0])}); sample only rows with "
            f"a measured, finite {signal}"
        )
    lo, hi = y.min(axis=1, keepdims=True), y.max(axis=1, keepdims=True)
    flat = np.nonzero((hi - lo)[:, 0] <= 0)[0]
    if flat.size:
        raise ValueError(
            f"job {int(flat[0])}: every training architecture has the same {signal} value "
            f"({float(lo[flat[0], 0])}); nothing to rank, sample more architectures"
        )
    return ((y - lo) / (hi - lo)).astype(np.float32)


def loss_groups(
    schedules: Sequence[Schedule], seeds: Sequence[int], device: torch.device
) -> list[engine.LossGroup]:
    """One `engine.LossGroup` per distinct schedule, with the rows that use it.

    A schedule that draws random numbers (mse+sr's pairings, listmle's tie shuffles) gets one
    generator for its rows, seeded from their seeds together.
    """
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
