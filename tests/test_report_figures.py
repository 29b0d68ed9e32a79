"""The report's figures and the statistics behind them: the fast Wilcoxon equals scipy's, the
paired interval, verdict counts and forest rows, rank tables tested against the best, search
regret and queries to the optimum; every chart compiles in Vega, keeps the palette's colours
and draws at most eight series per panel; pages open with a chart, skipped runs in one line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pwlkit import palette, viz
from pwlkit.claims import Finding, paired_test
from pwlkit.claims.anytime import queries_to_optimum, references, regret_curves
from pwlkit.claims.overview import forest_frame, verdict_counts
from pwlkit.claims.paired import signed_rank_p
from pwlkit.claims.ranks import loss_ranks, rank_table
from pwlkit.report.findings_page import FindingsPage, findings_html
from pwlkit.report.html import index_html
from pwlkit.report.plan import ReportPlan, ReportRun
from pwlkit.report.search_page import search_html
from pwlkit.report.wins_page import wins_html
from pwlkit.viz.checks import most_series, series_colours

LOSSES = ["mse", "mse+sr", "hr", "lr", "listmle", "ew", "mape", "warp", "neuralndcg"]


# ----------------------------------------------------------------------------- statistics


def test_signed_rank_p_is_scipys_number_with_ties_and_zeros():
    rng = np.random.default_rng(0)
    cases = [[0.5, 0.5, 1.0, -0.25, 2.0, 0.0, 1.5], [1, 1, 1, 1, 1, 1], [0, 0, 1, -1, 2, 2, 3, -3]]
    for _ in range(25):
        n = int(rng.integers(6, 11))
        cases.append(list(rng.integers(-3, 4, n) * 0.5))
    cases.append(list(np.round(rng.normal(size=12), 1)))  # ties at 12 pairs, no zero
    cases.append(list(rng.normal(size=9)))  # no tie: scipy's exact path, passed through
    for d in cases:
        if np.any(d):
            assert signed_rank_p(d) == float(stats.wilcoxon(d).pvalue), d


def test_paired_test_gives_a_bootstrap_interval_of_the_mean_difference():
    a = np.array([0.8, 0.7, 0.9, 0.75, 0.85, 0.8, 0.9])
    b = a - np.array([0.1, 0.05, 0.2, 0.0, 0.1, 0.15, 0.05])
    test = paired_test(a, b, "tau")
    assert test.lo <= test.mean_diff <= test.hi and test.lo > 0
    flipped = paired_test(a, b, "n_at_10")  # lower is better: the sign turns
    assert flipped.hi < 0 and flipped.mean_diff == pytest.approx(-test.mean_diff)
    single = paired_test([1.0], [0.0], "tau")
    assert np.isnan(single.lo) and np.isnan(single.hi)


def _finding() -> Finding:
    tasks = [
        {"task": "nb201-cifar10 N=78", "benchmark": "nb201-cifar10", "verdict": "holds",
         "mean_diff": 0.1, "diff_lo": 0.05, "diff_hi": 0.15, "p_value": 0.002, "p_holm": 0.01,
         "n": 10, "a": "warp", "b": "hr"},
        {"task": "nbgraph-cora N=131", "benchmark": "nbgraph-cora", "verdict": "inconclusive",
         "mean_diff": -0.01, "diff_lo": -0.05, "diff_hi": 0.03, "p_value": 0.5, "p_holm": 1.0,
         "n": 10, "a": "mape", "b": "hr"},
        {"task": "nb201-cifar100 N=78", "benchmark": "nb201-cifar100", "verdict": "contradicted",
         "mean_diff": -0.2, "diff_lo": -0.3, "diff_hi": -0.1, "p_value": 0.002, "p_holm": 0.004,
         "n": 10, "a": "warp", "b": "listmle"},
        {"task": "nb101 N=50", "benchmark": "nb101", "verdict": "inconclusive",
         "mean_diff": float("nan"), "p_value": float("nan"), "p_holm": float("nan"), "n": 0,
         "a": "ew", "b": "hr"},
    ]  # fmt: skip
    return Finding("weighted losses lead (best weighted vs best other)", "precision_at_0.5",
                   tasks=tasks)  # fmt: skip


def test_verdict_counts_per_claim_and_space():
    counts = verdict_counts([_finding(), Finding("untested", "tau", note="no runs")])
    by = counts.set_index(["space", "verdict"])["tasks"]
    assert by[("NAS-Bench-201", "holds")] == 1 and by[("NAS-Bench-201", "contradicted")] == 1
    assert by[("NAS-Bench-Graph", "inconclusive")] == 1 and by[("NAS-Bench-101", "holds")] == 0
    assert counts["tasks"].sum() == 4 and set(counts["claim"]) == {"weighted losses lead"}


def test_forest_rows_are_grouped_by_space_and_leave_out_untested_tasks():
    rows = forest_frame(_finding())
    assert list(rows["space"]) == ["NAS-Bench-201", "NAS-Bench-201", "NAS-Bench-Graph"]
    assert (rows["lo"] <= rows["mean_diff"]).all() and (rows["mean_diff"] <= rows["hi"]).all()


def _grid(seeds: int = 8) -> pd.DataFrame:
    """Two tasks of one space and one of another: hr always best, mse always last, the others
    shuffled by seed."""
    rng = np.random.default_rng(1)
    rows = []
    for bench in ("nb201-cifar10", "nb201-cifar100", "nbgraph-cora"):
        for size in (78, 469):
            for seed in range(seeds):
                middle = iter(0.3 + 0.05 * rng.permutation(len(LOSSES) - 2))
                for loss in LOSSES:
                    value = {"hr": 0.9, "mse": 0.1}.get(loss) or float(next(middle))
                    rows.append({"study": "losses_x", "benchmark": bench, "backbone": "gcn",
                                 "train_size": size, "seed": seed, "loss": loss,
                                 "precision_at_0.5": value, "tau": value})  # fmt: skip
    return pd.DataFrame(rows)


def test_rank_table_finds_the_best_and_those_behind_it():
    grid = _grid()
    ranks = loss_ranks(grid, "precision_at_0.5")
    assert set(ranks.loc[ranks["loss"] == "hr", "rank"]) == {1.0}
    assert set(ranks.loc[ranks["loss"] == "mse", "rank"]) == {float(len(LOSSES))}
    table = rank_table(grid, "precision_at_0.5")
    nb201 = table[(table["space"] == "NAS-Bench-201") & (table["train_size"] == 78)]
    best = nb201.set_index("loss")
    assert best.loc["hr", "best"] and best.loc["hr", "mean_rank"] == 1.0
    assert best.loc["mse", "behind"] and best.loc["mse", "blocks"] == 16  # 2 tasks x 8 seeds
    assert not best.loc["hr", "behind"] and np.isnan(best.loc["hr", "p_holm"])
    # a block missing a loss its task has elsewhere is left out: ranks stay out of 9
    holed = grid.drop(grid[(grid["seed"] == 0) & (grid["loss"] == "ew")].index)
    kept = loss_ranks(holed, "tau")
    assert 0 not in set(kept["seed"])
    assert set(kept.groupby(["benchmark", "train_size", "seed"]).size()) == {len(LOSSES)}


def _search(budget: int = 30, runs: int = 6) -> pd.DataFrame:
    """A made-up space whose best test error is 1.0: 'good' reaches it at query 10 in every
    run, 'slow' at query 25 in half of them, 'random' never."""
    rows = []
    for strategy, reach in (("good", 10), ("slow", 25), ("random", None)):
        for seed in range(runs):
            at = reach if strategy != "slow" or seed % 2 == 0 else None
            curve = [3.0 - q * 0.05 for q in range(budget)]
            if at is not None:
                curve[at - 1 :] = [1.0] * (budget - at + 1)
            rows.append({"benchmark": "toy-space", "strategy": strategy, "signal": "val",
                         "budget": budget, "seed": seed, "curve": curve,
                         "test_error": curve[-1], "found_best": curve[-1] == 1.0,
                         "best_signal": -curve[-1], "cell_id": f"{strategy}{seed}"})  # fmt: skip
    return pd.DataFrame(rows)


def test_regret_and_queries_to_the_optimum():
    search = _search()
    refs = references(search)
    assert refs.loc[0, "global_best"] == 1.0 and refs.loc[0, "source"] == "stored runs"
    curves = regret_curves(search, refs).set_index(["strategy", "queries"])
    assert curves.loc[("good", 10), "mean"] == 0.0 and curves.loc[("good", 9), "mean"] > 0
    assert curves.loc[("slow", 30), "mean"] == pytest.approx(0.5 * (3.0 - 29 * 0.05 - 1.0))
    lo, hi = curves.loc[("random", 5), ["lo", "hi"]]
    assert lo <= curves.loc[("random", 5), "mean"] <= hi
    table = queries_to_optimum(search, refs, at=(30,)).set_index("strategy")
    assert table.loc["good", "median queries"] == 10
    assert table.loc["slow", "at optimum @30"] == 0.5
    assert table.loc["random", "median queries"] == np.inf  # fewer than half get there
    assert table.loc["oracle", "regret @30"] == 0.0  # the best by the signal is the optimum


# ----------------------------------------------------------------------------- charts


def _compiles(chart) -> dict:
    import vl_convert as vlc

    spec = chart.to_dict()
    svg = vlc.vegalite_to_svg(spec)
    assert svg.startswith("<svg") and svg.count("<path") + svg.count("<rect") > 5
    return spec


def _palette_kept(spec: dict) -> None:
    for field, colours in series_colours(spec).items():
        if field in palette.SPEC_COLUMNS:
            assert colours == {n: palette.colour(n) for n in colours}, field


def test_every_new_chart_compiles_keeps_the_palette_and_eight_series_a_panel():
    viz.setup_charts("png")
    grid = _grid()
    search = _search()
    curves = regret_curves(search, references(search)).assign(task="toy-space")
    many = grid[grid["benchmark"] == "nb201-cifar10"].copy()
    extra = many[many["loss"] == "hr"].assign(loss="hr->mape@0.5")
    many = pd.concat([many, extra, extra.assign(loss="hr~>mape"), extra.assign(loss="auto")])
    charts = {
        "overview": viz.verdict_overview(verdict_counts([_finding()])),
        "forest": viz.forest_plot(forest_frame(_finding()), "precision_at_0.5"),
        "ranks": viz.rank_heatmap(rank_table(grid, "tau"), "tau"),
        "regret": viz.regret_lines(curves),
        "lines_12_losses": viz.metric_vs_train_size(many, "tau"),
        "bars_12_losses": viz.metric_bars(many, "tau", facet=None),
    }
    for name, chart in charts.items():
        spec = _compiles(chart)
        assert spec.get("title"), name
        _palette_kept(spec)
        assert most_series(spec) <= palette.MAX_SERIES, name
    lines = charts["lines_12_losses"].to_dict()
    assert series_colours(lines)["loss"]["hr->mape@0.5"] == palette.colour("mape")
    assert "strokeDash" in str(lines)  # the schedules are dashed


def test_axis_titles_say_the_unit_and_which_way_is_better():
    assert viz.metric_title("tau").endswith("higher is better)")
    assert "lower is better" in viz.metric_title("n_at_10")
    assert "lower is better" in viz.metric_title("regret")
    grid = _grid()
    spec = viz.metric_vs_train_size(grid, "precision_at_0.5").to_dict()
    text = str(spec)
    assert "higher is better" in text and "train size (architectures" in text


# ----------------------------------------------------------------------------- pages


def _main(page: str) -> str:
    return page.split("<main>", 1)[1]


def test_findings_page_opens_with_a_forest_plot_and_collapses_its_tables():
    found = [_finding(), Finding("untested claim (x)", "tau", note="needs a backbone grid")]
    page = findings_html(found, FindingsPage(cells=10, runs=0, stores=["s"]))
    main = _main(page)
    assert re.match(r"\s*<section><div class=['\"]?(pwlkit-chart|scroll)", main), main[:200]
    assert main.index("pwlkit-chart") < main.index("<table")
    assert "<details><summary>the 4 tasks: paired evidence</summary><table>" in main
    assert main.index("weighted losses lead") < main.index("untested claim")


def test_the_pages_of_which_loss_wins_where_and_of_search():
    wins = wins_html(_grid())
    assert wins.startswith('<div class="pwlkit-chart">') and "Holm" in wins
    search = search_html(_search())
    assert search.startswith('<div class="pwlkit-chart">')
    assert "queries to the optimum: toy-space, val signal" in search
    assert "not reached" in search and "oracle" in search


def test_index_opens_with_the_figure_and_says_skipped_runs_in_one_line_at_the_end(tmp_path):
    runs = [ReportRun(Path("a.ipynb"), None, "a", status="ok")]
    runs += [
        ReportRun(Path("b.ipynb"), Path(f"b_{i}.yaml"), f"b-b_{i}", status="skipped",
                  error="needs data for nb101")
        for i in range(3)
    ]  # fmt: skip
    counts = verdict_counts([_finding()])
    found = FindingsPage(lines=["one line"], cells=1, stores=["s"],
                         overview=viz.verdict_overview(counts).to_dict())  # fmt: skip
    page = index_html(ReportPlan(runs=runs, unmatched=[]), found)
    main = _main(page)
    assert main.lstrip().startswith('<div class="pwlkit-chart">')
    last = main[main.rindex("</table>") :]
    assert "b-b_0, b-b_1, b-b_2" in last and main.count("b-b_1") == 1
    assert "needs data for nb101" not in main  # the reason is said once, not per run
