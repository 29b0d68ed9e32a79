"""What a results row's loss is, read from its parsed schedule (`pwlkit.losses.parse_loss`):
family, switch parts, weights. Specs are never matched as text, so any spelling the parser
accepts means the same here as in training. Selections (``auto``, ``warm->focus@auto``,
`pwlkit.losses.selection`) are their own family: neither a single loss nor one of the paper's
schedules, so the paper's claims leave them out (the rows' ``chosen_loss`` says what they
trained)."""

from __future__ import annotations

from functools import lru_cache

from pwlkit.losses import (
    HardSwitch,
    Schedule,
    Single,
    SoftSwitch,
    make_loss,
    parse_loss,
    parse_spec,
    spec_name,
)

#: Loss families as `pwlkit.losses` names them (``LOSSES[name].family``).
RANKING = ("pairwise ranking", "listwise ranking")
WEIGHTED = ("weighted",)
#: The families `loss_family` gives hard and soft switches.
SWITCHES = ("piecewise", "soft piecewise")
#: The family of ``auto`` and ``warm->focus@auto``.
SELECTION = "selection"
#: The family of ``ens(...)``.
ENSEMBLE = "ensemble"


@lru_cache(maxsize=1024)
def is_ensemble(spec: str) -> bool:
    """True for an ``ens(...)`` spec (several predictors, their scores combined)."""
    return parse_spec(spec).ensemble is not None


@lru_cache(maxsize=1024)
def is_selection(spec: str) -> bool:
    """True for a spec that chooses its loss from the sample (``auto``, ``hr->mape@auto``)."""
    return parse_spec(spec).selection is not None


def canonical(spec: str) -> str:
    """The canonical spelling of a loss, schedule or selection spec."""
    return spec_name(spec)


@lru_cache(maxsize=1024)
def schedule_of(spec: str) -> Schedule:
    """The parsed spec (cached: a results frame repeats a few specs thousands of times)."""
    return parse_loss(spec)


def loss_family(spec: str) -> str:
    """Family of a loss or schedule spec, as `pwlkit.losses` names it (regression, pairwise
    ranking, listwise ranking, weighted, ...); a hard switch (``a->b@t``) is ``piecewise``, a
    soft one (``a~>b``) ``soft piecewise``.

    Raises:
        ValueError: ``spec`` does not parse; the message lists the valid names.
    """
    if is_selection(spec):
        return SELECTION
    if is_ensemble(spec):
        return ENSEMBLE
    schedule = schedule_of(spec)
    if isinstance(schedule, SoftSwitch):
        return SWITCHES[1]
    if isinstance(schedule, HardSwitch):
        return SWITCHES[0]
    return schedule.loss.spec.family


def is_single(spec: str) -> bool:
    """True for one loss for the whole fit, False for a switch, a selection or an ensemble."""
    return (
        not is_selection(spec) and not is_ensemble(spec) and isinstance(schedule_of(spec), Single)
    )


def is_switch(spec: str) -> bool:
    """True for a schedule that switches losses during the fit: a hard or soft switch, or an
    adaptive one (``warm->focus@auto``, a selection of the switch point)."""
    if is_selection(spec):
        return parse_spec(spec).selection.kind == "switch"
    return loss_family(spec) in SWITCHES


def switch_parts(spec: str) -> dict[str, str]:
    """Warm-up, focus, kind (hard / soft), switch point and what it counts, for a schedule spec.

    ``at`` is the switch as the canonical spec writes it: ``0.5`` (a fraction of the epochs),
    ``100`` (the training-set size: warm-up while n_train <= 100), ``0.2:0.8`` (a soft blend's
    span; empty for the whole fit). ``switch_on`` is ``epochs`` or ``train size``.
    ``options`` lists a hard switch's options (``refit,restart``; empty for none and for soft
    blends). Returns {} for a single loss and for a selection.
    """
    if is_selection(spec) or is_ensemble(spec):
        return {}
    schedule = schedule_of(spec)
    if isinstance(schedule, HardSwitch):
        on_size = isinstance(schedule.at, int)
        return {
            "warmup": schedule.warmup.name,
            "focus": schedule.focus.name,
            "kind": "hard",
            "at": str(schedule.at) if on_size else repr(float(schedule.at)),
            "switch_on": "train size" if on_size else "epochs",
            "options": ",".join(schedule.options),
        }
    if isinstance(schedule, SoftSwitch):
        span = (schedule.begin, schedule.stop)
        return {
            "warmup": schedule.start.name,
            "focus": schedule.end.name,
            "kind": "soft",
            "at": "" if span == (0.0, 1.0) else f"{span[0]!r}:{span[1]!r}",
            "switch_on": "epochs",
            "options": "",
        }
    return {}


def weights_of(spec: str) -> str | None:
    """The ``weights`` setting of a single loss that has one (``accuracy``, ``rank``,
    ``none``); None for other losses, schedules and selections."""
    if not is_single(spec):
        return None
    schedule = schedule_of(spec)
    value = dict(schedule.loss.values).get("weights")
    return None if value is None else str(value)


def with_weights(spec: str, weights: str) -> str:
    """The canonical spec of the same single loss with ``weights`` instead (its other
    hyperparameters kept): ``warp(margin=0.5,weights=rank)``, ``accuracy`` ->
    ``warp(margin=0.5)``."""
    loss = schedule_of(spec).loss
    return make_loss(loss.spec.name, **{**dict(loss.values), "weights": weights}).name
