"""ListMLE: negative log-likelihood of the true order under a Plackett-Luce model of the scores."""

from __future__ import annotations

import torch
from torch import Tensor

from ._common import check_inputs, random_keys


def listmle(pred: Tensor, target: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
    """``sum_i [ log sum_{k >= i} exp(p_pi(k)) - p_pi(i) ]`` with ``pi`` sorting y descending.

    Equal targets are ordered at random (shuffle, then stable sort), so tied architectures get
    no systematic order. The tail sums use ``torch.logcumsumexp``, which subtracts the running
    max before ``exp``: finite for any score range. Summed (not averaged) over the list, as in
    allRank. Depends on the targets only through their order.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth.
        generator: source of the tie-breaking shuffle; pass a seeded ``torch.Generator`` for
            reproducible training (``None`` uses torch's global RNG).

    Returns:
        ``[...]`` one loss per model.
    """
    target = check_inputs(pred, target, "listmle").expand(pred.shape)
    shuffle = random_keys(pred, generator).argsort(dim=-1)
    order = target.gather(-1, shuffle).argsort(dim=-1, descending=True, stable=True)
    return listmle_ordered(pred.gather(-1, shuffle.gather(-1, order)))


def listmle_ordered(scores: Tensor) -> Tensor:
    """ListMLE of scores already in true order, best first (``[..., B] -> [...]``)."""
    tail = torch.logcumsumexp(scores.flip(-1), dim=-1).flip(-1)
    return (tail - scores).sum(-1)
