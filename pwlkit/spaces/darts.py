"""The DARTS cell space (NAS-Bench-301): a normal and a reduction cell of 4 intermediate nodes.

Strings are DARTS ``Genotype(...)`` strings, normalised by
`pwlkit.benchmarks.darts.genotype_string` (the form the ``darts-*`` benchmarks store, so a
table's strings are already canonical). The encoding is `pwlkit.benchmarks.darts.encode_genotype`
(22 nodes, ops on nodes). An architecture of the space is what DARTS derives: in each cell,
intermediate node ``k`` (0..3) takes two distinct inputs among the two cell inputs and the
earlier intermediate nodes, with an operation other than ``none`` on each, and the cell output
concatenates nodes 2..5.

`sample` draws as DARTS samples: per node, two distinct inputs uniformly and an operation per
input uniformly (the two pairs of a node are written in input order, so no architecture is
drawn twice under two spellings). `canonical` keeps the pair order of the string it is given
(the benchmark's form); a neighbour changes one pair's operation or its input (to another that
keeps the node's two inputs distinct), in either cell; `mutate` picks one at random.
"""

from __future__ import annotations

import numpy as np

from ..benchmarks import darts as d
from .base import Space

OPS = tuple(op for op in d.PRIMITIVES if op != "none")
CONCAT = list(range(2, 2 + d.STEPS))


def _check(cell: d.Cell, concat: list[int], which: str) -> None:
    if sorted(concat) != CONCAT:
        raise ValueError(f"{which}_concat must be {CONCAT}, got {concat}")
    for k in range(d.STEPS):
        (op_a, in_a), (op_b, in_b) = cell[2 * k], cell[2 * k + 1]
        if "none" in (op_a, op_b):
            raise ValueError(f"{which} cell node {k + 2} uses 'none' (valid: {', '.join(OPS)})")
        if in_a == in_b:
            raise ValueError(f"{which} cell node {k + 2} takes input {in_a} twice")


def _random_cell(rng: np.random.Generator) -> d.Cell:
    cell: d.Cell = []
    for k in range(d.STEPS):
        inputs = sorted(int(i) for i in rng.choice(2 + k, size=2, replace=False))
        cell.extend((OPS[int(rng.integers(len(OPS)))], i) for i in inputs)
    return cell


def _cell_neighbours(cell: d.Cell) -> list[d.Cell]:
    out = []
    for p, (op, src) in enumerate(cell):
        other = cell[p ^ 1][1]
        for new in OPS:
            if new != op:
                out.append([*cell[:p], (new, src), *cell[p + 1 :]])
        for new_src in range(2 + p // 2):
            if new_src not in (src, other):
                out.append([*cell[:p], (op, new_src), *cell[p + 1 :]])
    return out


class DartsSpace(Space):
    """DARTS genotypes (normal + reduction cell), as DARTS derives them."""

    name = "darts"
    op_names = d.OP_NAMES
    n_nodes = d.N_NODES

    def _canonical(self, arch: str) -> str:
        normal, nc, reduce, rc = d.parse_genotype(arch)
        _check(normal, nc, "normal")
        _check(reduce, rc, "reduce")
        return d.genotype_string(normal, nc, reduce, rc)

    def _random(self, rng: np.random.Generator) -> str:
        return d.genotype_string(_random_cell(rng), CONCAT, _random_cell(rng), CONCAT)

    def _neighbours(self, arch: str) -> list[str]:
        normal, nc, reduce, rc = d.parse_genotype(arch)
        return [d.genotype_string(c, nc, reduce, rc) for c in _cell_neighbours(normal)] + [
            d.genotype_string(normal, nc, c, rc) for c in _cell_neighbours(reduce)
        ]

    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = [d.encode_genotype(a) for a in archs]
        return np.stack([e[0] for e in encoded]), np.stack([e[1] for e in encoded])
