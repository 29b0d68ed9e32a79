"""A user's own module trained through the engine, and the built-in PyG GIN backbone."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import toy_space
from torch import nn
from torch_geometric.nn import GINConv, global_add_pool

from pwlkit.benchmarks import load_benchmark
from pwlkit.metrics import kendall_tau
from pwlkit.predictors import build_predictor, encode
from pwlkit.predictors.graphs import arch_batch
from pwlkit.train import fit_module, fit_predict, fit_predict_many, sample_train


@pytest.fixture(scope="module")
def cora():
    bench = load_benchmark("nbgraph-cora")
    return bench, sample_train(bench, 200, 0)


class DenseNet(nn.Module):
    def __init__(self, num_ops: int = 11, hidden: int = 16) -> None:
        super().__init__()
        self.emb = nn.Embedding(num_ops, hidden)
        self.lin = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, ops, adj, node_mask):
        h = self.emb(ops) * node_mask[..., None]
        h = torch.relu(self.lin(adj @ h))
        return self.out(h.sum(1)).squeeze(-1)


class PygNet(nn.Module):
    def __init__(self, num_ops: int = 11, hidden: int = 16) -> None:
        super().__init__()
        mlp = nn.Sequential(nn.Linear(num_ops, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.conv = GINConv(mlp)
        self.out = nn.Linear(hidden, 1)

    def forward(self, batch):
        h = self.conv(batch.x, batch.edge_index).relu()
        return self.out(global_add_pool(h, batch.batch, size=batch.num_graphs))  # [B, 1]


class WrongShape(DenseNet):
    def forward(self, ops, adj, node_mask):
        return super().forward(ops, adj, node_mask)[None].repeat(2, 1)


@pytest.mark.parametrize(("factory", "inputs"), [(DenseNet, "dense"), (PygNet, "pyg")])
def test_fit_module_scores_repeats_and_learns(cora, factory, inputs):
    bench, idx = cora
    a = fit_module(factory, bench, idx, "hr", epochs=30, seed=0, inputs=inputs)
    assert a.shape == (bench.num_archs,) and a.dtype == np.float64
    assert np.isfinite(a).all()
    np.testing.assert_array_equal(a, fit_module(factory, bench, idx, epochs=30, inputs=inputs))
    other = fit_module(factory, bench, idx, epochs=30, seed=1, inputs=inputs)
    assert not np.allclose(a, other)
    # 30 epochs on 200 architectures: tau 0.27 (dense) and 0.28 (pyg) against val
    assert kendall_tau(a, bench.val) > 0.2


def test_fit_module_wrong_shape_and_bad_inputs(cora):
    bench, idx = cora
    with pytest.raises(ValueError, match=r"\[B\] or \[B, 1\].*got \(2, "):
        fit_module(WrongShape, bench, idx, epochs=1)
    with pytest.raises(ValueError, match="Valid inputs: dense, pyg"):
        fit_module(DenseNet, bench, idx, epochs=1, inputs="graph")
    with pytest.raises(TypeError, match="torch.nn.Module"):
        fit_module(lambda: "not a module", bench, idx, epochs=1)


def test_gin_backbone_fits_repeats_and_batches_like_single_fits(cora):
    bench, _ = cora
    idx = sample_train(bench, 60, 0)
    small = {"hidden": 16, "head_hidden": 16, "epochs": 3}
    a = fit_predict(bench, idx, "hr", backbone="gin", seed=0, **small)
    assert np.isfinite(a).all() and a.shape == (bench.num_archs,)
    np.testing.assert_array_equal(a, fit_predict(bench, idx, "hr", backbone="gin", **small))
    b = fit_predict(bench, idx, "hr", backbone="gin", seed=1, **small)
    both = fit_predict_many(
        bench, [idx, idx], ["hr", "hr"], [0, 1], backbone="gin", max_models=2, **small
    )
    np.testing.assert_allclose(both, np.stack([a, b]), rtol=1e-4, atol=1e-5)


def test_gin_graph_has_one_node_per_real_node():
    bench = toy_space("dags")
    enc = encode(bench)
    real = enc.node_mask.sum(1)
    padded = int(torch.nonzero(real < enc.n_nodes)[0, 0])
    batch = arch_batch(enc, torch.tensor([padded, padded]))
    assert batch.num_nodes == 2 * int(real[padded]) < 2 * enc.n_nodes
    assert batch.x.shape == (batch.num_nodes, enc.num_ops)
    assert batch.x.sum(1).eq(1).all()  # one-hot of real operations, no PAD rows
    model = build_predictor("gin", enc, 2, hidden=8, head_hidden=8)
    model.reset([0, 1])
    assert model(torch.arange(6).view(2, 3)).shape == (2, 3)
    assert model.fit_flops(10, 20, bench.num_archs) > 0


def test_arch_batch_equals_batch_from_data_list():
    from torch_geometric.data import Batch

    from pwlkit.predictors.graphs import arch_graphs

    enc = encode(toy_space("dags"))
    rows = torch.tensor([5, 0, 5, 17, 3])
    got = arch_batch(enc, rows)
    want = Batch.from_data_list([arch_graphs(enc)[int(r)] for r in rows])
    assert got.num_graphs == want.num_graphs == 5
    for key in ("x", "edge_index", "batch", "ptr"):
        torch.testing.assert_close(got[key], want[key])


def test_fit_module_trains_in_bfloat16_when_asked(cora):
    bench, idx = cora
    f32 = fit_module(DenseNet, bench, idx, "hr", epochs=10, seed=0)
    bf16 = fit_module(DenseNet, bench, idx, "hr", epochs=10, seed=0, train_dtype="bfloat16")
    assert np.all(np.isfinite(bf16)) and bf16.dtype == np.float64
    assert not np.array_equal(bf16, f32)
    assert np.corrcoef(bf16, f32)[0, 1] > 0.9
