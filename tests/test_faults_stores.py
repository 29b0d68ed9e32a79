"""Damaged and mixed result stores, and the command options read around them: every reader of
a store says what it could not use (one line per part, exit status 1), a damaged file is one
line naming it, and a wrong option is one line naming the valid values."""

from __future__ import annotations

import shutil

import pytest

from pwlkit.checks import POSITIVE, BadParameter, Text, check
from pwlkit.claims import load_stores
from pwlkit.cli import main
from pwlkit.study import load_results, run_study
from pwlkit.study.verify import DamagedPart, verify_store

GRID = {
    "name": "tiny",
    "benchmarks": ["nbgraph-cora"],
    "losses": ["hr", "mape"],
    "train_sizes": [12],
    "backbones": ["mlp"],
    "seeds": 2,
    "epochs": 2,
    "cells_per_job": 1,
}
"""Four cells, one part each, on an embedded benchmark: a store to damage."""


@pytest.fixture(scope="module")
def clean_root(tmp_path_factory):
    """A folder holding one finished study store, ``tiny`` (never damaged: tests copy it)."""
    root = tmp_path_factory.mktemp("stores")
    assert run_study({**GRID, "output_dir": str(root)}, executor="inline", progress=False).ok
    return root


@pytest.fixture
def root(clean_root, tmp_path):
    """A private copy of the clean store's folder."""
    copy = tmp_path / "stores"
    shutil.copytree(clean_root, copy)
    return copy


def damage(root, count: int) -> list[str]:
    """Overwrite ``count`` parts of ``tiny`` with bytes that are not parquet; their paths."""
    parts = sorted((root / "tiny" / "results").glob("part-*.parquet"))[:count]
    for part in parts:
        part.write_bytes(b"not a parquet file\n")
    return [str(p) for p in parts]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


# ------------------------------------------------------------ damaged parts


def test_findings_names_each_damaged_part_and_exits_1(root, capsys):
    code, out, _ = run_cli(capsys, "findings", "--studies", str(root))
    assert code == 0
    damaged = damage(root, 2)
    code, again, err = run_cli(capsys, "findings", "--studies", str(root))
    assert code == 1, err
    # the findings still print, over the cells that were read (here they change: n 2 -> 1)
    assert again.splitlines()[0] == out.splitlines()[0] and again != out
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    for part, line in zip(damaged, lines):
        assert line.startswith(f"pwlkit findings: warning: {part}: stored part left out"), line


def test_load_stores_reports_damage_apart_from_notes(root):
    (part,) = damage(root, 1)
    notes, damaged = [], []
    studies, searches = load_stores(root, warn=notes.append, damaged=damaged.append)
    assert searches is None and len(studies) == 3
    assert notes == [] and len(damaged) == 1 and damaged[0].startswith(part)
    said = []
    load_stores(root, warn=said.append)  # without a damage channel: said as a note
    assert len(said) == 1 and said[0].startswith(part)


def test_verify_names_each_damaged_part_and_exits_1(root, capsys):
    damaged = damage(root, 1)
    checks = verify_store(root / "tiny", jobs=1, seed=0)
    assert isinstance(checks[0], DamagedPart) and not checks[0].ok
    assert checks[0].part == damaged[0] and checks[1].ok
    code, out, _ = run_cli(capsys, "study", "verify", str(root / "tiny"), "--jobs", "1")
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"part {damaged[0]}: DAMAGED") and "\n" not in lines[0]
    assert "reproduces" in lines[1]


def test_verify_of_a_store_with_every_part_damaged_says_so(root):
    damage(root, 4)
    with pytest.raises(BadParameter, match=r"holds no finished job it can read \(4 damaged"):
        verify_store(root / "tiny")


def test_verify_of_a_store_just_started_says_it_holds_no_job(root):
    """A grid that has written its study.yaml but no part yet (the first jobs still running)."""
    for part in (root / "tiny" / "results").glob("part-*.parquet"):
        part.unlink()
    with pytest.raises(BadParameter, match=r"holds no finished job$"):
        verify_store(root / "tiny")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"name: [unclosed\n", "not valid YAML (line 2, column 1)"),
        (b"\xff\xfe\x00 not text", "not UTF-8 text (byte 0xff at position 0)"),
        (b"- a list\n", "must be a mapping"),
    ],
)
def test_a_damaged_study_yaml_is_one_line(root, capsys, content, words):
    yaml_path = root / "tiny" / "study.yaml"
    yaml_path.write_bytes(content)
    code, _, err = run_cli(capsys, "findings", "--studies", str(root))
    warning, error = err.strip().splitlines()
    assert code == 2 and words in warning and str(yaml_path) in warning, err
    assert "no store inside could be read" in error
    code, _, err = run_cli(capsys, "study", "verify", str(root / "tiny"))
    assert code == 2 and words in err and str(yaml_path) in err
    assert len(err.strip().splitlines()) == 1


def test_a_second_grid_under_one_name_is_said_before_the_first_is_hidden(root, capsys):
    other = {**GRID, "losses": ["mse"], "seeds": 1, "output_dir": str(root)}
    assert run_study(other, executor="inline", progress=False).ok  # rewrites study.yaml
    assert load_results(other).attrs["other_cells"] == 4
    assert load_results(other, include_other_settings=True).attrs["other_cells"] == 0
    code, _, err = run_cli(capsys, "findings", "--studies", str(root))
    assert code == 0
    (line,) = err.strip().splitlines()
    assert "4 stored cells are not in the grid of its study.yaml" in line
    assert "give each grid a name of its own" in line


