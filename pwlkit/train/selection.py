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

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..benchmarks.base import Benchmark
from ..checks import BadParameter
from ..losses import LOSS_NAMES, parse_loss
from ..losses.pw_pairs import pw_pair

DEFAULT_FOLDS = 3
HOLDOUT = 0.2
CHECK_EVERY = 0.05
PATIENCE = 3
TOP_FRACTION = 0.1

_AUTO_RE = re.compile(r"^auto(?:\((?P<args>.*)\))?$")
_SWITCH_RE = re.compile(r"^(?P<warm>.+?)->(?P<focus>.+)@auto$")
_SWITCH_WITH_ARGS_RE = re.compile(r"^.+->.+@auto\(.*\)$")
SYNTAX = "auto, auto(folds=5), auto(candidates=hr|mape|lambdaloss), auto(keep=hr), WARM->FOCUS@auto"


@dataclass(frozen=True)
class Selection:
    """A parsed selection spec: ``kind`` is ``"auto"`` or ``"switch"``."""

    kind: str
    folds: int = DEFAULT_FOLDS
    candidates: tuple[str, ...] | None = None
    keep: str | None = None
    warm: str = ""
    focus: str = ""

    @property
    def name(self) -> str:
        """Canonical spec text (what studies store as the cell's loss)."""
        if self.kind == "switch":
            return f"{self.warm}->{self.focus}@auto"
        args = []
        if self.folds != DEFAULT_FOLDS:
            args.append(f"folds={self.folds}")
        if self.candidates is not None:
            args.append("candidates=" + "|".join(self.candidates))
        if self.keep is not None:
            args.append(f"keep={self.keep}")
        return f"auto({','.join(args)})" if args else "auto"


@dataclass(frozen=True)
class Choice:
    """What a selection decided for one training sample."""

    spec: str
    loss: str
    """The concrete loss or schedule spec that was trained on the whole sample."""
    scores: dict[str, float] = field(default_factory=dict)
    """``auto``: mean held-out score per candidate; ``@auto``: the switch fraction."""
    fold_scores: dict[str, list[float]] = field(default_factory=dict)
    """``auto``: the held-out score of each candidate on each fold, in fold order."""


def parse_selection(spec: str) -> Selection | None:
    """The `Selection` a spec asks for, or None for an ordinary loss spec.

    Raises:
        BadParameter: a malformed selection (bad folds, an unknown candidate loss).
    """
    text = re.sub(r"\s+", "", str(spec)).lower()
    m = _SWITCH_RE.match(text)
    if m:
        warm, focus = (_canonical(m[g], spec) for g in ("warm", "focus"))
        return Selection("switch", warm=warm, focus=focus)
    if _SWITCH_WITH_ARGS_RE.match(text):
        raise BadParameter(
            f"bad loss selection {spec!r}: the @auto switch takes no options; forms: {SYNTAX}"
        )
    m = _AUTO_RE.match(text)
    if not m:
        return None
    folds, candidates, keep = DEFAULT_FOLDS, None, None
    seen: set[str] = set()
    for part in filter(None, (m["args"] or "").split(",")):
        key, _, value = part.partition("=")
        if key in seen:
            raise BadParameter(f"bad loss selection {spec!r}: option {key!r} given twice")
        seen.add(key)
        if key == "folds" and value.isdigit() and int(value) >= 2:
            folds = int(value)
        elif key == "candidates" and value:
            candidates = tuple(dict.fromkeys(_canonical(c, spec) for c in value.split("|")))
        elif key == "keep" and value:
            keep = _canonical(value, spec)
        else:
            raise BadParameter(
                f"bad loss selection {spec!r}: {part!r} is not folds=N (N >= 2), "
                f"candidates=A|B|... or keep=LOSS; forms: {SYNTAX}"
            )
    if keep is not None and candidates is not None and keep not in candidates:
        candidates = (*candidates, keep)
    return Selection("auto", folds=folds, candidates=candidates, keep=keep)


def _canonical(loss: str, spec: str) -> str:
    try:
        return parse_loss(loss).name
    except ValueError as exc:
        raise BadParameter(f"bad loss selection {spec!r}: {exc}") from None


