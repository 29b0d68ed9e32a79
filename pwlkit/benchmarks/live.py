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
from typing import NamedTuple

import numpy as np

from .base import PAD, Benchmark

BLOCKING_OPS = ("none", "zero")
"""Operation names that pass no signal (NB201's and TransNAS's ``none``)."""


def blocking_ops(benchmark: Benchmark) -> list[int]:
    """Indices into ``benchmark.op_names`` of the operations that pass no signal."""
    return [i for i, name in enumerate(benchmark.op_names) if name.lower() in BLOCKING_OPS]


class Flows(NamedTuple):
    """What `live_flows` returns: ``[N, n]`` live paths from the inputs to each node (``fwd``)
    and from each node to the output (``bwd``), float64; ``[N, n]`` nodes that pass a signal
    (``live``) and the cells' inputs (``source``), bool; ``[N]`` each cell's output node, its
    last real one (``output``)."""

    fwd: np.ndarray
    bwd: np.ndarray
    live: np.ndarray
    source: np.ndarray
    output: np.ndarray


def live_flows(benchmark: Benchmark) -> Flows:
    """Live-path counts of every node of every cell (`Flows`). The inputs are node 0 and every
    other real node nothing feeds (DARTS cells read two), the output is the last real node;
    a node passes a signal when it is real and its operation is not blocking (the inputs and
    the output always). ``fwd * bwd`` is the number of live input-to-output paths through a
    node."""
    ops = np.asarray(benchmark.ops).astype(np.int64)
    adj = (np.asarray(benchmark.adj) != 0).astype(np.float64)
    n_archs, n = ops.shape
    real = ops != PAD
    source = real & (adj.sum(axis=1) == 0)
    source[:, 0] = True
    live = real & ~np.isin(ops, blocking_ops(benchmark))
    last = n - 1 - np.argmax(real[:, ::-1], axis=1)
    rows = np.arange(n_archs)
    live |= source
    live[rows, last] = True
    alive = live.astype(np.float64)
    fwd = source.astype(np.float64)
    bwd = np.zeros((n_archs, n))
    bwd[rows, last] = 1.0
    for _ in range(n):  # n rounds reach every path of a DAG of n nodes
        fwd = np.where(source, 1.0, alive * np.einsum("aij,ai->aj", adj, fwd))
        bwd = alive * np.einsum("aij,aj->ai", adj, bwd)
        bwd[rows, last] = 1.0
    return Flows(fwd, bwd, live, source, last)


_PRUNED: weakref.WeakKeyDictionary[Benchmark, Benchmark | None] = weakref.WeakKeyDictionary()
"""Pruned copies by benchmark; None where nothing is pruned (a copy, never the key itself,
so the entry goes when the benchmark does)."""


def prune_dead(benchmark: Benchmark) -> Benchmark:
    """The benchmark with every dead operation (real, neither an input nor the output, on no
    live input-to-output path) replaced by the blocking one; rows, names and accuracies
    unchanged.

    A space without a blocking operation (NB101, NAS-Bench-Graph) has no dead operation by this
    rule, nor has a cell whose blocking operation never occurs (a DARTS genotype), and comes
    back as it is. Computed once per benchmark object (kept while it lives).
    """
    if benchmark in _PRUNED:
        found = _PRUNED[benchmark]
        return benchmark if found is None else found
    blocking = blocking_ops(benchmark)
    out = None
    if blocking:
        flows = live_flows(benchmark)
        ops = np.asarray(benchmark.ops)
        dead = (ops != PAD) & (flows.fwd * flows.bwd == 0) & ~flows.source
        dead &= ~np.isin(ops, blocking)
        dead[np.arange(len(ops)), flows.output] = False
        if dead.any():
            pruned = ops.copy()
            pruned[dead] = blocking[0]
            out = dataclasses.replace(benchmark, ops=pruned)
    _PRUNED[benchmark] = out
    return benchmark if out is None else out
