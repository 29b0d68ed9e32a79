"""The losses that train performance predictors, and schedules that switch between them.

Every loss is a plain function ``loss(pred [..., B], target [..., B] | [B], *, hyperparams)
-> [...]`` (one value per model; leading dims are independent models trained together). The
registry maps the names of `LOSS_NAMES` to them; `parse_loss` turns a schedule spec into a
callable `Schedule`; `parse_spec` reads every spec pwlkit trains from (a loss, a schedule or a
selection such as ``auto``) into one `Spec` with one canonical name.
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
from .selection import Selection, default_candidates, parse_selection, pick_candidate
from .spec import Spec, parse_spec, spec_name
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
    "Selection",
    "Single",
    "SoftSwitch",
    "Spec",
    "approxndcg",
    "default_candidates",
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
    "parse_selection",
    "parse_spec",
    "pick_candidate",
    "spec_name",
    "warp",
]
