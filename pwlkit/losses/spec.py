"""One grammar for every spec pwlkit trains from: a loss, a schedule or a selection.

``parse_spec(text)`` reads any of them into a `Spec` with one canonical ``name``; it is called
once where a spec enters (the command line, a study or search file, a widget, a Python entry
point) and the parsed value is passed down, so nothing below parses text again.

- a loss with options: ``hr``, ``warp(weights=rank)`` (`pwlkit.losses.make_loss`);
- a schedule: ``hr->mape@0.5``, ``hr->mape@200``, ``hr~>mape`` (`pwlkit.losses.parse_loss`);
- a selection: ``auto``, ``auto(folds=5)``, ``hr->mape@auto`` (`pwlkit.losses.selection`);
- an ensemble: ``ens(hr,mape,listmle)``, ``ens(hr)x5`` (`pwlkit.losses.ensemble`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .ensemble import SYNTAX as ENSEMBLE_SYNTAX
from .ensemble import Ensemble, parse_ensemble
from .schedule import SYNTAX as SCHEDULE_SYNTAX
from .schedule import Schedule, parse_loss
from .selection import SYNTAX as SELECTION_SYNTAX
from .selection import Selection, parse_selection

SYNTAX = f"{SCHEDULE_SYNTAX}; selections: {SELECTION_SYNTAX}; ensembles: {ENSEMBLE_SYNTAX}"


@dataclass(frozen=True)
class Spec:
    """A parsed spec: exactly one of ``schedule`` (a loss or a schedule of losses, trained as
    given), ``selection`` (decided from the training sample first) and ``ensemble`` (several
    predictors, their scores combined)."""

    schedule: Schedule | None = None
    selection: Selection | None = None
    ensemble: Ensemble | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.schedule, self.selection, self.ensemble)) != 1:
            raise ValueError("a Spec holds exactly one of a schedule, a selection, an ensemble")

    @property
    def name(self) -> str:
        """The canonical spelling: two specs that mean the same have the same name."""
        return next(x for x in (self.schedule, self.selection, self.ensemble) if x).name

    @property
    def kind(self) -> str:
        """``"schedule"``, ``"selection"`` or ``"ensemble"``."""
        if self.schedule is not None:
            return "schedule"
        return "selection" if self.selection is not None else "ensemble"

    @property
    def fits(self) -> float:
        """Fits' worth of training one sample costs (1 for a schedule, the members for an
        ensemble; see `Selection.fits`)."""
        if self.ensemble is not None:
            return float(len(self.ensemble.members))
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
    ensemble = parse_ensemble(text)
    if ensemble is not None:
        return Spec(ensemble=ensemble)
    selection = parse_selection(text)
    if selection is not None:
        return Spec(selection=selection)
    return Spec(schedule=parse_loss(text))


def spec_name(spec: str | Spec | Schedule) -> str:
    """The canonical name of any spec (`parse_spec(spec).name`)."""
    return parse_spec(spec).name
