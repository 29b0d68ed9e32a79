"""Which architectures a predictor is trained on: drawn at random, spread out, or by strata.

The paper samples its training architectures uniformly and names the choice of sample as open.
Every strategy here reads only the architectures (never their accuracies) and is seeded, so
every loss of a study sees the same sample:

- ``random``: uniform without replacement (the paper's protocol, the default).
- ``diverse``: k-means++ seeding over the cells' flat encodings (one-hot operations and
  edges): each next cell is drawn with probability proportional to its squared distance to
  the nearest cell drawn so far, so the sample spreads over the space without the outliers a
  farthest-point rule would pick.
- ``stratified``: the space cut into `STRATA` equal-count strata of a label-free summary of
  each cell (the first principal component of its flow features, `pwlkit.train.pretrain.
  flow_features`: live paths, depth, paths per operation), each stratum sampled in proportion
  to its size.
"""

from __future__ import annotations

import numpy as np

from ..benchmarks.base import Benchmark

SAMPLINGS: tuple[str, ...] = ("random", "diverse", "stratified")
"""The strategies of `sample_train`."""

STRATA = 10
"""Strata of the ``stratified`` strategy (fewer when the sample is smaller)."""


def sample_train(benchmark: Benchmark, n: int, seed: int, strategy: str = "random") -> np.ndarray:
    """``n`` distinct architecture indices of the space, sorted, drawn by ``strategy``.

    The same ``(benchmark, n, seed, strategy)`` always gives the same sample, independent of
    the predictor's own seed stream, so every loss in a study sees the same training sets.

    Raises:
        ValueError: ``n < 2`` (a ranking needs two architectures), ``n`` above the space size,
            or an unknown strategy (the message lists `SAMPLINGS`).
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
    if strategy not in SAMPLINGS:
        raise ValueError(f"unknown sampling {strategy!r}. Valid samplings: {', '.join(SAMPLINGS)}")
    if strategy == "random":
        rng = np.random.default_rng([int(seed), 0x5A3])
        return np.sort(rng.choice(n_archs, size=n, replace=False))
    if strategy == "diverse":
        return _kmeans_pp(_encoding_features(benchmark), n, int(seed))
    return _stratified(benchmark, n, int(seed))


def _encoding_features(benchmark: Benchmark) -> np.ndarray:
    from ..predictors import encode

    return encode(benchmark).flat.numpy().astype(np.float64)


def _kmeans_pp(features: np.ndarray, n: int, seed: int) -> np.ndarray:
    """k-means++ seeding: ``n`` rows, each next one drawn with probability proportional to its
    squared distance to the nearest row drawn so far (never a row already drawn)."""
    rng = np.random.default_rng([seed, 0xD1E5])
    norms = (features**2).sum(axis=1)
    chosen = [int(rng.integers(len(features)))]
    nearest = np.full(len(features), np.inf)
    for _ in range(n - 1):
        last = chosen[-1]
        dist = norms + norms[last] - 2.0 * features @ features[last]
        nearest = np.minimum(nearest, np.maximum(dist, 0.0))
        nearest[chosen] = 0.0
        total = nearest.sum()
        if total <= 0:  # every row left equals a drawn one: draw the rest at random
            rest = np.setdiff1d(np.arange(len(features)), chosen)
            chosen += rng.choice(rest, size=n - len(chosen), replace=False).tolist()
            break
        chosen.append(int(rng.choice(len(features), p=nearest / total)))
    return np.sort(np.asarray(chosen, dtype=np.int64))


def _stratified(benchmark: Benchmark, n: int, seed: int) -> np.ndarray:
    from .pretrain import flow_features

    feats = flow_features(benchmark)
    feats = (feats - feats.mean(axis=0)) / np.where(feats.std(axis=0) > 0, feats.std(axis=0), 1)
    _, _, vt = np.linalg.svd(feats - feats.mean(axis=0), full_matrices=False)
    summary = feats @ vt[0]
    order = np.argsort(summary, kind="stable")
    strata = np.array_split(order, min(STRATA, n))
    sizes = np.array([len(s) for s in strata], dtype=np.float64)
    share = sizes / sizes.sum() * n
    take = np.floor(share).astype(int)
    for i in np.argsort(-(share - take), kind="stable")[: n - take.sum()]:
        take[i] += 1
    rng = np.random.default_rng([seed, 0x57A7])
    picks = [rng.choice(s, size=k, replace=False) for s, k in zip(strata, take) if k]
    return np.sort(np.concatenate(picks).astype(np.int64))
