"""NeuralNDCG (Pobrotyn & Bialobrzeski 2021): NDCG@k of the NeuralSort relaxation of sorting."""

from __future__ import annotations

import torch
from torch import Tensor

from ._common import check_inputs
from ._ndcg import check_k, cutoff, discounts, gains, ideal_dcg


def neuralsort(pred: Tensor, temperature: float, sinkhorn_iters: int) -> Tensor:
    """``[..., B, B]`` relaxed permutation matrix: row ``r`` is a soft one-hot of the
    architecture at position ``r`` of the descending sort of ``pred`` (Grover et al. 2019),
    made doubly stochastic by ``sinkhorn_iters`` rounds of row and column normalisation."""
    b = pred.shape[-1]
    pairwise = (pred.unsqueeze(-1) - pred.unsqueeze(-2)).abs().sum(-1)  # A_s 1: [..., B]
    scale = b + 1 - 2 * torch.arange(1, b + 1, dtype=pred.dtype, device=pred.device)
    logits = (scale.unsqueeze(-1) * pred.unsqueeze(-2) - pairwise.unsqueeze(-2)) / temperature
    p = torch.softmax(logits, dim=-1)
    for _ in range(sinkhorn_iters):
        p = p / p.sum(-2, keepdim=True).clamp(min=1e-12)
        p = p / p.sum(-1, keepdim=True).clamp(min=1e-12)
    return p


def neuralndcg(
    pred: Tensor,
    target: Tensor,
    *,
    temperature: float = 0.1,
    k: float = 0.2,
    sinkhorn_iters: int = 20,
    gain: str = "exp",
    gamma: float = 5.0,
) -> Tensor:
    """``1 - sum_{r <= k} (P G)_r / log2(1 + r) / IDCG@k`` with ``P`` the NeuralSort matrix.

    ``(P G)_r`` is the expected gain at position ``r`` of the predicted order; as the
    temperature goes to 0 ``P`` becomes the sorting permutation and the loss is exactly
    ``1 - NDCG@k``.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` min-max scaled ground truth in [0, 1], 1 = best.
        temperature: NeuralSort's temperature (default 0.1, for scores on the target scale).
        k: the cut-off: a fraction of the batch in (0, 1), a whole count, or 0 for the whole
            batch (default 0.2).
        sinkhorn_iters: rounds of Sinkhorn scaling (default 20; 0 keeps the row softmax).
        gain: ``"exp"`` (default) or ``"linear"``.
        gamma: steepness of the exponential gain (default 5).

    Returns:
        ``[...]`` one loss per model.
    """
    target = check_inputs(pred, target, "neuralndcg")
    check_k(k, "neuralndcg")
    if not temperature > 0:
        raise ValueError(f"neuralndcg: temperature must be > 0, got {temperature!r}")
    b = pred.shape[-1]
    top = cutoff(k, b)
    g = gains(target.expand_as(pred), gain, gamma, "neuralndcg")
    p = neuralsort(pred, temperature, int(sinkhorn_iters))
    expected = (p @ g.unsqueeze(-1)).squeeze(-1)  # [..., B]: gain at each position
    dcg = (expected[..., :top] * discounts(b, pred)[:top]).sum(-1)
    return 1.0 - dcg / ideal_dcg(g, top)
