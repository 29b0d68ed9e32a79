"""Pretraining on the unlabeled cells of a space: the flow features against hand-counted
paths, the pretext training, the cache, and fits that start from it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL, toy_space

from pwlkit.benchmarks.base import PAD, Benchmark
from pwlkit.checks import BadParameter
from pwlkit.predictors import build_predictor, encode
from pwlkit.train import fit_predict, sample_train
from pwlkit.train import pretrain as pt

pytestmark = pytest.mark.usefixtures("one_thread")
QUICK = {"epochs": 2, "batch_size": 64}


@pytest.fixture(autouse=True)
def quick_pretraining(monkeypatch, tmp_path):
    monkeypatch.setitem(pt.PRETRAIN_SETTINGS, "epochs", 2)
    monkeypatch.setitem(pt.PRETRAIN_SETTINGS, "batch_size", 64)
    monkeypatch.setenv("PWLKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def space():
    return toy_space("additive", n_archs=200)


def _diamond(ops: list[list[int]]) -> Benchmark:
    """input -> a, input -> b, a -> c, b -> c, c -> output; node 4 absent in the second cell."""
    adj = np.zeros((len(ops), 6, 6), np.uint8)
    for i, j in [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (4, 5)]:
        adj[:, i, j] = 1
    ops_arr = np.asarray(ops, np.int16)
    for row, cell in enumerate(ops):
        if cell[4] == PAD:
            adj[row, 3, 4] = adj[row, 4, 5] = 0
            adj[row, 3, 5] = 1
    names = ("input", "none", "conv", "skip", "output")
    return Benchmark(
        name="diamond",
        space="toy",
        arch=np.array([str(i) for i in range(len(ops))], object),
        ops=ops_arr,
        adj=adj,
        op_names=names,
        val=np.arange(len(ops), dtype=float),
        test=np.arange(len(ops), dtype=float),
    )


def test_flow_features_count_live_paths_depth_and_paths_per_operation():
    # cell 0: both branches live (2 paths, 5 live nodes on each, conv on one branch: 1 path)
    # cell 1: branch b is `none`: 1 path; node 4 absent, the output is node 5 reached from 3
    bench = _diamond([[0, 2, 3, 2, 3, 4], [0, 2, 1, 3, PAD, 4]])
    feats = pt.flow_features(bench)
    paths, depth = np.expm1(feats[:, 0]), feats[:, 1]
    per_op = np.expm1(feats[:, 2:])
    np.testing.assert_allclose(paths, [2, 1])
    np.testing.assert_allclose(depth, [5, 4])
    np.testing.assert_allclose(per_op[0], [2, 0, 3, 3, 2])  # input, none, conv, skip, output
    np.testing.assert_allclose(per_op[1], [1, 0, 1, 1, 1])  # `none` carries no path


@pytest.mark.parametrize("backbone", ["gcn", "gin"])
def test_pretraining_moves_the_body_and_leaves_the_head(space, backbone):
    plain = build_predictor(backbone, encode(space), 1, **SMALL[backbone])
    plain.reset([3])
    for pretext in ("masked", "flow", "masked+flow"):
        model = pt.pretrain_models(space, backbone, SMALL[backbone], pretext, [3])
        state = dict(model.named_parameters())
        ref = dict(plain.named_parameters())
        assert any(pt.is_head(k) for k in state)
        assert all(torch.equal(state[k], ref[k]) for k in state if pt.is_head(k))
        assert all(not torch.equal(state[k], ref[k]) for k in state if not pt.is_head(k))


def test_the_gin_node_states_are_what_its_score_reads(space):
    """Pooled states through the head give the GIN's scores; a one-hot input equal to the
    cells' own operations changes nothing; a hidden operation changes its cell only; absent
    node slots hold zeros."""
    enc = encode(space)
    model = build_predictor("gin", enc, 2, **SMALL["gin"])
    model.reset([0, 1])
    idx = torch.tensor([[0, 5, 9], [9, 3, 0]])
    nodes, pooled = model.node_states(idx)
    assert nodes.shape == (2, 3, enc.n_nodes, SMALL["gin"]["hidden"])
    heads = torch.stack([net.head(p).view(-1) for net, p in zip(model.nets, pooled)])
    torch.testing.assert_close(heads, model(idx))
    absent = ~enc.node_mask[idx]
    assert bool((nodes[absent] == 0).all())
    onehot = torch.nn.functional.one_hot(enc.ops[idx], enc.num_ops).float()
    onehot = onehot * enc.node_mask[idx].unsqueeze(-1)
    torch.testing.assert_close(model.node_states(idx, onehot)[1], pooled)
    slot = int(enc.node_mask[0].nonzero()[1])
    onehot[0, 1, slot] = 0  # hide one operation of cell 5 from model 0
    hidden = model.node_states(idx, onehot)[1]
    assert not torch.allclose(hidden[0, 1], pooled[0, 1])
    torch.testing.assert_close(hidden[0, [0, 2]], pooled[0, [0, 2]])
    torch.testing.assert_close(hidden[1], pooled[1])


def test_a_gin_node_state_sits_in_its_own_slot_when_a_middle_slot_is_absent():
    """Cell 1 lacks node 4 of 6 (the output is slot 5): each real slot holds the state the GIN
    computes for that node on the cell's own graph, and slot 4 holds zeros."""
    from pwlkit.predictors.graphs import arch_graphs

    bench = _diamond([[0, 2, 3, 2, 3, 4], [0, 2, 1, 3, PAD, 4]])
    enc = encode(bench)
    model = build_predictor("gin", enc, 1, **SMALL["gin"])
    model.reset([0])
    nodes, _ = model.node_states(torch.tensor([[1, 0]]))
    for b, cell in enumerate([1, 0]):
        graph = arch_graphs(enc)[cell]
        own = model.nets[0].embed(graph.x, graph.edge_index)
        slots = enc.node_mask[cell].nonzero().view(-1)
        torch.testing.assert_close(nodes[0, b, slots], own)
    assert enc.node_mask[1].tolist() == [True, True, True, True, False, True]
    assert bool((nodes[0, 0, 4] == 0).all())
    assert not torch.allclose(nodes[0, 0, 5], nodes[0, 0, 3])


