"""LR: logistic pairwise ranking (ReNAS / BPR), ``log(1 + exp(-(p_i - p_j)))``."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ._common import better_pairs, check_inputs, mean_over_pairs, shortfall


def lr(pred: Tensor, target: Tensor) -> Tensor:
    """Mean over ordered pairs ``(i, j)`` with ``y_i > y_j`` of ``log(1 + exp(-(p_i - p_j)))``.

    Computed with ``softplus`` (stable for large score gaps). Ties form no pair; depends on the
    targets only through their order.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth.

    Returns:
        ``[...]`` one loss per model (0 when the batch has no ordered pair).
    """
    target = check_inputs(pred, target, "lr")
    return mean_over_pairs(F.softplus(shortfall(pred)), better_pairs(target))
