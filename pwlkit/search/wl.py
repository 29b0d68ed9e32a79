"""Weisfeiler-Lehman subtree features of cells: the explicit feature map of the WL kernel.

A cell is the `pwlkit.benchmarks.base.Benchmark` encoding every search space shares: an
operation per node (``ops``, `PAD` for an absent node) and a directed adjacency (``adj[i, j] =
1`` for an edge i -> j). Iteration 0 labels each real node with its operation's name;
iteration ``t`` relabels a node with its label at ``t - 1`` followed, in parentheses, by the
sorted labels at ``t - 1`` of the nodes feeding it (its incoming edges: the computation that
produces it). A cell's features count how often each label occurs, over iterations
``0 .. iterations``. The WL subtree kernel of two cells is the dot product of their counts,
so a linear kernel on these features *is* the WL kernel (NAS-BOWL's surrogate,
`pwlkit.search.gp`).

Labels are kept as readable text, ``"conv(input)"``, rather than compressed to numbers, so a
feature can be read and a small case counted by hand:

>>> import numpy as np
>>> ops = np.array([[0, 1, 1, 2]])          # input, conv, conv, output
>>> adj = np.zeros((1, 4, 4), dtype=np.uint8)
>>> adj[0, 0, 1] = adj[0, 0, 2] = adj[0, 1, 3] = adj[0, 2, 3] = 1
>>> counts = wl_labels(ops, adj, ("input", "conv", "output"), 1)[0]
>>> counts["conv"], counts["conv(input)"], counts["input()"], counts["output(conv,conv)"]
(2, 2, 1, 1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from pwlkit.benchmarks.base import PAD

DEFAULT_ITERATIONS = 2
"""WL iterations of the ``gp`` strategy: subtrees of depth up to 2 (NAS-BOWL chooses ``h``
from its marginal likelihood; pwlkit fixes it, the ``wl_iterations`` option)."""


def wl_labels(
    ops: np.ndarray, adj: np.ndarray, op_names: Sequence[str], iterations: int
) -> list[Counter]:
    """Per cell, how often each WL label occurs over iterations ``0 .. iterations``.

    Args:
        ops: ``[n, nodes]`` operation indices into ``op_names`` (`PAD` for an absent node).
        adj: ``[n, nodes, nodes]`` 0/1, ``adj[c, i, j] = 1`` for an edge i -> j.
        op_names: the operations' names (iteration 0's labels).
        iterations: WL refinement steps (0: operation counts only).
    """
    ops, adj = np.asarray(ops), np.asarray(adj) != 0
    out = []
    for cell_ops, cell_adj in zip(ops, adj):
        real = np.flatnonzero(cell_ops != PAD)
        feeds = {int(v): [int(u) for u in real if cell_adj[u, v]] for v in real}
        labels = {int(v): str(op_names[int(cell_ops[v])]) for v in real}
        counts = Counter(labels.values())
        for _ in range(int(iterations)):
            labels = {
                v: f"{labels[v]}({','.join(sorted(labels[u] for u in feeds[v]))})" for v in labels
            }
            counts.update(labels.values())
        out.append(counts)
    return out


def wl_features(
    ops: np.ndarray, adj: np.ndarray, op_names: Sequence[str], iterations: int
) -> np.ndarray:
    """``[n, F]`` float64 WL label counts of ``n`` cells (`wl_labels`), one column per label
    seen in any of them (columns in order of first appearance)."""
    counts = wl_labels(ops, adj, op_names, iterations)
    columns: dict[str, int] = {}
    for c in counts:
        for label in c:
            columns.setdefault(label, len(columns))
    features = np.zeros((len(counts), len(columns)))
    for row, c in enumerate(counts):
        for label, n in c.items():
            features[row, columns[label]] = n
    return features
