"""Shared pieces of the NDCG-family losses: gains, discounts, the cut-off k and the ideal DCG.

Targets are the engine's min-max scaled accuracies (1 = best of the sample). Gains turn them
into relevance: ``linear`` uses the target itself; ``exp`` uses ``(exp(gamma * y) - 1) /
(exp(gamma) - 1)``, which grows fast near the top so that the best architectures dominate the
DCG (``gamma = 0`` is linear in the limit). Positions are discounted by ``1 / log2(1 + r)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ._common import check_unit_range

GAINS = ("exp", "linear")


def gains(target: Tensor, gain: str, gamma: float, loss: str) -> Tensor:
    """``[..., B]`` gain of each architecture from its scaled target (see the module doc)."""
    check_unit_range(target, f"{loss}(gain={gain})", "pass min-max scaled targets")
    if gain == "linear" or gamma == 0:
        return target
    if gain == "exp":
        return torch.expm1(gamma * target) / math.expm1(gamma)
    raise ValueError(f"{loss}: gain={gain!r} is not valid; choose one of {GAINS}")


def discounts(b: int, like: Tensor) -> Tensor:
    """``[B]`` position discounts ``1 / log2(1 + r)`` for positions r = 1..B."""
    r = torch.arange(1, b + 1, dtype=like.dtype, device=like.device)
    return 1.0 / torch.log2(1.0 + r)


def cutoff(k: float, b: int) -> int:
    """The NDCG cut-off for a batch of ``b``: ``k`` architectures when ``k >= 1`` (an integer),
    ``ceil(k * b)`` when ``0 < k < 1`` (a fraction of the batch), the whole batch when
    ``k = 0``; always in 1..b."""
    if k == 0:
        return b
    n = math.ceil(k * b) if k < 1 else int(k)
    return max(1, min(b, n))


def ideal_dcg(gain: Tensor, k: int) -> Tensor:
    """``[...]`` DCG@k of the true order (gains sorted descending); at least a tiny positive."""
    top = gain.sort(dim=-1, descending=True).values[..., :k]
    return (top * discounts(gain.shape[-1], gain)[:k]).sum(-1).clamp(min=1e-12)


def check_k(k: float, loss: str) -> None:
    if not (k >= 0 and (k < 1 or float(k).is_integer())):
        raise ValueError(
            f"{loss}: k={k!r} must be 0 (no cut-off), a fraction of the batch in (0, 1) or a "
            "whole count >= 1"
        )
