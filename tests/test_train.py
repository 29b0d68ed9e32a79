"""Training engine: sampling, fit_predict / fit_predict_many, determinism, errors, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL, toy_space
from scipy.stats import kendalltau

from pwlkit.benchmarks.base import Benchmark
from pwlkit.cli import main
from pwlkit.train import (
    BACKBONES,
    HYPERPARAMETERS,
    TRAIN_DEFAULTS,
    fit_predict,
    fit_predict_many,
    sample_train,
    workers,
)
from pwlkit.train.engine import batch_bounds, cosine_lr

FAST = {"epochs": 4, "batch_size": 16}


@pytest.fixture(scope="module")
def space() -> Benchmark:
    return toy_space("additive")


def test_sample_train_is_distinct_sorted_and_seeded(space):
    a = sample_train(space, 50, seed=3)
    assert a.shape == (50,) and len(np.unique(a)) == 50 and np.all(np.diff(a) > 0)
    assert a.min() >= 0 and a.max() < space.num_archs
    assert np.array_equal(a, sample_train(space, 50, seed=3))
    assert not np.array_equal(a, sample_train(space, 50, seed=4))
    assert len(sample_train(space, space.num_archs, 0)) == space.num_archs


@pytest.mark.parametrize("n", [0, 1, 301])
def test_sample_train_rejects_bad_sizes(space, n):
    with pytest.raises(ValueError, match="train size"):
        sample_train(space, n, 0)


def test_batch_bounds_and_cosine():
    bounds = batch_bounds(469, 64)
    sizes = [b - a for a, b in bounds]
    assert len(bounds) == 8 and sum(sizes) == 469 and max(sizes) - min(sizes) <= 1
    assert bounds[0][0] == 0 and bounds[-1][1] == 469
    assert batch_bounds(5, 64) == [(0, 5)]
    assert cosine_lr(0, 100, 1e-3, 0.0) == pytest.approx(1e-3)
    assert cosine_lr(99, 100, 1e-3, 0.1) == pytest.approx(1e-4)
    assert cosine_lr(50, 101, 1e-3, 0.0) == pytest.approx(5e-4)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_fit_predict_shape_and_determinism(space, backbone):
    idx = sample_train(space, 40, 0)
    kw = {"backbone": backbone, **FAST, **SMALL[backbone]}
    a = fit_predict(space, idx, "hr", seed=1, **kw)
    b = fit_predict(space, idx, "hr", seed=1, **kw)
    c = fit_predict(space, idx, "hr", seed=2, **kw)
    assert a.shape == (space.num_archs,) and a.dtype == np.float64 and np.isfinite(a).all()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_random_losses_are_deterministic_for_a_seed(space):
    idx = sample_train(space, 40, 0)
    for loss in ("listmle", "mse+sr"):
        a = fit_predict_many(space, [idx, idx], [loss, "mse"], [3, 4], **FAST, **SMALL["gcn"])
        b = fit_predict_many(space, [idx, idx], [loss, "mse"], [3, 4], **FAST, **SMALL["gcn"])
        assert np.array_equal(a, b)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_batched_fits_equal_single_fits(space, backbone):
    """Each job of a batched call reproduces the lone fit with the same seed and data."""
    sets = [sample_train(space, 40, s) for s in (0, 1, 2)]
    losses = ["mse", "hr", "warp"]
    kw = {"backbone": backbone, **FAST, **SMALL[backbone]}
    many = fit_predict_many(space, sets, losses, [10, 11, 12], **kw)
    assert many.shape == (3, space.num_archs)
    for job in range(3):
        one = fit_predict(space, sets[job], losses[job], seed=10 + job, **kw)
        np.testing.assert_allclose(many[job], one, rtol=1e-4, atol=1e-5)


def test_max_models_groups_give_the_same_predictions(space):
    sets = [sample_train(space, 30, s) for s in range(3)]
    kw = {**FAST, **SMALL["mlp"], "backbone": "mlp"}
    whole = fit_predict_many(space, sets, ["mse"] * 3, [0, 1, 2], **kw)
    split = fit_predict_many(space, sets, ["mse"] * 3, [0, 1, 2], max_models=2, **kw)
    np.testing.assert_allclose(whole, split, rtol=1e-4, atol=1e-5)


def test_worker_threads_do_not_change_predictions(space):
    """Groups and scoring chunks run on single-threaded workers: same numbers for any count."""
    sets = [sample_train(space, 30, s) for s in range(3)]
    kw = {**FAST, **SMALL["gcn"], "max_models": 1}
    one = fit_predict_many(space, sets, ["hr", "mse", "warp"], [0, 1, 2], threads=1, **kw)
    two = fit_predict_many(space, sets, ["hr", "mse", "warp"], [0, 1, 2], threads=2, **kw)
    assert np.array_equal(one, two)
    single = [
        fit_predict(space, sets[0], "hr", seed=0, threads=t, **FAST, **SMALL["gcn"]) for t in (1, 3)
    ]
    assert np.array_equal(single[0], single[1])
    assert np.array_equal(single[0], one[0])


def test_worker_processes_give_the_same_predictions_as_threads(space, monkeypatch):
    """Long calls train in worker processes: bit-identical to threads, including the losses
    with random draws (one call for all six: each worker process costs seconds to start)."""
    losses = ["hr", "mse", "warp", "listmle", "mse+sr", "hr->mape@0.5"]
    sets = [sample_train(space, 30, s) for s in range(6)]
    kw = {**FAST, **SMALL["gcn"], "max_models": 1, "threads": 2}
    monkeypatch.setenv(workers.WORKERS_ENV, "threads")
    threaded = fit_predict_many(space, sets, losses, list(range(6)), **kw)
    calls = []
    real = workers.run_in_processes
    monkeypatch.setattr(workers, "run_in_processes", lambda *a: calls.append(len(a[2])) or real(*a))
    monkeypatch.setenv(workers.WORKERS_ENV, "processes")
    in_processes = fit_predict_many(space, sets, losses, list(range(6)), **kw)
    assert calls == [6]
    assert np.array_equal(threaded, in_processes)


def test_fused_adam_matches_torch_adam_bit_for_bit():
    import torch

    from pwlkit.train.engine import FusedAdam

    torch.manual_seed(0)
    x, y = torch.randn(64, 5), torch.randn(64)
    nets = [
        torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
        for _ in range(2)
    ]
    nets[1].load_state_dict(nets[0].state_dict())
    start = nets[1][0].weight.detach().clone()
    ref = torch.optim.Adam(nets[0].parameters(), lr=0.01, weight_decay=1e-3, fused=True)
    ours = FusedAdam(list(nets[1].parameters()), weight_decay=1e-3)
    for step in range(20):
        lr = 0.01 * (1 - step / 20)
        ref.param_groups[0]["lr"] = lr
        ref.zero_grad()
        ((nets[0](x)[:, 0] - y) ** 2).mean().backward()
        ref.step()
        ours.step(((nets[1](x)[:, 0] - y) ** 2).mean(), lr)
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(nets[1][0].weight, start)


def test_worker_kind_is_chosen_by_work(monkeypatch):
    monkeypatch.delenv(workers.WORKERS_ENV, raising=False)
    assert workers.choose_processes(4, 2, est_seconds=600.0)
    assert not workers.choose_processes(4, 2, est_seconds=5.0)  # start-up would dominate
    assert not workers.choose_processes(1, 2, est_seconds=600.0)  # nothing to run in parallel
    assert not workers.choose_processes(4, 1, est_seconds=600.0)
    monkeypatch.setenv(workers.WORKERS_ENV, "threads")
    assert not workers.choose_processes(4, 2, est_seconds=600.0)
    monkeypatch.setenv(workers.WORKERS_ENV, "processes")
    assert workers.choose_processes(4, 2, est_seconds=0.0)
    monkeypatch.setenv(workers.WORKERS_ENV, "gpu")
    with pytest.raises(ValueError, match="PWLKIT_WORKERS='gpu'.*'threads' and 'processes'"):
        workers.choose_processes(4, 2, est_seconds=60.0)


def _square_in_worker(offset: int, item: int) -> tuple[int, int]:
    import os

    if item < 0:
        raise ValueError(f"bad item {item}")
    print("stray output must not break the result stream")
    return offset + item * item, os.getpid()


def test_run_in_processes_keeps_order_and_raises_worker_errors():
    import os

    out = workers.run_in_processes(_square_in_worker, 100, [0, 1, 2, 3, 4], 2)
    assert [r for r, _ in out] == [100, 101, 104, 109, 116]
    pids = {pid for _, pid in out}
    assert len(pids) == 2 and os.getpid() not in pids
    with pytest.raises(ValueError, match="bad item -3") as info:
        workers.run_in_processes(_square_in_worker, 0, [1, -3, 2], 2)
    if hasattr(BaseException, "add_note"):  # Python >= 3.11: the worker's traceback is attached
        assert "in a pwlkit training worker process" in "\n".join(info.value.__notes__)


def test_a_worker_that_dies_at_start_up_is_a_clear_error(monkeypatch):
    import shutil
    import sys

    monkeypatch.setattr(sys, "executable", shutil.which("false") or "/bin/false")
    big = b"x" * (1 << 20)  # more than a pipe holds: the write meets a closed pipe
    with pytest.raises(RuntimeError, match="worker process exited with code 1 before"):
        workers.run_in_processes(_square_in_worker, big, [1, 2], 2)


def test_worker_processes_need_no_main_guard_in_scripts(tmp_path):
    """Workers are fresh interpreters that never import the caller's __main__."""
    import os
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from conftest import toy_space\n"
        "from pwlkit.train import fit_predict_many\n"
        "b = toy_space('additive', 64)\n"
        "out = fit_predict_many(b, [list(range(10)), list(range(10, 20))], ['mse', 'hr'], [0, 1],\n"
        "                       epochs=2, hidden=8, layers=2, threads=2, max_models=1)\n"
        "print('shape', out.shape)\n"
    )
    env = dict(os.environ, PWLKIT_WORKERS="processes")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=240,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("shape (2, 64)") == 1


