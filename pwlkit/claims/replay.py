"""Another ``auto`` rule replayed on stored cells, without a fit.

A study stores, for every ``auto`` cell, each candidate's held-out score per fold
(``fold_scores``). What ``auto`` then trains is the chosen loss refit on the whole sample
with the cell's seed: the same fit as that loss's own cell in a loss grid of the same
benchmark, train size, backbone, epochs and seed (one sample per benchmark, size and seed),
equal to within the engine's grouping tolerance. So the outcome of any rule
(`pwlkit.losses.pick_candidate`) is a look-up: pick from the stored fold scores,
read the grid's cell of the pick. A rule can be tried on every stored ``auto`` cell in
seconds, and what it is worth is then asked with the usual paired tests
(`pwlkit.claims.goals.auto_against_references` on the replayed rows beside the grid).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd

from pwlkit.losses import parse_loss, parse_selection, pick_candidate

SAME_SAMPLE = ("benchmark", "signal", "train_size", "backbone", "seed", "epochs", "hparams")
"""The columns an ``auto`` cell and the grid's cell of its pick share."""


def replay_auto(auto_rows: pd.DataFrame, grid: pd.DataFrame, keep: str | None = None):
    """The rows ``auto(keep=...)`` would have produced on the samples of ``auto_rows``.

    Args:
        auto_rows: `pwlkit.study.load_results` rows of ``auto`` cells with ``fold_scores``
            (rows without them, from stores written before they were kept, are left out).
        grid: rows of fixed losses on the same samples (the loss grid of those sizes).
        keep: the rule's default loss (`pick_candidate`); None replays the plain best mean.

    Returns:
        The grid rows of each pick, ``loss`` relabelled as the replayed spec (for example
        ``auto(keep=hr)``) and ``chosen_loss`` the pick; ``attrs["missing"]`` counts the picks
        the grid has no cell for (they are left out).
    """
    keep = parse_loss(keep).name if keep is not None else None
    rows = auto_rows[auto_rows["fold_scores"].notna()]
    index = {  # selections in the grid (auto, warm->focus@auto) are no loss a pick can name
        (*key, parse_loss(loss).name): i
        for i, (*key, loss) in enumerate(grid[[*SAME_SAMPLE, "loss"]].itertuples(index=False))
        if parse_selection(loss) is None
    }
    out, missing = [], 0
    labels = {spec: _label(spec, keep) for spec in rows["loss"].unique()}
    for _, row in rows.iterrows():
        pick = pick_candidate(json.loads(row["fold_scores"]), keep)
        i = index.get((*(row[c] for c in SAME_SAMPLE), parse_loss(pick).name))
        if i is None:
            missing += 1
            continue
        replayed = grid.iloc[i].copy()
        replayed["loss"] = labels[row["loss"]]
        replayed["chosen_loss"] = pick
        out.append(replayed)
    df = pd.DataFrame(out, columns=grid.columns).reset_index(drop=True)
    df.attrs["missing"] = missing
    return df


def _label(spec: str, keep: str | None) -> str:
    """The spec of the replayed selection: the stored one with ``keep`` set."""
    sel = parse_selection(spec)
    if sel is None or sel.kind != "auto":
        raise ValueError(f"replay_auto takes rows of auto cells, not {spec!r}")
    return replace(sel, keep=keep).name
