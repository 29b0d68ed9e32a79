"""The NAS-Bench-201 cell space: 6 edges, one of 5 operations each, 15,625 cells.

Strings are official cell strings (``|nor_conv_3x3~0|+|...|``); the encoding is the
line-graph encoding of `pwlkit.benchmarks.cell201` (8 nodes, the same adjacency for every
cell), the one the NB201 benchmarks use, so ``encode`` of the table's strings is the table's
``ops`` / ``adj``. Every cell can be listed, so `sample` is exactly uniform; a neighbour
changes the operation of one edge (6 x 4 = 24 neighbours); `mutate` picks one at random.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from ..benchmarks import cell201
from .base import Space


class CellSpace(Space):
    """A 4-node, 6-edge cell with one operation per edge, written as an NB201 cell string."""

    ops: tuple[str, ...] = cell201.NB201_OPS

    def _canonical(self, arch: str) -> str:
        return cell201.cell_string(cell201.parse_cell(arch, self.ops))

    def _random(self, rng: np.random.Generator) -> str:
        return cell201.cell_string([self.ops[i] for i in rng.integers(len(self.ops), size=6)])

    def _neighbours(self, arch: str) -> list[str]:
        edge_ops = cell201.parse_cell(arch, self.ops)
        out = []
        for k, current in enumerate(edge_ops):
            for op in self.ops:
                if op != current:
                    out.append(cell201.cell_string([*edge_ops[:k], op, *edge_ops[k + 1 :]]))
        return out

    def _all(self) -> list[str]:
        return _every_cell(self.ops)

    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return cell201.encode_cells(archs, self.ops)


@cache
def _every_cell(ops: tuple[str, ...]) -> list[str]:
    return [cell201.cell_string(e) for e in itertools.product(ops, repeat=len(cell201.EDGES))]


class NB201Space(CellSpace):
    """NAS-Bench-201 (NATS-Bench topology): ``none``, ``skip_connect``, ``nor_conv_1x1``,
    ``nor_conv_3x3``, ``avg_pool_3x3`` on each of the 6 edges."""

    name = "nb201"
    ops = cell201.NB201_OPS
    op_names = cell201.node_names(cell201.NB201_OPS)
    n_nodes = cell201.N_NODES
    size = len(cell201.NB201_OPS) ** 6
