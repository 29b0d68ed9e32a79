"""Search runs stored and resumed, search study files, and the `pwlkit search` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ridge_fit

from pwlkit.cli import main
from pwlkit.search import SEARCH_HPARAMS, SearchConfig, make_config, run_searches
from pwlkit.search.cells import group_search_jobs, search_cells
from pwlkit.search.driver import read_cells, run_cells
from pwlkit.search.grid import load_search_results, load_search_study, run_search_study
from pwlkit.search.summary import paper_table, summarize_rows, summarize_search
from pwlkit.search.toy import make_toy_benchmark

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def toy():
    return make_toy_benchmark(n_edges=5, n_ops=4, seed=0)


def test_cell_ids_follow_the_settings_a_strategy_uses(toy):
    base, more_epochs = SearchConfig(), SearchConfig(epochs=7)
    rand = [search_cells(toy, "random", 30, "val", [0], c)[0].cell_id for c in (base, more_epochs)]
    mse = [search_cells(toy, "mse", 30, "val", [0], c)[0].cell_id for c in (base, more_epochs)]
    assert rand[0] == rand[1]
    assert mse[0] != mse[1]
    pw = search_cells(toy, "pw", 30, "val", [0], base)[0]
    assert pw.loss == "hr->mape@20"
    ids = {
        search_cells(toy, "mse", 30, sig, [s], base)[0].cell_id
        for sig in ("val", "test")
        for s in (0, 1)
    }
    assert len(ids) == 4


def test_training_settings_are_pinned_and_part_of_the_cell(toy):
    assert SearchConfig().hparams == SEARCH_HPARAMS
    lr = make_config(hparams={"lr": 2e-3})
    assert lr.hparams == {**SEARCH_HPARAMS, "lr": 2e-3}
    a = search_cells(toy, "mse", 30, "val", [0], SearchConfig())[0]
    b = search_cells(toy, "mse", 30, "val", [0], lr)[0]
    assert a.cell_id != b.cell_id and b.search_config().hparams["lr"] == 2e-3
    study = load_search_study(
        {
            "name": "x",
            "benchmarks": ["nbgraph-cora"],
            "strategies": ["mse"],
            "budgets": [20],
            "seeds": 1,
            "hyperparameters": {"lr": 2e-3},
        }
    )
    assert study.config.hparams == lr.hparams
    as_text = load_search_study(
        {
            "name": "x",
            "benchmarks": ["nbgraph-cora"],
            "strategies": ["mse"],
            "budgets": [20],
            "seeds": 1,
            "hyperparameters": {"lr": "2e-3"},
        }
    )  # YAML 1.1 reads 2e-3 as text
    assert as_text.config.hparams == lr.hparams


def test_jobs_group_seeds_of_one_search(toy):
    cells = search_cells(toy, "mse", 30, "val", list(range(25)), SearchConfig())
    cells += search_cells(toy, "random", 30, "val", list(range(3)), SearchConfig())
    jobs = group_search_jobs(cells, 10)
    assert sorted(len(j) for j in jobs) == [3, 5, 10, 10]
    assert all(len({c.batch_key for c in j.cells}) == 1 for j in jobs)


def test_runs_are_stored_and_resumed(toy, tmp_path):
    cfg = SearchConfig()
    first = search_cells(toy, "mse", 30, "val", [0, 1, 2], cfg)
    rep = run_cells(first, tmp_path, fit_fn=ridge_fit, benchmark=toy, executor="inline")
    assert (rep.computed, rep.already_done, rep.ok) == (3, 0, True)
    more = search_cells(toy, "mse", 30, "val", [0, 1, 2, 3, 4], cfg)
    rep = run_cells(more, tmp_path, fit_fn=ridge_fit, benchmark=toy, executor="inline")
    assert (rep.computed, rep.already_done) == (2, 3)
    df = read_cells(tmp_path, more)
    assert df["seed"].tolist() == [0, 1, 2, 3, 4]
    # Stored runs equal direct runs of the same seed groups.
    direct = run_searches(toy, "mse", 30, [0, 1, 2], fit_fn=ridge_fit)
    assert df["queried"].iloc[:3].tolist() == [r["queried"] for r in direct]
    assert df["test_error"].iloc[:3].tolist() == [r["test_error"] for r in direct]


def test_failed_jobs_are_logged_and_the_rest_stored(toy, tmp_path):
    def broken_fit(*args, **kwargs):
        raise FloatingPointError("diverged")

    cells = search_cells(toy, "mse", 30, "val", [0], SearchConfig())
    cells += search_cells(toy, "random", 30, "val", [0], SearchConfig())
    rep = run_cells(cells, tmp_path, fit_fn=broken_fit, benchmark=toy, executor="inline")
    assert rep.computed == 1 and len(rep.failed) == 1
    assert "diverged" in rep.failed[0]["error"]


def test_summary_and_paper_table(toy, tmp_path):
    s = summarize_search(toy, "random", 40, runs=6, output_dir=tmp_path)
    assert s["n_runs"] == 6 and s["signal"] == "val"
    assert s["oracle_test_error"] == pytest.approx(100 - toy.test[np.argmax(toy.val)])
    assert len(s["curve"]) == 40
    assert s["computed_runs"] == 6
    again = summarize_search(toy, "random", 40, runs=6, output_dir=tmp_path)
    assert again["computed_runs"] == 0 and again["mean_test_error"] == s["mean_test_error"]
    table = paper_table(_summary_frame(s), budget=40)
    assert table.loc["random", ("val", toy.name)].startswith(f"{s['mean_test_error']:.2f} ±")
    assert table.loc["oracle", ("val", toy.name)] == f"{s['oracle_test_error']:.2f}"


def test_search_study_runs_resumes_and_summarizes(tmp_path):
    study = {
        "name": "tiny",
        "benchmarks": ["nbgraph-cora"],
        "strategies": ["random", "evolution"],
        "budgets": [30, 40],
        "signals": ["val", "test"],
        "seeds": 3,
        "output_dir": str(tmp_path),
    }
    rep = run_search_study(study, progress=False)
    assert (rep.total, rep.computed, rep.ok) == (24, 24, True)
    assert run_search_study(study, progress=False).computed == 0
    summary = summarize_rows(load_search_results(study))
    assert len(summary) == 8 and set(summary["n_runs"]) == {3}
    table = paper_table(summary, budget=40)
    assert list(table.index) == ["random", "evolution", "oracle", "global best"]
    assert set(table.columns) == {("val", "nbgraph-cora"), ("test", "nbgraph-cora")}


def _summary_frame(s):
    import pandas as pd

    keys = [
        "benchmark",
        "strategy",
        "loss",
        "budget",
        "signal",
        "mean_test_error",
        "std_test_error",
        "found_best_fraction",
        "n_runs",
        "oracle_test_error",
        "global_best_test_error",
    ]
    return pd.DataFrame([{k: s[k] for k in keys}])


def test_search_study_files_load():
    nb201 = load_search_study(REPO / "parameters" / "full" / "search_nb201.yaml")
    assert nb201.benchmarks == ("nb201-cifar10", "nb201-cifar100", "nb201-imagenet16")
    assert nb201.budgets == (50, 100, 150) and len(nb201.seeds) == 30
    assert {"pw", "random", "evolution", "mse"} <= set(nb201.strategies)
    assert nb201.signals == ("val", "test")
    small = load_search_study(REPO / "parameters" / "search_nb201.yaml")
    assert len(small.seeds) < 30
    nb101 = load_search_study(REPO / "parameters" / "full" / "search_nb101.yaml")
    assert "subset" in nb101.name and "1,291" in nb101.description


@pytest.mark.parametrize(
    "raw, match",
    [
        ({"strategies": ["mse"], "budgets": [5]}, "budgets.*smaller than the 10 random initial"),
        ({"strategies": ["bohb"]}, "strategies.*unknown strategy 'bohb'"),
        ({"signals": ["train"]}, "unknown signal 'train'"),
        ({"budget": [50]}, "unknown key"),
        ({"seeds": 0}, "'seeds'.*integer >= 1"),
        ({"seeds": [1, 1]}, "'seeds'.*1 is listed twice"),
        ({"name": "my search"}, "'name'.*a folder name"),
        ({"budgets": [50, "many"]}, "'budgets' must be an integer >= 1, got 'many'"),
        ({"strategies": None}, "missing required key.*'strategies'"),
        ({"hyperparameters": {"epochs": 5}}, "'hyperparameters'.*'epochs' is a study key"),
        ({"hyperparameters": [1]}, "'hyperparameters'.*must be a mapping"),
    ],
)
def test_bad_search_study_is_a_clear_error(raw, match):
    base = {
        "name": "x",
        "benchmarks": ["nb201-cifar10"],
        "strategies": ["pw"],
        "budgets": [50],
        "seeds": 3,
    }
    with pytest.raises(ValueError, match=match):
        load_search_study({**base, **raw})


def test_bad_search_study_file_names_the_yaml_problem(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("name: s\nbenchmarks: [nb201-cifar10\n")
    with pytest.raises(ValueError, match=r"s.yaml: not valid YAML \(line 3"):
        load_search_study(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ValueError, match="search study file must be a mapping"):
        load_search_study(bad)
    with pytest.raises(FileNotFoundError, match="search study file .*missing.yaml"):
        load_search_study(tmp_path / "missing.yaml")


def test_cli_json_and_resume(tmp_path, capsys):
    args = [
        "search",
        "--benchmark",
        "nbgraph-cora",
        "--strategy",
        "evolution",
        "--budget",
        "40",
        "--runs",
        "4",
        "--json",
        "--output-dir",
        str(tmp_path),
    ]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    for key in (
        "mean_test_error",
        "std_test_error",
        "found_best_fraction",
        "signal",
        "oracle_test_error",
        "curve",
    ):
        assert key in out
    assert out["signal"] == "val" and out["n_runs"] == 4 and len(out["curve"]) == 40
    assert out["error"].startswith("test error (1 - test accuracy")
    assert 0 <= out["mean_test_error"] <= 1 and out["computed_runs"] == 4
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["computed_runs"] == 0 and again["mean_test_error"] == out["mean_test_error"]


def test_cli_text(tmp_path, capsys):
    assert (
        main(
            [
                "search",
                "--benchmark",
                "nbgraph-cora",
                "--strategy",
                "random",
                "--budget",
                "20",
                "--runs",
                "3",
                "--signal",
                "test",
                "--no-store",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "signal test" in text and "oracle (best architecture by test" in text
    assert "found the global best" in text and "best-so-far" in text


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--strategy", "mse", "--budget", "5"], "smaller than the 10 random initial"),
        (["--strategy", "bohb", "--budget", "50"], "unknown search strategy 'bohb'"),
        (["--strategy", "random"], "missing --budget"),
        (["--strategy", "random", "--budget", "10", "--executor", "gpu"], "unknown executor"),
    ],
)
def test_cli_bad_input_exits_2(extra, match, capsys, tmp_path):
    code = main(
        [
            "search",
            "--benchmark",
            "nbgraph-cora",
            "--runs",
            "2",
            "--output-dir",
            str(tmp_path),
            *extra,
        ]
    )
    assert code == 2
    assert match in capsys.readouterr().err


@pytest.mark.slow
def test_process_pool_runs_guided_jobs(toy, tmp_path):
    cells = search_cells(toy, "mse", 20, "val", [0, 1, 2, 3], SearchConfig(epochs=3))
    rep = run_cells(cells, tmp_path, executor="local", workers=2, runs_per_job=2, benchmark=toy)
    assert (rep.computed, rep.ok, rep.executor) == (4, True, "local")
    df = read_cells(tmp_path, cells)
    assert df["queried"].map(len).tolist() == [20] * 4


@pytest.mark.slow
def test_dask_runs_jobs(toy, tmp_path):
    cells = search_cells(toy, "evolution", 30, "val", [0, 1, 2], SearchConfig())
    rep = run_cells(cells, tmp_path, executor="dask", workers=1, runs_per_job=2, benchmark=toy)
    assert (rep.computed, rep.ok, rep.executor) == (3, True, "dask")
    direct = run_searches(toy, "evolution", 30, [0, 1, 2])
    assert read_cells(tmp_path, cells)["queried"].tolist() == [r["queried"] for r in direct]
