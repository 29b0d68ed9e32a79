"""Predictor backbones: encoding, DenseGCNConv equivalence, shapes, PAD nodes, batching."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import toy_space
from torch_geometric.nn import DenseGCNConv

from pwlkit.benchmarks.base import PAD, Benchmark
from pwlkit.predictors import ARCH_PARAMS, PREDICTORS, build_predictor, encode
from pwlkit.predictors.encoding import build_encoding

SMALL_DEEP = {
    "gcn": {"hidden": 16, "layers": 3, "head_hidden": 8},
    "gin": {"hidden": 16, "layers": 2, "head_hidden": 8},
    "mlp": {"hidden": 16, "layers": 2},
    "transformer": {"dim": 16, "heads": 2, "layers": 2, "ffn": 16},
}
"""`conftest.SMALL` with a layer more where the tests here need depth (3 GCN, 2 attention)."""


def test_propagation_matches_dense_gcn_conv_on_forward_and_reverse_adjacency():
    bench = toy_space("dags")
    enc = encode(bench)
    torch.manual_seed(0)
    conv = DenseGCNConv(enc.num_ops, 5)
    x = torch.nn.functional.one_hot(enc.ops, enc.num_ops).float()
    a = torch.from_numpy(bench.adj).float()
    mask = enc.node_mask
    ref = (conv(x, a, mask) + conv(x, a.transpose(1, 2), mask)) / 2
    ours = enc.adj @ conv.lin(x) + conv.bias
    m = mask.unsqueeze(-1)
    torch.testing.assert_close(ours * m, ref * m, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("space", ["dags", "shared"])
def test_gcn_equals_a_stack_of_dense_gcn_conv_layers(space):
    """The batched GCN is DenseGCNConv on forward and reverse adjacency (shared weights,
    averaged), relu, masked mean pooling and a 2-layer head; checked with copied weights."""
    bench = toy_space("dags") if space == "dags" else toy_space("shared")
    enc = encode(bench)
    model = build_predictor("gcn", enc, 2, hidden=12, layers=3, head_hidden=5)
    model.reset([0, 1])
    m = 1  # compare the second model of the batch
    weights = [model.embed.weight[m]] + [conv.weight[m] for conv in model.convs]
    convs = []
    for w, bias in zip(weights, model.biases):
        conv = DenseGCNConv(w.shape[0], w.shape[1])
        with torch.no_grad():
            conv.lin.weight.copy_(w.T)
            conv.bias.copy_(bias.weight[m].view(-1))
        convs.append(conv)
    x = torch.nn.functional.one_hot(enc.ops, enc.num_ops).float()
    a = torch.from_numpy(bench.adj).float()
    mask = enc.node_mask
    for conv in convs:
        x = torch.relu((conv(x, a, mask) + conv(x, a.transpose(1, 2), mask)) / 2)
    pooled = (x * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
    hidden = torch.relu(pooled @ model.head1.weight[m] + model.head1.bias[m])
    ref = (hidden @ model.head2.weight[m] + model.head2.bias[m]).squeeze(-1)
    ours = model(torch.arange(enc.num_archs).expand(2, -1))[m]
    torch.testing.assert_close(ours, ref.detach(), rtol=1e-4, atol=1e-5)
    flops = model.flops_per_arch()
    assert flops["forward"] == 2 * (
        enc.n_nodes * (enc.num_ops * 12 + 2 * 12 * 12)
        + 2 * enc.n_nodes**2 * 12
        + enc.n_nodes * 12
        + 12 * 5
        + 5
    )


def test_encoding_pad_rows_are_cut_off_and_pool_averages_real_nodes():
    bench = toy_space("dags")
    enc = encode(bench)
    pad = torch.from_numpy(bench.ops == PAD)
    assert enc.adj[pad].abs().sum() == 0  # rows of absent nodes
    assert enc.adj.transpose(1, 2)[pad].abs().sum() == 0  # columns of absent nodes
    n_real = (~pad).sum(1)
    torch.testing.assert_close(enc.pool.sum(1), torch.ones(len(bench)))
    assert torch.all(enc.pool[~pad] == (1.0 / n_real).repeat_interleave(n_real))
    # flat one-hot part: exactly one 1 per real node, zeros for PAD
    onehot = enc.flat[:, : bench.n_nodes * enc.num_ops].view(len(bench), bench.n_nodes, -1)
    assert torch.equal(onehot.sum(-1), (~pad).float())
    assert not enc.shared_graph
    assert encode(bench) is enc  # cached per benchmark object


def test_encoding_rejects_bad_operation_index():
    bench = toy_space("dags")
    bench.ops[0, 0] = 99
    with pytest.raises(ValueError, match="operation indices"):
        build_encoding(bench)


@pytest.mark.parametrize("name", list(PREDICTORS))
def test_forward_shapes_and_flops(name):
    enc = encode(toy_space("dags"))
    model = build_predictor(name, enc, 3, **SMALL_DEEP[name])
    model.reset([0, 1, 2])
    idx = torch.randint(0, enc.num_archs, (3, 7))
    out = model(idx)
    assert out.shape == (3, 7) and torch.isfinite(out).all()
    flops = model.flops_per_arch()
    assert 0 < flops["forward"] < flops["train"] < 3 * flops["forward"] + 1
    assert model.fit_flops(5, 40, 1000) == 5 * 40 * flops["train"] + 1000 * flops["forward"]


@pytest.mark.parametrize("name", list(PREDICTORS))
def test_pad_nodes_do_not_change_scores(name):
    """The value stored at an absent node must not reach the output (masked everywhere)."""
    bench = toy_space("dags")
    enc = encode(bench)
    model = build_predictor(name, enc, 2, **SMALL_DEEP[name])
    model.reset([3, 4])
    idx = torch.arange(enc.num_archs).expand(2, -1)
    before = model(idx)
    pad = ~enc.node_mask
    assert pad.any()
    enc.ops[pad] = (enc.ops[pad] + 1) % enc.num_ops
    after = model(idx)
    enc.ops[pad] = 0
    torch.testing.assert_close(after, before)


def test_gcn_padded_cell_scores_like_the_unpadded_cell():
    """A cell padded to 6 slots scores exactly as the same cell stored in 3 slots."""
    full = toy_space("dags", n_archs=40, n_slots=6)
    small_rows = [k for k in range(len(full)) if (full.ops[k] != PAD).sum() == 3]
    assert small_rows
    rows = np.array(small_rows)
    cut = Benchmark(
        name="toy-cut",
        space="toy",
        arch=full.arch[rows],
        ops=full.ops[rows, :3].copy(),
        adj=full.adj[rows, :3, :3].copy(),
        op_names=full.op_names,
        val=full.val[rows],
        test=full.test[rows],
    )
    scores = []
    for bench, idx in ((full, rows), (cut, np.arange(len(rows)))):
        model = build_predictor("gcn", encode(bench), 1, **SMALL_DEEP["gcn"])
        model.reset([11])
        scores.append(model(torch.from_numpy(idx).unsqueeze(0)))
    torch.testing.assert_close(scores[0], scores[1])


@pytest.mark.parametrize("name", list(PREDICTORS))
def test_batched_models_equal_single_models_with_the_same_seed(name):
    enc = encode(toy_space("dags"))
    many = build_predictor(name, enc, 3, **SMALL_DEEP[name])
    many.reset([5, 6, 7])
    one = build_predictor(name, enc, 1, **SMALL_DEEP[name])
    one.reset([6])
    if many.stacks:
        for p_many, p_one in zip(many.parameters(), one.parameters()):
            assert torch.equal(p_many[1:2], p_one)
    else:  # a list of independent models (gin)
        for p_many, p_one in zip(many.nets[1].parameters(), one.nets[0].parameters()):
            assert torch.equal(p_many, p_one)
    idx = torch.randint(0, enc.num_archs, (1, 9))
    torch.testing.assert_close(many(idx.expand(3, -1))[1:2], one(idx))


def test_shared_graph_fast_path_matches_gathered_path():
    """NB201-style spaces (one adjacency for all) take a shortcut; it must agree."""
    enc = encode(toy_space("shared"))
    assert enc.shared_graph
    import dataclasses

    general = dataclasses.replace(enc, shared_graph=False)
    for name in PREDICTORS:
        a = build_predictor(name, enc, 2, **SMALL_DEEP[name])
        b = build_predictor(name, general, 2, **SMALL_DEEP[name])
        a.reset([1, 2])
        b.reset([1, 2])
        idx = torch.randint(0, 30, (2, 11))
        torch.testing.assert_close(a(idx), b(idx), msg=name)


def test_build_predictor_errors_name_valid_choices():
    enc = encode(toy_space("dags"))
    with pytest.raises(ValueError, match="Valid backbones: gcn, gin, mlp, transformer"):
        build_predictor("resnet", enc)
    with pytest.raises(ValueError, match="Valid: hidden, layers, head_hidden"):
        build_predictor("gcn", enc, depth=3)
    with pytest.raises(ValueError, match="must divide"):
        build_predictor("transformer", enc, dim=10, heads=3)
    model = build_predictor("mlp", enc, 2)
    with pytest.raises(ValueError, match="need 2 seeds"):
        model.reset([0])
    assert set(ARCH_PARAMS) == set(PREDICTORS)
