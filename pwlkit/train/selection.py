"""Losses chosen from the training sample itself, never from the rest of the space.

Two specs select instead of naming a loss:

- ``auto`` chooses the loss by k-fold cross-validation on the sample: every candidate is
  trained on ``folds - 1`` folds and scored on the held-out fold, the candidate with the best
  mean held-out score is refit on the whole sample. ``auto(folds=5)`` and
  ``auto(candidates=hr|mape|lambdaloss)`` change the folds (default 3) and the candidates
  (default `default_candidates`: the 8 losses of the paper, the space's PW pair switched
  half-way, and the three NDCG losses). ``auto(keep=hr)`` keeps a default loss unless the
  best candidate beats it by more than one standard error of their paired per-fold
  differences (`pick_candidate`): on small folds the plain best mean is mostly noise. All
  candidate x fold fits of a call go to the batched engine in one call, on the sample's rows
  only. Cost: candidates x folds fits on ``(folds - 1) / folds`` of the sample (12 x 3 at the
  defaults, about 24 fits), then one. The per-fold scores come back with the choice
  (`Choice.fold_scores`), and studies store them, so another rule can be replayed on stored
  cells without a fit (`pwlkit.claims.replay`).
- ``warm->focus@auto`` decides the switch point of a PW pair from held-out data: a probe
  trains the warm-up loss on 80% of the sample, scores the other 20% every 5% of the epochs
  and stops once the held-out score has not improved for 3 checks; the switch is placed where
  it peaked (the epoch fraction after that check), and the pair is then fit on the whole
  sample as ``warm->focus@<fraction>``. Cost: at most 0.8 of a fit, then one fit.

The held-out score is `held_out_ndcg`: NDCG of the top 10% (at least 3) of a held-out fold,
with the fold's min-max scaled accuracy as gain. Precision@0.5% of a 150-architecture fold
would rest on a single architecture; NDCG@10% uses the 15 best and weighs the very top most,
which is what P@T and N@K measure on the whole space.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..benchmarks.base import SIGNALS, Benchmark
from ..checks import Options, check
from ..losses import Spec, parse_loss, parse_spec
from ..losses.selection import Selection, default_candidates, held_out_ndcg, pick_candidate
from .config import resolve
from .execution import split_execution
from .groups import fit_scores
from .prepare import Prepared, check_jobs, prepare
from .switch_probe import probe_switches


@dataclass(frozen=True)
class Choice:
    """What a spec decided for one training sample."""

    spec: Spec
    """The spec as given (a selection, or the schedule itself)."""
    loss: Spec
    """The schedule that was trained on the whole sample (the spec itself for a schedule)."""
    scores: dict[str, float] = field(default_factory=dict)
    """``auto``: mean held-out score per candidate; ``@auto``: the switch fraction."""
    fold_scores: dict[str, list[float]] = field(default_factory=dict)
    """``auto``: the held-out score of each candidate on each fold, in fold order."""


def choose_losses(
    benchmark: Benchmark,
    train_sets: Sequence[np.ndarray],
    specs: Sequence[str | Spec],
    seeds: Sequence[int],
    **fit: Any,
) -> list[Choice]:
    """Resolve every selection of a call to the schedule it picks for its own sample;
    schedules pass through unchanged, without a fit. ``fit`` holds the call's ``backbone``,
    ``epochs``, ``signal`` and settings, used for every probe and fold fit."""
    parsed = [parse_spec(s) for s in specs]
    choices: list[Choice | None] = [Choice(p, p) if p.selection is None else None for p in parsed]
    autos = [(m, p.selection) for m, p in enumerate(parsed) if p.selection is not None]
    switches = [(m, sel) for m, sel in autos if sel.kind == "switch"]
    autos = [(m, sel) for m, sel in autos if sel.kind == "auto"]
    if autos:
        truth = benchmark.values(fit.get("signal", "val"))
        cross = _cross_validate(benchmark, truth, train_sets, seeds, autos, fit)
        for (m, _sel), choice in zip(autos, cross):
            choices[m] = choice
    if switches:
        for (m, sel), frac in zip(
            switches, probe_switches(benchmark, train_sets, seeds, switches, fit)
        ):
            loss = parse_spec(parse_loss(f"{sel.warm}->{sel.focus}@{frac:.2f}"))
            choices[m] = Choice(parsed[m], loss, {"switch": frac})
    return choices  # type: ignore[return-value]


def resolve_selections(
    benchmark: Benchmark,
    train_sets: Sequence[np.ndarray],
    specs: Sequence[str | Spec],
    seeds: Sequence[int],
    **fit: Any,
) -> list[Spec]:
    """The specs with every selection replaced by the schedule it chooses (`choose_losses`)."""
    return [c.loss for c in choose_losses(benchmark, train_sets, specs, seeds, **fit)]


def fold_split(n: int, folds: int, seed: int) -> list[np.ndarray]:
    """Positions ``0..n-1`` cut into ``folds`` held-out folds by a permutation from ``seed``."""
    order = np.random.default_rng([int(seed), 0xA070]).permutation(n)
    return np.array_split(order, folds)


def _cross_validate(
    benchmark: Benchmark,
    truth: np.ndarray,
    train_sets: Sequence[np.ndarray],
    seeds: Sequence[int],
    autos: list[tuple[int, Selection]],
    fit: dict[str, Any],
) -> list[Choice]:
    """One batched call of every (job, candidate, fold) fit on the sample rows only."""
    rows = np.unique(np.concatenate([np.asarray(train_sets[m]) for m, _ in autos]))
    sub = benchmark.rows(rows)
    plan, fit_sets, fit_losses, fit_seeds = [], [], [], []
    for m, sel in autos:
        sample = np.asarray(train_sets[m])
        cands = sel.candidates or default_candidates(benchmark)
        if sel.keep is not None and sel.keep not in cands:
            cands = (*cands, sel.keep)
        sel.check_sample_size(len(sample))
        folds = fold_split(len(sample), sel.folds, seeds[m])
        size = len(sample) - max(len(f) for f in folds)
        for f, held in enumerate(folds):
            keep = np.setdiff1d(np.arange(len(sample)), held, assume_unique=True)[:size]
            for cand in cands:
                plan.append((m, cand, f, held))
                fit_sets.append(np.searchsorted(rows, sample[keep]))
                fit_losses.append(cand)
                fit_seeds.append(int(seeds[m]))
    args = _prepare_args({"pretrain_on": benchmark, **fit})
    preds = fit_scores(prepare(sub, fit_sets, fit_losses, fit_seeds, **args))
    scores: dict[int, dict[str, list[float]]] = {}
    for (m, cand, _f, held), pred in zip(plan, preds):
        held_rows = np.searchsorted(rows, np.asarray(train_sets[m])[held])
        score = held_out_ndcg(pred[held_rows], truth[rows[held_rows]])
        scores.setdefault(m, {}).setdefault(cand, []).append(score)
    out = []
    for m, sel in autos:
        means = {c: float(np.mean(v)) for c, v in scores[m].items()}
        loss = parse_spec(pick_candidate(scores[m], sel.keep))
        out.append(Choice(Spec(selection=sel), loss, means, scores[m]))
    return out


def _prepare_args(fit: dict[str, Any]) -> dict[str, Any]:
    """`prepare`'s keywords from a call's ``backbone, epochs, signal, **settings``."""
    own = ("backbone", "epochs", "signal", "execution", "pretrain_on")
    return {
        **{k: fit[k] for k in own if k in fit},
        "settings": {k: v for k, v in fit.items() if k not in own},
    }


def prepare_specs(
    benchmark: Benchmark,
    train_sets: Sequence[Sequence[int] | np.ndarray],
    specs: Sequence[str | Spec],
    seeds: Sequence[int],
    *,
    backbone: str = "gcn",
    epochs: int | None = None,
    signal: str = "val",
    pretrain_on: Benchmark | None = None,
    hparams: dict[str, Any] | None = None,
) -> Prepared:
    """`prepare` for specs that may be selections: every input checked before any fit (the
    settings, the signal, the jobs, the specs), then each selection resolved on its own
    sample (its probe or fold fits) and the chosen schedules prepared.

    Raises:
        BadParameter / ValueError: as `prepare`; an ensemble spec (train it with
            `pwlkit.train.fit_ensembles`).
    """
    settings, execution = split_execution(hparams or {})
    resolve(backbone, epochs, settings)  # bad settings fail here, before any selection fit
    check("signal", signal, Options(SIGNALS, what="signal"))
    check_jobs(benchmark, train_sets, specs, seeds)
    parsed = [parse_spec(s) for s in specs]
    ensemble = next((p for p in parsed if p.ensemble is not None), None)
    if ensemble is not None:
        raise ValueError(
            f"loss {ensemble.name!r} is an ensemble of several predictors: train it with "
            "fit_predict_many or fit_ensembles"
        )
    if any(p.selection is not None for p in parsed):
        fit = {"backbone": backbone, "epochs": epochs, "signal": signal, **settings}
        fit["pretrain_on"] = pretrain_on or benchmark
        parsed = resolve_selections(
            benchmark, train_sets, parsed, seeds, execution=execution, **fit
        )
    return prepare(
        benchmark,
        train_sets,
        [p.schedule for p in parsed],
        seeds,
        backbone=backbone,
        epochs=epochs,
        signal=signal,
        settings=settings,
        execution=execution,
        pretrain_on=pretrain_on,
    )