def test_torch_thread_setting_is_restored_even_with_concurrent_fits(space):
    import threading

    import torch

    before = torch.get_num_threads()
    idx = sample_train(space, 20, 0)
    kw = {**FAST, **SMALL["mlp"], "backbone": "mlp", "threads": 2}
    fits = [threading.Thread(target=fit_predict, args=(space, idx), kwargs=kw) for _ in range(3)]
    for t in fits:
        t.start()
    for t in fits:
        t.join()
    fit_predict(space, idx, **kw)
    assert torch.get_num_threads() == before


def test_fit_learns_a_learnable_space(space):
    idx = sample_train(space, 80, 0)
    pred = fit_predict(space, idx, "hr", epochs=60, seed=0, batch_size=16, lr=3e-3, **SMALL["gcn"])
    assert kendalltau(pred, space.val).statistic > 0.6


def test_signal_test_trains_on_the_test_column(space):
    idx = sample_train(space, 30, 0)
    bench = Benchmark(
        name="flip",
        space="toy",
        arch=space.arch,
        ops=space.ops,
        adj=space.adj,
        op_names=space.op_names,
        val=space.val,
        test=-space.val,
    )
    kw = {**FAST, **SMALL["mlp"], "backbone": "mlp", "seed": 0}
    on_val = fit_predict(bench, idx, "mse", signal="val", **kw)
    on_test = fit_predict(bench, idx, "mse", signal="test", **kw)
    assert not np.allclose(on_val, on_test)
    with pytest.raises(ValueError, match="Valid signals: val, test"):
        fit_predict(bench, idx, "mse", signal="valid", **kw)


