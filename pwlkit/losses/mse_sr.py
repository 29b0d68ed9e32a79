"""MSE+SR (NAR-Former): MSE plus an L1 penalty on score differences under a random pairing."""

from __future__ import annotations

import torch
from torch import Tensor

from ._common import check_inputs, random_permutation


def mse_sr(
    pred: Tensor,
    target: Tensor,
    *,
    lam: float = 0.1,
    generator: torch.Generator | None = None,
) -> Tensor:
    """``mean (p - y)^2 + lam * mean |(p - p[perm]) - (y - y[perm])|``.

    ``perm`` is a random permutation of the batch, drawn independently for every model, so
    each architecture is compared with a random partner (the "sequence ranking" term).

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth.
        lam: weight of the difference term (NAR-Former uses 0.1).
        generator: source of the permutations; pass a seeded ``torch.Generator`` for
            reproducible training (``None`` uses torch's global RNG).

    Returns:
        ``[...]`` one loss per model.
    """
    target = check_inputs(pred, target, "mse+sr").expand(pred.shape)
    perm = random_permutation(pred, generator)
    return mse_sr_with_perm(pred, target, perm, lam=lam)


def mse_sr_with_perm(pred: Tensor, target: Tensor, perm: Tensor, *, lam: float = 0.1) -> Tensor:
    """`mse_sr` for a given permutation ``perm`` (int ``[..., B]``); inputs trusted."""
    dp = pred - pred.gather(-1, perm)
    dy = target - target.gather(-1, perm)
    return (pred - target).square().mean(-1) + lam * (dp - dy).abs().mean(-1)
