"""MAPE (BANANAS): absolute percentage error in error space, against a lower bound."""

from __future__ import annotations

from torch import Tensor

from ._common import check_inputs, weight_source


def mape(
    pred: Tensor, target: Tensor, *, bound: float = -0.05, weights: str = "accuracy"
) -> Tensor:
    """``mean_i |(e^p_i - b) / (e_i - b) - 1|`` on errors ``e = 1 - y``, ``e^p = 1 - p``.

    This equals ``mean_i |p_i - y_i| / (e_i - b)``: the lower bound ``b`` just under the best
    error makes the best architectures weigh most. The engine scales targets to [0, 1] over
    the training sample, so the best training error is 0 and the default ``b = -0.05`` sits 5%
    of the training range below it (weights 1/0.05 = 20 for the best, 1/1.05 ~ 0.95 for the
    worst). With ``weights="rank"`` the denominator uses ``1 - rank score`` (normalised batch
    rank, 1 = best) instead of the error; the numerator is unchanged.

    Args:
        pred: ``[..., B]`` predicted scores (leading dims = independent models).
        target: ``[..., B]`` or ``[B]`` ground truth, 1 = best.
        bound: lower bound ``b`` on the error; must be < 0 (below the best scaled error).
        weights: ``"accuracy"`` (default) or ``"rank"``.

    Returns:
        ``[...]`` one loss per model.

    Raises:
        ValueError: ``weights="accuracy"`` with targets outside [0, 1], or ``bound >= 0``.
    """
    target = check_inputs(pred, target, "mape")
    if bound >= 0:
        raise ValueError(
            f"mape: bound={bound} must be below the best error 0 of targets scaled to [0, 1] "
            "(1 = best); e.g. mape(bound=-0.05)"
        )
    err = 1.0 - weight_source(target, weights, "mape")
    return ((pred - target).abs() / (err - bound)).mean(-1)
