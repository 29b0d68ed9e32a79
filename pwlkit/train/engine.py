"""The training loop: many predictors trained together on stacked weights, then scored.

One step runs every model on its own mini-batch with batched matrix products, sums the
per-model losses (their gradients stay independent) and takes one fused Adam step for all.
Shuffles come from each model's own seed, so a model trains the same whether it runs alone or
in a group (up to floating-point summation order).

Every thread that trains or scores flushes denormal floats to zero first (`flush_denormals`):
late in a long fit some Adam moments and activations decay into the denormal range, which
Intel CPUs handle in slow microcode (a GCN fit on NB201 with N = 1,563 and 300 epochs took
285 s instead of 14 s on one thread of a Xeon).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch.optim.adam import adam as adam_update

from ..predictors.layers import BatchedModule
from . import at_switch
from .config import TRAIN_DTYPES
from .workers import run_single_threaded

LossFn = Callable[..., torch.Tensor]


class TrainingDiverged(FloatingPointError):
    """A predictor's loss or scores stopped being finite: the optimisation diverged (most
    often a learning rate or weight decay far too large), not a fault of the architectures."""


def diverged_message(where: str, opt: Optim) -> str:
    """One line naming the settings that most likely made a fit diverge, with their values."""
    from .config import TRAIN_DEFAULTS

    default = TRAIN_DEFAULTS["gcn"]
    suspects = [f"lr={opt.lr:g} (default {default['lr']:g})"]
    if opt.weight_decay > 10 * default["weight_decay"]:
        suspects.append(f"weight_decay={opt.weight_decay:g} (default {default['weight_decay']:g})")
    return (
        f"training diverged: {where} is not finite; lower the setting that most likely caused "
        f"it: {' or '.join(suspects)}"
    )


def check_finite_weights(model: torch.nn.Module, opt: Optim) -> None:
    """Raise `TrainingDiverged` when a trained model holds a non-finite weight (it must not be
    kept or saved)."""
    for name, param in model.named_parameters():
        if not bool(torch.isfinite(param).all()):
            raise TrainingDiverged(diverged_message(f"the trained weight {name!r}", opt))


def check_finite_scores(scores: np.ndarray, opt: Optim) -> None:
    """Raise `TrainingDiverged` when a trained model's scores are not all finite."""
    bad = ~np.isfinite(np.asarray(scores)).all(axis=-1)
    if bad.any():
        rows = np.nonzero(np.atleast_1d(bad))[0]
        raise TrainingDiverged(diverged_message(f"the scores of model {int(rows[0])}", opt))


def flush_denormals() -> None:
    """Treat denormal floats as zero in the calling thread (a no-op where the CPU cannot).

    The mode belongs to the thread, so each training and scoring thread sets it itself; it
    stays set in that thread afterwards.
    """
    torch.set_flush_denormal(True)


@dataclass(frozen=True)
class LossGroup:
    """One loss schedule and the models (rows) it trains; ``rows=None`` means every model.

    ``generator`` feeds the schedule's random draws (tie shuffles, random pairings) when it has
    any; seeded from the group's model seeds so a fit repeats exactly.
    """

    schedule: LossFn
    rows: torch.Tensor | None
    generator: torch.Generator | None = None


@dataclass(frozen=True)
class Optim:
    """Optimisation settings of one training run (see `pwlkit.train.config` for defaults)."""

    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    lr_min_ratio: float = 0.0
    train_dtype: str = "float32"

    @classmethod
    def from_settings(cls, settings: dict) -> Optim:
        """The optimisation part of resolved training settings (`pwlkit.train.config.resolve`)."""
        return cls(**{k: settings[k] for k in cls.__dataclass_fields__})


def batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Split ``n`` samples into ``ceil(n / batch_size)`` mini-batches of near-equal size.

    Equal sizes keep pairwise and listwise losses comparable across the batches of an epoch
    (no stray batch of 5 after eight of 58).
    """
    n_batches = max(1, math.ceil(n / batch_size))
    edges = np.linspace(0, n, n_batches + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def cosine_lr(step: int, total: int, lr: float, min_ratio: float) -> float:
    """Cosine decay from ``lr`` at step 0 to ``lr * min_ratio`` at the last step."""
    frac = step / max(1, total - 1)
    return lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * frac)))


class FusedAdam:
    """Adam (L2 weight decay, PyTorch defaults otherwise) as one fused kernel call per step.

    The same update as ``torch.optim.Adam(fused=True)``, bit for bit (tested), without the
    optimizer's per-step bookkeeping (hooks, state look-ups, ``.grad`` zeroing), which cost
    about 0.2 ms of a 4 ms GCN step: gradients come from `torch.autograd.grad` straight into
    the kernel.
    """

    def __init__(self, params: list[torch.Tensor], weight_decay: float) -> None:
        self.params, self.weight_decay = params, weight_decay
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in params]

    def reset(self) -> None:
        """Zero the moments and step counts, as at construction."""
        for state in (*self.exp_avgs, *self.exp_avg_sqs, *self.steps):
            state.zero_()

    def step(self, loss: torch.Tensor, lr: float) -> None:
        self.apply(list(torch.autograd.grad(loss, self.params)), lr)

    def apply(self, grads: list[torch.Tensor], lr: float) -> None:
        """One Adam update of every parameter from its gradient (what `step` ends with)."""
        with torch.no_grad():
            adam_update(
                self.params,
                grads,
                self.exp_avgs,
                self.exp_avg_sqs,
                [],
                self.steps,
                fused=True,
                amsgrad=False,
                beta1=0.9,
                beta2=0.999,
                lr=lr,
                weight_decay=self.weight_decay,
                eps=1e-8,
                maximize=False,
            )


def train(
    model: BatchedModule,
    train_idx: torch.Tensor,
    targets: torch.Tensor,
    losses: Sequence[LossGroup],
    seeds: Sequence[int],
    opt: Optim,
    on_epoch: Callable[[int], bool] | None = None,
) -> None:
    """Train every model of ``model`` in place.

    Args:
        model: ``n_models`` predictors, already initialised.
        train_idx: ``[M, n]`` int64 architecture indices of each model's training set.
        targets: ``[M, n]`` float32 training targets (already scaled to [0, 1]).
        losses: the schedules and the rows they apply to.
        seeds: one int per model; seeds the model's epoch shuffles.
        opt: epochs, batch size, learning rate, weight decay.
        on_epoch: called with the epoch number after each epoch (the learning-rate schedule
            is that of the whole run); returning True stops training there.

    Switch options of the schedules (``hr->mape@0.5(refit,restart)``) act at the switch
    epoch (`pwlkit.train.at_switch`); every group must agree on ``restart`` and
    ``reset_adam`` (ValueError otherwise).
    """
    flush_denormals()
    m_models, n = train_idx.shape
    everyone = list(range(m_models))
    events = at_switch.plan(
        [(lg.schedule, everyone if lg.rows is None else lg.rows.tolist()) for lg in losses],
        opt.epochs,
    )
    if events.refits:
        at_switch.check_refit(model)
    rngs = [np.random.default_rng([int(s), 0xB47C4]) for s in seeds]
    bounds = batch_bounds(n, opt.batch_size)
    total = opt.epochs * len(bounds)
    adam = FusedAdam(list(model.parameters()), opt.weight_decay)
    autocast = TRAIN_DTYPES[opt.train_dtype]
    device_type = train_idx.device.type
    model.train()
    step = lr_from = 0
    for epoch in range(opt.epochs):
        if epoch == events.restart:
            lr_from = step
        if epoch == events.reset_adam:
            adam.reset()
        for rows in events.refits.get(epoch, ()):
            at_switch.refit_output(model, rows, train_idx, targets)
        order = torch.from_numpy(np.stack([rng.permutation(n) for rng in rngs]))
        order = order.to(train_idx.device)
        arch_e = train_idx.gather(1, order)
        tgt_e = targets.gather(1, order)
        progress = epoch / opt.epochs
        for lo, hi in bounds:
            if autocast is None:
                pred = model(arch_e[:, lo:hi])
            else:
                with torch.autocast(device_type, dtype=autocast):
                    pred = model(arch_e[:, lo:hi]).float()
            tgt = tgt_e[:, lo:hi]
            loss = None
            for lg in losses:
                p, t = pred, tgt
                if lg.rows is not None:
                    p, t = pred.index_select(0, lg.rows), tgt.index_select(0, lg.rows)
                if lg.generator is None:
                    part = lg.schedule(p, t, progress=progress, n_train=n)
                else:
                    part = lg.schedule(p, t, progress=progress, n_train=n, generator=lg.generator)
                part = part.sum()
                loss = part if loss is None else loss + part
            adam.step(loss, cosine_lr(step - lr_from, total - lr_from, opt.lr, opt.lr_min_ratio))
            step += 1
        if not bool(torch.isfinite(loss.detach())):
            raise TrainingDiverged(diverged_message(f"the loss at epoch {epoch + 1}", opt))
        if on_epoch is not None and on_epoch(epoch):
            break


def predict_all(
    model: BatchedModule, num_archs: int, chunk_archs: int = 512, workers: int = 1
) -> torch.Tensor:
    """``[M, num_archs]`` scores of every architecture by every model.

    Scored ``chunk_archs / M`` architectures at a time (at least 32), so a chunk's activations
    stay in cache (a whole-space pass at once was 3-4x slower, memory-bound); chunks are shared
    out to ``workers`` single-threaded workers. On a GPU the model scores large chunks in one
    stream and the scores come back to the CPU.
    """
    model.eval()
    device = next(model.parameters()).device
    if device.type != "cpu":
        chunk_archs, workers = max(chunk_archs, 1 << 16), 1
    chunk = max(32, chunk_archs // max(1, model.n_models))
    out = torch.empty(model.n_models, num_archs)
    bounds = [(lo, min(num_archs, lo + chunk)) for lo in range(0, num_archs, chunk)]
    per_worker = [bounds[w::workers] for w in range(workers)] if workers > 1 else [bounds]

    def score(parts: list[tuple[int, int]]) -> None:
        flush_denormals()
        with torch.inference_mode():
            for lo, hi in parts:
                rows = torch.arange(lo, hi, device=device).expand(model.n_models, hi - lo)
                out[:, lo:hi] = model(rows).cpu()

    run_single_threaded([partial(score, p) for p in per_worker if p], workers)
    return out
