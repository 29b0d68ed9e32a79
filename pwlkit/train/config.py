"""Training defaults per backbone, and the names of every setting `fit_predict` accepts.

Chosen on NB201 CIFAR-10 (N = 469, and 78 for the weight decay) for Kendall tau and top-K
metrics of several losses; the README section *Predictors and training* has the sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ..checks import (
    POSITIVE,
    BadParameter,
    Interval,
    Options,
    Text,
    check,
    check_names,
    check_params,
)
from ..predictors import ARCH_PARAMS
from .device import resolve_device
from .execution import EXECUTION_KEYS

PRETEXTS: tuple[str, ...] = ("none", "masked", "flow", "masked+flow")
"""Values of the ``pretrain`` setting (`pwlkit.train.pretrain`; ``none``: no pretraining)."""

PRUNES: tuple[str, ...] = ("none", "dead")
"""Values of the ``prune`` setting: ``dead`` writes every operation no live input-to-output
path runs through as the blocking one (`pwlkit.benchmarks.live.prune_dead`) before the fit,
so cells that are one network share one encoding; ``none`` reads the cells as stored."""

PRETRAINABLE: tuple[str, ...] = ("gcn", "transformer", "gin")
"""Backbones pretraining can read the node states of (``node_states``)."""

TRAIN_DTYPES: dict[str, Any] = {"float32": None, "bfloat16": torch.bfloat16}
"""The ``train_dtype`` setting: the autocast dtype of the training forward (None: no autocast).

