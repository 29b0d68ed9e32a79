"""Shared pieces of the losses: input checks, pair masks, top-emphasis weights, random keys.

Shapes: ``pred`` is ``[..., B]`` (leading dims = independent models, B = batch of
architectures); ``target`` is ``[..., B]`` or ``[B]`` (shared by every model). Every loss returns
``[...]``, one value per model.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

WEIGHT_SOURCES = ("accuracy", "rank")


def check_inputs(pred: Tensor, target: Tensor, loss: str) -> Tensor:
    """Validate shapes and NaN targets; return ``target`` on ``pred``'s device and dtype."""
    if not isinstance(pred, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{loss}: pred and target must be torch tensors")
    if pred.dim() == 0 or pred.shape[-1] == 0:
        raise ValueError(
            f"{loss}: pred must be [..., B] with B >= 1, got shape {tuple(pred.shape)}"
        )
    if target.shape != pred.shape and target.shape != pred.shape[-1:]:
        raise ValueError(
            f"{loss}: target shape {tuple(target.shape)} does not match pred shape "
            f"{tuple(pred.shape)}; pass target as [..., B] (same as pred) or [B] (shared)"
        )
    if not pred.is_floating_point():
        raise TypeError(f"{loss}: pred must be a floating-point tensor, got {pred.dtype}")
    target = target.to(device=pred.device, dtype=pred.dtype)
    if torch.isnan(target).any():
        raise ValueError(
            f"{loss}: target contains NaN ({int(torch.isnan(target).sum())} of "
            f"{target.numel()}); drop architectures without a ground-truth value first"
        )
    return target


def check_unit_range(target: Tensor, loss: str, fix: str) -> None:
    """Raise unless every target lies in [0, 1] (min-max scaled accuracy, 1 = best)."""
    lo, hi = float(target.min()), float(target.max())
    if lo < -1e-6 or hi > 1 + 1e-6:
        raise ValueError(
            f"{loss}: targets must be min-max scaled to [0, 1] (1 = best), got range "
            f"[{lo:.4g}, {hi:.4g}]; scale them or {fix}"
        )


def pairwise_diff(x: Tensor) -> Tensor:
    """``[..., B] -> [..., B, B]`` with ``out[..., i, j] = x_i - x_j``."""
    return x.unsqueeze(-1) - x.unsqueeze(-2)


def shortfall(pred: Tensor, margin: float = 0.0) -> Tensor:
    """``[..., B] -> [..., B, B]`` with ``out[..., i, j] = margin - (p_i - p_j)``.

    How far the pair (i above j) falls short of the margin; one broadcast pass over the pairs.
    """
    return (pred + margin).unsqueeze(-2) - pred.unsqueeze(-1)


def better_pairs(target: Tensor) -> Tensor:
    """Float 0/1 mask ``[..., B, B]``: 1 at ``[..., i, j]`` where i is truly better than j.

    Ties are not pairs: they carry no ordering information. A float mask (multiplied in)
    keeps the pair losses on vectorised kernels.
    """
    return (pairwise_diff(target) > 0).to(target.dtype)


def mean_over_pairs(values: Tensor, pairs: Tensor) -> Tensor:
    """Mean of ``values`` over the pairs marked 1 in ``pairs``, ``[..., B, B] -> [...]``.

    0 where a model's batch has no ordered pair.
    """
    return (values * pairs).sum((-2, -1)) / pairs.sum((-2, -1)).clamp(min=1)


def rank_score(target: Tensor) -> Tensor:
    """Normalised rank in [0, 1] of each target within its batch (1 = best, 0 = worst).

    ``(number strictly worse + half the number tied) / (B - 1)``: ties share the average rank.
    A batch of one scores 1.
    """
    b = target.shape[-1]
    if b == 1:
        return torch.ones_like(target)
    diff = pairwise_diff(target)
    worse = (diff > 0).sum(-1).to(target.dtype)
    tied = (diff == 0).sum(-1).to(target.dtype) - 1
    return (worse + 0.5 * tied) / (b - 1)


def weight_source(target: Tensor, weights: str, loss: str) -> Tensor:
    """The per-architecture score in [0, 1] (1 = best) that a weighted loss turns into weights.

    ``"accuracy"``: the target itself (the engine passes min-max scaled accuracy).
    ``"rank"``: the normalised rank of the target in the batch (`rank_score`).
    """
    if weights == "accuracy":
        check_unit_range(target, f"{loss}(weights=accuracy)", f"use {loss}(weights=rank)")
        return target
    if weights == "rank":
        return rank_score(target)
    raise ValueError(f"{loss}: weights={weights!r} is not valid; choose one of {WEIGHT_SOURCES}")


def random_keys(like: Tensor, generator: torch.Generator | None) -> Tensor:
    """Uniform [0, 1) keys shaped like ``like``, drawn from ``generator`` (global RNG if None).

    Drawn on the generator's device, then moved, so a CPU generator drives any device.
    """
    device = generator.device if generator is not None else like.device
    keys = torch.rand(like.shape, generator=generator, device=device, dtype=torch.float64)
    return keys.to(like.device)


def random_permutation(like: Tensor, generator: torch.Generator | None) -> Tensor:
    """Independent random permutations of the last dim, one per model: int64 ``[..., B]``."""
    return random_keys(like, generator).argsort(dim=-1)


def harmonic(k: Tensor, n: int) -> Tensor:
    """``L(k) = sum_{t=1..k} 1/t`` elementwise for integer counts ``0 <= k <= n``; ``L(0) = 0``."""
    steps = 1.0 / torch.arange(1, n + 1, dtype=torch.float64, device=k.device)
    table = torch.cat([steps.new_zeros(1), torch.cumsum(steps, 0)])
    return table[k.long()]


E_MINUS_1 = math.e - 1.0
