"""NAS-Bench-101 cells: pruning, the official isomorphism-invariant module hash, the encoding.

A cell is an upper-triangular adjacency matrix (at most 7 nodes, 9 edges) and one label per node:
``input``, then ops from `NB101_OPS`, then ``output``. The module hash (the key of the official
dataset) is an MD5 over iterated neighbourhood hashes: each node starts from
``md5(str((out_degree, in_degree, label)))`` (label -1 input, -2 output, else the index of the op
in `NB101_OPS`), then, as many rounds as there are nodes, becomes the MD5 of its sorted
in-neighbour hashes, ``|``, its sorted out-neighbour hashes, ``|``, its own hash; the
fingerprint is the MD5 of ``str(sorted(node hashes))``.

Encoding: 7 nodes, ``ops[k]`` indexes `OP_NAMES`; smaller cells are padded at the end with
``PAD`` (-1) and zero rows/columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from .base import PAD

NB101_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
"""Op names in the official canonical order (the order the hash labels refer to)."""

OP_NAMES = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")
"""Vocabulary of the encoding."""

N_NODES = 7
MAX_EDGES = 9


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def check_cell(matrix: np.ndarray, ops: Sequence[str]) -> None:
    """Raise ValueError naming what makes a cell invalid for NAS-Bench-101."""
    n = len(ops)
    if matrix.shape != (n, n):
        raise ValueError(f"matrix is {matrix.shape}, ops has {n} entries")
    if n < 2 or n > N_NODES:
        raise ValueError(f"a cell has 2..{N_NODES} nodes, got {n}")
    if np.any(np.tril(matrix) != 0) or not np.isin(matrix, (0, 1)).all():
        raise ValueError("matrix must be 0/1 and strictly upper triangular")
    if ops[0] != "input" or ops[-1] != "output":
        raise ValueError(f"ops must start with 'input' and end with 'output': {list(ops)}")
    bad = [o for o in ops[1:-1] if o not in NB101_OPS]
    if bad:
        raise ValueError(f"unknown op(s) {bad}; valid: {', '.join(NB101_OPS)}")


def prune(matrix: np.ndarray, ops: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Drop nodes not on a path from input to output (what the official spec does)."""
    m = np.asarray(matrix, dtype=np.int64)
    n = len(ops)
    fwd, stack = {0}, [0]
    while stack:
        v = stack.pop()
        for w in np.flatnonzero(m[v]):
            if int(w) not in fwd:
                fwd.add(int(w))
                stack.append(int(w))
    bwd, stack = {n - 1}, [n - 1]
    while stack:
        v = stack.pop()
        for w in np.flatnonzero(m[:, v]):
            if int(w) not in bwd:
                bwd.add(int(w))
                stack.append(int(w))
    keep = sorted(fwd & bwd)
    if 0 not in keep or n - 1 not in keep:
        raise ValueError("the output is not reachable from the input")
    return m[np.ix_(keep, keep)], [ops[i] for i in keep]


def module_hash(matrix: np.ndarray, ops: Sequence[str]) -> str:
    """The official NAS-Bench-101 hash of a (pruned) cell."""
    m = np.asarray(matrix, dtype=np.int64)
    n = len(ops)
    labels = [-1] + [NB101_OPS.index(o) for o in ops[1:-1]] + [-2]
    in_deg = m.sum(axis=0).tolist()
    out_deg = m.sum(axis=1).tolist()
    preds = [np.flatnonzero(m[:, v]).tolist() for v in range(n)]
    succs = [np.flatnonzero(m[v]).tolist() for v in range(n)]
    hashes = [_md5(str((out_deg[v], in_deg[v], labels[v]))) for v in range(n)]
    for _ in range(n):
        hashes = [
            _md5(
                "".join(sorted(hashes[w] for w in preds[v]))
                + "|"
                + "".join(sorted(hashes[w] for w in succs[v]))
                + "|"
                + hashes[v]
            )
            for v in range(n)
        ]
    return _md5(str(sorted(hashes)))


def encode_cell(matrix: np.ndarray, ops: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """One cell -> (ops [7] int16 padded with PAD, adj [7, 7] uint8)."""
    n = len(ops)
    row = np.full(N_NODES, PAD, dtype=np.int16)
    row[:n] = [OP_NAMES.index(o) for o in ops]
    adj = np.zeros((N_NODES, N_NODES), dtype=np.uint8)
    adj[:n, :n] = matrix
    return row, adj


def decode_cell(ops_row: Sequence[int], adj: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Encoded row -> (matrix, op names) without the padding."""
    n = int(np.sum(np.asarray(ops_row) != PAD))
    return np.asarray(adj)[:n, :n].astype(np.int64), [OP_NAMES[int(i)] for i in ops_row[:n]]
