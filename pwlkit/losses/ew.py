"""EW: squared error weighted exponentially towards the best architectures."""

from __future__ import annotations

from torch import Tensor

from ._common import E_MINUS_1, check_inputs, weight_source


def ew(pred: Tensor, target: Tensor, *, weights: str = "accuracy") -> Tensor:
    """``mean_i w_i (p_i - y_i)^2`` with ``w_i = (exp(s_i) - 1) / (e - 1)``.

    ``s_i`` in [0, 1] is the target itself (``weights="accuracy"``, needs targets min-max scaled
    to [0, 1]) or its normalised rank in the batch (``weights="rank"``, 1 = best). The best
    architecture weighs 1, the worst 0.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth, 1 = best.
        weights: ``"accuracy"`` (default) or ``"rank"``: where ``s_i`` comes from.

    Returns:
        ``[...]`` one loss per model.

    Raises:
        ValueError: ``weights="accuracy"`` with targets outside [0, 1].
    """
    target = check_inputs(pred, target, "ew")
    w = weight_source(target, weights, "ew").exp().sub(1.0).div(E_MINUS_1)
    return (w * (pred - target).square()).mean(-1)
