"""`replay_auto`: another auto rule on stored fold scores, read off the loss grid's cells."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pwlkit.claims import replay_auto
from pwlkit.losses import pick_candidate
from pwlkit.study import load_results, run_study


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """auto beside the grid of its candidates, on the same samples (one store)."""
    params = {
        "name": "replay",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["hr", "mse", "warp", "auto(candidates=hr|mse|warp)"],
        "train_sizes": [30],
        "backbones": ["mlp"],
        "seeds": 3,
        "epochs": 3,
        "output_dir": str(tmp_path_factory.mktemp("replay")),
    }
    run_study(params, executor="inline", progress=False, threads=1)
    df = load_results(params)
    return df[df["loss"].str.startswith("auto")], df[~df["loss"].str.startswith("auto")]


def test_replaying_the_stored_rule_reads_off_the_grid_cell_of_each_choice(stored):
    auto, grid = stored
    again = replay_auto(auto, grid)
    assert list(again["chosen_loss"]) == list(auto["chosen_loss"])
    assert set(again["loss"]) == {"auto(candidates=hr|mse|warp)"}
    for (_, a), (_, r) in zip(auto.iterrows(), again.iterrows()):
        cell = grid[(grid["seed"] == a["seed"]) & (grid["loss"] == a["chosen_loss"])]
        assert r["cell_id"] == cell["cell_id"].item()  # the grid's own cell, not auto's
        assert r["tau"] == pytest.approx(a["tau"], abs=0.02)  # the same fit, grouped apart


def test_keep_applies_the_one_standard_error_rule_to_each_cell(stored):
    auto, grid = stored
    kept = replay_auto(auto, grid, keep="MSE")
    assert set(kept["loss"]) == {"auto(candidates=hr|mse|warp,keep=mse)"}
    expected = [pick_candidate(json.loads(f), "mse") for f in auto["fold_scores"]]
    assert list(kept["chosen_loss"]) == expected


def test_cells_without_fold_scores_or_a_grid_cell_are_left_out(stored):
    auto, grid = stored
    old = pd.concat([auto.assign(fold_scores=None), auto.iloc[:1]])
    assert len(replay_auto(old, grid)) == 1
    with_selections = pd.concat([grid, auto, grid.iloc[:1].assign(loss="hr->mse@auto")])
    assert len(replay_auto(auto, with_selections)) == len(auto)  # selections are no picks
    partial = replay_auto(auto, grid[grid["seed"] != auto["seed"].iloc[0]])
    assert len(partial) == len(auto) - 1 and partial.attrs["missing"] == 1
    with pytest.raises(ValueError, match="rows of auto cells"):
        replay_auto(grid.assign(fold_scores="{}"), grid)
