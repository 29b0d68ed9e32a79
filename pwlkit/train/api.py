"""`fit_predict` and `fit_predict_many`: train predictors on sampled rows, score the whole space.

A single fit is a batch of one: both go through the same batched engine. Inputs are checked
here, once; the engine and the backbones trust them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..benchmarks.base import SIGNALS, Benchmark
from ..checks import SEED, Interval, Options, check
from ..losses import Spec, parse_spec
from .config import resolve
from .ensemble import EnsembleScores, fit_members
from .execution import split_execution
from .groups import fit_scores
from .prepare import check_jobs
from .selection import prepare_specs

PARAMS: dict[str, Any] = {
    "seed": SEED,
    "signal": Options(SIGNALS, what="signal"),
    "train_size": Interval(int, 2, None),
}
"""What `fit_predict`'s own arguments accept (``train_size``: the length of a training set;
checked against the benchmark's size too). Settings are in `pwlkit.train.config.SETTINGS`."""


def fit_predict(
    benchmark: Benchmark,
    train_idx: Sequence[int] | np.ndarray,
    loss: str | Spec = "mse",
    backbone: str = "gcn",
    epochs: int | None = None,
    seed: int = 0,
    signal: str = "val",
    **hparams: Any,
) -> np.ndarray:
    """Train one predictor on ``train_idx`` and score every architecture of the space.

    Args:
        benchmark: the search space with its accuracies.
        train_idx: rows of ``benchmark`` to train on (e.g. from `sample_train`).
        loss: a spec `pwlkit.losses.parse_spec` reads, e.g. ``"hr"``, ``"hr->mape@0.5"``,
            ``"auto"`` (or the parsed `Spec`).
        backbone: one of `BACKBONES`.
        epochs: training epochs (None: the backbone's default, see `TRAIN_DEFAULTS`).
        seed: seeds the weights, the epoch shuffles and the loss's random draws.
        signal: ``"val"`` or ``"test"``, the benchmark column trained on.
        **hparams: training (``batch_size``, ``lr``, ``weight_decay``, ``lr_min_ratio``),
            engine (``max_models``, ``threads``) and backbone settings
            (`pwlkit.predictors.ARCH_PARAMS`); see `TRAIN_DEFAULTS` and `ENGINE_DEFAULTS`.

    Returns:
        ``[num_archs]`` float64 predicted scores (higher = better), one per architecture.

    Raises:
        BadParameter: as `fit_predict_many`, and a ``seed`` outside `pwlkit.checks.SEED`.
    """
    check("seed", seed, PARAMS["seed"])
    return fit_predict_many(
        benchmark,
        [train_idx],
        [loss],
        [seed],
        backbone=backbone,
        epochs=epochs,
        signal=signal,
        **hparams,
    )[0]


def fit_predict_many(
    benchmark: Benchmark,
    train_sets: Sequence[Sequence[int] | np.ndarray],
    losses: Sequence[str | Spec],
    seeds: Sequence[int],
    backbone: str = "gcn",
    epochs: int | None = None,
    signal: str = "val",
    pretrain_on: Benchmark | None = None,
    **hparams: Any,
) -> np.ndarray:
    """Train ``M`` independent predictors at once (stacked weights) and score the whole space.

    Job ``m`` trains on ``train_sets[m]`` with ``losses[m]`` and ``seeds[m]`` and gives the
    same predictions as ``fit_predict`` with those arguments, up to floating-point summation
    order (exactly for losses without random draws; those that draw, mse+sr and listmle, take
    their draws from one generator per loss and group, seeded from the group's seeds).
    Deterministic on CPU for the same jobs in the same order.

    Args:
        benchmark: the search space with its accuracies.
        train_sets: ``M`` index arrays of equal length ``n`` (2 <= n <= num_archs).
        losses: ``M`` loss specs.
        seeds: ``M`` integer seeds.
        backbone, epochs, signal, **hparams: as in `fit_predict`, shared by all jobs.
        pretrain_on: the unlabeled cells the ``pretrain`` setting pretrains on, when
            ``benchmark`` holds only some rows of the space (a search's sub-table); the
            benchmark itself by default.

    Returns:
        ``[M, num_archs]`` float64 predicted scores.

    Raises:
        BadParameter: unknown backbone / setting names or signal (the message lists the valid
            ones), settings out of range (`pwlkit.train.config.SETTINGS`), seeds outside
            `pwlkit.checks.SEED`.
        ValueError: mismatched list lengths, bad indices or train sizes, NaN or constant
            targets, unknown losses.
    """
    check_jobs(benchmark, train_sets, losses, seeds)
    specs = [parse_spec(s) for s in losses]  # a bad spec fails here, before any training
    if any(s.ensemble is not None for s in specs):
        scores = fit_ensembles(
            benchmark,
            train_sets,
            specs,
            seeds,
            backbone=backbone,
            epochs=epochs,
            signal=signal,
            pretrain_on=pretrain_on,
            **hparams,
        )
        return np.stack([e.combined for e in scores])
    prep = prepare_specs(
        benchmark,
        train_sets,
        specs,
        seeds,
        backbone=backbone,
        epochs=epochs,
        signal=signal,
        pretrain_on=pretrain_on,
        hparams=hparams,
    )
    return fit_scores(prep)


def fit_ensembles(
    benchmark: Benchmark,
    train_sets: Sequence[Sequence[int] | np.ndarray],
    losses: Sequence[str | Spec],
    seeds: Sequence[int],
    backbone: str = "gcn",
    epochs: int | None = None,
    signal: str = "val",
    pretrain_on: Benchmark | None = None,
    **hparams: Any,
) -> list[EnsembleScores]:
    """`fit_predict_many` that keeps what an ensemble's members said: per job, the combined
    scores, each member's scores and their spread (`pwlkit.train.ensemble.EnsembleScores`).
    A job whose spec is no ensemble is a one-member ensemble of itself (spread 0).

    Every member backbone's settings are checked before any member trains.
    """
    settings, _ = split_execution(hparams)
    specs = [parse_spec(s) for s in losses]
    check_jobs(benchmark, train_sets, specs, seeds)
    used = {backbone} | {
        m.backbone for s in specs if s.ensemble for m in s.ensemble.members if m.backbone
    }
    for bb in sorted(used):
        resolve(bb, epochs, settings)

    def fit(bb: str, sets: list[np.ndarray], member_specs: list[Spec], member_seeds: list[int]):
        return fit_predict_many(
            benchmark,
            sets,
            member_specs,
            member_seeds,
            backbone=bb,
            epochs=epochs,
            signal=signal,
            pretrain_on=pretrain_on,
            **hparams,
        )

    return fit_members(specs, train_sets, seeds, backbone, fit)
