"""The NAS-Bench-201 cell (4 nodes, 6 edges, one operation per edge) as a graph with ops on nodes.

The cell's edges become nodes (the line graph): 8 nodes = input, the six edges in the order
e01 e02 e03 e12 e13 e23 (``eij``: cell node i -> cell node j), output. The node for edge i->j
feeds the nodes for edges j->k; the input feeds the edges out of cell node 0; the edges into cell
node 3 feed the output. The adjacency is the same for every cell; only the ops differ. The
canonical string is the official cell string, e.g.
``|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|``
(one ``+``-separated group per cell node 1..3, each ``op~source``).

TransNAS-Bench-101's micro cell and AnalogNAS-Bench use the same cell, so they share this code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Official NAS-Bench-201 operation names, in the official index order."""

EDGES = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
"""Cell edges in node order of the encoding (node k + 1 is edge EDGES[k])."""

STRING_ORDER = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
"""Cell edges in the order they appear in the official string."""

N_NODES = 8


def node_names(ops: Sequence[str]) -> tuple[str, ...]:
    """Op vocabulary of an encoded space: ``input``, the space's ops, ``output``."""
    return ("input", *ops, "output")


def line_graph_adjacency() -> np.ndarray:
    """The fixed [8, 8] adjacency of the line graph of the cell."""
    adj = np.zeros((N_NODES, N_NODES), dtype=np.uint8)
    for a, (i, j) in enumerate(EDGES, start=1):
        if i == 0:
            adj[0, a] = 1
        if j == 3:
            adj[a, N_NODES - 1] = 1
        for b, (k, _) in enumerate(EDGES, start=1):
            if k == j:
                adj[a, b] = 1
    return adj


def parse_cell(arch: str, ops: Sequence[str] = NB201_OPS) -> list[str]:
    """Official cell string -> the six op names in `EDGES` order; errors name the problem."""
    groups = arch.strip().split("+")
    if len(groups) != 3:
        raise ValueError(f"cell string {arch!r} must have 3 '+'-separated groups")
    by_edge: dict[tuple[int, int], str] = {}
    for target, group in enumerate(groups, start=1):
        items = [x for x in group.strip().split("|") if x]
        if len(items) != target:
            raise ValueError(f"cell string {arch!r}: group {target} needs {target} entries")
        for item in items:
            op, _, src = item.partition("~")
            if op not in ops or not src.isdigit() or int(src) >= target:
                raise ValueError(
                    f"cell string {arch!r}: bad entry {item!r} (ops: {', '.join(ops)})"
                )
            by_edge[(int(src), target)] = op
    if len(by_edge) != 6:
        raise ValueError(f"cell string {arch!r} repeats an edge")
    return [by_edge[e] for e in EDGES]


def cell_string(edge_ops: Sequence[str]) -> str:
    """The six op names in `EDGES` order -> official cell string."""
    op = dict(zip(EDGES, edge_ops))
    return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*(op[e] for e in STRING_ORDER))


def encode_cells(
    archs: Sequence[str], ops: Sequence[str] = NB201_OPS
) -> tuple[np.ndarray, np.ndarray]:
    """Cell strings -> (ops [N, 8] int16 into ``node_names(ops)``, adj [N, 8, 8] uint8)."""
    index = {name: i for i, name in enumerate(node_names(ops))}
    cache: dict[str, list[int]] = {}
    out = np.empty((len(archs), N_NODES), dtype=np.int16)
    out[:, 0] = index["input"]
    out[:, -1] = index["output"]
    for row, arch in enumerate(archs):
        codes = cache.get(arch)
        if codes is None:
            codes = [index[o] for o in parse_cell(arch, ops)]
            cache[arch] = codes
        out[row, 1:-1] = codes
    adj = np.broadcast_to(line_graph_adjacency(), (len(archs), N_NODES, N_NODES)).copy()
    return out, adj


def decode_cell(ops_row: Sequence[int], op_names: Sequence[str]) -> str:
    """One encoded row (ops on the 8 nodes) -> official cell string."""
    if len(ops_row) != N_NODES:
        raise ValueError(f"an encoded NB201-style cell has {N_NODES} nodes, got {len(ops_row)}")
    return cell_string([op_names[int(i)] for i in ops_row[1:-1]])
