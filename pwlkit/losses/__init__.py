"""The losses that train performance predictors, and schedules that switch between them.

Every loss is a plain function ``loss(pred [..., B], target [..., B] | [B], *, hyperparams)
-> [...]`` (one value per model; leading dims are independent models trained together). The
registry maps the names of `LOSS_NAMES` to them; `parse_loss` turns a spec string into a
callable `Schedule`.
"""

from .approxndcg import approxndcg
from .ew import ew
from .hr import hr
from .lambdaloss import lambdaloss
from .listmle import listmle
from .lr import lr
from .mape import mape
from .mse import mse
from .mse_sr import mse_sr
from .neuralndcg import neuralndcg
from .registry import LOSS_NAMES, LOSSES, BoundLoss, LossSpec, Param, get_loss, make_loss
from .schedule import (
    DEFAULT_SWITCH,
    SWITCH_OPTIONS,
    SYNTAX,
    HardSwitch,
    Schedule,
    Single,
    SoftSwitch,
    parse_loss,
)
from .warp import warp

__all__ = [
    "DEFAULT_SWITCH",
    "LOSSES",
    "LOSS_NAMES",
    "SWITCH_OPTIONS",
    "SYNTAX",
    "BoundLoss",
    "HardSwitch",
    "LossSpec",
    "Param",
    "Schedule",
    "Single",
    "SoftSwitch",
    "approxndcg",
    "ew",
    "get_loss",
    "hr",
    "lambdaloss",
    "listmle",
    "lr",
    "make_loss",
    "mape",
    "mse",
    "mse_sr",
    "neuralndcg",
    "parse_loss",
    "warp",
]
