"""The stores shipped under results/: each is listed with its command and commit, and stored
jobs picked at random reproduce their metrics when trained again."""

from __future__ import annotations

import os
import random
import re
import secrets
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import stores_in_progress

from pwlkit.checks import BadParameter
from pwlkit.study import load_study
from pwlkit.study.verify import verify_store

RESULTS = Path(__file__).resolve().parents[1] / "results"
STORES = sorted(p.parent for p in (RESULTS / "studies").glob("*/study.yaml"))
CHEAP = 1.3e5
"""Largest job cost (train size x epochs x cells) re-run here: a few seconds each."""


def test_results_are_shipped():
    assert STORES, "no study store under results/studies"


@pytest.mark.parametrize("store", STORES, ids=lambda p: p.name)
def test_store_is_listed_with_command_and_commit(store):
    readme = (RESULTS / "README.md").read_text()
    rows = [line for line in readme.splitlines() if f"`studies/{store.name}`" in line]
    assert len(rows) == 1, f"results/README.md lists {store.name} {len(rows)} times"
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert "pwlkit study run" in cells[1]
    assert re.fullmatch(r"[0-9a-f]{7,40}", cells[2]), f"no commit for {store.name}: {cells[2]}"
    study = load_study(store / "study.yaml")
    assert study.name == store.name


@pytest.mark.parametrize(
    "store", sorted(p for p in (RESULTS / "searches").glob("*") if p.is_dir()), ids=lambda p: p.name
)
def test_search_store_is_listed_with_its_command_and_commit(store):
    readme = (RESULTS / "README.md").read_text()
    rows = [line for line in readme.splitlines() if f"`searches/{store.name}`" in line]
    assert len(rows) == 1, f"results/README.md lists {store.name} {len(rows)} times"
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    command = re.fullmatch(r"`pwlkit search --study (\S+\.yaml) [^`]*`", cells[1])
    assert command, cells[1]
    assert re.fullmatch(r"[0-9a-f]{7,40}", cells[2]), f"no commit for {store.name}: {cells[2]}"
    study = yaml.safe_load((RESULTS.parent / command.group(1)).read_text())
    assert study["name"] == store.name and study["output_dir"] == "results/searches"
    assert list((store / "results").glob("part-*.parquet"))


PICK_SEED = int(os.environ.get("PWLKIT_VERIFY_SEED", secrets.randbelow(2**31)))
"""The pick of the reproduction test: fresh each run, printed in its failures; set
``PWLKIT_VERIFY_SEED`` to re-run one pick."""


STORES_A_RUN = 1
"""Stores whose cheap job the reproduction test re-runs each time (a fresh pick each run:
every store with a cheap job is picked over a few runs, and the suite stays inside its
time)."""


@pytest.mark.slow
def test_random_stored_jobs_reproduce(shared_data):
    """One cheap job of each of `STORES_A_RUN` stores drawn at random among those that have one;
    on another machine kind, in distribution."""
    checked = 0
    again = f"(re-run this pick with PWLKIT_VERIFY_SEED={PICK_SEED})"
    order = random.Random(PICK_SEED).sample(STORES, len(STORES))
    for store in order:
        if checked >= STORES_A_RUN:
            break
        try:
            checks = verify_store(
                store, jobs=1, max_cost=CHEAP, seed=PICK_SEED, data_dir=shared_data
            )
        except BadParameter as exc:
            assert "max_cost" in str(exc)  # the store has no job this cheap
            continue
        for check in checks:
            assert check.ok, f"{store.name}: {check} {again}"
            checked += 1
    assert checked >= STORES_A_RUN


def _own_store(tmp_path):
    """A tiny study made on this machine (its rows name this machine kind)."""
    from pwlkit.study import run_study

    params = {
        "name": "own",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["hr", "mse"],
        "train_sizes": [30],
        "backbones": ["gcn"],
        "seeds": 2,
        "epochs": 20,
        "output_dir": str(tmp_path),
    }
    run_study(params, executor="inline", progress=False, threads=1)
    return tmp_path / "own"


