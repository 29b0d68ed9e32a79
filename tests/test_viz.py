"""Chart builders: interval numbers, whole-space scatters past altair's row limit, top-K ranks,
metric directions, and the report renderer's mime bundle."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pwlkit import viz


@pytest.fixture(autouse=True)
def _restore_altair():
    """Charts setup is global altair state: put it back after each test."""
    renderer, transformer = alt.renderers.active, alt.data_transformers.active
    opts = dict(alt.data_transformers.options)
    yield
    alt.renderers.enable(renderer)
    alt.data_transformers.enable(transformer, **opts)


def _frame(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for bench in ("b1", "b2"):
        for loss in ("mse", "hr", "warp"):
            for n in (20, 50, 100):
                for seed in range(4):
                    rows.append(
                        {
                            "benchmark": bench,
                            "loss": loss,
                            "train_size": n,
                            "seed": seed,
                            "backbone": "gcn",
                            "tau": rng.random(),
                            "n_at_10": int(rng.integers(1, 99)),
                        }
                    )
    return pd.DataFrame(rows)


def test_mean_ci_matches_scipy_t_interval():
    vals = np.array([0.1, 0.4, 0.35, 0.8, 0.55])
    df = pd.DataFrame({"g": ["a"] * 5 + ["b"], "v": [*vals, 0.3]})
    out = viz.mean_ci(df, ["g"], "v", level=0.9, interval="t").set_index("g")
    lo, hi = stats.t.interval(0.9, len(vals) - 1, loc=vals.mean(), scale=stats.sem(vals))
    assert out.loc["a", "mean"] == pytest.approx(vals.mean())
    assert (out.loc["a", "lo"], out.loc["a", "hi"]) == pytest.approx((lo, hi))
    assert out.loc["a", "n"] == 5
    # One seed: no interval, the bounds collapse onto the mean.
    assert out.loc["b", "lo"] == out.loc["b", "hi"] == pytest.approx(0.3)


def test_mean_ci_default_is_the_seeded_scipy_bootstrap():
    vals = np.array([0.1, 0.4, 0.35, 0.8, 0.55, 0.2])
    df = pd.DataFrame({"g": ["a"] * 6 + ["b"], "v": [*vals, 0.3]})
    out = viz.mean_ci(df, ["g"], "v").set_index("g")
    res = stats.bootstrap((vals,), np.mean, method="percentile", rng=np.random.default_rng(0))
    ci = res.confidence_interval
    assert (out.loc["a", "lo"], out.loc["a", "hi"]) == pytest.approx((ci.low, ci.high))
    assert out.loc["b", "lo"] == out.loc["b", "hi"] == pytest.approx(0.3)
    # The same frame draws the same band twice (seeded resampling).
    assert viz.mean_ci(df, ["g"], "v").equals(viz.mean_ci(df, ["g"], "v"))


@pytest.mark.parametrize("interval", ["bootstrap", "t"])
def test_mean_ci_stays_inside_the_metric_bounds(interval):
    """A rank never below 1, a precision never below 0, whatever the spread of the seeds."""
    ranks = [1, 1, 1, 1, 400]  # one bad seed: the t-interval would reach far below 1
    precision = [0.0, 0.0, 0.0, 0.0, 0.9]
    df = pd.DataFrame({"g": ["a"] * 5, "n_at_10": ranks, "precision_at_0.5": precision})
    low = viz.mean_ci(df, ["g"], "n_at_10", interval=interval)["lo"].iloc[0]
    assert low >= 1.0
    assert viz.mean_ci(df, ["g"], "precision_at_0.5", interval=interval)["lo"].iloc[0] >= 0.0
    if interval == "t":  # the unclipped t-interval does run below the bound here
        _, sd = np.mean(ranks), np.std(ranks, ddof=1)
        assert np.mean(ranks) - float(viz.t_half_width(sd, 5)) < 1.0


def test_mean_ci_rejects_an_unknown_interval():
    with pytest.raises(ValueError, match="'normal' is not one of bootstrap, t"):
        viz.mean_ci(pd.DataFrame({"g": [1], "v": [1.0]}), ["g"], "v", interval="normal")


def _y_scale_types(spec) -> set:
    """The scale types of every y encoding in a chart spec (None: linear, the default)."""
    found = set()
    if isinstance(spec, dict):
        y = spec.get("encoding", {}).get("y")
        if isinstance(y, dict) and "field" in y:
            found.add(y.get("scale", {}).get("type"))
        for v in spec.values():
            found |= _y_scale_types(v)
    elif isinstance(spec, list):
        for v in spec:
            found |= _y_scale_types(v)
    return found


def test_rank_metrics_are_drawn_on_a_log_axis():
    df = _frame(np.random.default_rng(6))
    for chart in (viz.metric_vs_train_size(df, "n_at_10"), viz.metric_bars(df, "n_at_10")):
        assert _y_scale_types(chart.to_dict()) == {"log"}
    for chart in (viz.metric_vs_train_size(df, "tau"), viz.metric_bars(df, "tau")):
        assert _y_scale_types(chart.to_dict()) == {None}


def test_mean_ci_names_missing_columns():
    with pytest.raises(KeyError, match="train_size"):
        viz.mean_ci(pd.DataFrame({"tau": [1.0]}), ["train_size"], "tau")


@pytest.mark.parametrize(
    ("metric", "lower"),
    [("tau", False), ("precision_at_0.5", False), ("n_at_10", True), ("test_error", True)],
)
def test_metric_direction(metric, lower):
    assert viz.lower_is_better(metric) is lower


def test_whole_space_scatter_keeps_every_point_after_setup():
    n = 26_206  # NAS-Bench-Graph's size
    rng = np.random.default_rng(0)
    true, pred = rng.random(n), rng.random(n)
    chart = viz.pred_vs_true(true, pred, train_idx=np.arange(30), top_k=10)
    with pytest.raises(alt.MaxRowsError):
        alt.data_transformers.enable("default")
        chart.to_dict()
    viz.setup_charts("png")
    spec = chart.to_dict()
    rows = sum(len(v) for v in spec["datasets"].values())
    assert rows == n
    top = next(v for v in spec["datasets"].values() if any(r["group"] != "space" for r in v))
    assert sum(r["group"] == "predicted top-10" for r in top) == 10
    assert sum(r["group"] == "train" for r in top) == 30 - len(
        set(range(30)) & set(np.argsort(-pred)[:10])
    )


def test_top_k_table_ranks_against_brute_force():
    rng = np.random.default_rng(3)
    true = rng.integers(0, 20, 200).astype(float)  # ties on purpose
    pred = rng.random(200)
    tab = viz.top_k_table(pred, true, k=7, arch=[f"a{i}" for i in range(200)])
    order = np.argsort(-pred)[:7]
    assert list(tab["arch"]) == [f"a{i}" for i in order]
    for i, rank in zip(order, tab["true rank"]):
        assert rank == 1 + int((true > true[i]).sum())


def test_line_chart_reverses_axis_for_lower_is_better():
    df = _frame(np.random.default_rng(1))
    spec = viz.metric_vs_train_size(df, "n_at_10").to_dict()
    text = str(spec)
    assert "'reverse': True" in text and "'facet'" in text
    assert "'reverse': True" not in str(viz.metric_vs_train_size(df, "tau").to_dict())
    errors = df.assign(test_error=df["tau"])  # lower is better, but not a rank: axis up
    assert "'reverse': True" not in str(viz.metric_vs_train_size(errors, "test_error").to_dict())
    # Panels keep their own y scale: tasks report in percent, fractions or ranks.
    assert spec["resolve"] == {"scale": {"y": "independent"}}


def test_heatmap_cells_hold_seed_means():
    df = _frame(np.random.default_rng(2))
    spec = viz.heatmap(df, "tau", x="loss", y="train_size").to_dict()
    cells = next(iter(spec["datasets"].values()))
    want = df.groupby(["benchmark", "train_size", "loss"])["tau"].mean()
    assert len(cells) == len(want)
    for c in cells:
        assert c["mean"] == pytest.approx(want[(c["benchmark"], c["train_size"], c["loss"])])


def test_flatten_metrics_uses_result_column_names():
    nested = {
        "tau": 0.5,
        "spearman": 0.6,
        "precision_at": {0.5: 0.1, 1.0: 0.2},
        "n_at_k": {1: 40, 10: 3},
    }
    assert viz.flatten_metrics(nested) == {
        "tau": 0.5,
        "spearman": 0.6,
        "precision_at_0.5": 0.1,
        "precision_at_1": 0.2,
        "n_at_1": 40,
        "n_at_10": 3,
    }


def test_report_renderer_bundle():
    small = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_point().encode(x="x", y="y")
    viz.setup_charts("report")
    bundle = alt.renderers.get()(small.to_dict())
    assert viz.VEGALITE_MIME in bundle
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    big = viz.pred_vs_true(np.arange(6000.0), np.arange(6000.0))
    bundle = alt.renderers.get()(big.to_dict())
    assert viz.VEGALITE_MIME in bundle and "image/png" not in bundle  # too slow to rasterise


def test_every_builder_compiles_and_draws_in_vega():
    """vl-convert runs the same Vega-Lite compiler and Vega renderer as the browser."""
    import vl_convert as vlc

    df = _frame(np.random.default_rng(4))
    viz.setup_charts("png")
    rng = np.random.default_rng(5)
    charts = {
        "lines": viz.metric_vs_train_size(df, "tau"),
        "lines_lower": viz.metric_vs_train_size(df, "n_at_10"),
        "bars": viz.metric_bars(df, "tau", x="loss", color="backbone"),
        "bars_plain": viz.metric_bars(df, "n_at_10", x="loss", facet=None),
        "heatmap": viz.heatmap(df, "tau", x="loss", y="train_size"),
        "heatmap_lower": viz.heatmap(df, "n_at_10", x="loss", y="train_size", facet=None),
        "scatter": viz.pred_vs_true(
            rng.random(500), rng.random(500), train_idx=[1, 2], arch=[f"a{i}" for i in range(500)]
        ),
    }
    for name, chart in charts.items():
        svg = vlc.vegalite_to_svg(chart.to_dict())
        assert svg.startswith("<svg") and svg.count("<path") + svg.count("<rect") > 5, name


def test_setup_charts_rejects_unknown_mode():
    with pytest.raises(ValueError, match="interactive, report, png, svg"):
        viz.setup_charts("cdn")


def test_setup_charts_reads_environment(monkeypatch):
    monkeypatch.setenv(viz.CHART_MODE_ENV, "svg")
    assert viz.setup_charts() == "svg"
    assert alt.renderers.active == "svg"