def test_bad_inputs_raise_clear_errors(space):
    idx = sample_train(space, 20, 0)
    with pytest.raises(ValueError, match="Valid backbones: gcn, gin, mlp, transformer"):
        fit_predict(space, idx, backbone="gnn")
    with pytest.raises(ValueError, match="Valid settings: .*batch_size"):
        fit_predict(space, idx, dropout=0.1)
    with pytest.raises(ValueError, match="mse"):  # unknown loss: the message lists the names
        fit_predict(space, idx, loss="hinge")
    with pytest.raises(ValueError, match="at least 2"):
        fit_predict(space, idx[:1])
    with pytest.raises(ValueError, match="larger than benchmark"):
        fit_predict(space, np.arange(space.num_archs + 1) % space.num_archs)
    with pytest.raises(ValueError, match="outside benchmark"):
        fit_predict(space, np.array([0, space.num_archs]))
    with pytest.raises(ValueError, match="lengths train_sets=2, losses=1, seeds=2"):
        fit_predict_many(space, [idx, idx], ["mse"], [0, 1])
    with pytest.raises(ValueError, match="same size"):
        fit_predict_many(space, [idx, idx[:10]], ["mse", "mse"], [0, 1])
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"):
        fit_predict(space, idx, epochs=0)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\], got -1"):
        fit_predict(space, idx, seed=-1)
    with pytest.raises(TypeError, match="list of loss specs"):
        fit_predict_many(space, [idx], "mse", [0])
    val = space.val.copy()
    val[idx[3]] = np.nan
    nan_space = Benchmark(
        name="nan",
        space="toy",
        arch=space.arch,
        ops=space.ops,
        adj=space.adj,
        op_names=space.op_names,
        val=val,
        test=space.test,
    )
    with pytest.raises(ValueError, match=rf"NaN val values at 1 training rows.*row {idx[3]}"):
        fit_predict(nan_space, idx)
    flat = Benchmark(
        name="flat",
        space="toy",
        arch=space.arch,
        ops=space.ops,
        adj=space.adj,
        op_names=space.op_names,
        val=np.ones(space.num_archs),
        test=space.test,
    )
    with pytest.raises(ValueError, match="same val value"):
        fit_predict(flat, idx)