def _shift(store: Path, metric: str, by: float) -> None:
    for part in (store / "results").glob("part-*.parquet"):
        df = pd.read_parquet(part)
        df[metric] = df[metric] + by
        df.to_parquet(part, index=False)


def test_a_store_made_here_reproduces_cell_by_cell_and_a_changed_metric_is_found(tmp_path):
    store = _own_store(tmp_path)
    (check,) = verify_store(store, jobs=1, seed=0)
    assert check.ok and check.mode == "exact", check
    assert check.max_diff["tau"] == 0.0 and check.max_diff["spearman"] == 0.0
    _shift(store, "tau", 0.01)
    (check,) = verify_store(store, jobs=1, seed=0)
    assert not check.ok and check.mode == "exact"
    assert check.problems[0].startswith("tau differs by 0.01")
    assert check.max_diff["spearman"] == 0.0


def test_a_store_from_another_machine_is_compared_in_distribution(tmp_path):
    store = _own_store(tmp_path)
    for part in (store / "results").glob("part-*.parquet"):
        df = pd.read_parquet(part)
        df["machine"] = "cpu x86_64 GenuineIntel AVX512 torch 2.13.0+cpu"
        df.to_parquet(part, index=False)
    (check,) = verify_store(store, jobs=1, seed=0)
    assert check.ok and check.mode == "distribution", check
    assert "in distribution" in str(check)
    _shift(store, "tau", -0.05)  # a shift no rounding explains
    (check,) = verify_store(store, jobs=1, seed=0)
    assert not check.ok
    assert any(p.startswith("tau differs by +0.05 on average") for p in check.problems), check


def test_verify_refuses_a_folder_that_is_not_a_store(tmp_path):
    with pytest.raises(BadParameter, match="holds no study.yaml"):
        verify_store(tmp_path)
    with pytest.raises(BadParameter, match="not found"):
        verify_store(tmp_path / "absent")
    with pytest.raises(BadParameter, match="max_cost"):
        verify_store(tmp_path, max_cost=0)


def test_a_store_extended_later_verifies_job_by_job(tmp_path):
    """Cells added to a finished study run as jobs of their own; verify finds them all."""
    from pwlkit.study import run_study

    params = {
        "name": "grown",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["hr"],
        "train_sizes": [20],
        "backbones": ["mlp"],
        "seeds": 2,
        "epochs": 2,
        "output_dir": str(tmp_path),
    }
    run_study(params, executor="inline", progress=False, threads=1)
    run_study({**params, "losses": ["hr", "mse"]}, executor="inline", progress=False, threads=1)
    checks = verify_store(tmp_path / "grown", jobs=10, seed=0)
    assert len(checks) == 2 and all(c.ok for c in checks)
    assert sum(c.cells for c in checks) == 4


@pytest.mark.parametrize("store", STORES, ids=lambda p: p.name)
def test_every_shipped_cell_is_found_by_the_current_code(store):
    # cell ids hash every engine setting: a new setting or default must not orphan a store
    from pwlkit.runs import ResultStore
    from pwlkit.study import study_status

    params = yaml.safe_load((store / "study.yaml").read_text())
    params["output_dir"] = str(store.parent)
    status = study_status(params)
    stored = ResultStore(store).done_ids()
    assert status.done == len(stored) > 0, f"{len(stored) - status.done} stored cells not found"
    if store.name not in stores_in_progress():
        assert status.done == status.total, status


def test_verify_restores_the_callers_thread_count_and_refuses_zero_threads(tmp_path):
    import torch

    store = _own_store(tmp_path)
    before = torch.get_num_threads()
    checks = verify_store(store, jobs=1, threads=1)
    assert all(c.ok for c in checks) and torch.get_num_threads() == before
    with pytest.raises(BadParameter, match="threads"):
        verify_store(store, threads=0)
