"""HR: hinge pairwise ranking (GATES), ``max(0, m - (p_i - p_j))`` over truly ordered pairs."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ._common import better_pairs, check_inputs, mean_over_pairs, shortfall


def hr(pred: Tensor, target: Tensor, *, margin: float = 0.1) -> Tensor:
    """Mean over ordered pairs ``(i, j)`` with ``y_i > y_j`` of ``max(0, margin - (p_i - p_j))``.

    Ties in the target form no pair. Depends on the targets only through their order.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth.
        margin: how far apart the scores of an ordered pair must be before the pair costs
            nothing (GATES uses 0.1).

    Returns:
        ``[...]`` one loss per model (0 when the batch has no ordered pair).
    """
    target = check_inputs(pred, target, "hr")
    return mean_over_pairs(F.relu(shortfall(pred, margin)), better_pairs(target))
