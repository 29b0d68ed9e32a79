"""The NAS-Bench-101 cell space: DAGs of at most 7 nodes and 9 edges, 3 operations.

Strings are JSON of the pruned cell, ``{"matrix":[[0,1,...],...],"ops":["input",...,"output"]}``
(upper-triangular 0/1 adjacency, then the node labels; `canonical` prunes nodes off every
input-output path and writes it without spaces). The NB101 benchmark's own strings are the
official module hashes, which cannot be turned back into a cell; `NB101Space.module_hash` gives
the hash of a string, which is the benchmark's ``arch`` for that cell, and two strings are the
same architecture when their hashes agree (`sample` and `neighbours` deduplicate on it). The
encoding is the benchmark's (`pwlkit.benchmarks.nb101.encode_cells`: 7 node slots, PAD after the
cell's nodes).

`sample` follows the NAS-Bench-101 API's random cell: every upper-triangular edge of a 7-node
matrix on with probability 1/2 and a random operation per interior node, kept when the pruned
cell is valid (output reachable, at most 9 edges). This is uniform over such matrices, not over
the 423,624 distinct cells (a cell with more node labelings is drawn more often). `mutate` is
the NAS-Bench-101 paper's evolution mutation on the cell padded back to 7 nodes (each edge
flipped with probability 1/7, each interior operation changed with probability 1/5, redrawn
until the result is valid and a different cell), so a cell can also gain nodes; `neighbours`
lists the distinct valid cells one operation change or one edge flip of the pruned cell away
(they never add a node: that takes two new edges).
"""

from __future__ import annotations

import json

import numpy as np

from ..benchmarks import nb101_graph as g
from ..benchmarks.nb101 import encode_cells
from .base import Rng, Space, as_rng


def _parse(arch: str) -> tuple[np.ndarray, list[str]]:
    """JSON string -> the pruned, checked (matrix, ops)."""
    try:
        cell = json.loads(arch)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(cell, dict) or set(cell) != {"matrix", "ops"}:
        raise ValueError('expected {"matrix": [[...]], "ops": [...]}')
    matrix = np.asarray(cell["matrix"])
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.integer):
        raise ValueError("matrix must be a square list of lists of 0/1")
    ops = [str(o) for o in cell["ops"]]
    g.check_cell(matrix, ops)
    matrix, ops = g.prune(matrix, ops)
    if int(matrix.sum()) > g.MAX_EDGES:
        raise ValueError(f"{int(matrix.sum())} edges after pruning, at most {g.MAX_EDGES}")
    return matrix, ops


def _string(matrix: np.ndarray, ops: list[str]) -> str:
    return json.dumps({"matrix": np.asarray(matrix).tolist(), "ops": ops}, separators=(",", ":"))


def _valid(matrix: np.ndarray, ops: list[str]) -> tuple[np.ndarray, list[str]] | None:
    """The pruned cell, or None when it is not a valid NAS-Bench-101 cell."""
    try:
        m, o = g.prune(matrix, ops)
    except ValueError:
        return None
    return (m, o) if int(m.sum()) <= g.MAX_EDGES else None


class NB101Space(Space):
    """NAS-Bench-101 cells written as JSON of the pruned matrix and op labels."""

    name = "nb101"
    op_names = g.OP_NAMES
    n_nodes = g.N_NODES
    size = 423624

    def module_hash(self, arch: str) -> str:
        """The official module hash of ``arch`` (the NB101 benchmark's string for the cell)."""
        return g.module_hash(*_parse(self.canonical(arch)))

    def _canonical(self, arch: str) -> str:
        return _string(*_parse(arch))

    def _key(self, arch: str) -> str:
        return g.module_hash(*_parse(arch))

    def _random_ops(self, rng: np.random.Generator, k: int) -> list[str]:
        return [g.NB101_OPS[i] for i in rng.integers(len(g.NB101_OPS), size=k)]

    def _random(self, rng: np.random.Generator) -> str:
        n = g.N_NODES
        while True:
            matrix = np.triu(rng.integers(2, size=(n, n)), 1)
            cell = _valid(matrix, ["input", *self._random_ops(rng, n - 2), "output"])
            if cell is not None:
                return _string(*cell)

    def _neighbours(self, arch: str) -> list[str]:
        matrix, ops = _parse(arch)
        n = len(ops)
        seen = {g.module_hash(matrix, ops)}
        out = []
        candidates = []
        for k in range(1, n - 1):
            for op in g.NB101_OPS:
                if op != ops[k]:
                    candidates.append((matrix, [*ops[:k], op, *ops[k + 1 :]]))
        for i in range(n):
            for j in range(i + 1, n):
                flipped = matrix.copy()
                flipped[i, j] = 1 - flipped[i, j]
                candidates.append((flipped, ops))
        for m, o in candidates:
            cell = _valid(m, o)
            if cell is None:
                continue
            h = g.module_hash(*cell)
            if h not in seen:
                seen.add(h)
                out.append(_string(*cell))
        return out

    def mutate(self, arch: str, rng: Rng = None) -> str:
        """The NAS-Bench-101 evolution mutation (see the module docstring): a valid cell with a
        different module hash."""
        gen = as_rng(rng)
        matrix, ops = _parse(self.canonical(arch))
        parent = g.module_hash(matrix, ops)
        n, k = g.N_NODES, len(ops)
        padded = np.zeros((n, n), dtype=np.int64)
        keep = [*range(k - 1), n - 1]  # the cell's nodes, output last; new nodes before it
        padded[np.ix_(keep, keep)] = matrix
        labels = ["input", *ops[1:-1], *self._random_ops(gen, n - k), "output"]
        while True:
            child = padded.copy()
            flip = np.triu(gen.random((n, n)) < 1.0 / n, 1)
            child[flip] = 1 - child[flip]
            new_ops = list(labels)
            for v in range(1, n - 1):
                if gen.random() < 1.0 / (n - 2):
                    new_ops[v] = str(gen.choice([o for o in g.NB101_OPS if o != new_ops[v]]))
            cell = _valid(child, new_ops)
            if cell is not None and g.module_hash(*cell) != parent:
                return _string(*cell)

    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return encode_cells([_parse(a) for a in archs])
