"""Dead operations of a cell: live flows and pruning against cells worked by hand and against a
path enumeration over every NB201 cell; the ``prune`` setting in fits and in the estimator."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import SMALL, toy_space

from pwlkit.benchmarks.base import Benchmark
from pwlkit.benchmarks.cell201 import (
    EDGES,
    NB201_OPS,
    cell_string,
    decode_cell,
    encode_cells,
    node_names,
    parse_cell,
)
from pwlkit.benchmarks.live import live_flows, prune_dead
from pwlkit.checks import BadParameter
from pwlkit.estimator import Predictor
from pwlkit.train import fit_predict, fit_predict_many

pytestmark = pytest.mark.usefixtures("one_thread")
TINY = {"epochs": 3, **SMALL["gcn"]}

ALL_CELLS = [cell_string(ops) for ops in itertools.product(NB201_OPS, repeat=6)]
CELL_PATHS = ((0, 3), (0, 1, 3), (0, 2, 3), (0, 1, 2, 3))
"""Every input-to-output path of the NB201 cell (cell nodes 0..3)."""
NB201_OPS_WITH_ENDS = node_names(NB201_OPS)


def nb201(archs: list[str]) -> Benchmark:
    ops, adj = encode_cells(archs)
    val = np.linspace(60.0, 90.0, len(archs))
    return Benchmark(
        name="cells",
        space="nb201",
        arch=np.array(archs, object),
        ops=ops,
        adj=adj,
        op_names=node_names(NB201_OPS),
        val=val,
        test=val,
    )


def pruned_by_paths(arch: str) -> str:
    """The cell with every operation on no path of non-``none`` edges written as ``none``."""
    ops = dict(zip(EDGES, parse_cell(arch)))
    live = set()
    for path in CELL_PATHS:
        edges = list(itertools.pairwise(path))
        if all(ops[e] != "none" for e in edges):
            live.update(edges)
    return cell_string([ops[e] if e in live else "none" for e in EDGES])


def pruned_strings(bench: Benchmark) -> list[str]:
    return [decode_cell(row, NB201_OPS_WITH_ENDS) for row in prune_dead(bench).ops]


def test_operations_cut_off_from_the_input_or_the_output_are_pruned():
    cells = [
        # node 1 reaches node 3 only through none edges: its conv and the 1x1 after it are dead
        "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|none~2|",
        # node 2 receives nothing: the pool from it to the output is dead
        "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|avg_pool_3x3~2|",
        # every operation is on a live path: nothing changes
        "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|avg_pool_3x3~2|",
        # no live path at all: every operation is dead
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|",
    ]
    assert pruned_strings(nb201(cells)) == [
        "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
        "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|",
        cells[2],
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ]


def test_pruning_matches_a_path_enumeration_on_every_nb201_cell():
    bench = nb201(ALL_CELLS)
    got = pruned_strings(bench)
    assert got == [pruned_by_paths(a) for a in ALL_CELLS]
    # a fact of the space: 15,625 cells are 9,445 networks once dead operations are pruned
    assert len(set(got)) == 9445
    assert np.array_equal(prune_dead(bench).val, bench.val)  # rows and accuracies untouched


def test_live_flows_count_the_paths_through_each_edge():
    all_conv = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    flows = live_flows(nb201([all_conv]))
    through = (flows.fwd * flows.bwd)[0]
    # nodes: input, e01 e02 e03 e12 e13 e23, output; 4 paths in all
    assert through.tolist() == [4, 2, 1, 1, 1, 1, 2, 4]
    assert flows.live.all()
    assert flows.output.tolist() == [7]


def test_every_input_of_a_two_input_cell_carries_signal():
    # DARTS-like: inputs 0 and 1; a conv reads each, a `none` reads input 1; the output reads
    # all three. Nothing is dead but the `none` itself; input 1 is not written as `none`.
    adj = np.zeros((1, 6, 6), np.uint8)
    for i, j in [(0, 2), (1, 3), (1, 4), (2, 5), (3, 5), (4, 5)]:
        adj[0, i, j] = 1
    names = ("input", "none", "conv", "output")
    cell = Benchmark(
        name="two-inputs",
        space="toy",
        arch=np.array(["0"], object),
        ops=np.array([[0, 0, 2, 2, 1, 3]], np.int16),
        adj=adj,
        op_names=names,
        val=np.zeros(1),
        test=np.zeros(1),
    )
    flows = live_flows(cell)
    assert flows.source[0].tolist() == [True, True, False, False, False, False]
    assert (flows.fwd * flows.bwd)[0].tolist() == [1, 1, 1, 1, 0, 2]
    assert prune_dead(cell) is cell  # the only `none` is already `none`


def test_a_space_without_a_blocking_operation_comes_back_as_it_is():
    toy = toy_space("additive", n_archs=20)
    assert prune_dead(toy) is toy
    bench = nb201(ALL_CELLS[:50])
    assert prune_dead(bench) is prune_dead(bench)  # computed once per benchmark


def test_the_prune_setting_fits_on_the_pruned_cells():
    rng = np.random.default_rng(0)
    bench = nb201([ALL_CELLS[i] for i in rng.choice(len(ALL_CELLS), 300, replace=False)])
    idx = np.arange(0, 300, 5)
    pruned = fit_predict(bench, idx, "hr", seed=1, prune="dead", **TINY)
    by_hand = fit_predict(prune_dead(bench), idx, "hr", seed=1, **TINY)
    plain = fit_predict(bench, idx, "hr", seed=1, **TINY)
    np.testing.assert_allclose(pruned, by_hand, rtol=1e-5, atol=1e-6)
    assert not np.allclose(pruned, plain)
    # cells that are one network once pruned get one score
    strings = np.array(pruned_strings(bench))
    _, first, inverse = np.unique(strings, return_index=True, return_inverse=True)
    np.testing.assert_allclose(pruned, pruned[first][inverse], rtol=1e-5, atol=1e-6)
    many = fit_predict_many(bench, [idx], ["hr"], [1], prune="dead", **TINY)
    np.testing.assert_allclose(many[0], pruned, rtol=1e-5, atol=1e-6)


def test_a_bad_prune_value_names_the_setting_and_the_choices():
    bench = nb201(ALL_CELLS[:40])
    with pytest.raises(BadParameter, match=r"prune.*'alive'.*none, dead"):
        fit_predict(bench, np.arange(10), "hr", prune="alive", **TINY)


def test_the_estimator_prunes_the_cells_it_is_asked_about(tmp_path):
    rng = np.random.default_rng(1)
    archs = [ALL_CELLS[i] for i in rng.choice(len(ALL_CELLS), 60, replace=False)]
    y = np.linspace(70.0, 90.0, len(archs))
    p = Predictor(space="nb201", loss="hr", prune="dead", **TINY).fit(archs, y)
    dead_conv = "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|none~2|"
    twin = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    live = "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"
    scores = p.predict([dead_conv, twin, live])
    assert scores[0] == pytest.approx(scores[1], abs=1e-6)
    assert scores[2] != pytest.approx(scores[0], abs=1e-6)
    loaded = Predictor.load(p.save(tmp_path / "p.pt"))
    np.testing.assert_allclose(loaded.predict([dead_conv, twin]), scores[:2], rtol=1e-6)
