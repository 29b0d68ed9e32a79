"""The batch report: notebook <-> parameter-file matching, self-contained HTML, failures that do
not stop other notebooks, skips for missing data, and the `pwlkit report` command."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from pwlkit import report
from pwlkit.cli import main
from pwlkit.viz import VEGALITE_MIME


def _notebook(path: Path, *cells: str, params: str = "x = 1", meta: dict | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if meta:
        nb.metadata.update(meta)
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Title of {path.stem}"), p]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def test_matching_rule_longest_prefix_and_metadata(tmp_path):
    nbs, params = tmp_path / "nb", tmp_path / "params"
    nbs.mkdir()
    (params / "full").mkdir(parents=True)
    (params / "full" / "loss.yaml").write_text("x: 3\n")  # another set: not read from here
    for stem in ("loss", "loss_vs_train_size", "explorer"):
        _notebook(nbs / f"{stem}.ipynb")
    _notebook(nbs / "search.ipynb", meta={"pwlkit": {"parameters": ["paper_search*.yaml"]}})
    _notebook(nbs / "topk.ipynb", meta={"pwlkit": {"parameters": "loss_vs_train_size_*.yaml"}})
    for stem in (
        "loss_vs_train_size",
        "loss_vs_train_size_nb201",
        "loss_vs_train_size.paper",
        "loss-other",
        "lossy",
        "paper_search_nb201",
        "paper_search_nb201_small",
        "unrelated",
    ):
        (params / f"{stem}.yaml").write_text("x: 2\n")
    plan = report.plan_report(nbs, params)
    got = {
        (r.label, r.notebook.stem, r.params_file.name if r.params_file else None) for r in plan.runs
    }
    assert got == {
        ("loss-other", "loss", "loss-other.yaml"),
        ("loss_vs_train_size", "loss_vs_train_size", "loss_vs_train_size.yaml"),
        ("loss_vs_train_size_nb201", "loss_vs_train_size", "loss_vs_train_size_nb201.yaml"),
        ("loss_vs_train_size.paper", "loss_vs_train_size", "loss_vs_train_size.paper.yaml"),
        # metadata globs: a file can serve a second notebook; labels stay unique
        ("topk-loss_vs_train_size_nb201", "topk", "loss_vs_train_size_nb201.yaml"),
        ("search-paper_search_nb201", "search", "paper_search_nb201.yaml"),
        ("search-paper_search_nb201_small", "search", "paper_search_nb201_small.yaml"),
        ("explorer", "explorer", None),  # no file: runs once with its own defaults
    }
    assert sorted(p.name for p in plan.unmatched) == ["lossy.yaml", "unrelated.yaml"]
    only = report.plan_report(nbs, params, only=["loss_vs_train_size"])
    assert {r.label for r in only.runs} == {
        "loss_vs_train_size",
        "loss_vs_train_size_nb201",
        "loss_vs_train_size.paper",
    }
    with pytest.raises(ValueError, match="no such notebook"):
        report.plan_report(nbs, params, only=["nope"])


def test_notebook_whose_files_all_need_absent_data_runs_its_defaults(tmp_path, monkeypatch):
    from pwlkit import benchmarks

    monkeypatch.setattr(benchmarks, "is_available", lambda name, data_dir=None: name != "nb101")
    (tmp_path / "p").mkdir()
    _notebook(tmp_path / "search.ipynb")
    _notebook(tmp_path / "study.ipynb")
    (tmp_path / "p" / "search_nb101.yaml").write_text("benchmarks: [nb101]\n")
    (tmp_path / "p" / "study_a.yaml").write_text("benchmarks: [nbgraph-cora]\n")
    (tmp_path / "p" / "study_b.yaml").write_text("benchmarks: [nb101, nbgraph-cora]\n")
    plan = report.plan_report(tmp_path, tmp_path / "p")
    status = {r.label: (r.status, r.params_file is None) for r in plan.runs}
    assert status == {
        "search": ("pending", True),  # its only file cannot run here: defaults instead
        "search_nb101": ("skipped", False),
        "study_a": ("pending", False),  # a runnable file: no defaults run
        "study_b": ("skipped", False),
    }
    skipped = next(r for r in plan.runs if r.label == "study_b")
    assert "nb101" in skipped.error and "nbgraph-cora" not in skipped.error


def test_a_malformed_parameter_file_names_the_file_and_the_line(tmp_path):
    (tmp_path / "p").mkdir()
    _notebook(tmp_path / "study.ipynb")
    (tmp_path / "p" / "study_a.yaml").write_text("benchmarks: [nbgraph-cora\n")
    with pytest.raises(ValueError, match=r"study_a.yaml: not valid YAML \(line 2"):
        report.plan_report(tmp_path, tmp_path / "p")
    (tmp_path / "p" / "study_a.yaml").write_text("- a\n- list\n")
    with pytest.raises(ValueError, match="parameter file must be a mapping of names to values"):
        report.plan_report(tmp_path, tmp_path / "p")


@pytest.mark.parametrize("sizes", ["parameters", "parameters/full"])
def test_the_project_notebooks_all_have_a_plan(sizes):
    root = Path(__file__).resolve().parents[1]
    plan = report.plan_report(root / "notebooks", root / sizes)
    assert {r.notebook.stem for r in plan.runs} == {
        p.stem for p in (root / "notebooks").glob("*.ipynb")
    }
    assert not plan.unmatched


def test_every_paper_scale_question_has_a_report_sized_run():
    """The notebook a paper-scale set (parameters/full) runs also runs from a report-sized file
    of parameters/ (one embedded study may serve several notebooks)."""
    root = Path(__file__).resolve().parents[1]
    full = report.plan_report(root / "notebooks", root / "parameters" / "full")
    small = report.plan_report(root / "notebooks", root / "parameters")
    asked = {r.notebook.stem for r in full.runs if r.params_file is not None}
    sized = {r.notebook.stem for r in small.runs if r.params_file is not None}
    assert asked and asked <= sized, asked - sized


def test_relative_paths_in_parameter_files_are_read_from_the_run_folder(tmp_path):
    nb = _notebook(tmp_path / "a.ipynb", params="output_dir = 'x'\ndata_dir = None")
    yml = tmp_path / "a.yaml"
    yml.write_text("output_dir: outputs/studies\nbenchmarks: [nbgraph-cora]\n")
    params = report.run_parameters(report.ReportRun(nb, yml, "a"), None, base_dir=tmp_path)
    assert params["output_dir"] == str((tmp_path / "outputs/studies").resolve())
    assert params["benchmarks"] == ["nbgraph-cora"]
    params = report.run_parameters(report.ReportRun(nb, None, "a"), tmp_path, base_dir=tmp_path)
    assert params == {"data_dir": str(tmp_path.resolve())}  # defaults run: nothing else


def test_a_file_run_uses_library_defaults_for_study_keys_it_leaves_out(tmp_path):
    """The notebook's quick defaults (epochs = 30 here) must not leak into a file's run: the
    file has to mean the same to the notebook as to `pwlkit study` / `pwlkit search`."""
    nb = _notebook(
        tmp_path / "s.ipynb",
        params="name = 'quick'\nlosses = ['ew(weights=rank)']\nepochs = 30\npool_size = 50\n"
        "top_metric = 'precision_at_0.5'\nexecutor = 'local'",
    )
    assert report.notebook_parameters(nb)["losses"] == ["ew(weights=rank)"]  # "=" in a value
    yml = tmp_path / "s_x.yaml"
    yml.write_text("name: x\nlosses: [hr]\n")
    params = report.run_parameters(report.ReportRun(nb, yml, "s_x"), None, base_dir=tmp_path)
    assert params == {"name": "x", "losses": ["hr"], "epochs": None, "pool_size": None}


def test_runs_needing_absent_data_are_skipped_with_the_reason(tmp_path, monkeypatch):
    from pwlkit import benchmarks

    monkeypatch.setattr(benchmarks, "is_available", lambda name, data_dir=None: name != "nb101")
    nb = _notebook(tmp_path / "a.ipynb", params="benchmarks = []")
    yml = tmp_path / "a_nb101.yaml"
    yml.write_text("benchmarks: [nbgraph-cora, nb101]\n")
    run = report.execute_run(report.ReportRun(nb, yml, "a_nb101"), tmp_path)
    assert run.status == "skipped"
    assert "nb101" in run.error and "PWLKIT_DATA" in run.error
    assert "nbgraph-cora" not in run.error


def test_inline_charts_replaces_vega_and_widget_outputs():
    spec = {"$schema": "x", "mark": "point", "data": {"values": [{"a": "</script>"}]}}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("c")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={VEGALITE_MIME: spec, "text/plain": "c"}),
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "1"},
                "text/plain": "VBox()",
            },
        ),
    ]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"state": {}}
    out = report.inline_charts(nb)
    html = out.cells[0].outputs[0]["data"]["text/html"]
    assert "vegaEmbed" in html and '"mark": "point"' in html
    assert '</script>"' not in html  # the spec cannot close its own script tag
    assert "JupyterLab" in out.cells[0].outputs[1]["data"]["text/plain"]
    assert "widgets" not in out.metadata


@pytest.mark.slow
def test_parallel_runs_start_kernels_in_their_folder_and_never_chdir_the_process(
    tmp_path, monkeypatch
):
    """The report's threads share one working directory: a run may not change it (papermill's
    cwd= did, and two runs at once left the process in a notebook folder)."""
    nbs = tmp_path / "nb"
    nbs.mkdir()
    for stem in ("one", "two"):
        nb = nbformat.read(_notebook(nbs / f"{stem}.ipynb", "import os\nprint(os.getcwd())"), 4)
        nb.cells[-1].metadata["tags"] = ["verdict"]
        nbformat.write(nb, nbs / f"{stem}.ipynb")
    calls = []
    real = os.chdir
    monkeypatch.setattr(os, "chdir", lambda d: (calls.append(d), real(d)))
    before = Path.cwd()
    plan = report.run_report(
        nbs, None, tmp_path / "out", jobs=2, findings_from=None, log=lambda *_: None
    )
    assert [r.status for r in plan.runs] == ["ok", "ok"]
    # papermill still restores the folder it started in (a no-op now): nothing moves it elsewhere
    assert Path.cwd() == before and {Path(c) for c in calls} <= {before}
    assert all(r.verdicts == [str(nbs.resolve())] for r in plan.runs), plan.runs


@pytest.mark.slow
def test_report_runs_all_notebooks_and_survives_a_failure(tmp_path):
    nbs = tmp_path / "nb"
    nbs.mkdir()
    chart = (
        "import pandas as pd, altair as alt\nfrom pwlkit import viz\nmode = viz.setup_charts()\n"
        "alt.Chart(pd.DataFrame({'a': range(x), 'b': range(x)})).mark_point()"
        ".encode(x='a', y='b')"
    )
    _notebook(nbs / "a_fails.ipynb", "raise RuntimeError('deliberate failure')")
    good = _notebook(nbs / "b_chart.ipynb", chart, "print(f'mode={mode} x={x}')")
    nb = nbformat.read(good, as_version=4)
    nb.cells[-1].metadata["tags"] = ["verdict"]
    nbformat.write(nb, good)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "b_chart.yaml").write_text("x: 7\n")
    out = tmp_path / "out"
    # the pages on the shipped stores are tested in test_findings_page and the browser test
    plan = report.run_report(nbs, tmp_path / "p", out, findings_from=None, log=lambda *_: None)
    status = {r.label: r for r in plan.runs}
    assert status["a_fails"].status == "failed"
    assert "RuntimeError: deliberate failure" in status["a_fails"].error
    assert status["b_chart"].status == "ok", status["b_chart"].error
    assert status["b_chart"].verdicts == ["mode=report x=7"]  # parameters from the YAML

    index = (out / "index.html").read_text()
    links = set(re.findall(r'href="([^"]+\.html)"', index))
    assert links == {"a_fails.html", "b_chart.html"}
    assert "deliberate failure" in index and "mode=report x=7" in index
    page = (out / "b_chart.html").read_text()
    assert "window.vegaEmbed=" in page.replace(" ", "") and "vegaEmbed(el" in page
    assert not re.search(r"<script[^>]+src=", page)  # nothing loaded from elsewhere
    assert not re.search(r"<link[^>]+href=\"https?:", page)
    assert (out / "a_fails.html").is_file()  # the traceback is rendered too


def test_cli_list_and_errors(tmp_path, capsys):
    _notebook(tmp_path / "one.ipynb")
    assert main(["report", "--notebooks", str(tmp_path), "--no-params", "--list"]) == 0
    assert "one" in capsys.readouterr().out
    assert main(["report", "--notebooks", str(tmp_path / "none"), "--list"]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["report", "--notebooks", str(tmp_path), "--data-dir", str(tmp_path / "x")]) == 2
    assert "--data-dir" in capsys.readouterr().err


def test_cli_params_must_be_a_folder(tmp_path, capsys):
    _notebook(tmp_path / "one.ipynb")
    yml = tmp_path / "one.yaml"
    yml.write_text("x: 2\n")
    for value, what in ((yml, "is a file"), (tmp_path / "none", "not found")):
        argv = ["report", "--notebooks", str(tmp_path), "--params", str(value), "--list"]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err  # one line, no traceback
        assert f"--params {str(value)!r}: {what}" in err
        assert "expected a folder of parameter files" in err


def test_cli_unknown_only_name_suggests_the_closest_and_lists_the_valid_ones(tmp_path, capsys):
    for stem in ("loss_size", "search"):
        _notebook(tmp_path / f"{stem}.ipynb")
    argv = ["report", "--notebooks", str(tmp_path), "--no-params", "--only"]
    assert main([*argv, "loss_sise", "--list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "--only loss_sise: no such notebook or run; did you mean loss_size?" in err
    assert err.rstrip().endswith("valid names: loss_size, search")
    out = tmp_path / "out"
    assert main([*argv, "serch", "--out", str(out)]) == 2  # checked before anything runs
    assert "did you mean search?" in capsys.readouterr().err and not out.exists()
    assert main([*argv, "search", "--list"]) == 0
    assert capsys.readouterr().out.split()[0] == "search"