@pytest.mark.parametrize(
    "backbone, head",
    [
        ("gcn", {"head1.weight", "head1.bias", "head2.weight", "head2.bias"}),
        ("transformer", {"head1.weight", "head1.bias", "head2.weight", "head2.bias"}),
        ("gin", {"head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"}),
        ("mlp", set()),
    ],
)
def test_the_score_head_is_exactly_the_head_layers(space, backbone, head):
    model = build_predictor(backbone, encode(space), 2, **SMALL[backbone])
    names = set(model.model_parameters(1))
    assert {k for k in names if pt.is_head(k)} == head
    assert names - head  # a body to pretrain


def test_a_gin_encoder_state_loads_into_its_own_model_only(space):
    source = pt.pretrain_models(space, "gin", SMALL["gin"], "flow", [7])
    state = pt.encoder_state(source, 0)
    assert state and not any(pt.is_head(k) for k in state)
    target = build_predictor("gin", encode(space), 2, **SMALL["gin"])
    target.reset([1, 2])
    before = {k: v.clone() for k, v in target.model_parameters(0).items()}
    pt.load_encoder(target, [pt.encoder_state(target, 0), state])
    loaded = target.model_parameters(1)
    assert set(loaded) - set(state) == {k for k in loaded if pt.is_head(k)}
    assert all(torch.equal(loaded[k], v) for k, v in state.items())
    assert all(torch.equal(before[k], v) for k, v in target.model_parameters(0).items())


def test_a_model_pretrains_the_same_alone_or_with_others(space):
    alone = pt.pretrain_models(space, "transformer", SMALL["transformer"], "masked+flow", [5])
    many = pt.pretrain_models(space, "transformer", SMALL["transformer"], "masked+flow", [4, 5])
    a, b = pt.encoder_state(alone, 0), pt.encoder_state(many, 1)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_the_cache_is_written_once_read_after_and_shared_by_one_space(space, monkeypatch):
    arch = SMALL["gcn"]
    first = pt.pretrained_states(space, "gcn", arch, "flow", [0, 1])
    folder = pt.cache_folder(space, "gcn", arch, "flow")
    assert sorted(p.name for p in folder.glob("*.pt")) == ["seed-0.pt", "seed-1.pt"]
    assert not list(folder.glob("tmp-*"))

    def no_training(*args, **kwargs):
        raise AssertionError("pretrained again")

    monkeypatch.setattr(pt, "pretrain_models", no_training)
    again = pt.pretrained_states(space, "gcn", arch, "flow", [1, 0])
    assert all(torch.equal(first[0][k], again[0][k]) for k in first[0])
    other_dataset = Benchmark(**{**space.__dict__, "name": "toy-other", "val": space.val[::-1]})
    assert pt.cache_folder(other_dataset, "gcn", arch, "flow") == folder  # same cells
    assert pt.cache_folder(space, "gcn", arch, "masked") != folder


def test_a_damaged_cache_entry_is_recomputed(space):
    arch = SMALL["gcn"]
    pt.pretrained_states(space, "gcn", arch, "flow", [2])
    path = pt.cache_folder(space, "gcn", arch, "flow") / "seed-2.pt"
    path.write_bytes(b"garbage")
    state = pt.pretrained_states(space, "gcn", arch, "flow", [2])[2]
    assert all(torch.isfinite(v).all() for v in state.values())
    assert torch.load(path, weights_only=True).keys() == state.keys()


@pytest.mark.parametrize("backbone", ["gcn", "gin"])
def test_a_fit_starts_from_the_pretrained_body(space, backbone):
    idx = sample_train(space, 40, 0)
    kw = {"backbone": backbone, "epochs": 3, "batch_size": 16, **SMALL[backbone]}
    plain = fit_predict(space, idx, "hr", seed=0, **kw)
    flow = fit_predict(space, idx, "hr", seed=0, pretrain="flow", **kw)
    again = fit_predict(space, idx, "hr", seed=0, pretrain="flow", **kw)
    assert not np.array_equal(plain, flow)
    np.testing.assert_array_equal(flow, again)


@pytest.mark.parametrize(
    "settings, match",
    [
        ({"pretrain": "bert"}, "unknown pretrain 'bert'"),
        ({"pretrain": "flow", "backbone": "mlp"}, "needs a backbone"),
    ],
)
def test_bad_pretrain_settings_are_refused_before_any_work(space, settings, match):
    with pytest.raises(BadParameter, match=match):
        fit_predict(space, sample_train(space, 20, 0), "hr", **{"epochs": 1, **settings})
