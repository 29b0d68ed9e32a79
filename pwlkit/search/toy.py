"""A small synthetic search space with a planted optimum, for trying and testing searches.

Cells have ``n_edges`` edges, each taking one of ``n_ops`` operations (NB201-like: a node per
edge between an input and an output node). Validation accuracy is additive in the edges'
operations plus a little noise, so neighbours of good cells are good and a predictor can learn
the space; one cell is planted clearly above every other.
"""

from __future__ import annotations

import itertools

import numpy as np

from pwlkit.benchmarks.base import Benchmark


def make_toy_benchmark(
    n_edges: int = 5, n_ops: int = 4, seed: int = 0, space: str = "toy"
) -> Benchmark:
    """A complete ``n_ops ** n_edges`` space whose unique best cell (by val and by test) sits
    on top of an additive landscape; ``space`` decides which PW pair ``pw`` resolves to."""
    rng = np.random.default_rng(seed)
    cells = np.array(list(itertools.product(range(n_ops), repeat=n_edges)), dtype=np.int16)
    n = len(cells)
    n_nodes = n_edges + 2
    ops = np.empty((n, n_nodes), dtype=np.int16)
    ops[:, 0] = n_ops  # input
    ops[:, 1:-1] = cells
    ops[:, -1] = n_ops + 1  # output
    adj = np.zeros((n_nodes, n_nodes), dtype=np.uint8)
    adj[0, 1:-1] = 1
    adj[1:-1, -1] = 1
    weights = rng.normal(0.0, 2.0, size=(n_edges, n_ops))
    additive = weights[np.arange(n_edges), cells].sum(axis=1)
    val = 80.0 + additive + rng.normal(0.0, 0.3, n)
    # The planted optimum is the additive optimum, raised clearly above everything else.
    planted = int(np.argmax(additive))
    val[planted] = val.max() + 2.0
    test = val + rng.normal(0.0, 0.2, n)
    test[planted] = test.max() + 1.0
    arch = np.array(["-".join(map(str, c)) for c in cells], dtype=object)
    return Benchmark(
        name=f"{space}-{n_edges}x{n_ops}",
        space=space,
        arch=arch,
        ops=ops,
        adj=np.broadcast_to(adj, (n, n_nodes, n_nodes)).copy(),
        op_names=tuple(f"op{i}" for i in range(n_ops)) + ("input", "output"),
        val=val,
        test=test,
        metric="accuracy (%)",
        source="synthetic",
    )
