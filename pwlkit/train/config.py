"""Training defaults per backbone, and the names of every setting `fit_predict` accepts.

Chosen on NB201 CIFAR-10 (N = 469, and 78 for the weight decay) for Kendall tau and top-K
metrics of several losses; the README section *Predictors and training* has the sweep.
"""

from __future__ import annotations

from typing import Any

from ..predictors import ARCH_PARAMS

TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "gcn": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
    "mlp": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
    "transformer": {"epochs": 300, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4},
}
"""Epochs, mini-batch size, Adam learning rate (cosine-decayed to ``lr * lr_min_ratio``) and
Adam L2 weight decay, per backbone."""

ENGINE_DEFAULTS: dict[str, Any] = {"lr_min_ratio": 0.0, "max_models": None, "threads": None}
"""``lr_min_ratio``: final learning rate as a fraction of ``lr``. ``max_models``: models trained
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

BACKBONES: tuple[str, ...] = ("gcn", "mlp", "transformer")
"""The predictor backbones `fit_predict` can train."""

HYPERPARAMETERS: tuple[str, ...] = tuple(
    sorted(
        {"batch_size", "lr", "weight_decay", *ENGINE_DEFAULTS}
        | {k for params in ARCH_PARAMS.values() for k in params}
    )
)
"""Every keyword `fit_predict` / `fit_predict_many` accept in ``**hparams`` (for some backbone)."""


def resolve(backbone: str, epochs: int | None, hparams: dict[str, Any]) -> tuple[dict, dict]:
    """Split user settings into (training settings, architecture settings), defaults filled.

    Raises:
        ValueError: unknown backbone (lists the valid ones), a setting the backbone does not
            take (lists the valid ones) or an out-of-range value.
    """
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}. Valid backbones: {', '.join(BACKBONES)}")
    train_keys = set(TRAIN_DEFAULTS[backbone]) - {"epochs"} | set(ENGINE_DEFAULTS)
    arch_keys = set(ARCH_PARAMS[backbone])
    unknown = sorted(set(hparams) - train_keys - arch_keys)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(map(repr, unknown))} for backbone {backbone!r}. "
            f"Valid: {', '.join(sorted(train_keys | arch_keys))}"
        )
    train = {**TRAIN_DEFAULTS[backbone], **ENGINE_DEFAULTS}
    train.update({k: v for k, v in hparams.items() if k in train_keys})
    if epochs is not None:
        train["epochs"] = epochs
    for key in ("epochs", "batch_size", "max_models"):
        value = train[key]
        if key == "max_models" and value is None:
            continue
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{key} must be a positive integer, got {value!r}")
        train[key] = int(value)
    threads = train["threads"]
    if threads is not None and (
        isinstance(threads, bool) or int(threads) != threads or threads < 1
    ):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    for key in ("lr", "weight_decay", "lr_min_ratio"):
        train[key] = float(train[key])
        if not train[key] >= 0:
            raise ValueError(f"{key} must be >= 0, got {train[key]!r}")
    if train["lr"] <= 0:
        raise ValueError(f"lr must be > 0, got {train['lr']!r}")
    arch = {k: v for k, v in hparams.items() if k in arch_keys}
    return train, arch
