"""`open_search`: the search loops on a space, scored by a user's ``evaluate``.

NB201 searches score with the real NB201 CIFAR-10 table (validation accuracy); DARTS searches
with a toy ``evaluate`` (a deterministic function of the genotype text: per-position operation
weights, a bonus per separable convolution, and hash-based noise), written to a module in
``tmp_path`` so that worker processes and subprocesses import the same function.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pwlkit.checks import BadParameter
from pwlkit.cli import main
from pwlkit.search import CheckpointError, open_search, read_checkpoint
from pwlkit.spaces import get_space

FAST = {"epochs": 20, "backbone": "mlp"}

TOY_SOURCE = '''
import hashlib
import re
import time

PAIR = re.compile(r"\\('(\\w+)', (\\d)\\)")
CALLS = []


def _unit(text):
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def toy(arch):
    """Per-position operation weights + 0.5 per separable conv + noise in [0, 1)."""
    pairs = PAIR.findall(arch)
    score = sum(_unit(f"{p}:{op}:{src}") for p, (op, src) in enumerate(pairs))
    return score + 0.5 * arch.count("sep_conv") + _unit("noise:" + arch)


def slow_toy(arch):
    time.sleep(0.03)
    return toy(arch)


def flaky(arch):
    if _unit("fail:" + arch) < 0.2:
        raise RuntimeError("training diverged")
    return toy(arch)


def counted(arch):
    CALLS.append(arch)
    return toy(arch)
'''


@pytest.fixture()
def toy_module(tmp_path, monkeypatch):
    """The toy module, importable as ``toy_eval_<n>`` (a fresh name per test)."""
    name = f"toy_eval_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(TOY_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module
    sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def nb201(shared_data):
    from pwlkit.benchmarks import load_benchmark

    return load_benchmark("nb201-cifar10", data_dir=shared_data)


def _check_run(result, space, budget, evaluate):
    assert len(result.archs) == budget == len(result.scores)
    assert len(set(result.archs)) == budget
    assert all(space.canonical(a) == a for a in result.archs)
    assert result.scores == [evaluate(a) for a in result.archs]
    assert result.best_score == max(result.scores)
    assert result.best_arch == result.archs[result.scores.index(result.best_score)]


@pytest.mark.parametrize("strategy", ["random", "evolution", "pw", "mse"])
def test_nb201_strategies_on_the_real_table(nb201, strategy):
    space = get_space("nb201")
    calls: list[str] = []

    def lookup(arch: str) -> float:
        calls.append(arch)
        return float(nb201.val[nb201.index_of(arch)])

    result = open_search(space, lookup, 40, strategy, seed=1, population=10, **FAST)
    assert len(calls) == len(set(calls)) == 40  # no architecture evaluated twice
    _check_run(result, space, 40, lambda a: float(nb201.val[nb201.index_of(a)]))
    assert result.failed == {} and result.chosen_losses == []
    assert result.loss == (
        "hr->mape@20" if strategy == "pw" else "" if strategy in ("random", "evolution") else "mse"
    )
    again = open_search("nb201", lookup, 40, strategy, seed=1, population=10, **FAST)
    assert again.archs == result.archs  # deterministic for a seed
    other = open_search("nb201", lookup, 40, strategy, seed=2, population=10, **FAST)
    assert other.archs != result.archs


def test_guided_search_beats_random_on_nb201(nb201):
    """Mean best validation accuracy over 3 seeds: pw at least as good as random."""

    def lookup(arch: str) -> float:
        return float(nb201.val[nb201.index_of(arch)])

    best = {
        s: [open_search("nb201", lookup, 50, s, seed=k, **FAST).best_score for k in range(3)]
        for s in ("pw", "random")
    }
    assert sum(best["pw"]) >= sum(best["random"])


@pytest.mark.parametrize("strategy", ["random", "evolution", "pw", "hr"])
def test_darts_strategies(toy_module, strategy):
    space = get_space("darts")
    toy_module.CALLS.clear()
    result = open_search("darts", toy_module.counted, 30, strategy, seed=0, population=10, **FAST)
    _check_run(result, space, 30, toy_module.toy)
    assert toy_module.CALLS == result.archs  # called once per query, in query order
    again = open_search("darts", toy_module.toy, 30, strategy, seed=0, population=10, **FAST)
    assert again.archs == result.archs and again.scores == result.scores


def test_auto_records_the_loss_of_every_round(toy_module):
    result = open_search("darts", toy_module.toy, 20, "auto(candidates=hr|mse)", top_k=5, **FAST)
    assert len(result.chosen_losses) == 2  # (20 - 10 initial) / 5 per round
    assert set(result.chosen_losses) <= {"hr", "mse"}
    assert len(set(result.archs)) == 20


def test_a_raising_evaluate_is_recorded_and_the_search_goes_on(toy_module, tmp_path):
    path = tmp_path / "flaky.jsonl"
    result = open_search("darts", toy_module.flaky, 30, "pw", checkpoint=path, **FAST)
    assert len(result.archs) == len(set(result.archs)) == 30  # failures do not count
    assert result.failed and not set(result.failed) & set(result.archs)
    assert all(text == "RuntimeError: training diverged" for text in result.failed.values())
    header, records = read_checkpoint(path)
    assert header["strategy"] == "pw" and header["budget"] == 30
    assert [r["query"] for r in records] == list(range(30 + len(result.failed)))
    assert sum("error" in r for r in records) == len(result.failed)

    def never(arch: str) -> float:
        raise AssertionError(f"evaluated again: {arch}")

    resumed = open_search("darts", never, 30, "pw", checkpoint=path, **FAST)
    assert resumed.archs == result.archs and resumed.failed == result.failed
    assert resumed.reused == len(records)


def test_on_error_raise_stops_and_a_rerun_retries(toy_module, tmp_path):
    path = tmp_path / "stop.jsonl"
    calls = []

    def breaks_once(arch: str) -> float:
        calls.append(arch)
        if len(calls) == 15:
            raise OSError("disk full")
        return toy_module.toy(arch)

    with pytest.raises(OSError, match="disk full"):
        open_search("darts", breaks_once, 30, "pw", 4, path, on_error="raise", **FAST)
    assert len(read_checkpoint(path)[1]) == 14  # everything evaluated before the error
    resumed = open_search("darts", breaks_once, 30, "pw", 4, path, on_error="raise", **FAST)
    plain = open_search("darts", toy_module.toy, 30, "pw", 4, **FAST)
    assert resumed.archs == plain.archs and resumed.scores == plain.scores
    assert resumed.reused == 14 and len(calls) == 15 + 16
    assert calls[15] == calls[14]  # the failed query is the first one evaluated again


def test_each_evaluation_is_stored_when_it_returns(toy_module, tmp_path):
    path = tmp_path / "live.jsonl"
    stored_before: list[int] = []

    def watched(arch: str) -> float:
        stored_before.append(_lines(path) - 1)  # header excluded
        return toy_module.toy(arch)

    open_search("darts", watched, 20, "pw", checkpoint=path, top_k=5, **FAST)
    assert stored_before == list(range(20))  # the previous ones, even within a round


def test_a_checkpoint_of_other_arguments_is_refused(toy_module, tmp_path):
    path = tmp_path / "c.jsonl"
    open_search("darts", toy_module.toy, 12, "random", 0, path, top_k=4)
    for args, kwargs, name in [
        ((13, "random", 0), {"top_k": 4}, "budget"),
        ((12, "pw", 0), {"top_k": 4}, "strategy"),
        ((12, "random", 1), {"top_k": 4}, "seed"),
        ((12, "random", 0), {"top_k": 6}, "top_k"),
    ]:
        with pytest.raises(CheckpointError, match=f"another search \\({name}: stored"):
            open_search("darts", toy_module.toy, *args, checkpoint=path, **kwargs)
    with pytest.raises(CheckpointError, match="space: stored 'darts'"):
        open_search("nb201", toy_module.toy, 12, "random", 0, path, top_k=4)
    assert open_search("darts", toy_module.toy, 12, "random", 0, path, top_k=4).reused == 12


def test_a_checkpoint_in_use_is_refused(toy_module, tmp_path):
    import fcntl

    path = tmp_path / "busy.jsonl"
    with open(path, "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(CheckpointError, match="in use by another search"):
            open_search("darts", toy_module.toy, 12, "random", checkpoint=path)
    open_search("darts", toy_module.toy, 12, "random", checkpoint=path)


def test_a_torn_last_line_is_ignored_and_cut(toy_module, tmp_path):
    path = tmp_path / "torn.jsonl"
    first = open_search("darts", toy_module.toy, 12, "random", 0, path, top_k=4)
    with open(path, "ab") as f:
        f.write(b'{"query": 12, "arch": "Genotype(norm')
    assert len(read_checkpoint(path)[1]) == 12
    again = open_search("darts", toy_module.toy, 12, "random", 0, path, top_k=4)
    assert again.archs == first.archs and again.reused == 12
    assert path.read_bytes().endswith(b"}\n")


RUNNER = """
import json, sys
sys.path.insert(0, {folder!r})
from {module} import slow_toy
from pwlkit.search import open_search
r = open_search("darts", slow_toy, 50, "pw", seed=7, checkpoint={path!r}, epochs=20,
                backbone="mlp")
