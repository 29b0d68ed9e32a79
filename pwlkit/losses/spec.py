"""One grammar for every spec pwlkit trains from: a loss, a schedule or a selection.

``parse_spec(text)`` reads any of them into a `Spec` with one canonical ``name``; it is called
once where a spec enters (the command line, a study or search file, a widget, a Python entry
point) and the parsed value is passed down, so nothing below parses text again.

- a loss with options: ``hr``, ``warp(weights=rank)`` (`pwlkit.losses.make_loss`);
- a schedule: ``hr->mape@0.5``, ``hr->mape@200``, ``hr~>mape`` (`pwlkit.losses.parse_loss`);
- a selection: ``auto``, ``auto(folds=5)``, ``hr->mape@auto`` (`pwlkit.losses.selection`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .schedule import SYNTAX as SCHEDULE_SYNTAX
from .schedule import Schedule, parse_loss
from .selection import SYNTAX as SELECTION_SYNTAX
from .selection import Selection, parse_selection

SYNTAX = f"{SCHEDULE_SYNTAX}; selections: {SELECTION_SYNTAX}"


@dataclass(frozen=True)
class Spec:
    """A parsed spec: exactly one of ``schedule`` (a loss or a schedule of losses, trained as
    given) and ``selection`` (decided from the training sample first)."""

    schedule: Schedule | None = None
    selection: Selection | None = None

    def __post_init__(self) -> None:
        if (self.schedule is None) == (self.selection is None):
            raise ValueError("a Spec holds exactly one of a schedule and a selection")

    @property
    def name(self) -> str:
        """The canonical spelling: two specs that mean the same have the same name."""
        return self.schedule.name if self.schedule is not None else self.selection.name  # type: ignore[union-attr]

    @property
    def kind(self) -> str:
        """``"schedule"`` or ``"selection"``."""
        return "schedule" if self.schedule is not None else "selection"

    @property
    def fits(self) -> float:
        """Fits' worth of training one sample costs (1 for a schedule; see `Selection.fits`)."""
        return 1.0 if self.selection is None else self.selection.fits

    def check_sample_sizes(self, sizes: Sequence[int]) -> None:
        """Refuse sample sizes the spec cannot be fit on (a selection's folds), before any fit.

        Raises:
            BadParameter: see `Selection.check_sample_size`.
        """
        if self.selection is not None:
            for n in sizes:
                self.selection.check_sample_size(int(n))

    def __str__(self) -> str:
        return self.name


def parse_spec(spec: str | Spec | Schedule) -> Spec:
    """Read a loss, schedule or selection spec (a `Spec` or `Schedule` is taken as it is).

    Raises:
        ValueError: malformed text, unknown loss or option names, bad values; the message
            names the bad part and lists the valid syntax (`SYNTAX`).
        TypeError: ``spec`` is not text.

    Example:
        >>> parse_spec("HR -> mape").name
        'hr->mape@0.5'
        >>> parse_spec("auto ( folds = 5 )").kind
        'selection'
    """
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Schedule):
        return Spec(schedule=spec)
    if not isinstance(spec, str):
        raise TypeError(f"loss spec must be a string, got {type(spec).__name__}")
    return _parse_text(spec)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Spec:
    selection = parse_selection(text)
    if selection is not None:
        return Spec(selection=selection)
    return Spec(schedule=parse_loss(text))


def spec_name(spec: str | Spec | Schedule) -> str:
    """The canonical name of any spec (`parse_spec(spec).name`)."""
    return parse_spec(spec).name