def default_candidates(benchmark: Benchmark) -> tuple[str, ...]:
    """The 8 losses of the paper, the space's PW pair (switched half-way) and the NDCG losses."""
    warm, focus = pw_pair(benchmark)
    return _candidates_around(parse_loss(f"{warm}->{focus}").name)


def _candidates_around(pw: str) -> tuple[str, ...]:
    return (*LOSS_NAMES[:8], pw, *LOSS_NAMES[8:])


def fits_per_cell(spec: str) -> float:
    """Fits' worth of training that one cell of ``spec`` costs, for cost estimates: 1 for a
    loss; ``auto``, candidates x folds fits on ``(folds - 1) / folds`` of the sample plus the
    refit (12 x 3 x 2/3 + 1 = 25 with the defaults); ``warm->focus@auto``, the probe (at most
    a fit on the ``1 - HOLDOUT`` it trains on) plus the fit."""
    sel = parse_selection(spec)
    if sel is None:
        return 1.0
    if sel.kind == "switch":
        return 2.0 - HOLDOUT
    candidates = sel.candidates or _candidates_around("the space's PW pair")
    return len(candidates) * (sel.folds - 1) + 1.0


def pick_candidate(fold_scores: Mapping[str, Sequence[float]], keep: str | None = None) -> str:
    """The candidate ``auto`` refits, from each candidate's held-out score per fold.

    Without ``keep``: the best mean (the earlier candidate of equal means). With ``keep``:
    ``keep`` stays unless the best candidate's mean paired advantage over it exceeds one
    standard error of the per-fold differences (the one-standard-error rule of model
    selection, with ``keep`` as the default to be overturned)."""
    means = {c: float(np.mean(v)) for c, v in fold_scores.items()}
    best = max(means, key=means.get)
    if keep is None or best == keep:
        return best
    if keep not in fold_scores:
        raise BadParameter(f"keep={keep!r} is not a candidate; candidates: {sorted(means)}")
    diff = np.asarray(fold_scores[best], float) - np.asarray(fold_scores[keep], float)
    se = float(np.std(diff, ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return best if float(diff.mean()) > se else keep


def held_out_ndcg(pred: np.ndarray, truth: np.ndarray, top: float = TOP_FRACTION) -> float:
    """NDCG of the predicted top ``ceil(top * n)`` (at least 3) of a held-out fold, gains the
    fold's min-max scaled truth (1 = best of the fold)."""
    pred, truth = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    k = min(len(truth), max(3, math.ceil(top * len(truth))))
    span = truth.max() - truth.min()
    gain = (truth - truth.min()) / span if span > 0 else np.ones_like(truth)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = gain[np.argsort(-pred, kind="stable")[:k]] @ discount
    ideal = np.sort(gain)[::-1][:k] @ discount
    return float(dcg / ideal) if ideal > 0 else 1.0


def choose_losses(
    benchmark: Benchmark,
    train_sets: Sequence[np.ndarray],
    specs: Sequence[str],
    seeds: Sequence[int],
    **fit: Any,
) -> list[Choice]:
    """Resolve every selection spec of a call to the loss it picks for its own sample;
    ordinary specs pass through unchanged. ``fit`` holds the call's ``backbone``, ``epochs``,
    ``signal`` and settings, used for every probe and fold fit."""
    choices: list[Choice | None] = [None] * len(specs)
    autos, switches = [], []
    for m, spec in enumerate(specs):
        sel = parse_selection(spec)
        if sel is None:
            choices[m] = Choice(spec, spec)
        else:
            (autos if sel.kind == "auto" else switches).append((m, sel))
    truth = np.asarray(benchmark.val if fit.get("signal", "val") == "val" else benchmark.test)
    if autos:
        for m, choice in zip(
            [m for m, _ in autos], _cross_validate(benchmark, truth, train_sets, seeds, autos, fit)
        ):
            choices[m] = choice
    if switches:
        from .switch_probe import probe_switches

        for (m, sel), frac in zip(
            switches, probe_switches(benchmark, truth, train_sets, seeds, switches, fit)
        ):
            loss = parse_loss(f"{sel.warm}->{sel.focus}@{frac:.2f}").name
            choices[m] = Choice(sel.name, loss, {"switch": frac})
    return choices  # type: ignore[return-value]


def resolve_selections(
    benchmark: Benchmark,
    train_sets: Sequence[np.ndarray],
    specs: Sequence[str],
    seeds: Sequence[int],
    **fit: Any,
) -> list[str]:
    """The specs with every selection replaced by the loss it chooses (`choose_losses`); the
    specs themselves, without any fit, when none is a selection."""
    if not any(parse_selection(s) for s in specs):
        return [str(s) for s in specs]
    return [c.loss for c in choose_losses(benchmark, train_sets, specs, seeds, **fit)]


def check_sample_size(sel: Selection, n: int) -> None:
    """Refuse a sample too small for the selection's folds, before any fit.

    Every held-out fold must hold an architecture and every fold's fit at least 2.

    Raises:
        BadParameter: the spec, the sample size and the folds that would fit.
    """
    if sel.kind != "auto" or (sel.folds <= n and n - math.ceil(n / sel.folds) >= 2):
        return
    fewest = next((f for f in range(2, n + 1) if n - math.ceil(n / f) >= 2), None)
    valid = f"folds from {fewest} to {n}" if fewest else "a sample of at least 3"
    raise BadParameter(
        f"loss {sel.name!r}: a sample of {n} architectures cannot be cut into {sel.folds} "
        f"folds (each held-out fold needs one, each fit at least 2); use {valid}"
    )


def check_sample_sizes(spec: str, sizes: Sequence[int]) -> None:
    """`check_sample_size` of a spec at every sample size it will be fit on (a plain loss
    passes)."""
    if (sel := parse_selection(spec)) is not None:
        for n in sizes:
            check_sample_size(sel, n)


def fold_split(n: int, folds: int, seed: int) -> list[np.ndarray]:
    """Positions ``0..n-1`` cut into ``folds`` held-out folds by a permutation from ``seed``."""
    order = np.random.default_rng([int(seed), 0xA070]).permutation(n)
    return np.array_split(order, folds)


def _cross_validate(benchmark, truth, train_sets, seeds, autos, fit) -> list[Choice]:
    """One batched call of every (job, candidate, fold) fit on the sample rows only."""
    from .api import fit_predict_many

    rows = np.unique(np.concatenate([np.asarray(train_sets[m]) for m, _ in autos]))
    sub = benchmark.rows(rows)
    plan, fit_sets, fit_losses, fit_seeds = [], [], [], []
    for m, sel in autos:
        sample = np.asarray(train_sets[m])
        cands = sel.candidates or default_candidates(benchmark)
        if sel.keep is not None and sel.keep not in cands:
            cands = (*cands, sel.keep)
        check_sample_size(sel, len(sample))
        folds = fold_split(len(sample), sel.folds, seeds[m])
        size = len(sample) - max(len(f) for f in folds)
        for f, held in enumerate(folds):
            keep = np.setdiff1d(np.arange(len(sample)), held, assume_unique=True)[:size]
            for cand in cands:
                plan.append((m, cand, f, held))
                fit_sets.append(np.searchsorted(rows, sample[keep]))
                fit_losses.append(cand)
                fit_seeds.append(int(seeds[m]))
    preds = fit_predict_many(sub, fit_sets, fit_losses, fit_seeds, **fit)
    scores: dict[int, dict[str, list[float]]] = {}
    for (m, cand, _f, held), pred in zip(plan, preds):
        held_rows = np.searchsorted(rows, np.asarray(train_sets[m])[held])
        score = held_out_ndcg(pred[held_rows], truth[rows[held_rows]])
        scores.setdefault(m, {}).setdefault(cand, []).append(score)
    out = []
    for m, sel in autos:
        means = {c: float(np.mean(v)) for c, v in scores[m].items()}
        loss = pick_candidate(scores[m], sel.keep)
        out.append(Choice(sel.name, loss, means, scores[m]))
    return out
