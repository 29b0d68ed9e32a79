"""Where a search's candidates come from: a benchmark table's rows, or a space's samples.

The search loops (`pwlkit.search.loop`) are written once against `CandidateSource`, so a
table-backed search and `open_search` run the same random search, regularized evolution and
predictor-guided rounds; only what a candidate is differs. `TableRows` hands out row indices
of a benchmark, near a parent by Hamming distance of the table encoding
(`pwlkit.search.neighbours`); `SpaceCandidates` hands out canonical strings of a
`pwlkit.spaces.Space`, drawn by its sampler and reached by its neighbours and mutations.

A source never decides what was queried: it reads that from the run that asks (its
``queried`` row mask, or its ``seen`` keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from pwlkit.benchmarks.base import Benchmark
from pwlkit.spaces import Space

from .checkpoint import key_of
from .neighbours import HammingCodes, nearest_unqueried, random_nearest_unqueried

POOL_DEPTH = 3
"""Mutation steps away from the best so far a space's candidate pool reaches before fresh
samples."""
MUTATION_TRIES = 10
"""``mutate`` calls regularized evolution makes on a space for an unevaluated child before it
takes an unevaluated neighbour (or a fresh sample) instead."""

OPEN_PRETRAIN_CELLS = 10_000
"""Cells of a space (a sample drawn with seed 0, the same for every search) that an open
search's predictors pretrain on when the ``pretrain`` setting asks for it: a space has no
table, so this sample stands for it."""

PredictorTable = tuple[Benchmark, list[np.ndarray], list[np.ndarray]]
"""(benchmark to fit on, per run its training rows, per run its pool's rows) of a round."""


class CandidateSource(Protocol):
    """What the search loops ask of a candidate source; ``run`` is the run asking."""

    def fresh(self, run: Any, n: int, rng: np.random.Generator, skip: Sequence = ()) -> Sequence:
        """Up to ``n`` distinct unqueried candidates drawn at random, none of ``skip``
        (`ident` values)."""

    def pool(self, run: Any, parent: Any, size: int, rng: np.random.Generator) -> Sequence:
        """Up to ``size`` distinct unqueried candidates near ``parent``, nearest first."""

    def mutation(self, run: Any, parent: Any, rng: np.random.Generator) -> Any:
        """One unqueried candidate a mutation of ``parent`` reaches (regularized evolution)."""

    def predictor_table(self, runs: Sequence[Any], pools: Sequence[Sequence]) -> PredictorTable:
        """The encoded architectures a round's predictors train on (each run's queried ones,
        scored) and score (each run's pool)."""

    def ident(self, candidate: Any) -> Any:
        """What makes two candidates one architecture (a row; a space's key)."""

    def pack(self, candidates: list) -> Sequence:
        """Candidates as this source hands out a pool (rows as an array, strings as a list)."""

    def pretrain_cells(self) -> Benchmark:
        """The unlabeled cells of the space a ``pretrain`` setting pretrains on."""


class TableRows:
    """Candidates are rows of a benchmark (a signal view); runs carry a ``queried`` mask."""

    def __init__(self, view: Benchmark) -> None:
        self.view = view
        self.codes = HammingCodes(view)

    def fresh(
        self, run: Any, n: int, rng: np.random.Generator, skip: Sequence[int] = ()
    ) -> np.ndarray:
        mask = ~run.queried
        if len(skip):
            mask[np.asarray(skip, dtype=np.int64)] = False
        free = np.flatnonzero(mask)
        return free[rng.choice(len(free), size=min(n, len(free)), replace=False)]

    def pool(self, run: Any, parent: int, size: int, rng: np.random.Generator) -> np.ndarray:
        return nearest_unqueried(self.codes, parent, run.queried, size, rng)

    def mutation(self, run: Any, parent: int, rng: np.random.Generator) -> int:
        return random_nearest_unqueried(self.codes, parent, run.queried, rng)

    def predictor_table(self, runs: Sequence[Any], pools: Sequence[np.ndarray]) -> PredictorTable:
        """The sub-table of every run's queried rows and pools (a predictor's score of a row
        does not depend on the other rows, so the rest of the table is left out)."""
        rows = np.unique(np.concatenate([np.asarray(run.archs) for run in runs] + list(pools)))
        train = [np.searchsorted(rows, run.archs) for run in runs]
        return self.view.rows(rows), train, [np.searchsorted(rows, pool) for pool in pools]

    def ident(self, candidate: int) -> int:
        return int(candidate)

    def pack(self, candidates: list) -> np.ndarray:
        return np.asarray(candidates, dtype=np.int64)

    def pretrain_cells(self) -> Benchmark:
        """The whole table (its encoding; pretraining reads no accuracy)."""
        return self.view


class SpaceCandidates:
    """Candidates are canonical strings of a space; runs carry the ``seen`` keys
    (`pwlkit.search.checkpoint.key_of`) of what they asked for."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.key = key_of(space)
        self.encodings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._pretrain: Benchmark | None = None

    def fresh(
        self, run: Any, n: int, rng: np.random.Generator, skip: Sequence[str] = ()
    ) -> list[str]:
        """Up to ``n`` distinct samples of the space that ``run`` has not seen (nor ``skip``,
        keys); raises RuntimeError when none is left."""
        out: dict[str, str] = {}
        for _ in range(100):
            want = n - len(out)
            if want <= 0:
                break
            if self.space.size is not None:
                want = min(want, self.space.size)
            for arch in self.space.sample(want, rng):
                k = self.key(arch)
                if k not in run.seen and k not in skip and k not in out:
                    out[k] = arch
        if not out and n > 0:
            raise RuntimeError(
                f"no unevaluated {self.space.name} architecture left to sample "
                f"({len(run.seen)} evaluated or failed)"
            )
        return list(out.values())[:n]

    def pool(self, run: Any, parent: str, size: int, rng: np.random.Generator) -> list[str]:
        """Neighbours of ``parent`` in random order, then theirs (up to `POOL_DEPTH` steps),
        then fresh samples."""
        out: dict[str, str] = {}
        frontier = [parent]
        for _ in range(POOL_DEPTH):
            step = [n for p in frontier for n in self.space.neighbours(p)]
            step = [step[i] for i in rng.permutation(len(step))]
            for arch in step:
                k = self.key(arch)
                if k not in run.seen and k not in out:
                    out[k] = arch
                    if len(out) == size:
                        return list(out.values())
            frontier = step[:size]
        try:
            extra = self.fresh(run, size - len(out), rng, skip=out)
        except RuntimeError:
            if not out:
                raise
            extra = []
        out.update((self.key(a), a) for a in extra)
        return list(out.values())

    def mutation(self, run: Any, parent: str, rng: np.random.Generator) -> str:
        """The space's ``mutate``, redrawn up to `MUTATION_TRIES` times for an unseen child;
        then the first candidate of a pool."""
        for _ in range(MUTATION_TRIES):
            arch = self.space.mutate(parent, rng)
            if self.key(arch) not in run.seen:
                return arch
        return self.pool(run, parent, 1, rng)[0]

    def predictor_table(self, runs: Sequence[Any], pools: Sequence[list[str]]) -> PredictorTable:
        """Each run's evaluated architectures (with their scores) followed by its pool."""
        from pwlkit.train.models import encoded_benchmark

        archs: list[str] = []
        scores: list[np.ndarray] = []
        train, at = [], []
        for run, pool in zip(runs, pools):
            start = len(archs)
            archs += run.archs + list(pool)
            scores += [np.asarray(run.scores, dtype=np.float64), np.full(len(pool), np.nan)]
            train.append(np.arange(start, start + len(run.archs)))
            at.append(np.arange(start + len(run.archs), len(archs)))
        ops, adj = self._encoded(archs)
        space, y = self.space, np.concatenate(scores)
        bench = encoded_benchmark(
            ops, adj, space.op_names, space.n_nodes, y=y, archs=archs, space=space.name
        )
        return bench, train, at

    def ident(self, candidate: str) -> str:
        return self.key(candidate)

    def pack(self, candidates: list) -> list[str]:
        return list(candidates)

    def pretrain_cells(self) -> Benchmark:
        """`OPEN_PRETRAIN_CELLS` samples of the space (seed 0; all of a smaller space),
        encoded once per search."""
        if self._pretrain is None:
            from pwlkit.train.models import encoded_benchmark

            n = OPEN_PRETRAIN_CELLS
            if self.space.size is not None:
                n = min(n, self.space.size)
            archs = self.space.sample(n, np.random.default_rng(0))
            ops, adj = self.space.encode(archs)
            space = self.space
            self._pretrain = encoded_benchmark(
                ops, adj, space.op_names, space.n_nodes, archs=archs, space=space.name
            )
        return self._pretrain

    def _encoded(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``space.encode`` of ``archs``, each architecture encoded once per search."""
        new = [a for a in dict.fromkeys(archs) if a not in self.encodings]
        if new:
            ops, adj = self.space.encode(new)
            self.encodings.update((a, (o, m)) for a, o, m in zip(new, ops, adj))
        codes = [self.encodings[a] for a in archs]
        return np.stack([o for o, _ in codes]), np.stack([m for _, m in codes])


def mixed_pool(
    source: CandidateSource,
    run: Any,
    parents: Sequence,
    size: int,
    n_random: int,
    rng: np.random.Generator,
) -> Sequence:
    """A pool of up to ``size`` distinct unqueried candidates: ``size - n_random`` near the
    ``parents`` (best first), taken from each parent's nearest in turn (the first of parent 1,
    of parent 2, ..., then the second of each), then ``n_random`` fresh random ones.

    With one parent and no random candidates it is exactly ``source.pool(run, parent, size,
    rng)``, the pool of the paper's guided search.
    """
    n_near = size - n_random
    if len(parents) == 1 and n_random == 0:
        return source.pool(run, parents[0], size, rng)
    near = [list(source.pool(run, p, n_near, rng)) for p in parents] if n_near > 0 else []
    out: dict[Any, Any] = {}
    for step in range(max((len(n) for n in near), default=0)):
        for candidates in near:
            if len(out) < n_near and step < len(candidates):
                out.setdefault(source.ident(candidates[step]), candidates[step])
    if n_random > 0:
        try:
            extra = source.fresh(run, n_random, rng, skip=list(out))
        except RuntimeError:  # a space with nothing unseen left to sample
            extra = []
        out.update((source.ident(c), c) for c in extra)
    return source.pack(list(out.values()))
