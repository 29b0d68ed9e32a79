"""Faults every `pwlkit` command turns into one line on stderr and a non-zero exit status: no
permission, a full disk, an unreachable Dask scheduler, a damaged file, SIGTERM and SIGINT.
Failed writes leave no temporary files; finished results stay stored."""

from __future__ import annotations

import errno
import importlib
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import pwlkit.cli.benchmarks_cmd
import pwlkit.cli.findings_cmd
import pwlkit.cli.fit_cmd
import pwlkit.cli.report_cmd
import pwlkit.cli.search_cmd
import pwlkit.cli.study_cmd
from pwlkit.cli import main
from pwlkit.runs import executors
from pwlkit.runs import store as store_module
from pwlkit.search import read_checkpoint

# (argv, module, the function the command's parser calls)
COMMANDS = [
    (["benchmarks"], pwlkit.cli.benchmarks_cmd, "run_benchmarks"),
    (["info", "nbgraph-cora"], pwlkit.cli.benchmarks_cmd, "run_info"),
    (["fit", "--benchmark", "nbgraph-cora", "--train-size", "5"], pwlkit.cli.fit_cmd, "run_fit"),
    (["study", "run", "s.yaml"], pwlkit.cli.study_cmd, "_run"),
    (["study", "status", "s.yaml"], pwlkit.cli.study_cmd, "_status"),
    (["study", "summary", "s.yaml"], pwlkit.cli.study_cmd, "_summary"),
    (["study", "verify", "s.yaml"], pwlkit.cli.study_cmd, "_verify"),
    (["search", "--benchmark", "nbgraph-cora"], pwlkit.cli.search_cmd, "run"),
    (["report"], pwlkit.cli.report_cmd, "run"),
    (["findings"], pwlkit.cli.findings_cmd, "run"),
]

FAILURES = [
    (PermissionError(errno.EACCES, "Permission denied", "/out/part.parquet"), 2, "Permission"),
    (OSError(errno.ENOSPC, "No space left on device", "/out/x"), 1, "No space left on device"),
    (ConnectionError("cannot reach the Dask scheduler at 'tcp://h:1'"), 1, "Dask scheduler"),
    (yaml.YAMLError("while parsing\n  a block mapping"), 2, "a damaged file"),
    (pickle.UnpicklingError("invalid load key"), 2, "a damaged file"),
]


@pytest.mark.parametrize("argv, module, func", COMMANDS, ids=[" ".join(c[0][:2]) for c in COMMANDS])
@pytest.mark.parametrize("failure, status, says", FAILURES, ids=[f[2] for f in FAILURES])
def test_every_command_says_a_failure_in_one_line(
    argv, module, func, failure, status, says, monkeypatch, capsys
):
    def fails(args):
        raise failure

    monkeypatch.setattr(module, func, fails)
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.startswith(f"pwlkit {argv[0]}: error: ") and says in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_bug_keeps_its_traceback(monkeypatch):
    def bug(args):
        return 1 / 0

    monkeypatch.setattr(pwlkit.cli.search_cmd, "run", bug)
    with pytest.raises(ZeroDivisionError):
        main(["search"])


# ---------------------------------------------------------------- real failures of real runs

SEARCH = ["search", "--benchmark", "nbgraph-cora", "--strategy", "random", "--budget", "8"]
STUDY = {
    "name": "faults",
    "benchmarks": ["nbgraph-cora"],
    "losses": ["hr", "mse"],
    "train_sizes": [12],
    "backbones": ["mlp"],
    "seeds": 1,
    "epochs": 2,
    "cells_per_job": 1,
}


def _argv(kind: str, tmp_path: Path) -> list[str]:
    """A search (4 runs, 2 a job) or a study (2 jobs) storing in ``tmp_path/out``."""
    if kind == "search":
        out = ["--output-dir", str(tmp_path / "out"), "--runs-per-job", "2"]
        return [*SEARCH, "--runs", "4", "--executor", "inline", "--json", *out]  # no progress
    path = tmp_path / "faults.yaml"
    path.write_text(yaml.safe_dump({**STUDY, "output_dir": str(tmp_path / "out")}))
    return ["study", "run", str(path), "--executor", "inline", "--threads", "1", "--no-progress"]


def _leftovers(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "out").rglob("*") if p.name.startswith(".tmp-")]


def _parts(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "out").rglob("part-*.parquet"))


