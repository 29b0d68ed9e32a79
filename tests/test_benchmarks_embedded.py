"""The benchmarks embedded in installed packages load offline with the right counts."""

from __future__ import annotations

import numpy as np
import pytest

from pwlkit.benchmarks import cell201, load_benchmark, nbgraph
from pwlkit.benchmarks.analognas import CONDITIONS


@pytest.mark.parametrize("dataset", sorted(nbgraph.DATASETS))
def test_nbgraph_counts(dataset):
    b = load_benchmark(f"nbgraph-{dataset}")
    assert b.num_archs == (2021 if dataset == "proteins" else 26206)
    assert len(set(b.arch)) == b.num_archs
    assert not b.test_is_val and np.all((b.val > 0) & (b.val <= 1))
    assert b.ops.shape == (b.num_archs, 6)


def test_nbgraph_hash_and_graph_match_the_package():
    from nas_bench_graph import light_read
    from nas_bench_graph.architecture import Arch

    raw = light_read("cora")
    b = load_benchmark("nbgraph-cora")
    for i in range(0, b.num_archs, 997):
        link_s, ops_s = b.arch[i].split("|")
        link, ops = [int(c) for c in link_s], ops_s.split(",")
        h = Arch(link, ops).hash_arch()
        assert raw[h]["valid_perf"] == b.val[i] and raw[h]["perf"] == b.test[i]
    # 0012|...: nodes 1, 2 read the input, node 3 reads node 1, node 4 reads node 2;
    # nodes 3 and 4 are read by nobody, so they feed the output
    ops, adj = nbgraph.encode((0, 0, 1, 2), ["gcn", "gat", "sage", "skip"])
    edges = {(int(a), int(c)) for a, c in zip(*np.nonzero(adj))}
    assert edges == {(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 5)}
    assert [nbgraph.OP_NAMES[k] for k in ops] == ["input", "gcn", "gat", "sage", "skip", "output"]


def test_analognas_conditions():
    for cond in ("baseline", "analog", "noisy", "baseline-drift-86400"):
        b = load_benchmark(f"analognas-{cond}")
        assert b.num_archs == 15625 and b.test_is_val
        assert np.array_equal(b.val, b.test)
    b = load_benchmark("analognas-baseline")
    assert len(CONDITIONS) == 13
    assert round(b.best_test, 2) == 94.07
    for i in range(0, b.num_archs, 101):
        assert cell201.decode_cell(b.ops[i], b.op_names) == b.arch[i]
