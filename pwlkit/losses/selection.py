"""Selections: specs that choose their loss from the training sample, never from the space.

Two forms, read here into a `Selection` (the training that carries them out is
`pwlkit.train.selection`):

- ``auto``: k-fold cross-validation of candidate losses on the sample; ``auto(folds=5)``,
  ``auto(candidates=hr|mape|lambdaloss)`` and ``auto(keep=hr)`` change the folds (default
  `DEFAULT_FOLDS`), the candidates (default `default_candidates`) and the rule
  (`pick_candidate`: ``keep`` stays unless beaten by more than one standard error).
- ``warm->focus@auto``: the switch point of a PW pair from held-out data (a probe holds out
  `HOLDOUT` of the sample and checks it every `CHECK_EVERY` of the epochs, stopping after
  `PATIENCE` checks without improvement).

Everything here is about what a spec means and costs, so that statistics and planning read
selections without importing the training engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..benchmarks.base import Benchmark
from ..checks import BadParameter
from .pw_pairs import pw_pair
from .registry import LOSS_NAMES
from .schedule import parse_loss

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

    @property
    def fits(self) -> float:
        """Fits' worth of training one sample of this selection costs, for cost estimates:
        ``auto``, candidates x folds fits on ``(folds - 1) / folds`` of the sample plus the
        refit (12 x 3 x 2/3 + 1 = 25 with the defaults); ``warm->focus@auto``, the probe (at
        most a fit on the ``1 - HOLDOUT`` it trains on) plus the fit."""
        if self.kind == "switch":
            return 2.0 - HOLDOUT
        n_candidates = len(self.candidates or _candidates_around("the space's PW pair"))
        return n_candidates * (self.folds - 1) + 1.0

    def check_sample_size(self, n: int) -> None:
        """Refuse a sample too small for the folds, before any fit: every held-out fold must
        hold an architecture and every fold's fit at least 2.

        Raises:
            BadParameter: the spec, the sample size and the folds that would fit.
        """
        if self.kind != "auto" or (self.folds <= n and n - math.ceil(n / self.folds) >= 2):
            return
        fewest = next((f for f in range(2, n + 1) if n - math.ceil(n / f) >= 2), None)
        valid = f"folds from {fewest} to {n}" if fewest else "a sample of at least 3"
        raise BadParameter(
            f"loss {self.name!r}: a sample of {n} architectures cannot be cut into {self.folds} "
            f"folds (each held-out fold needs one, each fit at least 2); use {valid}"
        )


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
