"""The loss structure and the reshaped frames the claims and charts use, on hand-made results
whose answers are known; the soft-vs-hard finding and how a finding shows in a notebook. (The
paper's claims themselves are tested in test_findings.py.)"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from pwlkit import claims


def _rows(
    values: dict[tuple[str, str, int], float],
    metric: str = "precision_at_0.5",
    seeds: int = 2,
    backbone: str = "gcn",
) -> pd.DataFrame:
    """One row per (benchmark, loss, train size, seed); seeds are +-0.01 around the value."""
    rows = []
    for (bench, loss, n), v in values.items():
        for s in range(seeds):
            rows.append(
                {
                    "benchmark": bench,
                    "loss": loss,
                    "train_size": n,
                    "seed": s,
                    "backbone": backbone,
                    metric: v + (0.01 if s else -0.01),
                }
            )
    return pd.DataFrame(rows)


def test_loss_families_follow_the_loss_registry():
    assert claims.loss_family("warp(weights=rank)") == "weighted"
    assert claims.loss_family("hr") in claims.RANKING
    assert claims.loss_family("listmle") in claims.RANKING
    assert claims.loss_family("hr->mape@0.5") == "piecewise"
    assert claims.loss_family("hr~>mape") == "soft piecewise"
    with pytest.raises(ValueError, match="hinge"):
        claims.loss_family("hinge")


def test_piecewise_and_switch_helpers():
    df = _rows(
        {
            ("A", "hr", 50): 0.2,
            ("A", "mape", 50): 0.3,
            ("A", "hr->mape@0.5", 50): 0.3,
            ("A", "hr->mape@0.25", 50): 0.35,
            ("A", "hr->mape@100", 50): 0.2,
            ("A", "hr~>mape", 50): 0.1,
        }
    )
    best = claims.best_threshold(df).set_index("switch_on")
    assert best.loc["epochs", "best switch"] == "0.25"
    assert best.loc["train size", "switches tried"] == 1
    parts = claims.switch_parts("hr~>mape@0.2:0.8")
    assert parts == {
        "warmup": "hr",
        "focus": "mape",
        "kind": "soft",
        "at": "0.2:0.8",
        "switch_on": "epochs",
        "options": "",
    }
    assert claims.switch_parts("warp") == {}


def test_search_curves_are_best_so_far_per_query():
    runs = []
    for (strategy, err), seed in itertools.product(
        [("pw", 5.0), ("mse", 6.0), ("random", 4.0)], range(3)
    ):
        runs.append(
            {
                "benchmark": "A",
                "budget": 50,
                "signal": "val",
                "strategy": strategy,
                "seed": seed,
                "test_error": err,
                "curve": [err + 2, err + 1, err],
            }
        )
    curves = claims.search_frame(runs)
    assert len(curves) == 27 and curves["queries"].max() == 3
    assert curves.query("strategy == 'pw' and queries == 1")["test_error"].eq(7.0).all()


def test_loss_structure_comes_from_the_parsed_spec_not_its_text():
    assert claims.loss_family("HR -> MAPE") == "piecewise"  # any spelling the parser accepts
    assert claims.loss_family("warp(margin=0.5)") == "weighted"
    with pytest.raises(ValueError, match="weigths"):
        claims.loss_family("warp(weigths=rank)")  # a typo is an error, not a weighted loss
    assert claims.switch_parts("HR->MAPE@.25") == {
        "warmup": "hr",
        "focus": "mape",
        "kind": "hard",
        "at": "0.25",
        "switch_on": "epochs",
        "options": "",
    }
    assert claims.switch_parts("hr->mape@0.5(restart,refit)")["options"] == "refit,restart"
    parts = claims.switch_parts("listmle -> warp(weights=rank)@200")
    assert (parts["focus"], parts["at"], parts["switch_on"]) == (
        "warp(weights=rank)",
        "200",
        "train size",
    )


def test_weights_frame_pairs_rank_weights_with_their_accuracy_twin_whatever_the_spelling():
    df = _rows(
        {
            ("A", "warp(margin=0.5)", 50): 0.4,
            ("A", "warp(weights=rank, margin=0.5)", 50): 0.3,  # same loss, other order
            ("A", "EW(weights=rank)", 50): 0.5,
            ("A", "ew", 50): 0.2,
            ("A", "warp(weights=none)", 50): 0.1,
        }
    )
    w = claims.weights_frame(df).drop_duplicates("loss").set_index("loss")
    assert w.loc["warp(weights=rank, margin=0.5)", "base"] == "warp(margin=0.5)"
    assert (w.loc["warp(weights=none)", "base"], w.loc["warp(weights=none)", "weights"]) == (
        "warp",
        "none",
    )
    assert w.loc["EW(weights=rank)", ["base", "weights"]].tolist() == ["ew", "rank"]


def _planted(effects: dict[str, float], seeds: int = 8) -> pd.DataFrame:
    """One task, ``seeds`` seeds; loss value = effect + a seed offset shared by every loss, so
    paired differences are exactly the planted effects."""
    return pd.DataFrame(
        [
            {
                "benchmark": "A",
                "loss": loss,
                "train_size": 50,
                "seed": s,
                "backbone": "gcn",
                "precision_at_0.5": v + 0.05 * s + 0.001 * (s % 3) * (loss == "hr~>mape"),
            }
            for loss, v in effects.items()
            for s in range(seeds)
        ]
    )


def test_soft_beats_hard_pits_the_best_soft_against_the_best_hard_of_its_pair():
    df = _planted({"hr->mape@0.5": 0.3, "hr->mape@0.25": 0.35, "hr~>mape": 0.45, "hr": 0.1})
    found = claims.soft_beats_hard(df)
    (task,) = found.tasks
    assert (task["a"], task["b"], task["verdict"]) == ("hr~>mape", "hr->mape@0.25", "holds")
    assert task["n"] == 8 and task["mean_diff"] == pytest.approx(0.1, abs=0.002)
    assert "pair=hr->mape" in task["task"]
    worse = claims.soft_beats_hard(_planted({"hr->mape@0.5": 0.5, "hr~>mape": 0.2}))
    assert worse.tasks[0]["verdict"] == "contradicted"
    only_hard = claims.soft_beats_hard(_planted({"hr->mape@0.5": 0.5, "hr": 0.2}))
    assert not only_hard.tasks and "soft" in only_hard.note


def test_a_finding_shows_its_summary_note_and_task_table_in_a_notebook():
    found = claims.soft_beats_hard(_planted({"hr->mape@0.5": 0.3, "hr~>mape": 0.45}, seeds=4))
    page = found._repr_html_()
    assert found.summary() in page.replace("&gt;", ">")
    assert "needs 6 pairs" in page  # four seeds cannot reach p < 0.05, and it says so
    assert "<table" in page and "inconclusive" in page
    assert list(found.table().columns) == [
        "task",
        "verdict",
        "mean_diff",
        "p_value",
        "p_holm",
        "n",
        "a",
        "b",
    ]
    empty = claims.soft_beats_hard(_planted({"hr": 0.3}))
    assert "<table" not in empty._repr_html_()


def test_seed_table_is_the_pivot_of_means_without_empty_seeds_or_losses():
    """`seed_table` against pandas' pivot_table on rows with duplicates, NaN values, a missing
    key and a loss whose every value is NaN (left out, as a seed with no value is)."""
    import numpy as np

    from pwlkit.claims.evidence import seed_table

    rng = np.random.default_rng(3)
    rows = pd.DataFrame(
        {
            "seed": rng.integers(0, 6, 80),
            "loss": rng.choice(["mse", "hr", "warp", "mape"], 80),
            "tau": rng.normal(size=80),
        }
    )
    rows.loc[rng.choice(80, 15, replace=False), "tau"] = np.nan
    rows.loc[rows["loss"] == "mape", "tau"] = np.nan
    rows.loc[3, "loss"] = None
    rows = pd.concat([rows, pd.DataFrame({"seed": [9], "loss": ["hr"], "tau": [np.nan]})])
    want = rows.dropna().pivot_table(index="seed", columns="loss", values="tau", aggfunc="mean")
    got = seed_table(rows, "tau")
    assert list(got.columns) == ["hr", "mse", "warp"] and 9 not in got.index
    pd.testing.assert_frame_equal(got, want, check_names=False, check_index_type=False)
    assert got.index.name == "seed" and got.columns.name == "loss"


def test_task_names_leave_out_the_defaults_and_spell_settings_as_key_value():
    from pwlkit.claims.evidence import label

    task = {"benchmark": "nb201-cifar10", "train_size": 469, "backbone": "gcn", "epochs": 300}
    show = ["backbone", "epochs", "hparams"]
    assert label({**task, "hparams": "{}"}, show) == "nb201-cifar10 N=469 gcn"
    flow = {**task, "epochs": 50, "hparams": '{"pretrain": "flow", "train_dtype": "bf16"}'}
    assert label(flow, show) == "nb201-cifar10 N=469 gcn epochs=50 pretrain=flow train_dtype=bf16"
    assert (
        label({**task, "hparams": "odd"}, show, size="78") == "nb201-cifar10 N=78 gcn hparams=odd"
    )
