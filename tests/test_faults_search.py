"""Faults of searches: returns of ``evaluate`` that are no score, damaged checkpoint lines, every
evaluation failing, a script without the main guard, execution settings in the checkpoint, a
checkpoint write that fails, and two searches of one benchmark store at once."""

from __future__ import annotations

import errno
import json
import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pwlkit.cli import main
from pwlkit.search import checkpoint as checkpoint_module
from pwlkit.search import open_search, read_checkpoint
from pwlkit.search.checkpoint import SearchStopped

FAST = {"epochs": 20, "backbone": "mlp"}


def length_score(arch: str) -> float:
    """A deterministic score of an architecture string."""
    return float(sum(map(ord, arch)) % 997)


@pytest.mark.parametrize(
    "bad, kind",
    [
        (True, "bool"),
        (np.bool_(True), "bool"),
        ("3.5", "str"),
        (None, "NoneType"),
        (float("nan"), None),
        (float("inf"), None),
        (np.array(True), "booleans"),
    ],
)
def test_a_return_that_is_no_number_is_a_failed_evaluation(bad, kind, tmp_path):
    path = tmp_path / "c.jsonl"
    calls: list[str] = []

    def evaluate(arch: str):
        calls.append(arch)
        return bad if len(calls) <= 2 else length_score(arch)

    result = open_search("darts", evaluate, 6, "random", checkpoint=path, top_k=3)
    assert list(result.failed) == calls[:2]  # the first two: failed, with the reason
    assert all(repr(bad) in t and "need a finite number" in t for t in result.failed.values())
    assert kind is None or all(kind in t for t in result.failed.values())
    assert result.archs == calls[2:] and len(result.archs) == 6  # the budget is still made
    assert result.scores == [length_score(a) for a in calls[2:]]  # True is not read as 1.0
    records = read_checkpoint(path)[1]
    assert [("error" in r) for r in records] == [True, True] + [False] * 6


def test_a_checkpoint_line_holding_nan_or_inf_reads_back_as_a_failure(tmp_path):
    path = tmp_path / "c.jsonl"
    first = open_search("darts", length_score, 6, "random", checkpoint=path, top_k=3)
    lines = path.read_text().splitlines()
    for n, text in ((1, "NaN"), (2, "Infinity")):  # what json writes for nan and inf
        record = json.loads(lines[n])
        lines[n] = json.dumps(record).replace(str(record["score"]), text)
    path.write_text("\n".join(lines) + "\n")
    calls: list[str] = []

    def counted(arch: str) -> float:
        calls.append(arch)
        return length_score(arch)

    again = open_search("darts", counted, 6, "random", checkpoint=path, top_k=3)
    assert set(again.failed) == set(first.archs[:2])
    assert all("not a finite number" in t for t in again.failed.values())
    assert again.archs[:4] == first.archs[2:] and len(again.archs) == 6
    assert all(math.isfinite(s) for s in again.scores)
    assert len(calls) == 2 and not set(calls) & set(first.archs)  # two new ones, none again


@pytest.mark.parametrize(
    "strategy, budget, config",
    [("random", 12, {"top_k": 10}), ("evolution", 25, {}), ("pw", 12, FAST)],
)
def test_when_every_evaluation_fails_the_stop_counts_the_budget(strategy, budget, config):
    calls: list[str] = []

    def fails(arch: str) -> float:
        calls.append(arch)
        raise RuntimeError("training diverged")

    with pytest.raises(SearchStopped) as stop:
        open_search("darts", fails, budget, strategy, **config)
    message = str(stop.value)
    assert message.startswith(f"stopping: {budget} evaluations failed, as many as the budget")
    assert "RuntimeError: training diverged" in message and "\n" not in message
    assert len(calls) == budget  # evaluate was not called past the stop


FAILING = """
def fails(arch):
    raise RuntimeError("training diverged")


def score(arch):
    return float(len(arch))
"""


@pytest.fixture()
def failing_module(tmp_path, monkeypatch):
    """A module with an always-failing ``fails`` and a plain ``score``, in ``tmp_path``."""
    name = f"faults_eval_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(FAILING)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield name
    sys.modules.pop(name, None)


