"""Generic mutation: neighbours of an architecture inside a table-backed space.

A search may only query architectures that exist in the benchmark table, so "mutating" an
architecture means picking table rows close to it. Closeness is the Hamming distance of the
`Benchmark` encoding (operation per node plus adjacency entries), which needs nothing specific
to a search space: it works for NB201, NB101, TransNAS cells, random subsets of a space, and a
user's own table. On a full NB201 table the rows at distance 1 are exactly the single-edge
mutations of the usual NB201 mutation operator.
"""

from __future__ import annotations

import numpy as np

from pwlkit.benchmarks.base import Benchmark


class HammingCodes:
    """Flat integer codes of every architecture, built once per benchmark for fast distances."""

    def __init__(self, benchmark: Benchmark) -> None:
        ops = np.asarray(benchmark.ops, dtype=np.int16)
        adj = np.asarray(benchmark.adj, dtype=np.int16).reshape(len(ops), -1)
        self.codes = np.concatenate([ops, adj], axis=1)
        self.num_archs = len(self.codes)

    def distances(self, parent: int) -> np.ndarray:
        """``[N]`` Hamming distance of every architecture to row ``parent`` (0 for itself)."""
        return np.count_nonzero(self.codes != self.codes[parent], axis=1)


def nearest_unqueried(
    enc: HammingCodes, parent: int, queried: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """The ``size`` unqueried architectures closest to ``parent``, ties broken at random.

    ``queried`` is a boolean mask ``[N]``. Returns fewer rows only when fewer are unqueried.
    Rows come out nearest first, so a pool always holds every single-step mutation before any
    two-step one.
    """
    dist = enc.distances(parent).astype(np.float64)
    dist[queried] = np.inf
    order = np.lexsort((rng.random(enc.num_archs), dist))
    n_free = enc.num_archs - int(queried.sum())
    return order[: min(size, n_free)]


def random_nearest_unqueried(
    enc: HammingCodes, parent: int, queried: np.ndarray, rng: np.random.Generator
) -> int:
    """One unqueried architecture at the smallest available distance from ``parent``.

    This is the mutation of regularized evolution: a random single-step neighbour, or, where
    every single-step neighbour has been queried (or a subset table lacks them), a random one
    of the nearest remaining rows.
    """
    dist = enc.distances(parent).astype(np.float64)
    dist[queried] = np.inf
    nearest = np.flatnonzero(dist == dist.min())
    return int(rng.choice(nearest))
