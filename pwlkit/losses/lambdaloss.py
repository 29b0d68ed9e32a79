"""LambdaLoss (Wang et al., CIKM 2018), NDCG-Loss2++ scheme: pairwise logistic terms weighted
by how much swapping the pair would change NDCG@k."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from ._common import better_pairs, check_inputs
from ._ndcg import check_k, cutoff, discounts, gains, ideal_dcg


def lambdaloss(
    pred: Tensor,
    target: Tensor,
    *,
    k: float = 0.2,
    mu: float = 10.0,
    gain: str = "exp",
    gamma: float = 5.0,
) -> Tensor:
    """``-sum_{y_i > y_j} w_ij log2 sigmoid(p_i - p_j)`` with NDCG-Loss2++ weights.

    Positions ``r`` come from sorting the predictions (descending, no gradient), ``D(r) =
    log2(1 + r)``, gains ``G`` from the targets (`pwlkit.losses._ndcg.gains`) divided by the
    ideal DCG@k. For a truly ordered pair, ``w_ij = |G_i - G_j| * (rho_ij + mu * delta_ij)``
    with ``rho_ij = |1/D(r_i) - 1/D(r_j)|`` (LambdaRank's swap cost) and ``delta_ij =
    |1/D(|r_i - r_j|) - 1/D(|r_i - r_j| + 1)|`` (NDCG-Loss2's bound). Only pairs with at least
    one member predicted in the top ``k`` count (NDCG@k does not change otherwise). Weights are
    constants of the step; the gradient flows through the logistic terms. The emphasis on the
    top comes from the exponential gains and the cut-off: with linear gains and ``k = 0``
    swapping two mid-list architectures can cost more than swapping the two best.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` min-max scaled ground truth in [0, 1], 1 = best.
        k: the NDCG cut-off: a fraction of the batch in (0, 1), a whole count, or 0 for the
            whole batch (default 0.2).
        mu: weight of the NDCG-Loss2 term against the LambdaRank term (allRank's default 10).
        gain: ``"exp"`` (default) or ``"linear"`` gains from the targets.
        gamma: steepness of the exponential gain (default 5).

    Returns:
        ``[...]`` one loss per model (0 when the batch has no ordered pair in the top k).
    """
    target = check_inputs(pred, target, "lambdaloss")
    check_k(k, "lambdaloss")
    b = pred.shape[-1]
    top = cutoff(k, b)
    with torch.no_grad():
        g = gains(target.expand_as(pred), gain, gamma, "lambdaloss")
        g = g / ideal_dcg(g, top).unsqueeze(-1)
        order = pred.argsort(dim=-1, descending=True)
        rank = torch.empty_like(order)
        positions = torch.arange(1, b + 1, device=pred.device).expand_as(order)
        rank.scatter_(-1, order, positions)
        inv_d = discounts(b + 1, pred)  # 1 / D(r) for r = 1..B+1
        inv_d_at = inv_d[rank - 1]
        rho = (inv_d_at.unsqueeze(-1) - inv_d_at.unsqueeze(-2)).abs()
        gap = (rank.unsqueeze(-1) - rank.unsqueeze(-2)).abs().clamp(min=1)
        delta = (inv_d[gap - 1] - inv_d[gap]).abs()
        in_top = rank <= top
        counted = in_top.unsqueeze(-1) | in_top.unsqueeze(-2)
        weight = (g.unsqueeze(-1) - g.unsqueeze(-2)).abs() * (rho + mu * delta)
        weight = weight * better_pairs(target) * counted
    diff = pred.unsqueeze(-1) - pred.unsqueeze(-2)  # p_i - p_j
    return -(weight * F.logsigmoid(diff)).sum((-2, -1)) / math.log(2.0)
