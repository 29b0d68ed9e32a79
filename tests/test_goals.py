"""The questions beyond the paper (NDCG losses, adaptive switch, auto) on planted frames."""

from __future__ import annotations

import math

import pandas as pd

from pwlkit.claims.goals import (
    adaptive_beats_fixed,
    auto_against_references,
    auto_goal_counts,
    best_configuration,
    best_on_average,
    default_from_other_spaces,
    default_within_se,
    ndcg_beats_weighted,
    within_se_counts,
)

TOP = "precision_at_0.5"


def frame(means: dict, seeds: int = 10, spread: float = 0.0) -> pd.DataFrame:
    """Rows for ``{(benchmark, train size, loss): mean}``; seed s adds a shared shift (it
    cancels when paired) plus ``spread`` x (s - 4.5) of independent-looking noise."""
    rows = []
    for (bench, n, loss), mean in means.items():
        for s in range(seeds):
            v = mean + 0.01 * math.sin(s) + 0.0005 * s * mean
            v += spread * ((s * 7 + len(loss)) % 5 - 2)
            rows.append(
                {"benchmark": bench, "train_size": n, "loss": loss, "backbone": "gcn"}
                | {"seed": s, TOP: v, "tau": v}
            )
    return pd.DataFrame(rows)


def verdicts(finding) -> dict[str, str]:
    return {t["task"]: t["verdict"] for t in finding.tasks}


def test_ndcg_loss_against_the_better_weighted_loss_only_at_large_sizes():
    m = {}
    for bench, lam in {"A": 0.6, "B": 0.3}.items():
        for n in (78, 469):
            m |= {(bench, n, "lambdaloss"): lam, (bench, n, "warp"): 0.5, (bench, n, "mape"): 0.4}
    (f,) = ndcg_beats_weighted(frame(m))
    assert f.claim.startswith("lambdaloss beats the better of WARP and MAPE")
    assert verdicts(f) == {"A N=469": "holds", "B N=469": "contradicted"}
    assert {t["b"] for t in f.tasks} == {"warp"}
    assert ndcg_beats_weighted(frame({("A", 469, "hr"): 0.5})) == []


def test_adaptive_switch_against_the_half_way_switch_of_its_pair():
    m = {("A", 469, "hr->mape@auto"): 0.5, ("A", 469, "hr->mape@0.5"): 0.3}
    m |= {("B", 469, "hr->mape@auto"): 0.3, ("B", 469, "hr->mape@0.5"): 0.3}
    (f,) = adaptive_beats_fixed(frame(m))
    assert f.claim == "hr->mape@auto beats hr->mape@0.5"
    assert verdicts(f)["A N=469"] == "holds"
    assert verdicts(f)["B N=469"] != "holds"
    assert adaptive_beats_fixed(frame({("A", 469, "hr->mape@auto"): 0.5})) == []


def test_auto_against_the_best_average_loss_the_pw_pair_and_the_oracle():
    m = {}
    # hr best on average (0.5 + 0.5), mape the oracle on B only; auto tracks the oracle
    for bench, (hr, mape, auto) in {"A": (0.6, 0.2, 0.6), "B": (0.4, 0.5, 0.45)}.items():
        m |= {(bench, 469, "hr"): hr, (bench, 469, "mape"): mape, (bench, 469, "auto"): auto}
        m |= {(bench, 469, "hr->mape@0.5"): 0.1, (bench, 469, "hr->mape@0.5(refit)"): 0.1}
    # a pair that never meets auto in a task
    m |= {("C", 469, "hr"): 0.5, ("C", 469, "mape"): 0.2, ("C", 469, "mse->ew@0.5"): 0.3}
    df = frame(m)
    assert best_on_average(df) == "hr"
    found, oracle = auto_against_references(df)
    assert [f.claim for f in found] == [
        "auto matches the best-on-average loss (hr)",
        "auto against the PW pair hr->mape@0.5",
    ]
    assert verdicts(found[0])["B N=469"] == "holds" and verdicts(found[1]) == {
        "A N=469": "holds",
        "B N=469": "holds",
    }
    by = oracle.set_index("benchmark")
    assert by.loc["A", "oracle"] == "hr" and by.loc["B", "oracle"] == "mape"
    assert bool(by.loc["A", "within_se"])  # equal means
    assert not bool(by.loc["B", "within_se"])  # 0.05 below with a tiny standard error
    found, oracle = auto_against_references(frame({("A", 469, "hr"): 0.5}))
    assert found == [] and oracle.empty


