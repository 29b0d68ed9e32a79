"""The fixed palette: one colour per loss whatever its spelling, families in related hues,
schedules in the colour of their focus loss with a dash, own colours for selections,
ensembles, pretexts and strategies, and panels of at most eight series."""

from __future__ import annotations

import colorsys

import pytest

from pwlkit import palette
from pwlkit.losses import LOSS_NAMES, LOSSES


def _hue(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


def _spread(hues: list[float]) -> float:
    """Largest angle between two hues on the colour wheel (red wraps round)."""
    return max(min(abs(a - b), 360 - abs(a - b)) for a in hues for b in hues)


def test_every_loss_has_its_own_fixed_colour():
    colours = [palette.colour(name) for name in LOSS_NAMES]
    assert len(set(colours)) == len(LOSS_NAMES)
    assert palette.UNKNOWN_COLOUR not in colours
    others = [
        *palette.SELECTION_COLOURS.values(),
        palette.ENSEMBLE_COLOUR,
        *palette.PRETRAIN_COLOURS.values(),
        *palette.STRATEGY_COLOURS.values(),
    ]
    assert not set(colours) & set(others)


def test_a_family_shares_a_hue_range():
    by_family: dict[str, list[float]] = {}
    for name in LOSS_NAMES:
        by_family.setdefault(palette.style(name).group, []).append(_hue(palette.colour(name)))
    for group, hues in by_family.items():
        assert _spread(hues) <= 80, (group, hues)
    assert {palette.style(n).group for n in LOSS_NAMES} == {
        "regression",
        "ranking",
        "weighted",
        "top-K (NDCG)",
    }
    assert all(
        palette.style(n).group == palette.style(m).group
        for n in LOSS_NAMES
        for m in LOSS_NAMES
        if LOSSES[n].family == LOSSES[m].family
    )


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("HR -> mape", "hr->mape@0.5"),
        ("warp ( weights = rank )", "warp(weights=rank)"),
        ("MSE", "mse"),
    ],
)
def test_a_name_is_read_by_the_spec_parser_not_by_its_text(spelling, canonical):
    assert palette.style(spelling) == palette.style(canonical)


def test_schedules_take_their_focus_colour_and_a_dash():
    hard = palette.style("hr->mape@0.5")
    assert hard.colour == palette.colour("mape") and hard.dash and hard.group == "schedules"
    early, late = palette.style("hr->mape@0.25").dash, palette.style("hr->mape@0.75").dash
    assert early[0] < hard.dash[0] < late[0]  # longer strokes for later switch points
    assert palette.style("hr~>mape").colour == palette.colour("mape")
    assert palette.style("hr~>mape").dash == palette.SOFT_DASH
    assert palette.style("hr->mape@200").dash == palette.SIZE_SWITCH_DASH
    assert palette.style("listmle->warp@0.5").colour == palette.colour("warp")
    variant = palette.style("warp(weights=rank)")
    assert variant.colour == palette.colour("warp") and variant.dash == palette.VARIANT_DASH
    assert palette.style("warp").dash == palette.SOLID


def test_selections_ensembles_pretexts_and_strategies_have_fixed_colours():
    assert palette.colour("auto") == palette.SELECTION_COLOURS["auto"]
    assert palette.colour("auto(folds=5)") == palette.SELECTION_COLOURS["auto"]
    assert palette.colour("hr->mape@auto") == palette.SELECTION_COLOURS["switch"]
    assert palette.colour("ens(hr,mape)") == palette.colour("ens(hr)x5") == palette.ENSEMBLE_COLOUR
    assert palette.colour("masked") == palette.PRETRAIN_COLOURS["masked"]
    for name in ("random", "evolution", "pw", "bananas", "npenas", "gp"):
        assert palette.colour(name) == palette.STRATEGY_COLOURS[name]
    assert palette.colour("no such loss!") == palette.UNKNOWN_COLOUR


def test_colours_and_dashes_per_column():
    assert palette.colours_for("loss", ["mse", "hr"]) == {"mse": "#8c510a", "hr": "#08519c"}
    assert palette.colours_for("strategy", ["mape"]) == {"mape": palette.colour("mape")}
    assert palette.colours_for("verdict", ["holds"]) == {"holds": palette.VERDICT_COLOURS["holds"]}
    assert palette.colours_for("task", ["a"]) is None
    assert palette.dashes_for("loss", ["mse", "hr"]) is None  # all solid: no dash channel
    assert palette.dashes_for("loss", ["mse", "hr->mape@0.5"])["hr->mape@0.5"] == [8, 3]


def test_groups_split_by_family_into_panels_of_at_most_eight():
    names = [*LOSS_NAMES, "hr->mape@0.5", "hr~>mape", "auto", "random", "pw"]
    panels = palette.groups(names, anchors=("random", "pw"))
    assert set(panels) == set(names)
    assert panels["random"] == panels["pw"] == ""  # anchors are drawn in every panel
    labels = set(panels.values()) - {""}
    for label in labels:
        members = [n for n, g in panels.items() if g == label]
        assert len(members) + 2 <= palette.MAX_SERIES
    assert panels["mse"] == panels["mse+sr"] and panels["ew"] == panels["warp"]
    assert palette.groups(["mse", "hr"]) == {"mse": "", "hr": ""}