With ``bfloat16`` the forward's products run in bfloat16 (their backward follows), while the
weights, Adam's moments, the loss and whole-space scoring stay float32: 1.5x the speed of a
float32 GCN fit on a CPU with AMX, at the same tau within seed noise (docs: Performance)."""

TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "gcn": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
    "gin": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
    "mlp": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
    "transformer": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
}
"""Epochs, mini-batch size, Adam learning rate (cosine-decayed to ``lr * lr_min_ratio``) and
Adam L2 weight decay, per backbone."""

ENGINE_DEFAULTS: dict[str, Any] = {
    "lr_min_ratio": 0.0,
    "max_models": None,
    "threads": None,
    "device": "cpu",
    "train_dtype": "float32",
    "pretrain": "none",
    "prune": "none",
}
"""``prune``: ``dead`` prunes the dead operations of every cell before the fit and its
pretraining (`PRUNES`; ``none``, the default, reads the cells as stored).
``pretrain``: a self-supervised pretext the backbone is pretrained on over the unlabeled
cells of the space before fine-tuning (`pwlkit.train.pretrain.PRETEXTS`: ``none``, the
paper's protocol and the default, ``masked``, ``flow``, ``masked+flow``).
``train_dtype``: the dtype of training's forward products, ``float32`` (default) or
``bfloat16`` (autocast: weights, Adam, the loss and scoring stay float32; see
`TRAIN_DTYPES`). ``device``: where models train and score, ``cpu`` (default), ``cuda``, ``cuda:N`` or
``auto`` (see `pwlkit.train.device`). ``lr_min_ratio``: final learning rate as a fraction of ``lr``. ``max_models``: models trained
together in one batched group (more are trained group after group); ``None`` picks as many as
keep one training step under `GROUP_STEP_FLOPS`, at most 64 (GCN and Transformer at batch
128: pairs; MLP: eights).
``threads``: workers (``None``: torch's thread count). Model groups train in parallel,
one worker each, every worker single-threaded (fresh worker processes for long calls, threads for
short ones; see `pwlkit.train.workers`): a lone model trains on one thread, and a whole
space is scored in parallel chunks. Parallel over groups rather than inside each operation:
NB201-sized operations gain little from a second intra-op thread on an idle machine, and on a
busy one every intra-op parallel region waits for a descheduled thread (measured here: a
single fit took 9 s on 1 thread, 80 s on 2 intra-op threads while other processes ran)."""

GROUP_STEP_FLOPS = 1e9
"""Training FLOPs per step of one model group: models are stacked until a step would exceed it.
Stacking amortises the per-step Python and optimizer overhead when each model's step is small;
past about 256-1024 cells x GCN 144 per step the gain stops (activations leave the cache).
Measured on one thread, NB201, batch 128, 8 losses, seconds per model (alternating runs in
one process): GCN 144 x 4, 150 epochs: 2.71 alone, 2.54 in pairs (the default), 2.63 in
fours, 2.80 in eights; Transformer, 50 epochs: 1.96 alone, 1.81 in pairs; MLP, 100 epochs:
0.59 in fours, 0.56 in eights (the default). An earlier measurement at batch 32 (ms per
model-step): 1.6 alone, 1.0 in groups of 4, 8 or 16."""

CORE_FLOPS_PER_SECOND = 9e10
"""Model FLOPs one core trains per second (GCN 144 x 4 here: about 90 GFLOP/s); only used to
estimate whether a call is long enough to be worth worker processes (`pwlkit.train.workers`)."""

MAX_GROUP = 64
"""Upper bound on the automatic group size (memory of the stacked activations)."""

BACKBONES: tuple[str, ...] = ("gcn", "gin", "mlp", "transformer")
"""The predictor backbones `fit_predict` can train."""

HYPERPARAMETERS: tuple[str, ...] = tuple(
    sorted(
        {"batch_size", "lr", "weight_decay", *ENGINE_DEFAULTS}
        | {k for params in ARCH_PARAMS.values() for k in params}
    )
)
"""Every keyword `fit_predict` / `fit_predict_many` accept in ``**hparams`` (for some backbone)."""

LATER_SETTINGS: dict[str, Any] = {"train_dtype": "float32", "pretrain": "none", "prune": "none"}
"""Settings added after the first stores were written, with the value every earlier cell was
computed with: at that value they are left out of stored cell ids, so those stores stay valid;
any other value makes new cells."""


def identity_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that identify a fit's result: without how it runs
    (`pwlkit.train.execution.EXECUTION_KEYS`) and without later settings at the value earlier
    results were computed with (`LATER_SETTINGS`). Cell ids and search checkpoints use it."""
    return {
        k: v
        for k, v in settings.items()
        if k not in EXECUTION_KEYS and not (k in LATER_SETTINGS and v == LATER_SETTINGS[k])
    }


BF16_GROUP_STEP_FLOPS = 3.5e9
"""`GROUP_STEP_FLOPS` for ``train_dtype="bfloat16"``: bfloat16 products are several times faster
(AMX on this Xeon), so the fixed per-step cost weighs more and wider groups pay. Measured on one
thread, GCN 144 x 4, HR, batch 128, 20 epochs, model GFLOP/s (float32-counted) with 2 / 4 / 8 /
16 models per group: N = 78 85 / 122 / 142 / 113; N = 469 101 / 130 / 148 / 139; N = 1,563
111 / 138 / 146 / 152 (float32 pairs: about 95). At batch 128 this gives eights."""


SETTINGS: dict[str, Any] = {
    "epochs": POSITIVE,
    "batch_size": POSITIVE,
    "lr": Interval(float, 0, None, closed="neither"),
    "weight_decay": Interval(float, 0, None),
    "lr_min_ratio": Interval(float, 0, 1),
    "max_models": [POSITIVE, None],
    "threads": [POSITIVE, None],
    "device": [Text(), None],
    "train_dtype": Options(tuple(TRAIN_DTYPES), what="train_dtype"),
    "pretrain": Options(PRETEXTS, what="pretrain"),
    "prune": Options(PRUNES, what="prune mode"),
    **{k: POSITIVE for params in ARCH_PARAMS.values() for k in params},
    "pool": Options(("sum", "mean"), what="pool"),
}
"""What each training, engine and backbone setting accepts (`pwlkit.checks` constraints)."""


def resolve(
    backbone: str,
    epochs: int | None,
    hparams: dict[str, Any],
    *,
    names: Callable[[str], str] = str,
    where: str = "",
) -> tuple[dict, dict]:
    """Split user settings into (training settings, architecture settings), defaults filled.

    ``names(key)`` is how the user typed the setting ``key`` (``"--set lr"`` on the command
    line, ``"--epochs"`` for ``epochs``, ``"--backbone"`` for ``backbone``) and ``where`` how
    they typed the settings as a whole (``"--set"``); errors use them.

    Raises:
        BadParameter: unknown backbone or a setting the backbone does not take (both list the
            valid ones, with the closest), or a value out of range (`SETTINGS`).
    """
    check(names("backbone"), backbone, Options(BACKBONES, what="backbone"))
    train_keys = set(TRAIN_DEFAULTS[backbone]) - {"epochs"} | set(ENGINE_DEFAULTS)
    arch_keys = set(ARCH_PARAMS[backbone])
    check_names(
        hparams,
        train_keys | arch_keys,
        what="setting",
        where=where,
        context=f" for backbone {backbone!r}",
    )
    given = {**hparams, **({"epochs": epochs} if epochs is not None else {})}
    given = check_params(given, SETTINGS, names=names)
    arch = {**ARCH_PARAMS[backbone], **{k: v for k, v in given.items() if k in arch_keys}}
    if backbone == "transformer" and arch["dim"] % arch["heads"]:
        raise BadParameter(
            f"{names('heads')} must divide {names('dim')}, got heads={arch['heads']}, "
            f"dim={arch['dim']}"
        )
    train = {**TRAIN_DEFAULTS[backbone], **ENGINE_DEFAULTS}
    train.update({k: v for k, v in given.items() if k not in arch_keys})
    for key in ("lr", "weight_decay", "lr_min_ratio"):
        train[key] = float(train[key])
    train["device"] = str(resolve_device(train["device"], names("device")))
    if train["pretrain"] != "none" and backbone not in PRETRAINABLE:
        raise BadParameter(
            f"{names('pretrain')}={train['pretrain']!r} needs a backbone whose node states "
            f"pretraining reads ({', '.join(PRETRAINABLE)}); got {names('backbone')} "
            f"{backbone!r}"
        )
    return train, {k: v for k, v in given.items() if k in arch_keys}