def test_best_configuration_orders_by_mean():
    df = frame({("A", 469, "hr"): 0.8, ("A", 469, "mse"): 0.6, ("B", 469, "mse"): 0.9})
    table = best_configuration(df, "A", 469, "tau")
    assert list(table["loss"]) == ["hr", "mse"] and list(table["count"]) == [10, 10]


def test_auto_goal_counts_tally_the_best_average_duel_and_the_oracle():
    m = {}
    # hr best on average; auto level with it on A, far below on B, above it on C
    for bench, (hr, mape, auto) in {
        "A": (0.6, 0.2, 0.6),
        "B": (0.5, 0.45, 0.1),
        "C": (0.4, 0.5, 0.45),
    }.items():
        m |= {(bench, 469, "hr"): hr, (bench, 469, "mape"): mape, (bench, 469, "auto"): auto}
    counts = auto_goal_counts(frame(m))
    # A: equal to hr and to the oracle; B: significantly below; C: above hr, below mape
    assert counts == {"cases": 3, "matches_average": 2, "below_average": 1, "within_se": 1}
    assert auto_goal_counts(frame({("A", 469, "hr"): 0.5}))["cases"] == 0


def test_default_from_other_spaces_never_looks_at_its_own_space():
    grids = {
        "one": frame({("A", 469, "hr"): 0.9, ("A", 469, "mape"): 0.1}),
        "two": frame({("B", 469, "hr"): 0.1, ("B", 469, "mape"): 0.5}),
        "three": frame({("C", 469, "hr"): 0.2, ("C", 469, "mape"): 0.4}),
    }
    # "one" alone prefers hr, but the two others prefer mape; each of those sees "one"
    assert default_from_other_spaces(grids) == {"one": "mape", "two": "hr", "three": "hr"}
    assert default_from_other_spaces({"one": grids["one"]}) == {"one": None}


def test_default_within_se_is_chosen_on_the_other_spaces_and_counted_on_its_own():
    # seeds differ by 0.01 sin(s) + 0.0005 s mean: one standard error is about 0.003
    one = [
        frame({("A", n, "hr"): hr, ("A", n, "mape"): hr - 0.2}) for n, hr in ((78, 0.5), (469, 0.6))
    ]
    grids = {
        "one": pd.concat(one),  # hr the oracle in both tasks, mape 0.2 behind
        "two": frame({("B", 78, "hr"): 0.2, ("B", 78, "mape"): 0.5}),  # mape leads
        "three": frame({("C", 78, "hr"): 0.1, ("C", 78, "mape"): 0.4}),  # mape leads
    }
    assert within_se_counts(grids["one"]) == {"hr": (2, 2), "mape": (0, 2)}
    table = default_within_se(grids).set_index("space")
    # "one" never sees its own hr lead: the others put mape within one SE in 2 of 2
    assert table.loc["one", ["default", "within", "cases"]].tolist() == ["mape", 0, 2]
    assert table.loc["one", "share_elsewhere"] == 1.0
    # "two" sees one (hr 2 of 2, mape 0 of 2) and three (mape 1 of 1): hr 2/3 against 1/3
    assert table.loc["two", ["default", "within", "cases"]].tolist() == ["hr", 0, 1]
    assert math.isclose(table.loc["two", "share_elsewhere"], 2 / 3)
    alone = default_within_se({"one": grids["one"]}).iloc[0]
    assert alone["default"] is None and alone["within"] == 0 and alone["cases"] == 2
