"""Two runs of one store: the second waits and computes only what is left; another grid with
the same name is refused while the first runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from pwlkit.runs import ResultStore
from pwlkit.runs.store import StoreBusyError
from pwlkit.study import load_results, run_study

STUDY = {
    "name": "twice",
    "benchmarks": ["nb101"],
    "losses": ["hr", "mape", "mse"],
    "train_sizes": [12, 24],
    "backbones": ["mlp"],
    "seeds": 2,
    "epochs": 40,
    "cells_per_job": 2,
}
COUNTS = re.compile(r"(\d+)/(\d+) cells done \((\d+) already stored, (\d+) computed now\)")


def _write(tmp_path: Path, **change) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump({**STUDY, "output_dir": str(tmp_path / "out"), **change}))
    return path


def test_two_runs_started_half_a_second_apart_compute_the_grid_once(tmp_path, shared_data):
    path = _write(tmp_path)
    env = {**os.environ, "PWLKIT_DATA": str(shared_data)}
    cmd = [sys.executable, "-m", "pwlkit", "study", "run", str(path), "--executor", "inline",
           "--threads", "1", "--no-progress"]  # fmt: skip
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)  # fmt: skip
    time.sleep(0.5)
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    outs = [p.communicate(timeout=600) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    counts = [tuple(map(int, COUNTS.search(out).groups())) for out, _ in outs]
    total = 3 * 2 * 2
    assert all(c[1] == total and c[0] == total for c in counts)
    assert sum(c[3] for c in counts) == total  # every cell computed exactly once
    assert any("waiting for it to finish" in err for _, err in outs)
    df = load_results(path)
    assert len(df) == total and df["cell_id"].is_unique


def test_same_grid_waits_for_the_holder_then_finds_the_cells_done(tmp_path, shared_data):
    params = {**STUDY, "epochs": 2, "output_dir": str(tmp_path / "out")}
    run_study(params, executor="inline", progress=False, threads=1, data_dir=shared_data)
    store = ResultStore(tmp_path / "out" / "twice")
    messages: list[str] = []
    release = threading.Event()

    def hold_a_while():
        with store.hold(grid="someone"):
            release.set()
            time.sleep(0.6)

    holder = threading.Thread(target=hold_a_while)
    holder.start()
    release.wait()
    with store.hold(grid="", notify=messages.append) as waited:
        pass
    holder.join()
    assert waited >= 0.3 and messages and "waiting" in messages[0]


def test_another_grid_with_the_same_name_is_refused_while_the_first_runs(tmp_path):
    params = {**STUDY, "output_dir": str(tmp_path / "out")}
    store = ResultStore(tmp_path / "out" / "twice")
    busy = pytest.raises(StoreBusyError, match="different grid with the same name")
    with store.hold(grid="grid-of-the-first-run"), busy:
        run_study({**params, "epochs": 3}, executor="inline", progress=False)
    assert not (store.root / "study.yaml").exists()  # the first run's description is kept
