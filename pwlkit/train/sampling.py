"""Which architectures a predictor is trained on: uniform samples without replacement."""

from __future__ import annotations

import numpy as np

from ..benchmarks.base import Benchmark


def sample_train(benchmark: Benchmark, n: int, seed: int) -> np.ndarray:
    """``n`` distinct architecture indices drawn uniformly from the space, sorted.

    The same ``(benchmark size, n, seed)`` always gives the same sample, independent of the
    predictor's own seed stream, so every loss in a study sees the same training sets.

    Raises:
        ValueError: ``n < 2`` (a ranking needs two architectures) or ``n`` above the space size.
    """
    n_archs = benchmark.num_archs
    if isinstance(n, bool) or int(n) != n:
        raise ValueError(f"train size must be an integer, got {n!r}")
    n = int(n)
    if n < 2:
        raise ValueError(f"train size must be at least 2 (a ranking needs two), got {n}")
    if n > n_archs:
        raise ValueError(
            f"train size {n} is larger than benchmark {benchmark.name!r} ({n_archs} architectures)"
        )
    rng = np.random.default_rng([int(seed), 0x5A3])
    return np.sort(rng.choice(n_archs, size=n, replace=False))
