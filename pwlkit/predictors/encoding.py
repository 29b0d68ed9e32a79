"""One tensor encoding of a whole search space, computed once and shared by every backbone.

Every predictor reads the same `Benchmark` fields (operation per node, adjacency); this module
turns them into the tensors the backbones gather from: operation indices, the GCN's normalised
adjacency, pooling weights over real nodes, an attention mask, and a flat vector. Everything is
computed once per benchmark and reused by every model, seed and loss.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import torch

from ..benchmarks.base import PAD, Benchmark


@dataclass(frozen=True, eq=False)
class Encoding:
    """Tensors describing every architecture of one space (``N`` cells of ``n`` node slots).

    Attributes:
        ops: ``[N, n]`` int64 operation index per node; ``PAD`` nodes hold 0 (they are cut off
            by ``adj``, ``pool`` and ``attn``, so their value never reaches an output).
        node_mask: ``[N, n]`` bool, True for a real node.
        adj: ``[N, n, n]`` float32 GCN propagation matrix: the mean of the symmetrically
            normalised forward and reverse adjacency, each with self-loops (the normalisation
            of `torch_geometric.nn.DenseGCNConv`); rows and columns of absent nodes are zero.
        pool: ``[N, n]`` float32 mean-pooling weights, ``1 / n_real`` on real nodes, 0 elsewhere.
        attn: ``[N, n, n]`` bool, True where node i may attend to node j (itself, its
            predecessors and successors; real nodes only).
        flat: ``[N, n * num_ops + n_adj]`` float32, one-hot operations (PAD = zeros) followed by
            the upper-triangular adjacency entries (all off-diagonal ones for cyclic encodings).
        prop_ops: ``[N, n, num_ops]`` float32 ``adj @ one_hot(ops)``: the first GCN layer's
            input already propagated (``P (X W) = (P X) W``), so that layer is one small product.
        shared_graph: True when every architecture has the same ``adj``/``pool``/``attn``
            (NB201-style cells: only the operations differ), letting backbones skip a gather.
        num_ops: number of operation types.
    """

    ops: torch.Tensor
    node_mask: torch.Tensor
    adj: torch.Tensor
    pool: torch.Tensor
    attn: torch.Tensor
    flat: torch.Tensor
    prop_ops: torch.Tensor
    shared_graph: bool
    num_ops: int

    @property
    def num_archs(self) -> int:
        return int(self.ops.shape[0])

    @property
    def device(self) -> torch.device:
        return self.ops.device

    def to(self, device: torch.device | str) -> Encoding:
        """The same encoding with every tensor on ``device`` (itself when already there)."""
        device = torch.device(device)
        if device == self.device:
            return self
        moved = {
            name: getattr(self, name).to(device)
            for name in ("ops", "node_mask", "adj", "pool", "attn", "flat", "prop_ops")
        }
        return Encoding(**moved, shared_graph=self.shared_graph, num_ops=self.num_ops)

    @property
    def n_nodes(self) -> int:
        return int(self.ops.shape[1])


def gcn_propagation(adj: np.ndarray, node_mask: np.ndarray) -> np.ndarray:
    """``[N, n, n]`` mean of the DenseGCNConv-normalised forward and reverse adjacency.

    ``DenseGCNConv`` sets the diagonal to 1 and scales ``A[i, j]`` by
    ``deg(i)^-1/2 * deg(j)^-1/2`` with ``deg`` the row sums; applying one such layer to ``A``
    and to ``A^T`` with the same weights and averaging is the same as one product with the
    mean of the two matrices, so it is computed here once per benchmark.
    """
    a = (adj != 0).astype(np.float64)
    n = a.shape[-1]
    eye = np.eye(n, dtype=bool)
    real = node_mask[:, :, None] & node_mask[:, None, :]
    out = np.zeros_like(a)
    for mat in (a, np.swapaxes(a, 1, 2)):
        m = np.where(eye, 1.0, mat) * real
        d = np.clip(m.sum(-1), 1.0, None) ** -0.5
        out += d[:, :, None] * m * d[:, None, :]
    return (out / 2).astype(np.float32)


def _flat_features(ops: np.ndarray, adj: np.ndarray, num_ops: int) -> np.ndarray:
    n = ops.shape[1]
    onehot = np.zeros((len(ops), n, num_ops), np.float32)
    rows, cols = np.nonzero(ops != PAD)
    onehot[rows, cols, ops[rows, cols]] = 1.0
    lower = np.tril(np.ones((n, n), bool), k=-1)
    cyclic = bool((adj[:, lower] != 0).any())
    keep = ~np.eye(n, dtype=bool) if cyclic else np.triu(np.ones((n, n), bool), k=1)
    edges = (adj[:, keep] != 0).astype(np.float32)
    return np.concatenate([onehot.reshape(len(ops), -1), edges], axis=1)


def build_encoding(benchmark: Benchmark) -> Encoding:
    """Encode a benchmark's graphs (use `encode`, which caches the result)."""
    ops = np.asarray(benchmark.ops).astype(np.int64)
    adj = np.asarray(benchmark.adj)
    if ops.ndim != 2 or adj.shape != (*ops.shape, ops.shape[1]):
        raise ValueError(
            f"benchmark {benchmark.name!r}: ops must be [N, n] and adj [N, n, n], "
            f"got {ops.shape} and {adj.shape}"
        )
    num_ops = benchmark.num_ops
    bad = (ops != PAD) & ((ops < 0) | (ops >= num_ops))
    if bad.any():
        raise ValueError(
            f"benchmark {benchmark.name!r}: operation indices must be in [0, {num_ops}) or "
            f"PAD={PAD}; found {int(ops[bad][0])}"
        )
    mask = ops != PAD
    if not mask.any(axis=1).all():
        raise ValueError(f"benchmark {benchmark.name!r}: an architecture has no real node")
    prop = gcn_propagation(adj, mask)
    pool = mask / mask.sum(axis=1, keepdims=True)
    real = mask[:, :, None] & mask[:, None, :]
    link = (adj != 0) | (np.swapaxes(adj, 1, 2) != 0) | np.eye(ops.shape[1], dtype=bool)
    attn = (link & real) | np.eye(ops.shape[1], dtype=bool)
    shared = bool((prop == prop[:1]).all() and (mask == mask[:1]).all())
    onehot = np.zeros((*ops.shape, num_ops), np.float32)
    rows, cols = np.nonzero(mask)
    onehot[rows, cols, ops[rows, cols]] = 1.0
    return Encoding(
        ops=torch.from_numpy(np.where(mask, ops, 0)),
        node_mask=torch.from_numpy(mask),
        adj=torch.from_numpy(prop),
        pool=torch.from_numpy(pool.astype(np.float32)),
        attn=torch.from_numpy(attn),
        flat=torch.from_numpy(_flat_features(ops, adj, num_ops)),
        prop_ops=torch.from_numpy(np.matmul(prop, onehot)),
        shared_graph=shared,
        num_ops=num_ops,
    )


_CACHE: weakref.WeakKeyDictionary[Benchmark, Encoding] = weakref.WeakKeyDictionary()


def encode(benchmark: Benchmark) -> Encoding:
    """The benchmark's `Encoding`, computed on first use and kept while the benchmark lives."""
    enc = _CACHE.get(benchmark)
    if enc is None:
        enc = build_encoding(benchmark)
        _CACHE[benchmark] = enc
    return enc