@pytest.mark.parametrize("kind", ["search", "study"])
def test_a_permission_error_on_a_part_is_one_line_and_leaves_no_temporary(
    kind, tmp_path, monkeypatch, capsys
):
    real_replace = os.replace

    def refused(src, dst):
        if Path(src).name.startswith(".tmp-") and Path(dst).name.startswith("part-"):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(store_module.os, "replace", refused)
    assert main(_argv(kind, tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err and "part-" in err
    assert _leftovers(tmp_path) == [] and _parts(tmp_path) == []


@pytest.mark.parametrize("kind", ["search", "study"])
def test_a_store_folder_that_cannot_be_written_names_the_option(
    kind, tmp_path, monkeypatch, capsys
):
    real_write_bytes = Path.write_bytes

    def read_only(self, data):
        if self.name.startswith(".tmp-probe"):  # root ignores chmod, so refuse it here
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", read_only)
    assert main(_argv(kind, tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the store" in err and "Permission denied" in err
    assert ("--output-dir" if kind == "search" else "output_dir in a study file") in err
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["search", "study"])
def test_a_full_disk_is_one_line_keeps_finished_jobs_and_leaves_no_temporary(
    kind, tmp_path, monkeypatch, capsys
):
    real_to_parquet = pd.DataFrame.to_parquet
    writes = []

    def fills_up(self, path, *args, **kwargs):
        if not Path(path).name.startswith(".tmp-"):
            return real_to_parquet(self, path, *args, **kwargs)
        writes.append(path)
        if len(writes) == 1:
            return real_to_parquet(self, path, *args, **kwargs)
        Path(path).write_bytes(b"PAR1 half a file")  # what a disk that fills up leaves
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fills_up)
    assert main(_argv(kind, tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert "free some space" in err and "stored" in err and "run the same command again" in err
    assert _leftovers(tmp_path) == [] and len(_parts(tmp_path)) == 1  # the finished job kept
    monkeypatch.undo()
    assert main(_argv(kind, tmp_path)) == 0  # the rerun computes only the lost job
    again = '"computed_runs": 2' if kind == "search" else "1 already stored, 1 computed"
    assert again in capsys.readouterr().out and len(_parts(tmp_path)) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("kind", ["search", "study"])
def test_an_unreachable_dask_scheduler_is_one_line(kind, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "2s")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    argv = [a for a in _argv(kind, tmp_path) if a not in ("--executor", "inline")]
    assert main([*argv, "--scheduler", address]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress bar
    assert f"cannot reach the Dask scheduler at '{address}'" in err
    assert err.startswith(f"pwlkit {argv[0]}: error: ") and "dask scheduler" in err
    assert _parts(tmp_path) == [] and _leftovers(tmp_path) == []


SCORER = """
import time


def score(arch):
    return float(sum(map(ord, arch)) % 997)


def slow(arch):
    time.sleep(0.2)
    return score(arch)
"""


@pytest.fixture()
def scorer(tmp_path, monkeypatch):
    """A module of evaluate functions in ``tmp_path``, which is also the current folder."""
    (tmp_path / "scorer.py").write_text(SCORER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "scorer"
    sys.modules.pop("scorer", None)


SPACE = ["search", "--space", "darts", "--strategy", "random", "--top-k", "1"]


@pytest.mark.parametrize(
    "content, says",
    [
        (b"\x00\x01 not a checkpoint \xff", "is not a pwlkit open_search checkpoint"),
        (b"name,score\nmine,1\n", "is not a pwlkit open_search checkpoint"),
        (None, "line 2 is not JSON; the file is damaged"),
    ],
    ids=["binary", "csv", "damaged-line"],
)
def test_a_damaged_checkpoint_is_one_line_and_left_as_it_is(
    content, says, scorer, tmp_path, capsys
):
    path = tmp_path / "c.jsonl"
    argv = [*SPACE, "--evaluate", "scorer:score", "--budget", "4", "--checkpoint", str(path)]
    if content is None:
        assert main(argv) == 0
        lines = path.read_bytes().split(b"\n")
        content = b"\n".join([lines[0], lines[1][:20] + b"\xff", *lines[2:]])
    path.write_bytes(content)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err
    assert path.read_bytes() == content  # not cut, not overwritten


def _kill_self(sig: int):
    def work(*args, **kwargs):
        os.kill(os.getpid(), sig)
        time.sleep(10)
        raise AssertionError("the signal did not arrive")

    return work


@pytest.mark.parametrize(
    "sig, status, how",
    [(signal.SIGTERM, 143, "stopped by SIGTERM"), (signal.SIGINT, 130, "interrupted")],
)
@pytest.mark.parametrize(
    "argv, target, kept",
    [
        (["study", "run", "s.yaml"], "pwlkit.study.run_study", "finished jobs are stored"),
        (
            [*SEARCH, "--output-dir", "outs"],
            "pwlkit.search.summary.summarize_search",
            "finished search runs are stored in outs/nbgraph-cora",
        ),
        (
            [*SPACE, "--evaluate", "m:f", "--budget", "4", "--checkpoint", "c.jsonl"],
            "pwlkit.search.open_search.open_search",
            "every finished evaluation is in c.jsonl",
        ),
        (
            [*SPACE, "--evaluate", "m:f", "--budget", "4"],
            "pwlkit.search.open_search.open_search",
            "nothing is kept (--checkpoint FILE",
        ),
    ],
    ids=["study", "search", "space", "space-no-checkpoint"],
)
def test_a_signal_says_what_was_kept(argv, target, kept, sig, status, how, monkeypatch, capsys):
    module, _, name = target.rpartition(".")
    monkeypatch.setattr(importlib.import_module(module), name, _kill_self(sig))
    monkeypatch.setattr(pwlkit.cli.search_cmd, "load_function", lambda spec: len)
    # a shell starts background jobs with SIGINT ignored; the test wants Python's own handler
    before_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert main(argv) == status
    finally:
        signal.signal(signal.SIGINT, before_int)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pwlkit {argv[0]}: {how}: {kept}")
    assert signal.getsignal(signal.SIGTERM) is before  # put back after the command


def test_sigterm_stops_a_space_search_that_resumes_where_it_stopped(scorer, tmp_path):
    path = tmp_path / "c.jsonl"
    argv = [*SPACE, "--evaluate", "scorer:slow", "--budget", "30", "--checkpoint", str(path)]
    cmd = [sys.executable, "-m", "pwlkit", *argv]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while (not path.exists() or path.read_bytes().count(b"\n") < 4) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == (
        f"pwlkit search: stopped by SIGTERM: every finished evaluation is in {path}; "
        "run the same command again to resume"
    )
    kept = read_checkpoint(path)[1]
    assert 3 <= len(kept) < 30 and all("score" in r for r in kept)
    done = subprocess.run(
        [*cmd, "--json"], check=True, cwd=tmp_path, env=env, capture_output=True, text=True
    )
    result = json.loads(done.stdout)
    assert result["reused"] == len(kept) and len(result["archs"]) == 30
