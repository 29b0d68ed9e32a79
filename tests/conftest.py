"""Shared fixtures: where the real benchmark tables live, and a private cache per test run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from pwlkit.benchmarks.base import PAD, Benchmark

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULTS_README = Path(__file__).resolve().parents[1] / "results" / "README.md"


def stores_in_progress() -> set[str]:
    """Names of the shipped stores whose results/README.md row says "in progress": a long grid
    whose finished parts are committed as they appear (complete stores must be complete)."""
    names = set()
    for line in RESULTS_README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[3].startswith("in progress") and cells[0].startswith("`"):
            names.add(cells[0].strip("`").split("/")[-1])
    return names


# Keep the suite's encoded-benchmark cache away from the user's cache, shared by all tests.
os.environ.setdefault("PWLKIT_CACHE", tempfile.mkdtemp(prefix="pwlkit-test-cache-"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real benchmark tables (`../shared/data`); skip where it is absent."""
    if not (SHARED_DATA / "nb201_merged_15625.csv").is_file():
        pytest.skip(f"real benchmark tables not found at {SHARED_DATA} (CI has them)")
    return SHARED_DATA


@pytest.fixture(scope="module")
def one_thread():
    """Tiny fits: one thread is faster, and far faster on a busy machine (no thread barriers)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ----------------------------------------------------------------------------- toy spaces

SMALL = {
    "gcn": {"hidden": 16, "layers": 2, "head_hidden": 8},
    "gin": {"hidden": 16, "layers": 2, "head_hidden": 8},
    "mlp": {"hidden": 16, "layers": 2},
    "transformer": {"dim": 16, "heads": 2, "layers": 1, "ffn": 16},
}
"""Small backbone settings for fast fits, per backbone."""


def toy_space(kind: str = "additive", *args, **kwargs) -> Benchmark:
    """The tests' one builder of small spaces, by kind:

    - ``additive``: chain cells whose accuracy is a sum of per-operation values (a learnable
      truth), some with one node fewer;
    - ``dags``: random DAG cells with 3..n_slots real nodes and varying adjacency;
    - ``shared``: one shared adjacency (all pairs i < j), only operations vary (NB201-like).
    (`pwlkit.search.toy.make_toy_benchmark` is the library's own NB201-like toy, for searches.)
    """
    builders = {"additive": _additive, "dags": _dags, "shared": _shared}
    if kind not in builders:
        raise ValueError(f"unknown toy space {kind!r}: {', '.join(builders)}")
    return builders[kind](*args, **kwargs)


def _additive(n_archs: int = 300, n_slots: int = 5, num_ops: int = 4, seed: int = 0):
    """Chain cells whose accuracy is a sum of per-operation values (a learnable truth)."""
    rng = np.random.default_rng(seed)
    ops = rng.integers(0, num_ops, (n_archs, n_slots)).astype(np.int16)
    ops[rng.random(n_archs) < 0.3, -1] = PAD  # some cells have one node fewer
    adj = np.zeros((n_archs, n_slots, n_slots), np.uint8)
    for j in range(1, n_slots):
        adj[:, j - 1, j] = 1
    adj[ops[:, -1] == PAD, -2, -1] = 0
    gain = np.array([0.0, 1.0, 2.5, 4.0])
    val = 80 + np.where(ops == PAD, 0.0, gain[np.clip(ops, 0, None)]).sum(1)
    val += rng.normal(0, 0.05, n_archs)
    return Benchmark(
        name="toy-additive",
        space="toy",
        arch=np.array([str(i) for i in range(n_archs)], object),
        ops=ops,
        adj=adj,
        op_names=tuple(f"op{i}" for i in range(num_ops)),
        val=val,
        test=val + 0.1,
    )


def _dags(n_archs: int = 40, n_slots: int = 6, num_ops: int = 4, seed: int = 0) -> Benchmark:
    """Random DAG cells with 3..n_slots real nodes (the rest PAD), varying adjacency."""
    rng = np.random.default_rng(seed)
    ops = np.full((n_archs, n_slots), PAD, np.int16)
    adj = np.zeros((n_archs, n_slots, n_slots), np.uint8)
    for k in range(n_archs):
        real = int(rng.integers(3, n_slots + 1))
        ops[k, :real] = rng.integers(0, num_ops, real)
        for j in range(1, real):
            adj[k, rng.integers(0, j), j] = 1  # every node has a predecessor
            adj[k, :j, j] |= (rng.random(j) < 0.3).astype(np.uint8)
    return _toy("toy-dags", ops, adj, rng.random(n_archs) * 10 + 80, num_ops)


def _shared(n_archs: int = 30, n_slots: int = 5, num_ops: int = 4) -> Benchmark:
    """Cells with one shared adjacency (all pairs i < j), only operations vary (NB201-like)."""
    ops = np.random.default_rng(1).integers(0, num_ops, (n_archs, n_slots)).astype(np.int16)
    adj = np.broadcast_to(
        np.triu(np.ones((n_slots, n_slots), np.uint8), 1), (n_archs, n_slots, n_slots)
    ).copy()
    return _toy("toy-shared", ops, adj, np.linspace(80, 90, n_archs), num_ops)


def _toy(name: str, ops: np.ndarray, adj: np.ndarray, val: np.ndarray, num_ops: int) -> Benchmark:
    """A toy benchmark of these cells, its validation accuracy standing in for the test one."""
    return Benchmark(
        name=name,
        space="toy",
        arch=np.array([str(i) for i in range(len(ops))], object),
        ops=ops,
        adj=adj,
        op_names=tuple(f"op{i}" for i in range(num_ops)),
        val=val,
        test=val,
    )


CALLS: list[dict] = []
"""What the stand-in engine `ridge_fit` was called with (tests read and clear it)."""


def ridge_fit(
    benchmark, train_sets, losses, seeds, backbone="gcn", epochs=None, signal="val", **hparams
):
    """A stand-in engine: ridge regression on one-hot ops, trained on ``benchmark.<signal>``."""
    CALLS.append({"n": [len(t) for t in train_sets], "losses": list(losses), "signal": signal})
    ops = np.asarray(benchmark.ops)
    x = np.concatenate(
        [(ops[:, [j]] == np.arange(benchmark.num_ops)) for j in range(ops.shape[1])], axis=1
    ).astype(float)
    y_all = np.asarray(getattr(benchmark, signal), dtype=float)
    out = []
    for idx in train_sets:
        xt, yt = x[idx], y_all[idx]
        w = np.linalg.solve(xt.T @ xt + 1e-1 * np.eye(x.shape[1]), xt.T @ (yt - yt.mean()))
        out.append(x @ w)
    return np.stack(out)


@pytest.fixture(scope="session")
def shipped_report(tmp_path_factory):
    """The report over the shipped results, built once a session (the findings pages and the
    notebook on shipped results, which trains nothing): ``(folder, plan)``, the findings page
    in ``plan.findings``. Shared by the findings-page and browser tests."""
    from pwlkit.report import run_report

    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("report")
    plan = run_report(
        root / "notebooks",
        root / "parameters",
        out,
        only=["beyond_paper"],
        findings_from=root / "results",
        log=lambda *_: None,
    )
    assert [r.status for r in plan.runs] == ["ok"], [r.error for r in plan.runs]
    return out, plan