def test_cli_every_evaluation_failing_is_one_line(failing_module, capsys):
    argv = ["search", "--space", "darts", "--evaluate", f"{failing_module}:fails"]
    assert main([*argv, "--budget", "5", "--strategy", "random", "--checkpoint", "c.jsonl"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("pwlkit search: error: stopping: 5 evaluations failed")
    assert "every finished evaluation is in c.jsonl" in err
    assert len(read_checkpoint("c.jsonl")[1]) == 5


UNGUARDED = """
import sys
sys.path.insert(0, {folder!r})
from {module} import score
from pwlkit.search import open_search

result = open_search("darts", score, 4, "random", top_k=2, parallel=2)
print("finished", result.best_score)
"""

GUARDED = """
import sys
sys.path.insert(0, {folder!r})
from {module} import score
from pwlkit.search import open_search

if __name__ == "__main__":
    result = open_search("darts", score, 4, "random", top_k=2, parallel=2)
    print("finished", result.best_score)
"""


def _script(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return [sys.executable, str(path)]


def test_parallel_in_a_script_without_the_main_guard_is_refused_in_one_line(
    failing_module, tmp_path
):
    script = UNGUARDED.format(folder=str(tmp_path), module=failing_module)
    done = subprocess.run(
        _script(tmp_path, "unguarded", script),
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1 and "finished" not in done.stdout
    assert "BadParameter: parallel=2: open_search is called at line 7 of" in last
    assert 'if __name__ == "__main__":' in last


@pytest.mark.slow
def test_parallel_workers_that_import_an_unguarded_script_stop_in_one_line(
    failing_module, tmp_path
):
    source = UNGUARDED.format(folder=str(tmp_path), module=failing_module)
    # run through exec: no source line to read first, so the workers meet it while importing
    hidden = f"exec(compile({source!r}, '<generated>', 'exec'))\n"
    done = subprocess.run(
        _script(tmp_path, "hidden", hidden),
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and "finished" not in done.stdout
    assert "SearchStopped: parallel=2: a worker process died" in lines[-1]
    assert 'if __name__ == "__main__":' in lines[-1]
    worker = [line for line in lines if line.startswith("pwlkit open_search in a worker")]
    assert worker and "bootstrapping" not in done.stderr  # one line each, not multiprocessing's
    script = GUARDED.format(folder=str(tmp_path), module=failing_module)
    guarded = _script(tmp_path, "guarded", script)
    ok = subprocess.run(guarded, check=False, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and ok.stdout.startswith("finished"), ok.stderr


def _interrupted(path: Path, after: int, **config) -> list[str]:
    """Run a pw search on ``path`` until ``after`` evaluations are stored; their archs."""
    calls: list[str] = []

    def stops(arch: str) -> float:
        if len(calls) == after:
            raise KeyboardInterrupt
        calls.append(arch)
        return length_score(arch)

    with pytest.raises(KeyboardInterrupt):
        open_search("darts", stops, 20, "pw", 1, path, top_k=5, **config)
    return calls


def test_resuming_with_another_device_or_threads_computes_nothing_twice(tmp_path):
    path = tmp_path / "c.jsonl"
    done = _interrupted(path, 13, hparams={"device": "cpu"}, **FAST)
    header, records = read_checkpoint(path)
    assert "device" not in header["config"]["hparams"] and "threads" not in json.dumps(header)
    assert len(records) == 13
    calls: list[str] = []

    def counted(arch: str) -> float:
        calls.append(arch)
        return length_score(arch)

    resumed = open_search(
        "darts", counted, 20, "pw", 1, path, top_k=5, hparams={"threads": 1}, **FAST
    )
    assert resumed.reused == 13 and not set(calls) & set(done) and len(calls) == 7
    plain = open_search("darts", length_score, 20, "pw", 1, top_k=5, **FAST)
    assert resumed.archs == plain.archs and resumed.scores == plain.scores


def test_a_checkpoint_with_a_device_in_its_header_still_resumes(tmp_path):
    path = tmp_path / "c.jsonl"
    first = open_search("darts", length_score, 12, "pw", 2, path, top_k=2, **FAST)
    header, *rest = path.read_text().splitlines()
    old = json.loads(header)  # as a header looked when the device was written in it
    old["config"]["hparams"].update(device="cuda", threads=4)
    path.write_text("\n".join([json.dumps(old), *rest]) + "\n")

    def never(arch: str) -> float:
        raise AssertionError(f"evaluated again: {arch}")

    again = open_search("darts", never, 12, "pw", 2, path, top_k=2, **FAST)
    assert again.reused == 12 and again.archs == first.archs


def test_a_failed_checkpoint_write_leaves_no_torn_line(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    real_write = checkpoint_module.os.write
    writes = {"n": 0}

    def disk_fills(fd: int, data) -> int:
        writes["n"] += 1
        if writes["n"] < 5:
            return real_write(fd, data)
        if writes["n"] == 5:
            return real_write(fd, bytes(data)[: len(data) // 2])  # half a line, then no space
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint_module.os, "write", disk_fills)
    with pytest.raises(OSError, match="No space left"):
        open_search("darts", length_score, 8, "random", 0, path, top_k=4)
    monkeypatch.undo()
    assert path.read_bytes().endswith(b"}\n")  # the half line was cut off
    assert len(read_checkpoint(path)[1]) == 3  # header + 3 whole evaluations
    again = open_search("darts", length_score, 8, "random", 0, path, top_k=4)
    assert again.reused == 3 and len(again.archs) == 8


# ---------------------------------------------------------------- two searches, one store


def _cells(strategy: str, runs: int = 2):
    from pwlkit.runs.benchmark_cache import load_benchmark_cached
    from pwlkit.search.api import make_config
    from pwlkit.search.cells import search_cells

    bench = load_benchmark_cached("nbgraph-cora", None)
    config = make_config(n_init=4, top_k=2, pool_size=8, epochs=1)
    return search_cells(bench, strategy, 8, "val", list(range(runs)), config)


class HeldFit:
    """A stand-in predictor fit that waits until released: keeps its search running."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self, table, train, losses, seeds, **fit):
        self.started.set()
        assert self.release.wait(60)
        rng = np.random.default_rng(len(train[0]))
        return rng.random((len(losses), len(table.arch)))


def _run_in_thread(cells, store, fit) -> tuple[threading.Thread, dict]:
    from pwlkit.search.driver import run_cells

    out: dict = {}

    def target():
        out["record"] = run_cells(cells, store, "inline", fit_fn=fit)

    thread = threading.Thread(target=target)
    thread.start()
    assert fit.started.wait(60)
    return thread, out


def test_two_strategies_on_one_benchmark_store_run_at_once(tmp_path):
    from pwlkit.search.driver import read_cells, run_cells

    store = tmp_path / "nbgraph-cora"
    guided, plain = _cells("mse"), _cells("random")
    fit = HeldFit()
    thread, out = _run_in_thread(guided, store, fit)
    try:
        record = run_cells(plain, store, "inline")  # while the guided search runs
    finally:
        fit.release.set()
        thread.join(60)
    assert record.computed == 2 and record.waited == 0.0
    assert out["record"].computed == 2
    assert len(read_cells(store, guided)) == len(read_cells(store, plain)) == 2
    assert not list(store.glob(".lock-run-*"))  # every run's claim is gone


def test_a_search_of_the_same_cells_waits_and_computes_nothing_twice(tmp_path, capsys):
    from pwlkit.search.driver import run_cells

    store = tmp_path / "nbgraph-cora"
    cells = _cells("mse")
    fit = HeldFit()
    thread, out = _run_in_thread(cells, store, fit)
    threading.Timer(0.5, fit.release.set).start()
    start = time.perf_counter()
    record = run_cells(cells[:1], store, "inline", fit_fn=fit)  # overlaps: waits
    thread.join(60)
    assert time.perf_counter() - start >= 0.4 and record.waited >= 0.3
    assert record.computed == 0 and record.already_done == 1 and out["record"].computed == 2
    assert "waiting for it to finish" in capsys.readouterr().err
