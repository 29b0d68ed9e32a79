"""Loss schedules: one loss, a hard switch (PWLNAS), or a soft blend; and the spec parser.

Spec syntax (case-insensitive, spaces ignored)::

    hr                     one loss with default hyperparameters
    warp(weights=rank)     one loss with hyperparameters
    hr->mape@0.5           hard switch at a fraction of epochs (a number with a dot, in [0, 1]):
                           warm-up loss while progress < 0.5, focus loss from then on
    hr->mape@200           hard switch on the training-set size (an integer, as in PWLNAS):
                           warm-up loss for the whole fit while n_train <= 200, focus loss above
    hr->mape               = hr->mape@0.5 (DEFAULT_SWITCH)
    hr->mape@0.5(refit,restart)
                           hard switch at a fraction of epochs with switch options
                           (`SWITCH_OPTIONS`): what else happens at the switch
    hr~>mape               soft: (1 - a) * hr + a * mape with a = progress
    hr~>mape@0.2:0.8       soft over part of training: a = clip((progress - 0.2) / 0.6, 0, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import Tensor

from .registry import LOSS_NAMES, BoundLoss, make_loss

DEFAULT_SWITCH = 0.5
"""Where ``a->b`` switches: half-way through the epochs (the paper's sample thresholds are
unpublished and task-dependent; give ``@N`` to switch on the training-set size instead)."""

SYNTAX = (
    "NAME, NAME(key=value, ...), A->B (= A->B@0.5), A->B@0.5 (fraction of epochs, with a dot), "
    "A->B@200 (warm-up while n_train <= 200), A->B@0.5(refit,restart,reset_adam) (options "
    "at the switch), A~>B, A~>B@0.2:0.8 (soft over that part of "
    f"training); names: {', '.join(LOSS_NAMES)}"
)

SWITCH_OPTIONS: dict[str, str] = {
    "refit": "re-fit each model's scores to the targets' scale at the switch: least squares "
    "of the training targets on the model's training-sample scores, folded into the weight "
    "and bias of its last layer",
    "restart": "restart the cosine learning-rate schedule at the switch: the initial learning "
    "rate again, decaying over the remaining epochs",
    "reset_adam": "zero Adam's moments and step counts at the switch",
}
"""Options of a hard switch at a fraction of epochs, ``A->B@0.5(refit,restart)``, in the
order the canonical name lists them; the training engine carries them out
(`pwlkit.train.at_switch`). Without options a switch changes the loss and nothing else."""


class Schedule:
    """Which loss (or blend) applies at a point of training; callable like a loss.

    ``schedule(pred, target, *, progress, n_train, generator=None) -> [...]`` with ``pred``
    ``[..., B]``, ``target`` ``[..., B]`` or ``[B]``, ``progress = epoch / epochs`` in [0, 1],
    ``n_train`` the training-set size. Pass ``generator`` (a seeded ``torch.Generator``) when
    ``uses_generator`` is True so random losses are reproducible.
    """

    name: str

    @property
    def losses(self) -> tuple[BoundLoss, ...]:
        raise NotImplementedError

    @property
    def uses_generator(self) -> bool:
        """True if some loss of the schedule draws random numbers (mse+sr, listmle)."""
        return any(loss.uses_generator for loss in self.losses)

    def mix(
        self, *, progress: float | None = None, n_train: int | None = None
    ) -> tuple[tuple[BoundLoss, float], ...]:
        """The losses active at this point of training with their weights (summing to 1)."""
        raise NotImplementedError

    def __call__(
        self,
        pred: Tensor,
        target: Tensor,
        *,
        progress: float | None = None,
        n_train: int | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        total: Tensor | None = None
        for loss, weight in self.mix(progress=progress, n_train=n_train):
            if weight == 0.0:
                continue
            value = loss(pred, target, generator=generator)
            value = value if weight == 1.0 else weight * value
            total = value if total is None else total + value
        assert total is not None
        return total

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schedule) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _need_progress(progress: float | None, name: str) -> float:
    if progress is None:
        raise ValueError(f"loss schedule {name!r} needs progress=epoch/epochs in [0, 1]")
    if not 0.0 <= progress <= 1.0:
        raise ValueError(f"loss schedule {name!r}: progress={progress} is outside [0, 1]")
    return float(progress)


@dataclass(frozen=True, eq=False, repr=False)
class Single(Schedule):
    """One loss for the whole of training."""

    loss: BoundLoss

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.loss.name

    @property
    def losses(self) -> tuple[BoundLoss, ...]:
        return (self.loss,)

    def mix(self, *, progress=None, n_train=None):
        return ((self.loss, 1.0),)


@dataclass(frozen=True, eq=False, repr=False)
class HardSwitch(Schedule):
    """Warm-up loss, then focus loss: at a fraction of epochs (float ``at``) or above a
    training-set size (int ``at``: warm-up for the whole fit while ``n_train <= at``).

    ``options``: names from `SWITCH_OPTIONS` (only with a float ``at``), for the engine to
    carry out at the first epoch whose progress reaches ``at``; they do not change the loss.
    """

    warmup: BoundLoss
    focus: BoundLoss
    at: float | int = DEFAULT_SWITCH
    options: tuple[str, ...] = ()

    @property
    def name(self) -> str:  # type: ignore[override]
        at = str(self.at) if isinstance(self.at, int) else repr(float(self.at))
        opts = f"({','.join(self.options)})" if self.options else ""
        return f"{self.warmup.name}->{self.focus.name}@{at}{opts}"

    @property
    def losses(self) -> tuple[BoundLoss, ...]:
        return (self.warmup, self.focus)

    def mix(self, *, progress=None, n_train=None):
        if isinstance(self.at, int):
            if n_train is None:
                raise ValueError(f"loss schedule {self.name!r} needs n_train (training-set size)")
            use_focus = n_train > self.at
        else:
            use_focus = _need_progress(progress, self.name) >= self.at
        return ((self.focus if use_focus else self.warmup, 1.0),)


@dataclass(frozen=True, eq=False, repr=False)
class SoftSwitch(Schedule):
    """``(1 - a) * start + a * end``; ``a`` rises linearly from 0 at ``begin`` to 1 at ``stop``
    (fractions of epochs)."""

    start: BoundLoss
    end: BoundLoss
    begin: float = 0.0
    stop: float = 1.0

    @property
    def name(self) -> str:  # type: ignore[override]
        rng = "" if (self.begin, self.stop) == (0.0, 1.0) else f"@{self.begin!r}:{self.stop!r}"
        return f"{self.start.name}~>{self.end.name}{rng}"

    @property
    def losses(self) -> tuple[BoundLoss, ...]:
        return (self.start, self.end)

    def mix(self, *, progress=None, n_train=None):
        p = _need_progress(progress, self.name)
        a = min(1.0, max(0.0, (p - self.begin) / (self.stop - self.begin)))
        return ((self.start, 1.0 - a), (self.end, a))


_LOSS_RE = re.compile(r"^([a-z0-9+_]+)(?:\((.*)\))?$")
_AT_RE = re.compile(r"^([^()]*)(?:\((.*)\))?$")
_INT_RE = re.compile(r"^\d+$")
_FLOAT_RE = re.compile(r"^(\d+\.\d*|\.\d+)$")


def _bad(spec: str, part: str, why: str) -> ValueError:
    where = "" if part == spec else f" at {part!r}"
    return ValueError(f"bad loss spec {spec!r}{where}: {why}. Valid syntax: {SYNTAX}")


def _parse_one(text: str, spec: str) -> BoundLoss:
    if not text:
        raise _bad(spec, spec, "a loss name is missing on one side of the switch")
    m = _LOSS_RE.match(text)
    if not m:
        raise _bad(spec, text, "expected NAME or NAME(key=value, ...)")
    name, args = m.group(1), m.group(2)
    params: dict[str, str] = {}
    for item in filter(None, (args or "").split(",")):
        key, eq, value = item.partition("=")
        if not eq or not key or not value:
            raise _bad(spec, item, "expected key=value")
        if key in params:
            raise _bad(spec, item, f"{key} given twice")
        params[key] = value
    try:
        return make_loss(name, **params)
    except ValueError as exc:
        raise ValueError(f"bad loss spec {spec!r}: {exc}") from None


def _fraction(text: str, spec: str) -> float:
    if not (_FLOAT_RE.match(text) or _INT_RE.match(text)):
        raise _bad(spec, text, "expected a fraction of epochs such as 0.2")
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise _bad(spec, text, "a fraction of epochs must be in [0, 1]")
    return value


def _switch_options(text: str | None, spec: str) -> tuple[str, ...]:
    """The options of ``@0.5(refit,restart)`` in `SWITCH_OPTIONS` order; () without a list."""
    if text is None:
        return ()
    valid = ", ".join(SWITCH_OPTIONS)
    given = text.split(",")
    for item in given:
        if item not in SWITCH_OPTIONS:
            why = "empty switch option" if not item else "unknown switch option"
            raise ValueError(
                f"bad loss spec {spec!r} at {item!r}: {why}; switch options are {valid}"
            )
        if given.count(item) > 1:
            raise ValueError(f"bad loss spec {spec!r} at {item!r}: switch option given twice")
    return tuple(o for o in SWITCH_OPTIONS if o in given)


def parse_loss(spec: str | Schedule) -> Schedule:
    """Turn a spec such as ``"hr"``, ``"warp(weights=rank)"``, ``"hr->mape@0.5"``,
    ``"listmle->warp@200"``, ``"hr->mape@0.5(refit)"`` or ``"hr~>mape"`` into a `Schedule`
    (see the module docstring).

    A `Schedule` is returned unchanged. ``schedule.name`` is canonical: specs that mean the same
    parse to the same name (defaults dropped, hard switches with an explicit ``@``).

    Raises:
        ValueError: unknown loss or hyperparameter names, bad values or malformed syntax; the
            message names the bad part and lists the valid names and syntax.

    Example:
        >>> import torch
        >>> schedule = parse_loss("HR -> mape")
        >>> schedule.name
        'hr->mape@0.5'
        >>> pred, target = torch.tensor([[0.0, 1.0, 0.5]]), torch.tensor([1.0, 0.5, 0.0])
        >>> schedule(pred, target, progress=0.1, n_train=3)  # hr: (1.1 + 0.6 + 0) / 3
        tensor([0.5667])
    """
    if isinstance(spec, Schedule):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"loss spec must be a string, got {type(spec).__name__}")
    text = re.sub(r"\s+", "", spec.lower())
    if not text:
        raise _bad(spec, spec, "empty spec")
    hard, soft = text.count("->"), text.count("~>")
    if hard + soft == 0:
        if "@" in text:
            raise _bad(spec, text, "'@' only follows a switch A->B or A~>B")
        return Single(_parse_one(text, spec))
    if hard + soft > 1:
        raise _bad(spec, text, "only one switch per spec")
    first, second = text.split("->" if hard else "~>")
    second, at_sign, where = second.partition("@")
    if at_sign and not where:
        raise _bad(spec, text, "nothing after '@'")
    a, b = _parse_one(first, spec), _parse_one(second, spec)
    m = _AT_RE.match(where)
    where, options = (m.group(1), m.group(2)) if m else (where, None)
    if options is not None and not hard:
        raise ValueError(
            f"bad loss spec {spec!r} at {options!r}: switch options ({', '.join(SWITCH_OPTIONS)}) "
            "belong to a hard switch A->B@FRACTION, not to a soft one A~>B"
        )
    if hard:
        if not at_sign:
            return HardSwitch(a, b, DEFAULT_SWITCH)
        if _INT_RE.match(where):
            if options is not None:
                raise ValueError(
                    f"bad loss spec {spec!r} at {options!r}: switch options need a switch at "
                    f"a fraction of epochs such as @0.5; @{where} trains one loss for the "
                    f"whole fit (the warm-up while n_train <= {where}, the focus above)"
                )
            return HardSwitch(a, b, int(where))
        if _FLOAT_RE.match(where):
            frac = float(where)
            if not 0.0 <= frac <= 1.0:
                raise _bad(
                    spec,
                    where,
                    "a fraction of epochs must be in [0, 1] (write an "
                    "integer such as @200 for a training-set size)",
                )
            return HardSwitch(a, b, frac, _switch_options(options, spec))
        raise _bad(spec, where, "expected @0.5 (fraction of epochs) or @200 (training samples)")
    if not at_sign:
        return SoftSwitch(a, b)
    lo, colon, hi = where.partition(":")
    if not colon:
        raise _bad(spec, where, "a soft switch range is @BEGIN:END, e.g. @0.2:0.8")
    begin, stop = _fraction(lo, spec), _fraction(hi, spec)
    if begin >= stop:
        raise _bad(spec, where, "BEGIN must be below END")
    return SoftSwitch(a, b, begin, stop)
