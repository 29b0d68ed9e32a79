"""Ensembles trained as members of one batched call, their scores combined per architecture.

An ``ens(...)`` spec (`pwlkit.losses.ensemble`) becomes one job per member: the same training
sample, the member's schedule and backbone, and a seed of its own drawn from the job's seed
(`member_seed`). Members of one backbone train together in one call of the engine, stacked
like any jobs; the scores come back per member and are combined (`combine`): the mean of
their normalised ranks (``rank``) or of their standardised scores (``score``). `spread` is the
members' disagreement per architecture, the uncertainty a search can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..checks import MAX_SEED
from ..losses import Spec

MEMBER_STRIDE = 2**25
"""Member ``k`` of a job with seed ``s`` trains with seed ``s + (k + 1) * MEMBER_STRIDE`` (mod
2**32): distinct from the job's and every other member's seed, and, the stride being a
multiple of `pwlkit.train.pretrain.PRETRAIN_POOL`, starting from the job's own pretrained
weights (so an ensemble pretrains no more than a single fit)."""


def member_seed(seed: int, k: int) -> int:
    """The seed of member ``k`` of an ensemble fit with ``seed`` (its weights, shuffles and
    draws)."""
    return (int(seed) + (int(k) + 1) * MEMBER_STRIDE) % (MAX_SEED + 1)


def normalised_ranks(scores: np.ndarray) -> np.ndarray:
    """``[K, N]`` ranks of each member's scores scaled to (0, 1] (1 = its best; ties share the
    mean rank)."""
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    from scipy.stats import rankdata  # scipy.stats takes a second to import

    return rankdata(scores, axis=1) / scores.shape[1]


def combine(scores: np.ndarray, how: str = "rank") -> np.ndarray:
    """``[N]`` ensemble score from ``[K, N]`` member scores (higher = better)."""
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    if how == "rank":
        return normalised_ranks(scores).mean(axis=0)
    if how == "score":
        std = scores.std(axis=1, keepdims=True)
        z = (scores - scores.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)
        return z.mean(axis=0)
    raise ValueError(f"unknown combine {how!r}: use rank or score")


def spread(scores: np.ndarray) -> np.ndarray:
    """``[N]`` standard deviation of the members' normalised ranks of each architecture (0 for
    one member): how much the members disagree about it."""
    return normalised_ranks(scores).std(axis=0)


@dataclass(frozen=True)
class EnsembleScores:
    """What one ensemble job gives: ``combined`` ``[N]``, ``members`` ``[K, N]`` and their
    ``spread`` ``[N]``."""

    combined: np.ndarray
    members: np.ndarray
    spread: np.ndarray


@dataclass(frozen=True)
class MemberJob:
    job: int
    backbone: str
    spec: Spec
    seed: int


def member_jobs(specs: Sequence[Spec], seeds: Sequence[int], backbone: str) -> list[MemberJob]:
    """One job per member of each ensemble spec; any other spec is one member with the job's
    own seed (so it trains exactly as without ensembles)."""
    out = []
    for j, (spec, seed) in enumerate(zip(specs, seeds)):
        if spec.ensemble is None:
            out.append(MemberJob(j, backbone, spec, int(seed)))
            continue
        for k, member in enumerate(spec.ensemble.members):
            out.append(
                MemberJob(
                    j,
                    member.backbone or backbone,
                    Spec(schedule=member.schedule),
                    member_seed(seed, k),
                )
            )
    return out


def fit_members(
    specs: Sequence[Spec],
    train_sets: Sequence[np.ndarray],
    seeds: Sequence[int],
    backbone: str,
    fit: Callable[[str, list[np.ndarray], list[Spec], list[int]], np.ndarray],
) -> list[EnsembleScores]:
    """Train every member, grouped by backbone (``fit(backbone, sets, specs, seeds)`` returns
    ``[M, N]`` scores), and combine each job's members."""
    plan = member_jobs(specs, seeds, backbone)
    scores: dict[int, np.ndarray] = {}
    for bb in dict.fromkeys(m.backbone for m in plan):
        mine = [i for i, m in enumerate(plan) if m.backbone == bb]
        out = fit(
            bb,
            [np.asarray(train_sets[plan[i].job]) for i in mine],
            [plan[i].spec for i in mine],
            [plan[i].seed for i in mine],
        )
        scores.update(zip(mine, out))
    results = []
    for j, spec in enumerate(specs):
        members = np.stack([scores[i] for i, m in enumerate(plan) if m.job == j])
        how = spec.ensemble.combine if spec.ensemble is not None else "rank"
        combined = members[0] if spec.ensemble is None else combine(members, how)
        results.append(EnsembleScores(combined, members, spread(members)))
    return results
