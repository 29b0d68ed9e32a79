"""Claim checks on hand-made result frames whose answers are known: counts, directions (N@K is
lower-is-better), ties left out, untestable claims, search comparisons."""

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


def test_weighted_best_with_data_counts_tasks():
    df = _rows(
        {
            # task A: warp best at n=100 -> holds
            ("A", "warp", 100): 0.5,
            ("A", "hr", 100): 0.4,
            ("A", "warp", 10): 0.1,
            ("A", "hr", 10): 0.3,
            # task B: hr best at n=100 -> fails
            ("B", "warp", 100): 0.2,
            ("B", "hr", 100): 0.4,
            # a piecewise schedule never counts as a single loss
            ("B", "hr->warp@0.5", 100): 0.9,
        }
    )
    v = claims.weighted_best_with_data(df)
    assert (v.holds, v.total, v.ties) == (1, 2, 0)
    assert str(v) == (
        "weighted losses are best at the largest train size: holds on 1 of 2 "
        "tasks (precision_at_0.5)"
    )
    r = claims.ranking_best_with_little_data(df)
    assert (r.holds, r.total) == (2, 2)  # A at n=10: hr 0.3 > warp 0.1; B (only n=100): hr


def test_lower_is_better_metrics_flip_the_comparison():
    df = _rows({("A", "warp", 50): 3.0, ("A", "hr", 50): 40.0}, metric="n_at_10")
    assert claims.weighted_best_with_data(df, "n_at_10").holds == 1  # rank 3 beats rank 40
    assert claims.ranking_best_with_little_data(df, "n_at_10").holds == 0


def test_ties_are_left_out_and_reported():
    df = _rows(
        {("A", "warp", 50): 0.0, ("A", "hr", 50): 0.0, ("B", "warp", 50): 0.2, ("B", "hr", 50): 0.1}
    )
    v = claims.weighted_best_with_data(df)
    assert (v.holds, v.total, v.ties) == (1, 1, 1)
    assert "1 tied, left out" in str(v)
    assert list(v.details["holds"]) == ["tie", "yes"]


def test_untestable_claim_says_so():
    df = _rows({("A", "hr", 50): 0.2, ("A", "listmle", 50): 0.1})
    v = claims.hybrid_below_best_single(df, "precision_at_0.5")
    assert v.total == 0 and "not testable" in str(v)


def test_more_data_not_always_better_finds_drops_only_in_chosen_families():
    df = _rows(
        {
            ("A", "mse", 10): 0.3,
            ("A", "mse", 50): 0.2,
            ("A", "mse", 100): 0.4,
            ("A", "warp", 10): 0.1,
            ("A", "warp", 50): 0.2,
            ("A", "warp", 100): 0.3,
            ("B", "hr", 10): 0.1,
            ("B", "hr", 50): 0.2,
        }
    )
    v = claims.more_data_not_always_better(df)
    assert (v.holds, v.total) == (1, 2)
    assert v.details.set_index("benchmark").loc["A", "drops"] == "mse (10->50)"
    w = claims.more_data_not_always_better(df, families=["weighted"])
    assert (w.holds, w.total) == (0, 1)


def test_backbone_pairing_expects_ranking_for_mlp_and_weighted_for_transformer():
    mlp = _rows({("A", "listmle", 100): 0.5, ("A", "warp", 100): 0.3}, backbone="mlp")
    tr = _rows({("A", "listmle", 100): 0.5, ("A", "warp", 100): 0.3}, backbone="transformer")
    gcn = _rows({("A", "mse", 100): 0.9}, backbone="gcn")  # not part of the claim
    v = claims.backbone_pairing(pd.concat([mlp, tr, gcn]))
    assert (v.holds, v.total) == (1, 2)
    assert dict(zip(v.details["backbone"], v.details["holds"])) == {
        "mlp": "yes",
        "transformer": "no",
    }


