"""Study files and grids: validation errors, grid expansion, cell ids, job grouping (no fits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pwlkit.study import (
    Study,
    StudyError,
    expand_cells,
    group_fit_jobs,
    load_study,
    study_jobs,
)

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "parameters"

BASE = {
    "name": "grid",
    "benchmarks": ["nbgraph-cora", "analognas-baseline"],
    "losses": ["mse", "hr", "hr->mape@0.5"],
    "train_sizes": [20, 50],
    "backbones": ["gcn"],
    "seeds": 3,
    "epochs": 4,
}


def write(tmp_path: Path, text: str, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ expansion


def test_grid_expansion_is_the_full_product_with_unique_ids():
    study = load_study(BASE)
    cells = expand_cells(study)
    assert study.num_cells == len(cells) == 2 * 3 * 2 * 1 * 3
    combos = {(c.benchmark, c.loss, c.train_size, c.backbone, c.seed) for c in cells}
    assert len(combos) == len(cells)
    assert {c.seed for c in cells} == {0, 1, 2}
    assert len({c.cell_id for c in cells}) == len(cells)
    # Ids are a pure function of the settings: a second expansion gives the same ids.
    assert [c.cell_id for c in expand_cells(load_study(BASE))] == [c.cell_id for c in cells]


def test_seed_list_and_scalar_values_are_accepted():
    study = load_study({**BASE, "seeds": [7, 3], "benchmarks": "nbgraph-cora", "losses": "hr"})
    assert study.seeds == (7, 3)
    assert study.benchmarks == ("nbgraph-cora",)
    assert study.losses == ("hr",)


def test_loss_spellings_share_cells_through_the_canonical_name():
    a = expand_cells(load_study({**BASE, "losses": ["hr->mape"]}))
    b = expand_cells(load_study({**BASE, "losses": ["HR -> MAPE @ 0.5"]}))
    assert [c.cell_id for c in a] == [c.cell_id for c in b]
    with pytest.raises(StudyError, match="same loss"):
        load_study({**BASE, "losses": ["hr->mape", "hr->mape@0.5"]})


@pytest.mark.parametrize(
    "change",
    [
        {"epochs": 5},
        {"signal": "test"},
        {"hyperparameters": {"lr": 0.01}},
        {"ts": [1, 5]},
        {"ks": [1, 3]},
        {"backbones": ["mlp"]},
    ],
)
def test_a_changed_setting_changes_every_cell_id(change):
    before = {c.cell_id for c in expand_cells(load_study(BASE))}
    after = {c.cell_id for c in expand_cells(load_study({**BASE, **change}))}
    assert before.isdisjoint(after)


def test_execution_only_settings_keep_cell_ids():
    before = [c.cell_id for c in expand_cells(load_study(BASE))]
    same = {
        **BASE,
        "cells_per_job": 2,
        "output_dir": "elsewhere",
        "description": "x",
        "hyperparameters": {"threads": 1},  # speed only, never numbers
    }
    assert [c.cell_id for c in expand_cells(load_study(same))] == before


def test_adding_seeds_keeps_the_old_cells():
    old = {c.cell_id for c in expand_cells(load_study(BASE))}
    new = {c.cell_id for c in expand_cells(load_study({**BASE, "seeds": 5}))}
    assert old < new and len(new - old) == 2 * 3 * 2 * 2


def test_jobs_group_batchable_cells_deterministically():
    study = load_study({**BASE, "cells_per_job": 4})
    jobs = study_jobs(study)
    cells = [c for j in jobs for c in j.cells]
    assert sorted(c.cell_id for c in cells) == sorted(c.cell_id for c in expand_cells(study))
    for job in jobs:
        assert 1 <= len(job) <= 4
        assert len({c.batch_key for c in job.cells}) == 1
    # 2 benchmarks x 2 sizes = 4 batch keys of 9 cells -> 3 jobs each (4 + 4 + 1).
    assert len(jobs) == 12
    # Several losses and seeds share a job (the engine's batched path is used).
    assert any(
        len({c.loss for c in j.cells}) > 1 and len({c.seed for c in j.cells}) > 1 for j in jobs
    )
    again = study_jobs(load_study({**BASE, "cells_per_job": 4}))
    assert [j.job_id for j in again] == [j.job_id for j in jobs]
    # Seed-major order: appending seeds leaves the earlier full jobs unchanged.
    more = {j.job_id for j in study_jobs(load_study({**BASE, "cells_per_job": 3, "seeds": 5}))}
    fewer = {j.job_id for j in study_jobs(load_study({**BASE, "cells_per_job": 3}))}
    assert fewer <= more
    with pytest.raises(ValueError, match="cells_per_job"):
        group_fit_jobs(expand_cells(study), 0)


# ------------------------------------------------------------------------------ validation


def test_yaml_file_round_trip(tmp_path):
    path = write(
        tmp_path,
        "name: t\nbenchmarks: [nbgraph-cora]\nlosses: [mse, 'ew(weights=rank)']\n"
        "train_sizes: [10]\nseeds: 2\nepochs: 3\nhyperparameters: {lr: 1e-3}\n",
    )
    study = load_study(path)
    assert isinstance(study, Study)
    assert study.source == str(path)
    assert study.losses == ("mse", "ew(weights=rank)")
    assert study.hyperparameters == {"lr": 0.001}  # YAML 1.1 reads 1e-3 as text
    assert load_study(study.to_dict()).to_dict() == study.to_dict()


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("name: t\nbenchmarks: [nbgraph-cora\n", r"not valid YAML \(line"),
        ("- just\n- a list\n", "must be a mapping"),
        (
            "name: t\nbenchmark: [nbgraph-cora]\n",
            r"unknown key\(s\) 'benchmark' \(did you mean 'benchmarks'",
        ),
        ("name: t\nbenchmarks: [nbgraph-cora]\n", r"missing required key\(s\) 'losses'"),
    ],
)
def test_malformed_files_name_the_file_and_the_problem(tmp_path, text, pattern):
    path = write(tmp_path, text)
    with pytest.raises(StudyError, match=pattern) as info:
        load_study(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("change", "key", "choices"),
    [
        ({"losses": ["mse", "hinge"]}, "losses", "mse, hr, lr"),
        ({"losses": ["hr(foo=1)"]}, "losses", "margin"),
        ({"backbones": ["resnet"]}, "backbones", "gcn"),
        ({"benchmarks": ["nb201-cifar11"]}, "benchmarks", "nb201-cifar10"),
        ({"signal": "train"}, "signal", "val, test"),
        ({"train_sizes": [1]}, "train_sizes", ">= 2"),
        ({"train_sizes": [10.5]}, "train_sizes", "integer"),
        ({"seeds": "many"}, "seeds", "count"),
        ({"epochs": 0}, "epochs", ">= 1"),
        ({"ts": [0.5, 200]}, "ts", "percent in (0, 100], got 200"),
        ({"name": "a/b"}, "name", "folder name"),
        ({"hyperparameters": {"epochs": 3}}, "hyperparameters", "study key"),
        ({"train_sizes": [10, 10]}, "train_sizes", "twice"),
    ],
)
def test_bad_values_name_the_key_and_the_valid_choices(tmp_path, change, key, choices):
    import yaml

    path = write(tmp_path, yaml.safe_dump({**BASE, **change}))
    with pytest.raises(StudyError) as info:
        load_study(path)
    msg = str(info.value)
    assert str(path) in msg and f"key {key!r}" in msg and choices in msg


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        load_study(tmp_path / "nope.yaml")


# ------------------------------------------------------------------------------ shipped files


def study_files() -> list[Path]:
    return sorted(p for p in PARAMETERS.rglob("*.yaml") if not p.name.startswith("search_"))


@pytest.mark.parametrize("path", study_files(), ids=lambda p: str(p.relative_to(PARAMETERS)))
def test_every_shipped_study_file_validates(path):
    study = load_study(path)
    assert study.num_cells > 0
    if path.parent.name == "full":
        assert len(study.seeds) == 30, "paper scale: 30 seeds"
        assert study.name.endswith("_full")
    elif path.parent != PARAMETERS:
        # measurement sets (e.g. parameters/epochs/): their stores ship in results/
        assert Path(study.output_dir).parts[0] == "results", "a measurement set ships its store"
    else:
        # Report-sized: minutes on 2 cores. A cell costs its whole-space scoring plus training
        # in proportion to train size x epochs; the main job's AnalogNAS grid (182 cells,
        # 6.8 million sample-epochs) took 219 s in `make run`.
        per_size = study.num_cells // len(study.train_sizes)
        sample_epochs = per_size * sum(study.train_sizes) * study.epochs
        assert study.num_cells <= 200 and sample_epochs <= 7e6, "small: minutes on 2 cores"


def test_job_cost_counts_the_fold_fits_of_auto():
    """Train size x epochs x fits: an auto cell is 12 candidates x 2 of 3 folds + the refit."""
    plain = study_jobs(load_study({**BASE, "losses": ["mse"], "benchmarks": ["nbgraph-cora"]}))
    auto = study_jobs(load_study({**BASE, "losses": ["auto"], "benchmarks": ["nbgraph-cora"]}))
    small = {len(j.cells): j.cost for j in plain if j.cells[0].train_size == 20}
    assert small == {3: 20 * 4 * 3}
    costs = {j.cost for j in auto if j.cells[0].train_size == 20}
    assert costs == {20 * 4 * 3 * 25}
    few = {**BASE, "losses": ["auto(folds=2, candidates=hr|mse)"], "benchmarks": ["nbgraph-cora"]}
    costs = {j.cost for j in study_jobs(load_study(few)) if j.cells[0].train_size == 20}
    assert costs == {20 * 4 * 3 * (2 * 1 + 1)}
