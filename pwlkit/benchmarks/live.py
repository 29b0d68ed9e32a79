"""Which operations of a cell carry signal: live paths, and cells with their dead operations pruned.

A cell whose operations sit on nodes (the NB201 line graph, TransNAS and AnalogNAS cells, NB101)
passes a signal from its input to its output only along paths with no blocking operation
(`BLOCKING_OPS`, NB201's ``none``). An operation that no such path runs through is dead: the
network computes the same function whatever it is. Two NB201 cells that differ only in dead
operations are one network trained twice, yet their encodings differ, and a predictor fitted on
a few hundred cells must learn that from the labels. `prune_dead` writes every dead operation as
the blocking one, so those cells share one encoding (NB201: 15,625 cells, 9,445 encodings after
pruning; 6,466 up to isomorphism). The ``prune`` training setting applies it before a fit
(`pwlkit.train.config`); the pretext targets of `pwlkit.train.pretrain` read the same flows.
"""

from __future__ import annotations

import dataclasses
import weakref

import numpy as np

from .base import PAD, Benchmark

BLOCKING_OPS = ("none", "zero")
"""Operation names that pass no signal (NB201's and TransNAS's ``none``)."""


def blocking_ops(benchmark: Benchmark) -> list[int]:
    """Indices into ``benchmark.op_names`` of the operations that pass no signal."""
    return [i for i, name in enumerate(benchmark.op_names) if name.lower() in BLOCKING_OPS]


def live_flows(benchmark: Benchmark) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fwd, bwd, live)``: ``[N, n]`` float64 counts of live paths from the input (node 0) to
    each node and from each node to the output (the last real node), and the ``[N, n]`` bool
    mask of nodes that pass a signal (real, not blocking; the input and output always).
    ``fwd * bwd`` is the number of live input-to-output paths through a node."""
    ops = np.asarray(benchmark.ops).astype(np.int64)
    adj = (np.asarray(benchmark.adj) != 0).astype(np.float64)
    n_archs, n = ops.shape
    real = ops != PAD
    live = real & ~np.isin(ops, blocking_ops(benchmark))
    last = n - 1 - np.argmax(real[:, ::-1], axis=1)
    rows = np.arange(n_archs)
    live[rows, 0] = True
    live[rows, last] = True
    alive = live.astype(np.float64)
    fwd = np.zeros((n_archs, n))
    fwd[:, 0] = 1.0
    bwd = np.zeros((n_archs, n))
    bwd[rows, last] = 1.0
    for _ in range(n):  # n rounds reach every path of a DAG of n nodes
        fwd = alive * np.einsum("aij,ai->aj", adj, fwd)
        fwd[:, 0] = 1.0
        bwd = alive * np.einsum("aij,aj->ai", adj, bwd)
        bwd[rows, last] = 1.0
    return fwd, bwd, live


_PRUNED: weakref.WeakKeyDictionary[Benchmark, Benchmark] = weakref.WeakKeyDictionary()


def prune_dead(benchmark: Benchmark) -> Benchmark:
    """The benchmark with every dead operation (real, not the input or output, on no live
    input-to-output path) replaced by the blocking one; rows, names and accuracies unchanged.

    A space without a blocking operation (NB101, DARTS) has no dead operation by this rule and
    comes back as it is. Computed once per benchmark object (kept while it lives).
    """
    found = _PRUNED.get(benchmark)
    if found is not None:
        return found
    blocking = blocking_ops(benchmark)
    out = benchmark
    if blocking:
        fwd, bwd, _ = live_flows(benchmark)
        ops = np.asarray(benchmark.ops)
        real = ops != PAD
        n = ops.shape[1]
        last = n - 1 - np.argmax(real[:, ::-1], axis=1)
        dead = real & (fwd * bwd == 0)
        dead[:, 0] = False
        dead[np.arange(len(ops)), last] = False
        if dead.any():
            pruned = ops.copy()
            pruned[dead] = blocking[0]
            out = dataclasses.replace(benchmark, ops=pruned)
    _PRUNED[benchmark] = out
    return out
