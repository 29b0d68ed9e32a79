"""Acquisition: which ``k`` candidates of a round's pool to query, from a surrogate's belief.

A surrogate gives every candidate a predicted ``mean`` and, when it knows its uncertainty (an
ensemble's members, a Gaussian process), a standard deviation ``std``. `pick` turns these
into ``k`` distinct candidates, one per parallel worker of the round:

- ``mean``: the ``k`` highest means (pwlkit's guided search so far; ties keep pool order);
- ``ucb``: the ``k`` highest ``mean + beta * std`` (upper confidence bound);
- ``ei``: the ``k`` highest expected improvements over ``incumbent`` (the best predicted mean
  among the evaluated architectures) under a normal belief ``N(mean, std**2)``;
- ``its``: independent Thompson sampling (BANANAS): each pick draws every candidate's value
  from ``N(mean, std**2)`` once more and takes the best one not picked yet, so ``k`` picks are
  ``k`` independent draws (a batch of Thompson samples, one per worker).

Example:
    >>> import numpy as np
    >>> pick("ucb", np.array([1.0, 0.8, 0.5]), np.array([0.0, 0.3, 0.1]), 2, beta=1.0).tolist()
    [1, 0]
"""

from __future__ import annotations

import numpy as np

ACQUISITIONS: tuple[str, ...] = ("mean", "ucb", "ei", "its")
"""Acquisition names (`pick`)."""

UNCERTAIN: tuple[str, ...] = ("ucb", "ei", "its")
"""Acquisitions that read a standard deviation: they need an ensemble of at least two members
or the Gaussian-process surrogate."""

DEFAULT_BETA = 0.5
"""``ucb``'s weight of the standard deviation: NASLib's BANANAS ``explore_factor``."""


def expected_improvement(mean: np.ndarray, std: np.ndarray, incumbent: float) -> np.ndarray:
    """``[P]`` expected improvement of each candidate over ``incumbent`` (higher is better)
    under ``N(mean, std**2)``; where ``std`` is 0 it is ``max(mean - incumbent, 0)``.

    Example:
        >>> expected_improvement(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 0.0).round(4)
        array([1.    , 0.3989])
    """
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    gain = mean - float(incumbent)
    safe = np.where(std > 0, std, 1.0)
    z = gain / safe
    from scipy.special import ndtr  # the normal cdf; scipy.stats takes a second to import

    pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    ei = gain * ndtr(z) + safe * pdf
    return np.where(std > 0, ei, np.maximum(gain, 0.0))


def pick(
    acquisition: str,
    mean: np.ndarray,
    std: np.ndarray | None,
    k: int,
    *,
    beta: float = DEFAULT_BETA,
    incumbent: float | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Positions of ``min(k, P)`` distinct candidates of a pool of ``P`` to query, best first.

    Args:
        acquisition: one of `ACQUISITIONS`.
        mean: ``[P]`` predicted values (higher is better).
        std: ``[P]`` predicted standard deviations (None: the surrogate has none; only
            ``mean`` works then).
        k: how many to pick (the round's ``top_k``: one per parallel worker).
        beta: ``ucb``'s weight of ``std``.
        incumbent: ``ei``'s value to improve on (default: the highest mean).
        rng: ``its``'s draws (required for ``its``).

    Raises:
        ValueError: an unknown acquisition, or one that needs ``std`` (or ``rng``) without it.
    """
    mean = np.asarray(mean, dtype=np.float64)
    k = min(int(k), len(mean))
    if acquisition == "mean":
        return np.argsort(-mean, kind="stable")[:k]
    if acquisition not in ACQUISITIONS:
        raise ValueError(
            f"unknown acquisition {acquisition!r}. Valid acquisitions: {', '.join(ACQUISITIONS)}"
        )
    if std is None:
        raise ValueError(f"acquisition {acquisition!r} needs a standard deviation per candidate")
    std = np.asarray(std, dtype=np.float64)
    if acquisition == "ucb":
        return np.argsort(-(mean + float(beta) * std), kind="stable")[:k]
    if acquisition == "ei":
        best = float(mean.max()) if incumbent is None else float(incumbent)
        return np.argsort(-expected_improvement(mean, std, best), kind="stable")[:k]
    if rng is None:
        raise ValueError("acquisition 'its' needs a random generator")
    picked: list[int] = []
    free = np.ones(len(mean), dtype=bool)
    for _ in range(k):
        draw = rng.normal(mean, std)
        draw[~free] = -np.inf
        best = int(np.argmax(draw))
        picked.append(best)
        free[best] = False
    return np.asarray(picked, dtype=np.int64)