print(json.dumps(r.to_dict()))
"""


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.slow
def test_resume_after_sigkill_gives_the_uninterrupted_result(toy_module, tmp_path):
    path = tmp_path / "killed.jsonl"
    script = tmp_path / "runner.py"
    script.write_text(
        RUNNER.format(folder=str(tmp_path), module=toy_module.__name__, path=str(path))
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _lines(path) < 26 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = _lines(path) - 1
    assert 25 <= stored < 50, stored
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, check=True, timeout=300
    )
    resumed = json.loads(done.stdout)
    records = read_checkpoint(path)[1]
    archs = [r["arch"] for r in records]
    assert len(archs) == len(set(archs)) == 50  # exactly the budget, nothing twice
    assert [r["query"] for r in records] == list(range(50))
    assert resumed["reused"] == stored
    plain = open_search("darts", toy_module.slow_toy, 50, "pw", seed=7, **FAST)
    assert resumed["archs"] == plain.archs and resumed["scores"] == plain.scores
    assert archs == plain.archs and resumed["best_arch"] == plain.best_arch


@pytest.mark.slow
def test_parallel_gives_the_sequential_result(toy_module):
    sequential = open_search("darts", toy_module.toy, 25, "pw", seed=3, top_k=5, **FAST)
    pooled = open_search("darts", toy_module.toy, 25, "pw", seed=3, top_k=5, parallel=2, **FAST)
    assert pooled.archs == sequential.archs and pooled.scores == sequential.scores
    flaky = open_search("darts", toy_module.flaky, 25, "random", seed=3, top_k=5, parallel=2)
    assert flaky.failed == open_search("darts", toy_module.flaky, 25, "random", 3, top_k=5).failed


def test_a_dask_client_gives_the_sequential_result(toy_module):
    from distributed import Client

    sequential = open_search("darts", toy_module.toy, 20, "pw", seed=2, top_k=5, **FAST)
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as c:
        on_dask = open_search("darts", toy_module.toy, 20, "pw", 2, top_k=5, parallel=c, **FAST)
    assert on_dask.archs == sequential.archs and on_dask.scores == sequential.scores


def test_parallel_needs_a_picklable_evaluate():
    with pytest.raises(BadParameter, match="evaluate must be picklable to run with parallel=2"):
        open_search("darts", lambda a: 1.0, 20, "random", parallel=2)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (("darts", len, 20, "evolutoin"), {}, "did you mean 'evolution'"),
        (("darts", "not a function", 20), {}, "evaluate must be a function"),
        (("darts", len, 5, "pw"), {}, "smaller than the 10 random initial"),
        (("darts", len, 10, "evolution"), {}, "smaller than the evolution population 20"),
        (("nb201", len, 20_000, "random"), {}, "exceeds the 15625 architectures"),
        (("darts", len, 20), {"pool_sise": 5}, "did you mean 'pool_size'"),
        (("darts", len, 20), {"on_error": "ignore"}, "on_error"),
        (("darts", len, 20), {"parallel": "many"}, "parallel must be None"),
        (("darts", len, 20), {"checkpoint": "/no/such/folder/c.jsonl"}, "does not exist"),
        (("dart", len, 20), {}, "did you mean 'darts'"),
    ],
)
def test_bad_arguments_are_named(args, kwargs, match):
    with pytest.raises(BadParameter, match=match):
        open_search(*args, **kwargs)


def test_a_constant_evaluate_does_not_stop_a_guided_search():
    result = open_search("darts", lambda arch: 1.0, 20, "auto(candidates=hr|mse)", top_k=5, **FAST)
    assert len(set(result.archs)) == 20 and result.chosen_losses == ["auto(candidates=hr|mse)"] * 2


def test_a_non_finite_score_is_a_failure(toy_module):
    def sometimes_nan(arch: str) -> float:
        return float("nan") if arch.count("skip_connect") > 3 else toy_module.toy(arch)

    result = open_search("darts", sometimes_nan, 15, "random")
    assert all("need a finite number" in t for t in result.failed.values())


def test_cli_space_search(toy_module, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = toy_module.__name__
    argv = ["search", "--space", "darts", "--evaluate", f"{name}:toy", "--budget", "12"]
    argv += ["--strategy", "random", "--seed", "5", "--top-k", "4"]
    assert main([*argv, "--json", "--checkpoint", "cli.jsonl"]) == 0
    printed = json.loads(capsys.readouterr().out)
    direct = open_search("darts", toy_module.toy, 12, "random", seed=5, top_k=4)
    assert printed["archs"] == direct.archs and printed["best_score"] == direct.best_score
    assert len(read_checkpoint(tmp_path / "cli.jsonl")[1]) == 12
    assert main([*argv, "--checkpoint", "cli.jsonl"]) == 0
    text = capsys.readouterr().out
    assert (
        "best score" in text
        and direct.best_arch in text
        and "12 read back from checkpoint cli.jsonl" in text
    )


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--space", "darts", "--benchmark", "nb201-cifar10"], "are exclusive"),
        ([], "give --benchmark NAME"),
        (["--space", "darts"], "--space needs --evaluate"),
        (["--space", "darts", "--evaluate", "nosuchmodule_xyz:f"], "no module named"),
        (["--space", "darts", "--evaluate", "{module}:nosuch"], "has no function 'nosuch'"),
        (["--space", "darts", "--evaluate", "{module}"], "must be MODULE:FUNCTION"),
        (["--space", "darts", "--evaluate", "{module}:toy", "--strategy", "pq"], "strategy"),
        (["--benchmark", "nb201-cifar10", "--evaluate", "{module}:toy"], "goes with --space"),
        (["--benchmark", "nb201-cifar10", "--seed", "3"], "--seed goes with --space"),
        (["--space", "darts", "--study", "s.yaml"], "cannot be combined"),
    ],
)
def test_cli_space_errors(extra, match, toy_module, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    extra = [e.format(module=toy_module.__name__) for e in extra]
    assert main(["search", "--budget", "12", *extra]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
