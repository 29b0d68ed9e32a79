"""Findings with paired tests: Holm and Wilcoxon against hand values and scipy, every claim on
synthetic frames with planted effects (holds / contradicted / inconclusive), notes for claims a
frame cannot test, the CLI on a real tiny store, bootstrap intervals and their clipping."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pwlkit import claims
from pwlkit.claims.evidence import loso_pick
from pwlkit.claims.findings import (
    accuracy_weights_beat_rank,
    backbone_pairing,
    hybrid_below_best_single,
    more_data_not_always_better,
    mse_worst_at_top,
    piecewise_beats_best_single,
    ranking_wins_little_data,
    search_beats_baselines,
    weighted_lead_with_data,
)
from pwlkit.claims.paired import ALPHA, holm, judge, paired_test, verdict
from pwlkit.cli import main as cli_main
from pwlkit.metrics import bootstrap_interval, clip_interval, metric_bounds

TOP = "precision_at_0.5"
SEEDS = 10


def frame(means: dict, alt=(), metric: str = TOP, seeds: int = SEEDS) -> pd.DataFrame:
    """Rows for ``{(benchmark, train size, loss[, backbone]): mean}``.

    Every seed shares a common shift (it cancels in a paired test) and a slope that grows with
    the mean, so a planted difference of d gives seed differences d + small, all distinct
    (exact Wilcoxon p = 2 / 2**10). Keys in ``alt`` get +-0.01 on alternate seeds: against an
    equal mean that is no effect at all (Wilcoxon p = 1).
    """
    rows = []
    for key, mean in means.items():
        bench, n, loss = key[:3]
        backbone = key[3] if len(key) > 3 else "gcn"
        for s in range(seeds):
            v = mean + 0.01 * math.sin(s) + 0.0005 * s * mean
            if key in alt:
                v += 0.01 if s % 2 else -0.01
            rows.append(
                {"benchmark": bench, "train_size": n, "loss": loss, "backbone": backbone, "seed": s}
                | {metric: v}
            )
    return pd.DataFrame(rows)


def verdicts(finding) -> dict[str, str]:
    return {t["task"]: t["verdict"] for t in finding.tasks}


# ----------------------------------------------------------------------------- statistics


def test_holm_matches_a_hand_computed_case():
    # sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 -> max(0.06, 0.04)
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.02, 0.5]) == pytest.approx([0.04, 0.5])
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])  # capped at 1
    out = holm([0.01, float("nan"), 0.02])  # no test: left out of m
    assert out[0] == pytest.approx(0.02) and np.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert holm([]).size == 0


def test_paired_test_is_scipy_wilcoxon_on_the_differences():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.3, 0.1, 12), rng.normal(0.25, 0.1, 12)
    r = paired_test(a, b, "tau")
    assert r.p_value == pytest.approx(stats.wilcoxon(a - b).pvalue)
    assert r.mean_diff == pytest.approx(np.mean(a - b)) and r.n == 12
    # N@K is lower-is-better: positive means A ranks the best architecture higher (smaller).
    ranks = paired_test([3, 2, 4, 1, 5, 2, 3], [9, 8, 12, 7, 10, 9, 8], "n_at_10")
    assert ranks.mean_diff == pytest.approx(np.mean([6, 6, 8, 6, 5, 7, 5]))
    assert ranks.p_value == pytest.approx(stats.wilcoxon([6, 6, 8, 6, 5, 7, 5]).pvalue)
    assert paired_test([1, 2, 3], [1, 2, 3], "tau").p_value == 1.0  # all differences zero
    one = paired_test([1.0], [0.0], "tau")
    assert (one.n, one.mean_diff) == (1, 1.0) and np.isnan(one.p_value)
    gaps = paired_test([1.0, np.nan, 3.0, 4.0], [0.0, 1.0, np.nan, 2.0], "tau")
    assert gaps.n == 2 and gaps.mean_diff == pytest.approx(1.5)
    with pytest.raises(ValueError, match="length"):
        paired_test([1, 2], [1], "tau")


def test_holm_runs_per_benchmark_and_leaves_out_tasks_too_small_to_test():
    def row(bench, p, n=10):
        return {"task": f"{bench} {p}", "benchmark": bench, "mean_diff": 0.1, "p_value": p, "n": n}

    # 30 tasks at the ten-seed floor p = 2 / 2**10: one claim-wide family (m = 30) would reject
    # none (30 x 0.00195 = 0.059); a family of 3 per benchmark rejects all of them
    floor = 2 / 2**10
    rows = [row(f"b{i % 10}", floor) for i in range(30)]
    judged = judge(rows)
    assert {r["verdict"] for r in judged} == {"holds"}
    assert judged[0]["p_holm"] == pytest.approx(3 * floor)
    assert holm([floor] * 30)[0] > ALPHA  # what one family of all 30 would have said
    # a five-seed task cannot reach p < 0.05: outside the family, it does not raise the bar
    mixed = judge([row("a", 0.02), row("a", 0.0625, n=5)])
    assert mixed[0]["p_holm"] == pytest.approx(0.02) and mixed[0]["verdict"] == "holds"
    assert np.isnan(mixed[1]["p_holm"]) and mixed[1]["verdict"] == "inconclusive"
    together = judge([row("a", 0.02), row("a", 0.03)])  # same benchmark: one family
    assert [r["p_holm"] for r in together] == pytest.approx([0.04, 0.04])


def test_verdict_needs_significance_and_a_direction():
    assert verdict(0.1, 0.01) == "holds"
    assert verdict(-0.1, 0.01) == "contradicted"
    assert verdict(0.1, 0.2) == verdict(0.0, 0.01) == verdict(0.1, float("nan")) == "inconclusive"


def test_leave_one_seed_out_picks_never_choose_with_the_tested_seed():
    block = np.array([[0.0, 1.0], [0.0, 1.0], [3.0, 0.0]])  # column 0 leads only by seed 2
    full, values, switched = loso_pick(block, "tau")
    assert full == 0 and values.tolist() == [0.0, 0.0, 0.0] and switched.tolist() == [0, 0, 1]
    # lower is better: column 1 overall; without seed 2, column 0 (0, 0) looks best for it
    full, values, _ = loso_pick(block, "n_at_10")
    assert full == 1 and values.tolist() == [1.0, 1.0, 3.0]


# ----------------------------------------------------------------------------- the claims


def sizes_frame(metric: str = TOP, lower: bool = False) -> pd.DataFrame:
    """A: weighted lead at N=500, ranking at N=50; B the other way; C no difference."""
    m, alt = {}, set()
    for bench, (w, r) in {"A": (0.5, 0.3), "B": (0.3, 0.5), "C": (0.4, 0.4)}.items():
        if lower:  # N@K: small is good
            w, r = 1 / w, 1 / r
        big, small = 1 / 0.1 if lower else 0.1, 1 / 0.05 if lower else 0.05
        m |= {(bench, 500, "warp"): w, (bench, 500, "hr"): r, (bench, 500, "mse"): big}
        m |= {(bench, 50, "warp"): r, (bench, 50, "hr"): w, (bench, 50, "mse"): small}
        m |= {(bench, 500, "mape"): (w + big) / 2, (bench, 500, "lambdaloss"): big}
    alt |= {("C", 500, "warp"), ("C", 50, "hr")}
    return frame(m, alt, metric)


def test_weighted_and_ranking_claims_follow_the_planted_effects():
    df = sizes_frame()
    w = weighted_lead_with_data(df)
    assert verdicts(w) == {"A N=500": "holds", "B N=500": "contradicted", "C N=500": "inconclusive"}
    assert (w.holds, w.contradicted, w.inconclusive) == (1, 1, 1)
    assert {(t["a"], t["b"]) for t in w.tasks} == {("warp", "hr")}
    r = ranking_wins_little_data(df)
    assert verdicts(r) == {"A N=50": "holds", "B N=50": "contradicted", "C N=50": "inconclusive"}
    low = weighted_lead_with_data(sizes_frame("n_at_10", lower=True), "n_at_10")
    assert verdicts(low)["A N=500"] == "holds" and verdicts(low)["B N=500"] == "contradicted"
    assert all(t["mean_diff"] > 0 for t in low.tasks if t["verdict"] == "holds")


def test_size_claims_leave_out_benchmarks_with_one_train_size():
    one = sizes_frame()
    one = one[(one["benchmark"] == "A") & (one["train_size"] == 500)]
    both = pd.concat([sizes_frame(), one.assign(benchmark="D")])
    for claim in (weighted_lead_with_data, ranking_wins_little_data):
        assert claim(one).tasks == [] and "two or more train sizes" in claim(one).note
        assert not any(t["task"].startswith("D") for t in claim(both).tasks)
        assert len(claim(both).tasks) == 3


def test_mse_worst_and_hybrid_claims():
    m = {}
    for bench, mse in {"A": 0.1, "B": 0.4, "C": 0.2}.items():  # worst other is 0.2
        m |= {(bench, 50, "mse"): mse, (bench, 50, "hr"): 0.5, (bench, 50, "warp"): 0.2}
    f = mse_worst_at_top(frame(m, alt={("C", 50, "mse")}))
    assert verdicts(f) == {"A N=50": "holds", "B N=50": "contradicted", "C N=50": "inconclusive"}
    assert {t["b"] for t in f.tasks} == {"mse"} and f.tasks[0]["a"] == "warp"
    m = {}
    for bench, hybrid in {"A": 0.3, "B": 0.8, "C": 0.6}.items():  # best other is 0.6
        m |= {(bench, 50, "mse+sr"): hybrid, (bench, 50, "hr"): 0.6, (bench, 50, "mse"): 0.1}
    h = hybrid_below_best_single(frame(m, alt={("C", 50, "mse+sr")}, metric="tau"))
    assert verdicts(h) == {"A N=50": "holds", "B N=50": "contradicted", "C N=50": "inconclusive"}
    assert "needs a study with the mse loss" in mse_worst_at_top(frame({("A", 5, "hr"): 1})).note


def test_backbone_pairing_tests_each_backbone_its_way():
    m = {}
    for bench, (mlp_rank, mlp_w) in {"A": (0.5, 0.2), "B": (0.2, 0.5)}.items():
        m |= {(bench, 50, "listmle", "mlp"): mlp_rank, (bench, 50, "warp", "mlp"): mlp_w}
        m |= {(bench, 50, "hr", "transformer"): 0.3, (bench, 50, "warp", "transformer"): 0.6}
    f = backbone_pairing(frame(m))
    assert verdicts(f) == {
        "A N=50 mlp": "holds",
        "A N=50 transformer": "holds",
        "B N=50 mlp": "contradicted",
        "B N=50 transformer": "holds",
    }
    assert f.note is None
    mlp_only = backbone_pairing(frame({k: v for k, v in m.items() if k[3] == "mlp"}))
    assert len(mlp_only.tasks) == 2 and "no transformer rows" in mlp_only.note
    none = backbone_pairing(sizes_frame())
    assert none.tasks == [] and "backbones mlp and transformer" in none.note


def test_accuracy_weights_against_rank_weights_of_the_same_loss():
    m = {}
    for bench, (acc, rank) in {"A": (0.5, 0.3), "B": (0.3, 0.5), "C": (0.4, 0.4)}.items():
        m |= {(bench, 50, "warp"): acc, (bench, 50, "warp(weights=rank)"): rank}
        m |= {(bench, 50, "hr"): 0.9}  # not weighted: never paired
    f = accuracy_weights_beat_rank(frame(m, alt={("C", 50, "warp")}))
    assert verdicts(f) == {
        "A N=50 warp": "holds",
        "B N=50 warp": "contradicted",
        "C N=50 warp": "inconclusive",
    }
    assert {(t["a"], t["b"]) for t in f.tasks} == {("warp", "warp(weights=rank)")}
    missing = accuracy_weights_beat_rank(sizes_frame())
    assert missing.tasks == [] and "weights=rank" in missing.note


def test_more_data_holds_where_some_loss_gets_worse():
    m = {}
    for bench, (hr_small, hr_big) in {"A": (0.5, 0.3), "B": (0.3, 0.5), "C": (0.4, 0.4)}.items():
        m |= {(bench, 50, "hr"): hr_small, (bench, 500, "hr"): hr_big}
        better = 0.2 if bench == "B" else 0.25  # B: every loss better with more data
        m |= {(bench, 50, "mse"): 0.1, (bench, 500, "mse"): 0.1 + better}
        m |= {(bench, 50, "warp"): 0.9, (bench, 500, "warp"): 0.1}  # weighted: not tested
    f = more_data_not_always_better(frame(m, alt={("C", 500, "hr"), ("A", 500, "mse")}))
    assert verdicts(f) == {
        "A N=50->500": "holds",
        "B N=50->500": "contradicted",
        "C N=50->500": "inconclusive",
    }
    a = f.tasks[0]
    assert (a["a"], a["b"], a["losses"], a["worse"]) == ("hr N=50", "hr N=500", 2, 1)
    one_size = more_data_not_always_better(frame({("A", 5, "hr"): 0.2}))
    assert one_size.tasks == [] and "two train sizes" in one_size.note


def test_piecewise_against_the_best_single_loss():
    m = {}
    for bench, pw in {"A": 0.7, "B": 0.3, "C": 0.5}.items():  # best single is 0.5
        m |= {(bench, 50, "hr->mape@0.5"): pw, (bench, 50, "hr"): 0.5, (bench, 50, "mape"): 0.4}
    f = piecewise_beats_best_single(frame(m, alt={("C", 50, "hr->mape@0.5")}))
    assert verdicts(f) == {"A N=50": "holds", "B N=50": "contradicted", "C N=50": "inconclusive"}
    assert {(t["a"], t["b"]) for t in f.tasks} == {("hr->mape@0.5", "hr")}
    assert "PW schedules" in piecewise_beats_best_single(sizes_frame()).note


def test_selections_are_neither_single_losses_nor_the_papers_schedules():
    from pwlkit.claims.specs import is_single, loss_family, switch_parts, weights_of

    for spec in ("auto", "auto(folds=5)", "hr->mape@auto"):
        assert loss_family(spec) == "selection"
        assert not is_single(spec) and switch_parts(spec) == {} and weights_of(spec) is None
    m = {}
    for bench in "AB":  # the selections are best everywhere, the fixed switch beats the singles
        m |= {(bench, 50, "hr->mape@0.5"): 0.6, (bench, 50, "hr"): 0.5, (bench, 50, "mape"): 0.4}
        m |= {(bench, 50, "auto"): 0.9, (bench, 50, "hr->mape@auto"): 0.8}
    f = piecewise_beats_best_single(frame(m))
    assert {(t["a"], t["b"]) for t in f.tasks} == {("hr->mape@0.5", "hr")}
    assert set(verdicts(f).values()) == {"holds"}


def search_rows() -> pd.DataFrame:
    """pw beats mse, loses to random, ties evolution (lower test error is better)."""
    errors = {"pw": 5.6, "mse": 5.9, "random": 5.3, "evolution": 5.6}
    rows = []
    for strategy, err in errors.items():
        for s in range(SEEDS):
            jitter = 0.01 * s * (err - 5.0)
            if strategy == "evolution":
                jitter = 0.05 if s % 2 else -0.05
            rows.append(
                {
                    "benchmark": "nb201-cifar10",
                    "strategy": strategy,
                    "loss": "hr->mape@20" if strategy == "pw" else "",
                    "signal": "val",
                    "budget": 100,
                    "seed": s,
                    "test_error": err + jitter + 0.02 * math.sin(s),
                }
            )
    return pd.DataFrame(rows)


def test_search_claim_is_paired_by_seed_and_lower_error_is_better():
    f = search_beats_baselines(search_rows())
    assert verdicts(f) == {
        "nb201-cifar10 budget=100 vs evolution": "inconclusive",
        "nb201-cifar10 budget=100 vs mse": "holds",
        "nb201-cifar10 budget=100 vs random": "contradicted",
    }
    assert {t["a"] for t in f.tasks} == {"pw (hr->mape@20)"}
    assert "needs search results" in search_beats_baselines(None).note
    no_pw = search_beats_baselines(search_rows().query("strategy != 'pw'"))
    assert no_pw.tasks == [] and "no 'pw' strategy" in no_pw.note


def test_findings_never_raise_and_name_what_is_missing():
    empty = claims.findings(None, None)
    assert len(empty) == 9 and all(f.tasks == [] and f.note for f in empty)
    no_metric = claims.findings(sizes_frame().drop(columns=TOP))
    assert "lack the column(s) ['precision_at_0.5']" in no_metric[0].note
    few = {("A", n, loss): v for n in (5, 50) for loss, v in (("warp", 0.5), ("hr", 0.3))}
    few = weighted_lead_with_data(frame(few, seeds=5))
    assert verdicts(few) == {"A N=50": "inconclusive"} and "needs 6 pairs" in few.note


def test_findings_of_several_studies_keep_their_settings_apart():
    a, b = sizes_frame().assign(epochs=50), sizes_frame().assign(epochs=100)
    a["cell_id"] = [f"a{i}" for i in range(len(a))]
    b["cell_id"] = [f"b{i}" for i in range(len(b))]
    found = claims.findings({"e50": a, "e100": b, "again": a.copy()}, search_rows())
    weighted = verdicts(found[0])
    assert weighted["A N=500 epochs=50"] == weighted["A N=500 epochs=100"] == "holds"
    assert all(t["n"] == SEEDS for t in found[0].tasks)  # the repeated store counts once
    table = claims.findings_table(found)
    assert len(table) == 9 and ("A N=500 epochs=50", "verdict") in table.columns
    assert table.loc[0, ("holds", "")] == found[0].holds


def test_to_dict_has_the_documented_shape_and_is_plain_json():
    f = weighted_lead_with_data(sizes_frame())
    d = f.to_dict()
    assert list(d)[:6] == ["claim", "metric", "tasks", "holds", "contradicted", "inconclusive"]
    assert (d["holds"], d["contradicted"], d["inconclusive"]) == (1, 1, 1)
    for t in d["tasks"]:
        assert list(t)[:8] == ["task", "verdict", "mean_diff", "p_value", "p_holm", "n", "a", "b"]
    json.dumps(d, allow_nan=False)
    assert claims.findings(None)[0].to_dict()["tasks"] == []


# ----------------------------------------------------------------------------- the CLI


def test_cli_findings_on_a_real_tiny_store(tmp_path, capsys):
    from pwlkit.search import run_search_study
    from pwlkit.study import run_study

    study = {
        "name": "tiny_findings",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["mse", "hr", "mape", "warp"],
        "train_sizes": [12, 24],
        "backbones": ["mlp"],
        "seeds": 3,
        "epochs": 2,
        "output_dir": str(tmp_path / "studies"),
    }
    run_study(study, executor="inline", progress=False, threads=1)
    search = {
        "name": "tiny_search",
        "benchmarks": ["nbgraph-cora"],
        "strategies": ["random", "evolution"],
        "budgets": [20],
        "seeds": 2,
        "output_dir": str(tmp_path / "searches"),
    }
    run_search_study(search, executor="inline", progress=False)
    assert cli_main(["findings", "--studies", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 9
    for d in out:
        assert {"claim", "metric", "tasks", "holds", "contradicted", "inconclusive"} <= set(d)
        assert d["holds"] + d["contradicted"] + d["inconclusive"] == len(d["tasks"])
        for t in d["tasks"]:
            assert {"task", "verdict", "mean_diff", "p_value", "n"} <= set(t)
            assert t["verdict"] in ("holds", "contradicted", "inconclusive")
    weighted = out[0]
    assert [t["task"] for t in weighted["tasks"]] == ["nbgraph-cora N=24"]
    assert weighted["tasks"][0]["n"] == 3 and "6 pairs" in weighted["note"]
    assert "no 'pw' strategy" in out[-1]["note"]  # the search store was found and read

    assert cli_main(["findings", "--studies", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "holds on 0 of 1 tasks, contradicted on 0" in text
    assert "nbgraph-cora N=24: inconclusive, " in text


def test_cli_findings_bad_folders_are_one_line_errors(tmp_path, capsys):
    assert cli_main(["findings", "--studies", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not found" in err
    assert cli_main(["findings", "--studies", str(tmp_path)]) == 2
    assert "no stores inside" in capsys.readouterr().err


# ----------------------------------------------------------------------------- intervals


def test_bootstrap_interval_is_scipy_bootstrap_of_the_mean():
    x = np.array([1.0, 3.0, 2.0, 8.0, 5.0])
    direct = stats.bootstrap(
        (x,), np.mean, confidence_level=0.9, method="percentile", rng=np.random.default_rng(3)
    ).confidence_interval
    assert bootstrap_interval(x, 0.9, seed=3) == pytest.approx((direct.low, direct.high))
    assert bootstrap_interval(x) == bootstrap_interval(x)  # seeded: the same every call
    low, high = bootstrap_interval(x, method="BCa")
    assert low < x.mean() < high
    assert all(np.isnan(bootstrap_interval([4.0])))
    assert bootstrap_interval([2.0, np.nan, 4.0]) == bootstrap_interval([2.0, 4.0])
    with pytest.raises(ValueError, match="confidence level"):
        bootstrap_interval(x, level=1.5)


def test_intervals_are_clipped_to_what_the_metric_can_take():
    assert clip_interval(-3.0, 12.0, "n_at_10") == (1.0, 12.0)
    assert clip_interval(-0.1, 1.2, "precision_at_0.5") == (0.0, 1.0)
    assert clip_interval(-1.3, 0.4, "tau") == (-1.0, 0.4)
    assert clip_interval(-5.0, 5.0, "fit_seconds") == (-5.0, 5.0)
    low, high = clip_interval(np.array([0.2, -1.0]), np.array([3.0, 0.5]), "n_at_1")
    assert low.tolist() == [1.0, 1.0] and high.tolist() == [3.0, 1.0]
    assert metric_bounds("n_at_50") == (1.0, math.inf)