# ------------------------------------------------------------ study files and options


def study_file(root, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "name: tiny\nbenchmarks: [nbgraph-cora]\nlosses: [hr, mape]\ntrain_sizes: [12]\n"
        f"backbones: [mlp]\nseeds: 2\nepochs: 2\ncells_per_job: 1\noutput_dir: {root}\n"
    )
    return path


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--by", "lost", "--by: unknown column 'lost' (did you mean 'loss'?). Valid columns: "),
        ("--by", "tau", "--by: unknown column 'tau'"),
        ("--by", ",", "--by ',' names no column. Valid columns: "),
        ("--metrics", "tua", "--metrics: unknown metric column 'tua' (did you mean 'tau'?)"),
        ("--metrics", "loss", "--metrics: unknown metric column 'loss'"),
    ],
)
def test_summary_columns_name_the_valid_ones(root, tmp_path, capsys, option, value, words):
    path = study_file(root, tmp_path)
    code, out, err = run_cli(capsys, "study", "summary", str(path), option, value)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert words in err
    valid = err.split("Valid ")[1]
    if option == "--by":
        assert "loss" in valid and "train_size" in valid and "tau" not in valid
    else:
        assert "tau" in valid and "n_at_50" in valid and "loss" not in valid
    code, out, _ = run_cli(
        capsys, "study", "summary", str(path), "--by", "loss", "--metrics", "tau"
    )
    assert code == 0 and "hr" in out


def test_a_study_file_that_is_not_utf8_names_the_file(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    code, _, err = run_cli(capsys, "study", "status", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{path}: not UTF-8 text (byte 0xe9 at position 9)" in err


@pytest.mark.parametrize("word", ["None", "none", "null", " None "])
def test_none_spelled_as_text_is_none_where_none_is_valid(word):
    assert check("--set max_models", word, [POSITIVE, None]) is None
    assert check("--set device", word, [Text(), None]) is None  # not the device "None"
    with pytest.raises(BadParameter, match="must be an integer >= 1, got"):
        check("--epochs", word, POSITIVE)


def test_set_max_models_none_is_accepted(monkeypatch, capsys):
    import numpy as np

    import pwlkit.train
    from pwlkit.train.config import resolve

    train, _ = resolve("mlp", 1, {"max_models": "None"}, names=lambda k: f"--set {k}")
    assert train["max_models"] is None
    monkeypatch.setattr(
        pwlkit.train, "fit_predict", lambda bench, idx, **kw: np.linspace(0, 1, bench.num_archs)
    )
    fit = ["fit", "--benchmark", "nbgraph-cora", "--train-size", "10", "--backbone", "mlp"]
    code, _, err = run_cli(capsys, *fit, "--epochs", "1", "--set", "max_models=None", "--json")
    assert code == 0, err


@pytest.mark.parametrize(
    ("value", "shown"), [("0", "got 0"), ("-5", "got -5"), ("abc", "got 'abc'"), ("2.5", "2.5")]
)
def test_report_cell_timeout_is_a_positive_integer(tmp_path, capsys, value, shown):
    argv = ["report", f"--cell-timeout={value}", "--out", str(tmp_path / "report")]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "--cell-timeout must be an integer >= 1" in err and shown in err
    assert not (tmp_path / "report").exists()


def test_read_gives_each_part_its_own_column_types_whatever_the_other_parts_hold(tmp_path):
    """Parts are converted a layout at a time; a part whose integer column holds a null reads
    as its own ``to_pandas()`` gives it (pandas' nullable Int64 here, floats from a writer that
    records none), and is left out as another layout when most parts store plain integers.
    The first part to store a cell wins, in part order."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pwlkit.runs import ResultStore

    store = ResultStore(tmp_path / "s")
    store.prepare()

    def rows(ids, n, tau):
        return pd.DataFrame({"cell_id": ids, "job_id": "j", "n_at_1": n, "tau": tau})

    store.write_part("a", rows(["c1", "c2"], [1, 2], [0.1, 0.2]))
    store.write_part("b", rows(["c2", "c3"], [5, 3], [0.9, 0.3]))  # c2 again: "a" wins
    store.write_part("c", rows(["c4"], pd.array([None], dtype="Int64"), [0.4]))
    store.write_part("d", rows(["c5"], [5], [0.5]))
    df = store.read()
    assert df["cell_id"].tolist() == ["c1", "c2", "c3", "c5"]
    assert df["n_at_1"].tolist() == [1, 2, 3, 5] and str(df["n_at_1"].dtype) == "int64"
    assert df.loc[df["cell_id"] == "c2", "tau"].item() == 0.2
    ((part, why),) = store.skipped
    assert part.name == "part-c.parquet" and "other types" in why
    assert store.read(["c5", "c1"])["cell_id"].tolist() == ["c5", "c1"]
    pq.write_table(  # integers with a null, no pandas types recorded: floats, another layout
        pa.table({"cell_id": ["c6"], "job_id": ["j"], "n_at_1": pa.array([None], pa.int64())}),
        part,
    )
    store.read()
    ((again, why),) = store.skipped
    assert again == part and "n_at_1" in why
