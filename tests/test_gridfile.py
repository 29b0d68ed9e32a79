"""Grid files: one reader for study and search-study files (shared keys, one error type, the
old search key ``runs``), one budget check, one notebook runner; cell ids as before."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import SHARED_DATA, stores_in_progress

from pwlkit import report
from pwlkit.benchmarks import is_available
from pwlkit.checks import BadParameter
from pwlkit.cli import main
from pwlkit.runs import GridFileError, ResultStore
from pwlkit.runs.gridfile import SHARED_KEYS
from pwlkit.runs.notebook import run_notebook_grid
from pwlkit.search import SearchConfig, make_toy_benchmark, open_search, run_searches
from pwlkit.search.budget import check_budget
from pwlkit.search.cells import group_search_jobs
from pwlkit.search.grid import KEYS as SEARCH_KEYS
from pwlkit.search.grid import SEARCH_FILES, expand_search_cells, load_search_study
from pwlkit.search.notebook import search_parameters
from pwlkit.search.summary import summarize_search
from pwlkit.study import KEYS as STUDY_KEYS
from pwlkit.study import StudyError, expand_cells, load_study, study_jobs

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "parameters"
SEARCH = {
    "name": "s",
    "benchmarks": ["nbgraph-cora"],
    "strategies": ["random", "mse"],
    "budgets": [20],
    "seeds": [0, 1],
}
STUDY = {
    "name": "s",
    "benchmarks": ["nbgraph-cora"],
    "losses": ["mse"],
    "train_sizes": [20],
    "seeds": 2,
    "epochs": 2,
}


def parameter_files(kind: str) -> list[Path]:
    files = sorted(PARAMETERS.rglob("*.yaml"))
    return [p for p in files if p.name.startswith("search_") == (kind == "search")]


def _digest(ids: list[str]) -> str:
    return hashlib.sha256(" ".join(ids).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------ shipped files


@pytest.mark.parametrize("path", parameter_files("study"), ids=lambda p: p.name)
def test_every_study_file_is_read_by_the_study_loader(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no note: shipped files use today's keys
        study = load_study(path)
    assert study.source == str(path) and study.num_cells > 0


@pytest.mark.parametrize("path", parameter_files("search"), ids=lambda p: p.name)
def test_every_search_file_is_read_by_the_search_loader(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study = load_search_study(path)
    assert "runs" not in yaml.safe_load(path.read_text()), "shipped files say seeds"
    assert study.source == str(path) and study.seeds


def test_both_kinds_of_shipped_file_are_found():
    assert len(parameter_files("study")) > 10 and len(parameter_files("search")) >= 6


# Digests of every cell id and job id, in order: a change to how a file is read must not move a
# stored cell. The search file's were computed by the code before the two loaders became one;
# the two study files were resized for the main job later (their earlier contents still give the
# digests that code computed: 9a4122171ba12487 / 6a85f9b435d95c19 and afaccfc5b2494e6d /
# a1593e33aee1709c; at 300 epochs, 9b3cb7dc04d639d8 / 5b777316715bd1f5 and c7ee01a2ee4c8afd /
# 68bf0a9361858daa), so theirs are pinned from the files as they are.
PINNED = {
    "loss_size_analognas.yaml": (182, "3343dfd8bcddcb40", "c70c0c4bb2e79ac0"),
    "backbone_loss.yaml": (28, "f46f0a2645cca537", "1c00e56b6c8bab2e"),
    "grids/search_analognas_baseline.yaml": (480, "c26b49e966bd7b2c", "6ffa04dada170d19"),
}


@pytest.mark.parametrize("name", PINNED)
def test_cell_and_job_ids_are_the_ones_stored_before(name):
    path = PARAMETERS / name
    if path.name.startswith("search_"):
        study = load_search_study(path)
        cells = expand_search_cells(study)
        jobs = group_search_jobs(cells, study.runs_per_job)
    else:
        study = load_study(path)
        cells, jobs = expand_cells(study), study_jobs(study)
    count, cell_digest, job_digest = PINNED[name]
    assert len(cells) == count
    assert _digest([c.cell_id for c in cells]) == cell_digest
    assert _digest([j.job_id for j in jobs]) == job_digest


SEARCH_STORES = sorted(
    p
    for p in (PARAMETERS / "grids").glob("search_*.yaml")
    if "results/searches" in p.read_text() and (ROOT / "results/searches" / p.stem).is_dir()
)


@pytest.mark.parametrize("path", SEARCH_STORES, ids=lambda p: p.stem)
def test_every_shipped_search_cell_is_found_by_the_current_code(path, shared_data_or_none):
    study = load_search_study(path)
    data_dir = shared_data_or_none
    absent = [b for b in study.benchmarks if not is_available(b, data_dir)]
    if absent:
        pytest.skip(f"no data for {', '.join(absent)}")
    cells = expand_search_cells(study, data_dir)
    done = ResultStore(ROOT / study.store_dir).done_ids()
    expected = {c.cell_id for c in cells}
    assert done and done <= expected, "a stored search cell is no longer found"
    if study.name not in stores_in_progress():
        assert expected <= done


@pytest.fixture
def shared_data_or_none():

    return SHARED_DATA if SHARED_DATA.is_dir() else None


# ------------------------------------------------------------------------------ the old key


def test_runs_gives_the_cells_of_seeds_with_a_note_naming_the_new_key():
    with pytest.warns(FutureWarning, match=r"key 'runs' is now called 'seeds'"):
        old = load_search_study({**{k: v for k, v in SEARCH.items() if k != "seeds"}, "runs": 2})
    new = load_search_study(SEARCH)
    assert old.seeds == new.seeds == (0, 1)
    ids = [[c.cell_id for c in expand_search_cells(s)] for s in (old, new)]
    assert ids[0] == ids[1] and len(ids[0]) == 4


def test_a_shipped_search_file_written_with_runs_gives_the_same_cells(tmp_path):
    path = PARAMETERS / "grids" / "search_analognas_baseline.yaml"
    old = tmp_path / path.name
    old.write_text(path.read_text().replace("\nseeds:", "\nruns:"))
    with pytest.warns(FutureWarning, match=str(old)):
        before = expand_search_cells(load_search_study(old))
    after = expand_search_cells(load_search_study(path))
    assert [c.cell_id for c in before] == [c.cell_id for c in after]


def test_runs_and_seeds_together_is_an_error():
    with pytest.raises(GridFileError, match=r"'runs' and 'seeds' are both set.*keep 'seeds'"):
        load_search_study({**SEARCH, "runs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a key set to None is not given: no note
        assert load_search_study({**SEARCH, "runs": None}).seeds == (0, 1)
    with pytest.warns(FutureWarning):
        assert load_search_study({**SEARCH, "seeds": None, "runs": 3}).seeds == (0, 1, 2)


def test_a_bad_old_key_is_named_as_written():
    raw = {k: v for k, v in SEARCH.items() if k != "seeds"}
    with pytest.warns(FutureWarning), pytest.raises(GridFileError, match=r"key 'runs' must be"):
        load_search_study({**raw, "runs": 0})


def test_the_study_never_had_runs():
    with pytest.raises(StudyError, match=r"unknown key\(s\) 'runs'"):
        load_study({**STUDY, "runs": 2})


def test_the_cli_says_the_note_in_one_line(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    grid = {**SEARCH, "strategies": ["random"], "output_dir": str(tmp_path / "out")}
    del grid["seeds"]
    path.write_text(yaml.safe_dump({**grid, "runs": 2}))
    assert main(["search", "--study", str(path), "--json"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    note = f"pwlkit search: warning: {path}: key 'runs' is now called 'seeds'; rename it"
    assert [line for line in err if "warning" in line] == [f"{note} ('runs' still works)"]


# ------------------------------------------------------------------------------ one reader


def test_the_shared_keys_are_keys_of_both_kinds():
    assert set(SHARED_KEYS) <= set(STUDY_KEYS) and set(SHARED_KEYS) <= set(SEARCH_KEYS)
    assert "seeds" in SHARED_KEYS and "runs" not in SEARCH_KEYS
    assert search_parameters({"runs": 3, "seeds": None}) == {"runs": 3}


def test_one_error_type_for_both_kinds():
    assert StudyError is GridFileError and issubclass(GridFileError, BadParameter)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"benchmarks": ["nb201-cifar11"]}, "key 'benchmarks': unknown benchmark"),
        ({"name": "a/b"}, "key 'name' must be a folder name"),
        ({"seeds": [1, 1]}, "key 'seeds'"),
        ({"hyperparameters": [1]}, "key 'hyperparameters': [1] must be a mapping"),
        ({"benchmark": ["x"]}, "unknown key(s) 'benchmark' (did you mean 'benchmarks'?)"),
        ({"name": None}, "missing required key(s) 'name'"),
    ],
)
def test_a_shared_key_fails_the_same_way_in_both_kinds(change, message):
    errors = []
    for load, base in ((load_study, STUDY), (load_search_study, SEARCH)):
        with pytest.raises(GridFileError) as info:
            load({**base, **change})
        errors.append(str(info.value))
        assert message in errors[-1] and "\n" not in errors[-1]
    if "unknown key" not in message:  # the list of valid keys is the kind's own
        assert errors[0] == errors[1]


def test_data_dir_is_a_folder_in_both_kinds(tmp_path):
    file = tmp_path / "f"
    file.write_text("x")
    for load, base in ((load_study, STUDY), (load_search_study, SEARCH)):
        with pytest.raises(GridFileError, match=r"key 'data_dir' must be a folder .*it is a file"):
            load({**base, "data_dir": str(file)})


def test_the_kinds_declare_only_their_own_keys():
    own = set(SEARCH_FILES.keys)
    assert not own & set(SHARED_KEYS)
    assert {"strategies", "budgets", "signals", "top_k", "runs_per_job"} <= own


# ------------------------------------------------------------------------------ one budget check


@pytest.fixture(scope="module")
def toy():
    return make_toy_benchmark(n_edges=5, n_ops=4, seed=0)


def test_top_k_below_one_is_refused():
    with pytest.raises(BadParameter, match=r"need 1 <= top_k <= pool_size, got top_k=0"):
        check_budget(30, "guided", SearchConfig(top_k=0))
    assert check_budget(30, "guided", SearchConfig(top_k=1)) == 30


def test_top_k_below_one_in_a_config_stops_a_search_before_any_fit(toy):
    def no_fit(*args, **kwargs):
        raise AssertionError("a predictor was trained")

    with pytest.raises(BadParameter, match=r"need 1 <= top_k <= pool_size, got top_k=0"):
        run_searches(toy, "mse", 30, [0], config=SearchConfig(top_k=0), fit_fn=no_fit)


BUDGET_5 = (
    "budget 5 is smaller than the 10 random initial architectures of a guided search: raise the "
    "budget or lower n_init"
)


def test_every_entry_point_gives_the_one_budget_message(toy, tmp_path, capsys):
    """run_searches, summarize_search, open_search, pwlkit search and a search-study file."""
    calls = [
        lambda: run_searches(toy, "mse", 5, [0]),
        lambda: summarize_search(toy, "mse", 5, runs=2, output_dir=None),
        lambda: open_search("darts", len, 5, "mse"),
        lambda: load_search_study({**SEARCH, "budgets": [5]}),
    ]
    for call in calls:
        with pytest.raises(BadParameter) as info:
            call()
        assert str(info.value).endswith(BUDGET_5)
    assert main(["search", "--benchmark", "nbgraph-cora", "--strategy", "mse", "--budget", "5"])
    assert capsys.readouterr().err.strip() == f"pwlkit search: error: {BUDGET_5}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budgets": [5]}, "key 'budgets': budget 5 is smaller than the 10 random initial"),
        ({"top_k": 20, "pool_size": 10}, "key 'top_k': need 1 <= top_k <= pool_size"),
        ({"n_init": 1}, "key 'n_init': n_init must be at least 2 to train a predictor"),
        (
            {"strategies": ["evolution"], "population": 5, "sample": 6},
            "key 'sample': need 1 <= sample <= population",
        ),
        (
            {"strategies": ["evolution"], "budgets": [15]},
            "key 'budgets': budget 15 is smaller than the evolution population 20",
        ),
    ],
)
def test_a_search_file_is_checked_by_the_budget_check(change, message):
    with pytest.raises(GridFileError) as info:
        load_search_study({**SEARCH, **change})
    assert str(info.value).startswith(f"<parameters>: {message}")


def test_a_budget_past_the_space_names_the_file_key(tmp_path):
    study = load_search_study({**SEARCH, "budgets": [20, 10**7]})
    with pytest.raises(GridFileError, match=r"key 'budgets': budget 10000000 exceeds the \d+ arch"):
        expand_search_cells(study)


# ------------------------------------------------------------------------------ one notebook runner


def test_the_notebook_runner_loads_runs_reads_and_says_what_it_did(capsys):
    calls = []

    def run(grid, **how):
        calls.append(("run", grid, how))
        return "record"

    def read(grid, data_dir):
        calls.append(("read", grid, data_dir))
        return "frame"

    names = {"name": "s", "seeds": 2, "epochs": None, "executor": "inline", "data_dir": "d"}
    grid, df = run_notebook_grid(
        names, SEARCH_FILES, lambda params: params, run, read, lambda frame: f"read {frame}"
    )
    assert grid == {"name": "s", "seeds": 2} and df == "frame"
    how = {"executor": "inline", "workers": None, "data_dir": "d", "progress": False}
    assert calls == [("run", grid, how), ("read", grid, "d")]
    assert capsys.readouterr().out == "record\nread frame\n"


def test_a_notebook_declaring_runs_gets_none_when_its_file_says_seeds(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("name = 'x'\nruns = 8\nstrategies = ['pw']")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = tmp_path / "search.ipynb"
    nbformat.write(nb, path)
    params_file = tmp_path / "search_x.yaml"
    params_file.write_text("name: y\nseeds: 3\n")
    run = report.ReportRun(path, params_file, "search_x")
    params = report.run_parameters(run, None, base_dir=tmp_path)
    assert params == {"name": "y", "seeds": 3, "runs": None, "strategies": None}
    assert search_parameters(params) == {"name": "y", "seeds": 3}
