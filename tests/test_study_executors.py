"""Executors give the same table, and a run killed with SIGKILL resumes to the same table."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pwlkit import train
from pwlkit.study import ResultStore, expand_cells, load_results, load_study, run_study

# Real GCN fits on the NB101 subset (1,291 cells): 16 cells in 8 jobs of 2. listmle and mse+sr
# draw random numbers per job, so equal tables also show that jobs are grouped the same way.
EXEC = {
    "name": "exec",
    "benchmarks": ["nb101"],
    "losses": ["hr", "listmle", "mse+sr", "hr->mape@0.5"],
    "train_sizes": [20, 60],
    "backbones": ["gcn"],
    "seeds": 2,
    "epochs": 20,
    "cells_per_job": 2,
}
VOLATILE = ["study", "fit_seconds"]


def params(root: Path, name: str) -> dict:
    return {**EXEC, "output_dir": str(root / name)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, shared_data) -> pd.DataFrame:
    """The uninterrupted table, computed in this process."""
    root = tmp_path_factory.mktemp("reference")
    report = run_study(
        params(root, "inline"), executor="inline", progress=False, data_dir=shared_data, threads=1
    )
    assert report.ok and report.computed == 16
    return load_results(params(root, "inline")).drop(columns=VOLATILE)


def dies_once(bench, train_sets, losses, seeds, **kwargs):
    """The real engine, except that its worker process dies the first time it sees size 60."""
    marker = Path(os.environ["PWLKIT_TEST_DIE_MARKER"])
    if len(train_sets[0]) == 60 and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return train.fit_predict_many(bench, train_sets, losses, seeds, **kwargs)


@pytest.mark.slow
def test_local_pool_and_dask_localcluster_give_the_inline_table(
    tmp_path, shared_data, reference, monkeypatch
):
    # The local pool also loses a worker mid-run: its jobs are retried in a fresh pool.
    marker = tmp_path / "died"
    monkeypatch.setenv("PWLKIT_TEST_DIE_MARKER", str(marker))  # inherited by spawned workers
    for executor, fit_fn in (("local", dies_once), ("dask", None)):
        p = params(tmp_path, executor)
        report = run_study(
            p, executor=executor, workers=2, progress=False, data_dir=shared_data, fit_fn=fit_fn
        )
        assert report.ok and report.computed == 16 and report.executor == executor
        table = load_results(p).drop(columns=VOLATILE)
        pd.testing.assert_frame_equal(table, reference, check_exact=True)
    assert marker.read_text() == "died", "a pool worker did die"


@pytest.mark.slow
def test_sigkill_at_a_random_point_then_rerun_gives_the_uninterrupted_table(
    tmp_path, shared_data, reference
):
    p = params(tmp_path, "killed")
    path = tmp_path / "exec.yaml"
    path.write_text(yaml.safe_dump(p))
    store = ResultStore(load_study(path).store_dir)
    cmd = [
        sys.executable,
        "-m",
        "pwlkit",
        "study",
        "run",
        str(path),
        "--executor",
        "local",
        "--workers",
        "2",
        "--data-dir",
        str(shared_data),
        "--no-progress",
    ]
    # Kill after 1-5 of the 8 jobs are stored, up to 0.1 s later (mid-write possible): at
    # least 3 jobs, 2 of them one after the other, remain, so the run is still going.
    target, delay = random.randint(1, 5), random.uniform(0.0, 0.1)
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while len(store.parts()) < target and proc.poll() is None:
            assert time.monotonic() < deadline, "the study run made no progress"
            time.sleep(0.02)
        time.sleep(delay)
        assert proc.poll() is None, proc.stdout.read().decode()
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its pool workers, mid-write or not
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    parts_at_kill = len(store.parts())
    assert target <= parts_at_kill < 8, f"kill after {target} jobs + {delay:.2f} s"

    # What was stored survives; the rerun computes exactly the rest.
    report = run_study(path, executor="inline", progress=False, data_dir=shared_data, threads=1)
    assert report.ok and report.already_done == 2 * parts_at_kill
    assert report.already_done + report.computed == 16
    all_rows = pd.concat(pd.read_parquet(part) for part in store.parts())
    assert len(all_rows) == 16 and all_rows["cell_id"].is_unique, "no lost or duplicated rows"
    assert set(all_rows["cell_id"]) == {c.cell_id for c in expand_cells(load_study(path))}
    table = load_results(path).drop(columns=VOLATILE)
    pd.testing.assert_frame_equal(table, reference, check_exact=True)
