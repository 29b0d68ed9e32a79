"""WARP (Weston et al. 2011): pairwise hinge weighted by how many worse architectures outrank."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ._common import better_pairs, check_inputs, harmonic, shortfall, weight_source

WARP_WEIGHTS = ("accuracy", "rank", "none")


def warp(pred: Tensor, target: Tensor, *, margin: float = 1.0, weights: str = "accuracy") -> Tensor:
    """``mean_i w_i * L(r_i) / r_i * sum_{j in V_i} (margin - p_i + p_j)``.

    ``V_i`` are the violators of architecture ``i``: truly worse ones (``y_j < y_i``) scored
    within the margin of it or above (``p_j + margin > p_i``); ``r_i = |V_i|`` is counted
    exactly in the batch and ``L(k) = sum_{t<=k} 1/t``; a term with no violator is 0. The
    concave ``L`` makes the first violators of an architecture cost the most (per pair
    ``L(r)/r``), which is Weston's emphasis on the top of each ranked list. Across
    architectures that alone does not favour the best ones (swapping the two best costs no more
    than swapping the two worst), so ``w_i`` adds the emphasis on the top: the target itself
    (``"accuracy"``, the default, targets in [0, 1]), the normalised batch rank (``"rank"``,
    1 = best), or 1 for every architecture (``"none"``, Weston's original loss).

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth, 1 = best.
        margin: the hinge margin (Weston et al. use 1).
        weights: ``"accuracy"`` (default), ``"rank"`` or ``"none"``.

    Returns:
        ``[...]`` one loss per model.

    Raises:
        ValueError: ``weights="accuracy"`` with targets outside [0, 1]; unknown ``weights``.
    """
    target = check_inputs(pred, target, "warp")
    if weights not in WARP_WEIGHTS:
        raise ValueError(f"warp: weights={weights!r} is not valid; choose one of {WARP_WEIGHTS}")
    # violation[..., i, j] = max(0, margin - p_i + p_j) for truly worse j: > 0 exactly on V_i
    violation = F.relu(shortfall(pred, margin)) * better_pairs(target)
    count = (violation.detach() > 0).sum(-1)
    rank_weight = harmonic(count, pred.shape[-1]).to(pred.dtype) / count.clamp(min=1)
    per_arch = rank_weight * violation.sum(-1)
    if weights != "none":
        per_arch = per_arch * weight_source(target, weights, "warp")
    return per_arch.mean(-1)