def test_hyperparameter_names_cover_defaults():
    assert {"batch_size", "lr", "weight_decay", "hidden", "layers", "dim"} <= set(HYPERPARAMETERS)
    assert set(TRAIN_DEFAULTS) == set(BACKBONES)


def test_cli_fit_json(capsys, shared_data):
    code = main(
        [
            "fit",
            "--benchmark",
            "nb201-cifar10",
            "--loss",
            "hr->mape",
            "--train-size",
            "50",
            "--seed",
            "1",
            "--epochs",
            "3",
            "--data-dir",
            str(shared_data),
            "--set",
            "hidden=16",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loss"] == "hr->mape@0.5" and out["train_size"] == 50 and out["epochs"] == 3
    assert set(out["precision_at"]) == {"0.5", "1", "5", "10"}
    assert set(out["n_at_k"]) == {"1", "5", "10", "50"}
    assert -1 <= out["tau"] <= 1 and out["fit_seconds"] > 0
    assert 1 <= out["n_at_k"]["10"] <= 15625


def test_cli_fit_errors_exit_2(capsys, shared_data):
    code = main(
        [
            "fit",
            "--benchmark",
            "nb201-cifar10",
            "--backbone",
            "gnn",
            "--train-size",
            "10",
            "--data-dir",
            str(shared_data),
        ]
    )
    assert code == 2
    assert "Valid backbones" in capsys.readouterr().err
    code = main(
        ["fit", "--benchmark", "nb201-cifar10", "--train-size", "1", "--data-dir", str(shared_data)]
    )
    assert code == 2


@pytest.mark.slow
def test_real_nb201_fit_beats_random_by_a_wide_margin(shared_data):
    from pwlkit.benchmarks import load_benchmark

    bench = load_benchmark("nb201-cifar10", data_dir=shared_data)
    idx = sample_train(bench, 100, 0)
    pred = fit_predict(bench, idx, "hr", epochs=40, seed=0, batch_size=50)
    tau = kendalltau(pred, bench.val).statistic
    rng = np.random.default_rng(0)
    random_taus = [kendalltau(rng.random(bench.num_archs), bench.val).statistic for _ in range(3)]
    assert max(abs(t) for t in random_taus) < 0.02
    assert tau > 0.5, tau
