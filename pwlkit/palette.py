"""One colour per loss, everywhere: the fixed palette every chart of pwlkit draws with.

A reader who learnt that WARP is dark red on one page should find it dark red on the next, so
colours are keyed by name, never by position in a chart. Families share related hues
(regression browns, pairwise-ranking blues, listwise teal, weighted oranges and reds, NDCG
purples), so a glance tells the family before the legend does. Names are classified with
`pwlkit.losses.parse_spec`, never by matching text:

- a single loss has its loss's colour; with non-default options (``warp(weights=rank)``)
  the same colour, drawn dash-dotted;
- a schedule has the colour of its focus loss (the loss the predictor ends on) and a dash:
  a hard switch's dash grows with its switch point (``@0.25`` shorter than ``@0.5``), a
  switch on the training-set size and a soft blend have dashes of their own;
- selections (``auto``, ``warm->focus@auto``), ensembles and pretrained variants have fixed
  colours of their own, as have the search strategies that are not losses (``random``,
  ``evolution``, ``pw``, ...);
- a search strategy with settings beyond its defaults (``pw+ [prune=dead]``, ``pw [top_k=2]``,
  `pwlkit.search.run_label`) has its strategy's colour, drawn dash-dotted (dotted for
  ``top_k``, `VARIANT_DASHES`);
- claim verdicts and backbones have fixed colours too.

`groups` splits a chart's series into panels of at most `MAX_SERIES`, family by family.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

#: Most coloured series one panel draws; more are split into panels by family (`groups`).
MAX_SERIES = 8

#: Every loss of `pwlkit.losses.LOSS_NAMES`, families in related hues.
LOSS_COLOURS: dict[str, str] = {
    # regression: browns
    "mse": "#8c510a",
    "mse+sr": "#c7953b",
    # pairwise ranking: blues; listwise ranking: teal
    "hr": "#08519c",
    "lr": "#6baed6",
    "listmle": "#17a3b8",
    # weighted: amber, orange, dark red
    "ew": "#e8a202",
    "mape": "#e6550d",
    "warp": "#a50f15",
    # top-K (NDCG): purples
    "lambdaloss": "#54278f",
    "approxndcg": "#9e9ac8",
    "neuralndcg": "#c51b8a",
}
#: Selections: ``auto`` chooses a loss, ``warm->focus@auto`` a switch point (greens).
SELECTION_COLOURS = {"auto": "#1b7837", "switch": "#7fbc41"}
ENSEMBLE_COLOUR = "#4d4d4d"
#: Pretrained variants, by pretext (``pretrain`` of a study's axes).
PRETRAIN_COLOURS = {"masked": "#e7298a", "flow": "#b8860b", "masked+flow": "#fb8072"}
#: Search strategies that are not a loss spec (a loss-guided search has its loss's colour).
STRATEGY_COLOURS = {
    "random": "#969696",
    "evolution": "#525252",
    "pw": "#000000",
    "bananas": "#f768a1",
    "npenas": "#66a61e",
    "gp": "#01665e",
    "pw+": "#e31a1c",
    "local": "#bf5b17",
    "oracle": "#2b2b2b",
}
VERDICT_COLOURS = {"holds": "#1e7b34", "inconclusive": "#a6a6a6", "contradicted": "#b3261e"}
BACKBONE_COLOURS = {
    "gcn": "#1b9e77",
    "mlp": "#d95f02",
    "transformer": "#7570b3",
    "gin": "#e7298a",
}
WEIGHTS_COLOURS = {"accuracy": "#a50f15", "rank": "#fc9272", "none": "#bdbdbd"}
#: Hard and soft switches (`pwlkit.claims.schedules_frame`'s ``kind``).
KIND_COLOURS = {"hard": "#252525", "soft": "#969696"}
#: Stand-in for a name no rule knows (a typo shows up grey, never as a borrowed colour).
UNKNOWN_COLOUR = "#bdbdbd"

#: Dashes (Vega-Lite ``strokeDash``): solid for a plain loss.
SOLID: tuple[int, ...] = ()
VARIANT_DASH = (8, 3, 2, 3)
#: A search run's own settings that draw other than `VARIANT_DASH`, by the first it sets, so
#: two variants of one strategy on one panel stay apart (``pw+ [top_k=2]`` dotted).
VARIANT_DASHES = {"top_k": (1, 2)}
SIZE_SWITCH_DASH = (4, 2, 1, 2)
SOFT_DASH = (2, 3)

#: Panel groups in reading order: what `groups` packs into panels of at most `MAX_SERIES`.
GROUP_ORDER = (
    "baselines",
    "regression",
    "ranking",
    "weighted",
    "top-K (NDCG)",
    "schedules",
    "selections",
    "ensembles",
    "pretrained",
    "other",
)
_FAMILY_GROUP = {
    "regression": "regression",
    "regression + pairwise": "regression",
    "pairwise ranking": "ranking",
    "listwise ranking": "ranking",
    "weighted": "weighted",
    "top-K (NDCG)": "top-K (NDCG)",
}


@dataclass(frozen=True)
class Style:
    """How one series is drawn: ``colour`` (hex), ``dash`` (empty: solid), ``group`` (its
    panel group, one of `GROUP_ORDER`)."""

    colour: str
    dash: tuple[int, ...] = SOLID
    group: str = "other"


def _switch_dash(at: float) -> tuple[int, ...]:
    """A hard switch's dash: longer strokes for later switch points (``@0.5``: 8 px); an int
    ``at`` is a switch on the training-set size."""
    if isinstance(at, int):
        return SIZE_SWITCH_DASH
    return (max(2, round(4 + 8 * float(at))), 3)


@lru_cache(maxsize=2048)
def style(name: str) -> Style:
    """The fixed style of a loss, schedule, selection, ensemble, pretext or strategy name.

    Example:
        >>> style("warp").colour == style("warp(weights=rank)").colour == LOSS_COLOURS["warp"]
        True
        >>> style("hr->mape@0.5").colour == LOSS_COLOURS["mape"], style("hr->mape@0.5").dash
        (True, (8, 3))
        >>> style("random").group, style("auto").group
        ('baselines', 'selections')
        >>> style("pw+ [prune=dead]").colour == style("pw+").colour, style("pw+ [prune=dead]").dash
        (True, (8, 3, 2, 3))
        >>> style("pw+ [top_k=2]").dash  # another variant of pw+, apart on one panel
        (1, 2)
    """
    from pwlkit.losses import HardSwitch, SoftSwitch, parse_spec

    text = str(name).strip()
    base, bracket, settings = text.partition(" [")
    if bracket and text.endswith("]"):  # a strategy run with settings of its own
        first = settings.partition("=")[0]
        return dataclasses.replace(style(base), dash=VARIANT_DASHES.get(first, VARIANT_DASH))
    if text in STRATEGY_COLOURS:
        group = "schedules" if text in ("pw", "pw+") else "baselines"
        return Style(STRATEGY_COLOURS[text], SOLID, group)
    if text in PRETRAIN_COLOURS:
        return Style(PRETRAIN_COLOURS[text], SOLID, "pretrained")
    try:
        spec = parse_spec(text)
    except (ValueError, TypeError):
        return Style(UNKNOWN_COLOUR)
    if spec.selection is not None:
        return Style(
            SELECTION_COLOURS.get(spec.selection.kind, UNKNOWN_COLOUR), SOLID, "selections"
        )
    if spec.ensemble is not None:
        return Style(ENSEMBLE_COLOUR, SOLID, "ensembles")
    schedule = spec.schedule
    if isinstance(schedule, HardSwitch):
        return Style(_loss_colour(schedule.focus), _switch_dash(schedule.at), "schedules")
    if isinstance(schedule, SoftSwitch):
        return Style(_loss_colour(schedule.end), SOFT_DASH, "schedules")
    loss = schedule.loss
    group = _FAMILY_GROUP.get(loss.spec.family, "other")
    dash = VARIANT_DASH if loss.name != loss.spec.name else SOLID
    return Style(LOSS_COLOURS.get(loss.spec.name, UNKNOWN_COLOUR), dash, group)


def _loss_colour(bound) -> str:
    return LOSS_COLOURS.get(bound.spec.name, UNKNOWN_COLOUR)


def colour(name: str) -> str:
    """The fixed colour of a name (`style`)."""
    return style(name).colour


#: Columns whose values are loss specs or strategies (coloured by `style`); a PW ``pair``
#: (``hr->mape``) reads as its half-way schedule.
SPEC_COLUMNS = ("loss", "strategy", "base", "chosen_loss", "pretrain", "pair")
#: Columns with fixed colours of their own.
FIXED_COLUMNS = {
    "verdict": VERDICT_COLOURS,
    "backbone": BACKBONE_COLOURS,
    "weights": WEIGHTS_COLOURS,
    "kind": KIND_COLOURS,
}


def family_colour(family: str) -> str:
    """A loss family's colour: the colour of its first loss in `LOSS_COLOURS`; schedules and
    selections as their groups draw them."""
    from pwlkit.losses import LOSSES

    for name, c in LOSS_COLOURS.items():
        if LOSSES[name].family == family:
            return c
    return {
        "piecewise": "#636363",
        "soft piecewise": "#a1a1a1",
        "selection": SELECTION_COLOURS["auto"],
        "ensemble": ENSEMBLE_COLOUR,
    }.get(family, UNKNOWN_COLOUR)


def colours_for(column: str, values: Iterable) -> dict[str, str] | None:
    """``{value: colour}`` for a chart coloured by ``column``; None when the column has no
    fixed colours (a chart then keeps its default scheme)."""
    names = [str(v) for v in dict.fromkeys(values)]
    if column in SPEC_COLUMNS:
        return {n: colour(n) for n in names}
    if column == "family":
        return {n: family_colour(n) for n in names}
    fixed = FIXED_COLUMNS.get(column)
    if fixed is not None:
        return {n: fixed.get(n, UNKNOWN_COLOUR) for n in names}
    return None


def dashes_for(column: str, values: Iterable) -> dict[str, list[int]] | None:
    """``{value: dash}`` for spec columns where some value is not solid; None otherwise (and
    for a PW ``pair``, drawn along its switch points, where a dash would mean one of them)."""
    if column not in SPEC_COLUMNS or column == "pair":
        return None
    out = {str(v): list(style(str(v)).dash) for v in dict.fromkeys(values)}
    return out if any(out.values()) else None


def groups(
    names: Sequence[str], limit: int = MAX_SERIES, anchors: Sequence[str] = ()
) -> dict[str, str]:
    """Panel label per name, so that no panel has more than ``limit`` series.

    Names are taken group by group in `GROUP_ORDER` (regression, ranking, weighted, ...) and
    consecutive groups share a panel while they fit. ``anchors`` (e.g. ``random``, ``pw``)
    are drawn in every panel as references and count towards each panel's limit; they map
    to ``""`` here. With at most ``limit`` names everything is one panel, labelled ``""``.

    Example:
        >>> g = groups(["mse", "hr", "ew", "mape", "warp", "lambdaloss", "approxndcg",
        ...             "neuralndcg", "hr->mape@0.5"])
        >>> sorted(set(g.values()))
        ['regression to top-K (NDCG)', 'schedules']
    """
    unique = list(dict.fromkeys(str(n) for n in names))
    fixed = [a for a in dict.fromkeys(anchors) if a in unique]
    rest = [n for n in unique if n not in fixed]
    if len(unique) <= limit:
        return {n: "" for n in unique}
    room = max(1, limit - len(fixed))
    by_group: dict[str, list[str]] = {}
    for n in rest:
        by_group.setdefault(style(n).group, []).append(n)
    panels: list[tuple[list[str], list[str]]] = []
    for g in [g for g in GROUP_ORDER if g in by_group]:
        members = by_group[g]
        for start in range(0, len(members), room):  # a group bigger than a panel is cut
            chunk = members[start : start + room]
            if panels and len(panels[-1][1]) + len(chunk) <= room and start == 0:
                panels[-1][0].append(g)
                panels[-1][1].extend(chunk)
            else:
                panels.append(([g], list(chunk)))
    out = {a: "" for a in fixed}
    for labels, members in panels:
        names = list(dict.fromkeys(labels))
        label = ", ".join(names) if len(names) <= 2 else f"{names[0]} to {names[-1]}"
        out.update({n: label for n in members})
    return out
