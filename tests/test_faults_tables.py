"""User tables and small spaces: a study finds its user tables where it is told, a table of a
few rows can be fitted and scored, a listing offers only the tasks a table holds, and values
or cut-offs that cannot work are refused in one line naming the row, the key or the size.

Every table here is small and written into tmp_path by the test itself.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from pwlkit.benchmarks import DataFormatError, is_available, load_benchmark
from pwlkit.cli import main
from pwlkit.metrics import default_ks, evaluate
from pwlkit.study import StudyError, load_study, run_study
from pwlkit.study.schema import check_cutoffs

OPS = ("conv", "pool", "skip")
CHAIN = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
FORK = [[0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
GRAPHS = [
    (["in", a, b, "out"], adj) for a, b in itertools.product(OPS, OPS) for adj in (CHAIN, FORK)
]
"""18 different 4-node cells."""


@pytest.fixture(autouse=True)
def private_data(tmp_path, monkeypatch):
    """No table reaches a test but through the folder it names: no PWLKIT_DATA, its own cache."""
    monkeypatch.delenv("PWLKIT_DATA", raising=False)
    monkeypatch.setenv("PWLKIT_CACHE", str(tmp_path / "cache"))


def graph_table(folder, name: str, rows: int = len(GRAPHS), val=None) -> None:
    """``graph-<name>.csv`` in ``folder`` with the first ``rows`` graphs."""
    folder.mkdir(parents=True, exist_ok=True)
    graphs = GRAPHS[:rows]
    pd.DataFrame(
        {
            "ops": [json.dumps(ops) for ops, _ in graphs],
            "adj": [json.dumps(adj) for _, adj in graphs],
            "val": np.arange(len(graphs), dtype=float) if val is None else val,
        }
    ).to_csv(folder / f"graph-{name}.csv", index=False)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def one_line_error(capsys, *argv: str) -> str:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    return err


# ------------------------------------------------------------ studies of user tables


def grid(tmp_path, **extra) -> dict:
    return {
        "name": "mine",
        "benchmarks": ["graph-mine"],
        "losses": ["hr"],
        "train_sizes": [6],
        "backbones": ["mlp"],
        "seeds": 1,
        "epochs": 2,
        "ks": [1, 5],
        "output_dir": str(tmp_path / "out"),
        **extra,
    }


def test_a_study_finds_its_user_table_through_data_dir(tmp_path):
    tables = tmp_path / "tables"
    graph_table(tables, "mine")
    study = load_study(grid(tmp_path))  # no table anywhere yet: the name's form is enough
    assert study.benchmarks == ("graph-mine",)
    assert run_study(grid(tmp_path, data_dir=str(tables)), executor="inline", progress=False).ok
    other = grid(tmp_path, name="other")
    assert run_study(other, executor="inline", progress=False, data_dir=tables).ok
    load_study({**grid(tmp_path), "benchmarks": ["darts-mine"]})


def test_a_study_file_with_a_user_table_runs_from_the_command_line(tmp_path, capsys):
    tables = tmp_path / "tables"
    graph_table(tables, "mine")
    path = tmp_path / "mine.yaml"
    path.write_text(json.dumps(grid(tmp_path, data_dir=str(tables))))  # JSON is YAML
    code, out, err = run_cli(capsys, "study", "run", str(path), "--executor", "inline")
    assert code == 0 and "1/1 cells done" in out, err


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("graph-a b", "bad graph benchmark name 'graph-a b'"),
        ("nb201-cifar", "unknown benchmark 'nb201-cifar'. Did you mean nb201-cifar10"),
    ],
)
def test_bad_benchmark_names_are_refused_at_load(tmp_path, name, words):
    with pytest.raises(StudyError) as info:
        load_study({**grid(tmp_path), "benchmarks": [name]})
    assert "key 'benchmarks'" in str(info.value) and words in str(info.value)
    assert "\n" not in str(info.value)


def test_study_cutoffs_beyond_the_space_are_refused_with_its_size(tmp_path):
    study = load_study(grid(tmp_path, ks=[1, 50]))
    check_cutoffs(study, "graph-mine", 50)
    with pytest.raises(StudyError) as info:
        check_cutoffs(study, "graph-mine", 18)
    msg = str(info.value)
    assert msg == (
        "<parameters>: key 'ks' must be an integer in [1, 18], got 50 "
        "(benchmark 'graph-mine' has 18 architectures)"
    )
    default = load_study({**grid(tmp_path), "ks": None})
    with pytest.raises(StudyError, match=r"got 50 .*; ks defaults to \[1, 5, 10, 50\]"):
        check_cutoffs(default, "graph-mine", 18)


def test_a_study_data_dir_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "file.csv"
    afile.write_text("x\n")
    with pytest.raises(StudyError, match=r"key 'data_dir' must be a folder .*it is a file"):
        load_study(grid(tmp_path, data_dir=str(afile)))


# ------------------------------------------------------------ small tables


def fit(tables, *extra: str) -> list[str]:
    return [
        "fit",
        "--benchmark",
        "graph-small",
        "--data-dir",
        str(tables),
        "--train-size",
        "6",
        "--backbone",
        "mlp",
        "--epochs",
        "2",
        "--json",
        *extra,
    ]


def test_fit_on_a_table_of_18_rows(tmp_path, capsys):
    graph_table(tmp_path, "small")
    code, out, err = run_cli(capsys, *fit(tmp_path))
    assert code == 0, err
    result = json.loads(out)
    assert list(result["n_at_k"]) == ["1", "5", "10"]  # N@50 does not fit 18 architectures
    assert list(result["precision_at"]) == ["0.5", "1", "5", "10"]
    code, out, err = run_cli(capsys, *fit(tmp_path, "--ks", "1,2, 18", "--ts", "10,50"))
    assert code == 0, err
    result = json.loads(out)
    assert list(result["n_at_k"]) == ["1", "2", "18"] and result["n_at_k"]["18"] == 1
    assert list(result["precision_at"]) == ["10", "50"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--ks", "1,19"], "--ks must be an integer in [1, 18], got 19 (benchmark 'graph-small' "),
        (["--ks", "x"], "--ks must be an integer in [1, 18], got 'x'"),
        (["--ks", "5,5"], "--ks: 5 is listed twice"),
        (["--ts", "0"], "--ts must be a percent in (0, 100], got 0"),
        (["--ts", "101"], "--ts must be a percent in (0, 100], got 101"),
    ],
)
def test_fit_cutoffs_are_checked_before_the_fit(tmp_path, capsys, monkeypatch, extra, words):
    import pwlkit.train

    def started(*args, **kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(pwlkit.train, "fit_predict", started)
    graph_table(tmp_path, "small")
    assert words in one_line_error(capsys, *fit(tmp_path, *extra))


def test_evaluate_reports_the_default_cutoffs_that_fit():
    assert default_ks(18) == (1, 5, 10) and default_ks(2) == (1,) and default_ks(50)[-1] == 50
    pred, true = np.arange(18.0), np.arange(18.0)[::-1]
    assert list(evaluate(pred, true)["n_at_k"]) == [1, 5, 10]
    with pytest.raises(ValueError, match=r"k=50 must be in \[1, 18\]"):
        evaluate(pred, true, ks=(1, 50))  # cut-offs asked for are never dropped


@pytest.mark.parametrize("rows", [1, "same graph twice"])
def test_a_table_of_one_architecture_is_too_small(tmp_path, capsys, rows):
    if rows == 1:
        graph_table(tmp_path, "one", rows=1)
    else:
        twice = pd.DataFrame(
            {"ops": [json.dumps(GRAPHS[0][0])] * 2, "adj": [json.dumps(CHAIN)] * 2, "val": [1, 2]}
        )
        twice.to_csv(tmp_path / "graph-one.csv", index=False)
    err = one_line_error(capsys, "info", "graph-one", "--data-dir", str(tmp_path))
    assert "benchmark 'graph-one' has 1 architecture(s), too small to train and rank" in err
    err = one_line_error(
        capsys, "fit", "--benchmark", "graph-one", "--data-dir", str(tmp_path), "--train-size", "2"
    )
    assert "too small to train and rank" in err


# ------------------------------------------------------------ values and listings


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("inf", "row 3 is inf, not a finite number"),
        ("-inf", "row 3 is -inf, not a finite number"),
        ("1e13", "row 3 is 1e+13, larger than 1e+12 in absolute value"),
        ("-2e12", "row 3 is -2e+12, larger than 1e+12 in absolute value"),
    ],
)
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_infinite_or_huge_accuracies_are_refused_with_their_row(tmp_path, value, words, suffix):
    val = [1.0, 2.0, 3.0, float(value), 5.0]
    graph_table(tmp_path, "big", rows=5, val=val)
    if suffix == "parquet":
        pd.read_csv(tmp_path / "graph-big.csv").to_parquet(tmp_path / "graph-big.parquet")
    with pytest.raises(DataFormatError) as info:
        load_benchmark("graph-big", tmp_path)
    assert words in str(info.value) and f"graph-big.{suffix}" in str(info.value)


def test_an_accuracy_of_1e12_is_accepted(tmp_path):
    graph_table(tmp_path, "edge", rows=3, val=[1.0, -1e12, 1e12])
    assert load_benchmark("graph-edge", tmp_path).best_val == 1e12


MACRO = ["1234", "41414", "112233"]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_listing_offers_only_the_macro_tasks_the_table_holds(tmp_path, capsys, suffix):
    table = pd.DataFrame({"arch_code": MACRO, "class_scene": [1.0, 2, 3], "jigsaw": [3.0, 2, 1]})
    path = tmp_path / f"tnb101_macro.{suffix}"
    table.to_csv(path, index=False) if suffix == "csv" else table.to_parquet(path, index=False)
    code, out, _ = run_cli(capsys, "benchmarks", "--data-dir", str(tmp_path))
    assert code == 0
    rows = {
        line.split()[0]: line.split()[1:] for line in out.splitlines() if "tnb101-macro" in line
    }
    held = {name for name, words in rows.items() if words[0] == "yes"}
    assert held == {"tnb101-macro-class_scene", "tnb101-macro-jigsaw"}
    assert f"{path.name} has no 'normal' column" in " ".join(rows["tnb101-macro-normal"])
    assert is_available("tnb101-macro-jigsaw", tmp_path)
    assert not is_available("tnb101-macro-normal", tmp_path)
    assert load_benchmark("tnb101-macro-jigsaw", tmp_path).num_archs == 3
