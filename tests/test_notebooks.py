"""Every notebook executes under papermill with tiny parameters, through `pwlkit report`, and the
report's index links each one; charts are embedded as inline Vega specs, keep the palette's
colours and draw at most eight series per panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import vl_convert as vlc

from pwlkit import palette, report
from pwlkit.search.notebook import search_parameters
from pwlkit.study.notebook import study_parameters
from pwlkit.viz.checks import most_series, series_colours

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BENCH = "analognas-baseline"  # embedded: no data files needed

# Grids of a few fits with narrow predictors and two epochs: the point is that every cell runs
# (charts, tables, claim checks), not the numbers.
NARROW = {"hidden": 8, "layers": 1, "head_hidden": 8}
STUDY = {
    "benchmarks": [BENCH],
    "train_sizes": [10, 20],
    "seeds": [0],
    "epochs": 2,
    "executor": "inline",
    "hyperparameters": NARROW,
}
TINY: dict[str, dict] = {
    "loss_size": {**STUDY, "name": "t_loss_size", "losses": ["hr", "mape", "hr->mape"]},
    "topk_vs_data": {**STUDY, "name": "t_loss_size", "losses": ["hr", "mape", "hr->mape"]},
    "backbone_loss": {
        **STUDY,
        "name": "t_backbone",
        "losses": ["hr", "warp"],
        "train_sizes": [20],
        "backbones": ["mlp", "gcn"],
        "hyperparameters": {"hidden": 8, "layers": 1},
    },
    "weights_gt_vs_rank": {
        **STUDY,
        "name": "t_weights",
        "train_sizes": [20],
        "losses": ["ew", "ew(weights=rank)"],
    },
    "piecewise": {
        **STUDY,
        "name": "t_pw",
        "train_sizes": [20],
        "losses": ["hr", "mape", "hr->mape@0.5", "hr->mape@0.25", "hr~>mape"],
    },
    "search": {
        "name": "t_search",
        "benchmarks": [BENCH],
        "strategies": ["pw", "random"],
        "budgets": [14],
        "runs": 1,
        "n_init": 10,
        "pool_size": 10,
        "top_k": 2,
        "epochs": 2,
        "population": 10,
        "sample": 3,
        "hyperparameters": NARROW,
    },
    # Reads the shipped stores (no training): the point is that the tests run on real results.
    "beyond_paper": {"studies": str(ROOT / "results"), "stored_benchmark": "nb201-cifar10"},
    "explorer": {"benchmark": BENCH, "train_size": 20, "epochs": 2, "hyperparameters": NARROW},
}


def test_every_notebook_has_tiny_parameters():
    assert set(TINY) == {p.stem for p in NOTEBOOKS.glob("*.ipynb")}


def test_the_set_up_call_takes_only_the_study_keys_a_notebook_sets():
    """None means the library default (a report run's file leaves the key out); data_dir and
    the executor are how the grid runs, not what it is."""
    names = {"name": "s", "epochs": None, "data_dir": "d", "executor": "inline", "top_metric": "x"}
    assert study_parameters(names) == {"name": "s"}
    assert search_parameters({**names, "runs": 3}) == {"name": "s", "runs": 3}


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_layout(path):
    """Committed without outputs; first code cell tagged `parameters` holding plain defaults;
    a narrative first; a closing `verdict` cell."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs committed"
    assert "parameters" in code[0].metadata.get("tags", [])
    assert not re.search(r"^\s*(import|from)\s", code[0].source, re.MULTILINE)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "verdict" in code[-1].metadata.get("tags", [])
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for key in TINY[path.stem]:
        if key not in ("executor",):
            assert re.search(rf"^{re.escape(key)} = ", code[0].source, re.MULTILINE), key


def test_the_notebook_on_shipped_results_needs_no_benchmark_tables(tmp_path):
    """It trains nothing, so the report must never skip it for lack of data (an empty data
    folder here, as on a fresh machine)."""
    params = report.notebook_parameters(NOTEBOOKS / "beyond_paper.ipynb")
    assert report.missing_data(params, tmp_path) == []
    assert report.missing_data({"benchmark": "nb201-cifar10"}, tmp_path) == ["nb201-cifar10"]


HALVES = {
    "grids": ["loss_size", "piecewise", "topk_vs_data", "weights_gt_vs_rank"],
    "others": ["backbone_loss", "explorer", "search"],
}
"""The trained notebooks in two reports, so that the suite's two workers share them.
beyond_paper, which reads the shipped stores, runs in the shared report of conftest
(test_findings_page, the browser test): not twice."""


def test_the_halves_hold_every_trained_notebook():
    assert sorted(n for half in HALVES.values() for n in half) == sorted(
        set(TINY) - {"beyond_paper"}
    )


@pytest.mark.slow
@pytest.mark.parametrize("half", sorted(HALVES))
def test_all_notebooks_run_in_the_report(tmp_path, half):
    studies = str(tmp_path / "studies")
    overrides = {}
    for stem, params in TINY.items():
        overrides[stem] = dict(params)
        if stem != "explorer":
            overrides[stem]["output_dir"] = studies
    out = tmp_path / "report"
    trained = HALVES[half]
    plan = report.run_report(
        NOTEBOOKS,
        None,
        out,
        only=trained,
        overrides=overrides,
        jobs=2,
        findings_from=None,
        log=lambda *_: None,
    )
    failed = {r.label: r.error for r in plan.runs if r.status != "ok"}
    assert not failed, failed
    assert {r.label for r in plan.runs} == set(trained)

    index = (out / "index.html").read_text()
    assert set(re.findall(r'href="([^"]+)\.html"', index)) == set(trained)
    for run in plan.runs:
        assert run.verdicts, f"{run.label}: the closing cell printed nothing"
        nb = nbformat.read(out / run.ipynb_name, as_version=4)
        specs = [
            o["data"][report_mime()]
            for c in nb.cells
            for o in c.get("outputs", [])
            if report_mime() in o.get("data", {})
        ]
        assert specs, f"{run.label}: no chart"
        for spec in specs:  # the browser's compiler and renderer, run by vl-convert
            assert vlc.vegalite_to_svg(spec).startswith("<svg"), run.label
            # one colour per loss on every page, at most eight coloured series per panel
            assert most_series(spec) <= palette.MAX_SERIES, run.label
            for field, colours in series_colours(spec).items():
                if field in palette.SPEC_COLUMNS:
                    assert colours == {n: palette.colour(n) for n in colours}, run.label
        page = (out / run.html_name).read_text()
        assert page.count('class="pwlkit-chart"') == len(specs)
        assert not re.search(r"<script[^>]+src=", page)
    # Verdicts are computed, e.g. "...: holds on 1 of 2 cases (precision_at_0.5)".
    lines = [v for r in plan.runs for v in r.verdicts]
    if half == "grids":
        assert any(re.search(r"holds on \d+ of \d+ ", v) for v in lines), lines
        return
    explorer = nbformat.read(out / "explorer.ipynb", as_version=4)
    spec = next(
        o["data"][report_mime()]
        for c in explorer.cells
        for o in c.get("outputs", [])
        if report_mime() in o.get("data", {})
    )
    points = sum(len(v) for v in spec["datasets"].values())
    assert points == 15_625, "the explorer's scatter must show the whole space"
    assert json.dumps(spec).count('"predicted top-10"') >= 1


def report_mime() -> str:
    from pwlkit.viz import VEGALITE_MIME

    return VEGALITE_MIME
