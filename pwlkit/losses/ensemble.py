"""Ensembles as specs: several predictors trained on one sample, their scores combined.

::

    ens(hr,mape,listmle)          one member per loss
    ens(hr)x5                     five members of one loss (five seeds)
    ens(hr,mape)x2                the list twice: four members
    ens(gcn:hr,transformer:hr)    members of other backbones (the fit's backbone otherwise)
    ens(hr,mape,combine=score)    combine standardised scores instead of ranks

Members are losses or schedules (no selection, no ensemble inside an ensemble). Member ``k``
trains with its own seed drawn from the job's seed (`pwlkit.train.ensemble.member_seed`), so
``ens(hr)x5`` is five different fits. ``combine``: ``rank`` (the default) averages each
member's normalised rank of every architecture, ``score`` each member's standardised score
(`COMBINES`). The members' spread per architecture is kept as their disagreement
(`pwlkit.train.ensemble`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .schedule import Schedule, parse_loss

COMBINES: tuple[str, ...] = ("rank", "score")
"""How member scores are combined: mean normalised rank, or mean standardised score."""

SYNTAX = "ens(A,B,...), ens(A)xK, ens(BACKBONE:A,...), ens(A,B,combine=rank|score)"

_ENS_RE = re.compile(r"^ens\((?P<body>.*)\)(?:x(?P<repeat>\d+))?$")
_MEMBER_RE = re.compile(r"^(?:(?P<backbone>[a-z][a-z0-9_]*):)?(?P<loss>.+)$")


@dataclass(frozen=True)
class Member:
    """One member: a schedule and the backbone it trains (None: the fit's backbone)."""

    schedule: Schedule
    backbone: str | None = None

    @property
    def name(self) -> str:
        prefix = f"{self.backbone}:" if self.backbone else ""
        return prefix + self.schedule.name


@dataclass(frozen=True)
class Ensemble:
    """A parsed ensemble: the listed members, how often the list repeats, how scores combine."""

    base: tuple[Member, ...]
    repeat: int = 1
    combine: str = "rank"

    @property
    def members(self) -> tuple[Member, ...]:
        """Every member, the list repeated `repeat` times."""
        return self.base * self.repeat

    @property
    def name(self) -> str:
        """The canonical spelling (members in the order given)."""
        parts = [m.name for m in self.base]
        if self.combine != "rank":
            parts.append(f"combine={self.combine}")
        tail = f"x{self.repeat}" if self.repeat > 1 else ""
        return f"ens({','.join(parts)}){tail}"


def _bad(spec: str, why: str) -> ValueError:
    return ValueError(f"bad ensemble {spec!r}: {why}; forms: {SYNTAX}")


def split_top_level(text: str) -> list[str]:
    """``text`` cut at the commas outside parentheses (``warp(weights=rank),hr``: two parts)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_ensemble(spec: str) -> Ensemble | None:
    """The `Ensemble` a spec asks for, or None when it is no ``ens(...)`` spec.

    Raises:
        ValueError: an empty list, a bad member (named), a selection or ensemble as a member,
            an unknown ``combine``, a repeat below 1.
    """
    text = re.sub(r"\s+", "", str(spec)).lower()
    if not text.startswith("ens("):
        return None
    m = _ENS_RE.match(text)
    if not m:
        raise _bad(spec, "expected ens(...) with an optional xK after it")
    repeat = int(m["repeat"] or 1)
    if repeat < 1:
        raise _bad(spec, "the repeat xK needs K >= 1")
    combine, members = "rank", []
    for part in split_top_level(m["body"]):
        if not part:
            raise _bad(spec, "an empty member")
        if part.startswith("combine="):
            combine = part.partition("=")[2]
            if combine not in COMBINES:
                raise _bad(spec, f"combine={combine!r} is not one of {', '.join(COMBINES)}")
            continue
        if part.startswith(("ens(", "auto")) or part.endswith("@auto"):
            raise _bad(spec, f"member {part!r}: an ensemble's members are losses or schedules")
        mm = _MEMBER_RE.match(part)
        backbone, loss = mm["backbone"], mm["loss"]
        try:
            members.append(Member(parse_loss(loss), backbone))
        except ValueError as exc:
            raise _bad(spec, f"member {part!r}: {exc}") from None
    if not members:
        raise _bad(spec, "no member")
    return Ensemble(tuple(members), repeat, combine)