def test_accuracy_vs_rank_weights_pairs_each_loss_with_its_rank_version():
    df = _rows(
        {
            ("A", "ew", 50): 0.4,
            ("A", "ew(weights=rank)", 50): 0.3,
            ("A", "warp", 50): 0.1,
            ("A", "warp(weights=rank)", 50): 0.2,
            ("A", "warp(margin=0.5, weights=rank)", 50): 0.9,
        }
    )
    v = claims.accuracy_weights_beat_rank(df)
    got = dict(zip(v.details["loss"], v.details["holds"]))
    assert got == {"ew": "yes", "warp": "no"}  # warp(margin=0.5) has no accuracy twin
    assert str(v).endswith("holds on 1 of 2 cases (precision_at_0.5)")


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
    assert claims.piecewise_beats_best_single(df).holds == 1
    soft = claims.soft_vs_hard(df)
    assert (soft.holds, soft.total) == (0, 1)
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


def test_search_comparisons_per_benchmark_budget_and_signal():
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
    v = claims.search_beats_baselines(runs)
    assert (v.holds, v.total) == (1, 2)
    assert v.unit == "comparisons"
    curves = claims.search_frame(runs)
    assert len(curves) == 27 and curves["queries"].max() == 3
    assert curves.query("strategy == 'pw' and queries == 1")["test_error"].eq(7.0).all()


def test_summary_table_one_row_per_claim():
    df = _rows({("A", "warp", 100): 0.5, ("A", "hr", 100): 0.4})
    table = claims.summary_table(
        [
            claims.weighted_best_with_data(df),
            claims.hybrid_below_best_single(df, "precision_at_0.5"),
        ]
    )
    assert list(table["holds"]) == [1, 0] and list(table["tasks"]) == [1, 0]


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


def test_rank_weights_pair_with_their_accuracy_twin_whatever_the_spelling():
    df = _rows(
        {
            ("A", "warp(margin=0.5)", 50): 0.4,
            ("A", "warp(weights=rank, margin=0.5)", 50): 0.3,  # same loss, other order
            ("A", "EW(weights=rank)", 50): 0.5,
            ("A", "ew", 50): 0.2,
            ("A", "warp(weights=none)", 50): 0.1,
        }
    )
    v = claims.accuracy_weights_beat_rank(df)
    assert dict(zip(v.details["loss"], v.details["holds"])) == {
        "warp(margin=0.5)": "yes",
        "ew": "no",
    }
    w = claims.weights_frame(df).drop_duplicates("loss").set_index("loss")
    assert w.loc["warp(weights=rank, margin=0.5)", "base"] == "warp(margin=0.5)"
    assert (w.loc["warp(weights=none)", "base"], w.loc["warp(weights=none)", "weights"]) == (
        "warp",
        "none",
    )
    assert w.loc["EW(weights=rank)", ["base", "weights"]].tolist() == ["ew", "rank"]


def _seeds(rows: list[tuple[str, str, int, list[float]]], metric: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"benchmark": b, "loss": loss, "train_size": n, "seed": s, metric: v}
            for b, loss, n, values in rows
            for s, v in enumerate(values)
        ]
    )


def test_seed_means_equal_up_to_rounding_are_ties_in_every_check():
    # the means of 0.2, 0.2, 0.2 and of 0.1, 0.2, 0.3 differ in the last bits: not a drop,
    # not a win, not a unique worst
    same, spread = [0.2, 0.2, 0.2], [0.1, 0.2, 0.3]
    df = _seeds([("A", "hr", 10, same), ("A", "hr", 50, spread)], "precision_at_0.5")
    assert claims.more_data_not_always_better(df).holds == 0
    runs = [
        {"benchmark": "A", "budget": 9, "signal": "val", "strategy": st, "seed": s, "test_error": e}
        for st, errors in (("pw", same), ("mse", spread))
        for s, e in enumerate(errors)
    ]
    assert claims.search_beats_baselines(runs).holds == 1  # "at most": a tie holds
    worst = _seeds(
        [("A", "mse", 50, spread), ("A", "hr", 50, same), ("A", "lr", 50, [0.5])],
        "precision_at_0.5",
    )
    v = claims.mse_worst_at_top(worst)
    assert (v.total, v.ties) == (0, 1)
