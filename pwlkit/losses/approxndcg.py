"""ApproxNDCG (Qin, Liu & Li 2010): NDCG@k of smooth ranks, one minus it as the loss."""

from __future__ import annotations

import torch
from torch import Tensor

from ._common import check_inputs
from ._ndcg import check_k, cutoff, gains, ideal_dcg


def approxndcg(
    pred: Tensor,
    target: Tensor,
    *,
    temperature: float = 0.1,
    k: float = 0,
    gain: str = "exp",
    gamma: float = 5.0,
) -> Tensor:
    """``1 - sum_i G_i h_i / log2(1 + r_i) / IDCG@k`` with smooth ranks.

    The smooth rank of ``i`` is ``r_i = 1 + sum_{j != i} sigmoid((p_j - p_i) / T)`` (Qin et al.'s
    approximation of the position, exact as ``T -> 0``). Without a cut-off (``k = 0``, the
    default) ``h_i = 1``; with one, ``h_i = sigmoid(k + 0.5 - r_i)`` approximates "``i`` is in
    the top ``k``" (one position wide). The cut-off starves training where predictions tie (at
    initialisation every smooth rank is mid-batch, so ``h`` and its gradient vanish): the top is
    emphasised by the exponential gains instead. Gains ``G`` from the targets as in
    `pwlkit.losses._ndcg.gains`; IDCG@k uses the true order.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` min-max scaled ground truth in [0, 1], 1 = best.
        temperature: ``T`` of the sigmoids; smaller is closer to true ranks but gives fewer
            pairs a gradient (default 0.1, for scores on the scale of the targets).
        k: the cut-off: 0 for none (default), a fraction of the batch in (0, 1) or a count.
        gain: ``"exp"`` (default) or ``"linear"``.
        gamma: steepness of the exponential gain (default 5).

    Returns:
        ``[...]`` one loss per model, in [0, 1) up to the smoothing.
    """
    target = check_inputs(pred, target, "approxndcg")
    check_k(k, "approxndcg")
    if not temperature > 0:
        raise ValueError(f"approxndcg: temperature must be > 0, got {temperature!r}")
    top = cutoff(k, pred.shape[-1])
    g = gains(target.expand_as(pred), gain, gamma, "approxndcg")
    above = torch.sigmoid((pred.unsqueeze(-2) - pred.unsqueeze(-1)) / temperature)  # [.., i, j]
    rank = 0.5 + above.sum(-1)  # the j = i term is sigmoid(0) = 0.5
    dcg = g / torch.log2(1.0 + rank)
    if k:
        dcg = dcg * torch.sigmoid(top + 0.5 - rank)
    dcg = dcg.sum(-1)
    return 1.0 - dcg / ideal_dcg(g, top)
