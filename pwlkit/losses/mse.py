"""MSE: the regression loss, mean squared error between score and target."""

from __future__ import annotations

from torch import Tensor

from ._common import check_inputs


def mse(pred: Tensor, target: Tensor) -> Tensor:
    """Mean over the batch of ``(p_i - y_i)^2``.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth (the engine passes it min-max scaled).

    Returns:
        ``[...]`` one loss per model.
    """
    target = check_inputs(pred, target, "mse")
    return (pred - target).square().mean(-1)
