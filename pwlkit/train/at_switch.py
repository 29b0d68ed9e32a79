"""What the engine does at a hard switch with options, ``A->B@0.5(refit,restart,reset_adam)``.

The options (`pwlkit.losses.SWITCH_OPTIONS`) act at the switch epoch, the first epoch whose
progress ``epoch / epochs`` reaches the switch fraction, before its first step:

- ``refit`` (`refit_output`): per model, the least-squares line of the training targets on the
  model's scores of its own training sample, ``y ~ a * p + c``, is folded into its last layer
  (weight times ``a``; bias times ``a`` plus ``c``), so the focus loss starts from scores on
  the targets' scale. A fixed map computed once, not a learned scale and shift.
- ``restart``: the cosine learning-rate schedule starts again: the step at the switch gets the
  initial learning rate and the rest decays to ``lr * lr_min_ratio`` at the last step
  (`pwlkit.train.engine.cosine_lr` over the steps from the switch on).
- ``reset_adam``: Adam's moments and step counts go back to zero.

``restart`` and ``reset_adam`` change the optimiser, which the stacked models of one group
share, so a group holds only models that agree on them (`optimiser_key`); ``refit`` acts on
the rows of its loss group alone. A schedule without options gives no event: the training
is the same as without this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from ..predictors.layers import BatchedModule


def options_of(schedule: object) -> tuple[str, ...]:
    """The switch options of a schedule (() for any schedule without them)."""
    return tuple(getattr(schedule, "options", ()))


def switch_epoch(at: float, epochs: int) -> int | None:
    """The first epoch ``e`` with ``e / epochs >= at`` (the epoch the focus loss starts), as the
    schedule decides it; None when the switch never comes (``at`` = 1.0)."""
    return next((e for e in range(epochs) if e / epochs >= at), None)


def optimiser_key(schedule: object, epochs: int) -> tuple[int | None, int | None]:
    """``(restart epoch, reset_adam epoch)`` of a schedule, None where it has no such option:
    models trained together in one group must share it."""
    opts = options_of(schedule)
    if not opts:
        return (None, None)
    epoch = switch_epoch(float(schedule.at), epochs)  # type: ignore[attr-defined]
    return (
        epoch if "restart" in opts else None,
        epoch if "reset_adam" in opts else None,
    )


@dataclass(frozen=True)
class SwitchPlan:
    """The events of one training run: at which epoch the learning rate restarts and Adam is
    reset (None: never), and which model rows are refit at which epoch."""

    restart: int | None = None
    reset_adam: int | None = None
    refits: dict[int, list[list[int]]] = field(default_factory=dict)


def plan(schedules: Sequence[tuple[object, Sequence[int]]], epochs: int) -> SwitchPlan:
    """The `SwitchPlan` of ``(schedule, model rows)`` pairs trained together.

    Raises:
        ValueError: the schedules restart the learning rate or reset Adam at different epochs
            (they need separate model groups, which `pwlkit.train.fit_predict_many` makes).
    """
    keys = {optimiser_key(s, epochs) for s, _ in schedules}
    if len(keys) > 1:
        raise ValueError(
            "the loss schedules of one model group restart the learning rate or reset Adam "
            f"at different epochs ({sorted(keys, key=str)}); train them as separate groups"
        )
    restart, reset_adam = keys.pop() if keys else (None, None)
    refits: dict[int, list[list[int]]] = {}
    for schedule, rows in schedules:
        if "refit" in options_of(schedule):
            epoch = switch_epoch(float(schedule.at), epochs)  # type: ignore[attr-defined]
            if epoch is not None:
                refits.setdefault(epoch, []).append([int(r) for r in rows])
    return SwitchPlan(restart, reset_adam, refits)


def check_refit(model: BatchedModule) -> None:
    """Raise before training when ``model`` has no last layer to refit."""
    model.output_layer(0)


@torch.no_grad()
def refit_output(
    model: BatchedModule, rows: Sequence[int], train_idx: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Put the scores of models ``rows`` on their targets' scale by least squares.

    For each model ``m`` in ``rows``: ``p`` its scores of its training architectures
    ``train_idx[m]``, ``y = targets[m]``; ``a = cov(p, y) / var(p)`` (1 when ``p`` is
    constant) and ``c = mean(y) - a * mean(p)`` minimise ``sum (y - a p - c)^2``. The last
    layer is changed so the model scores ``a * p + c`` from now on.

    Returns:
        ``(a, c)``, float64 ``[len(rows)]``.
    """
    was_training = model.training
    model.eval()
    pred = model(train_idx)
    model.train(was_training)
    r = torch.as_tensor(list(rows), device=pred.device)
    p = pred.index_select(0, r).double()
    y = targets.index_select(0, r).double()
    pc, yc = p - p.mean(-1, keepdim=True), y - y.mean(-1, keepdim=True)
    var = (pc * pc).mean(-1)
    scale = torch.where(var > 0, (pc * yc).mean(-1) / var.clamp(min=1e-300), 1.0)
    shift = y.mean(-1) - scale * p.mean(-1)
    for m, a, c in zip(rows, scale.tolist(), shift.tolist()):
        weight, bias = model.output_layer(int(m))
        weight.mul_(a)
        bias.mul_(a).add_(c)
    return scale, shift
