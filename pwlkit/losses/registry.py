"""Loss names -> functions and their hyperparameters; `make_loss` binds and checks values."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from ._ndcg import GAINS
from .approxndcg import approxndcg
from .ew import ew
from .hr import hr
from .lambdaloss import lambdaloss
from .listmle import listmle
from .lr import lr
from .mape import mape
from .mse import mse
from .mse_sr import mse_sr
from .neuralndcg import neuralndcg
from .warp import WARP_WEIGHTS, warp

_WEIGHTS_DOC = "accuracy: from the scaled target; rank: from the batch rank"


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its default and the values it accepts."""

    name: str
    default: float | str
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None  # inclusive
    below: float | None = None  # exclusive
    above: float | None = None  # exclusive lower bound
    whole: str = ""
    """Where values must be whole numbers: "all", or "from_one" (fractions below 1 allowed)."""

    def coerce(self, value: object, loss: str) -> float | str:
        """Turn a user value (python or spec text) into a checked float or choice string."""
        where = f"{loss}({self.name}={value})"
        if self.choices:
            text = str(value).strip().lower()
            if text not in self.choices:
                raise ValueError(f"{where}: {self.name} must be one of {', '.join(self.choices)}")
            return text
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {self.name} must be a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{where}: {self.name} must be finite")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{where}: {self.name} must be >= {self.minimum}")
        if self.below is not None and number >= self.below:
            raise ValueError(f"{where}: {self.name} must be < {self.below}")
        if self.above is not None and number <= self.above:
            raise ValueError(f"{where}: {self.name} must be > {self.above}")
        if self.whole == "all" and not number.is_integer():
            raise ValueError(f"{where}: {self.name} must be a whole number")
        if self.whole == "from_one" and number >= 1 and not number.is_integer():
            raise ValueError(
                f"{where}: {self.name} must be a fraction in (0, 1) or a whole count >= 1"
            )
        return number


@dataclass(frozen=True)
class LossSpec:
    """A registered loss: its function, family, hyperparameters, and whether it draws randoms."""

    name: str
    fn: Callable[..., Tensor]
    family: str
    formula: str
    params: tuple[Param, ...] = ()
    uses_generator: bool = False

    @property
    def defaults(self) -> dict[str, float | str]:
        return {p.name: p.default for p in self.params}


@dataclass(frozen=True)
class BoundLoss:
    """A loss with its hyperparameters fixed: ``loss(pred, target, generator=None) -> [...]``."""

    spec: LossSpec
    values: tuple[tuple[str, float | str], ...]

    @property
    def name(self) -> str:
        """Canonical spec text: the loss name plus the hyperparameters that differ from default."""
        changed = [f"{k}={_fmt(v)}" for k, v in self.values if v != self.spec.defaults[k]]
        return f"{self.spec.name}({','.join(changed)})" if changed else self.spec.name

    @property
    def uses_generator(self) -> bool:
        return self.spec.uses_generator

    def __call__(
        self, pred: Tensor, target: Tensor, *, generator: torch.Generator | None = None
    ) -> Tensor:
        kwargs = dict(self.values)
        if self.spec.uses_generator:
            kwargs["generator"] = generator
        return self.spec.fn(pred, target, **kwargs)


def _fmt(value: float | str) -> str:
    return value if isinstance(value, str) else repr(float(value))


def _ndcg_params(*first: Param, k: float = 0.2) -> tuple[Param, ...]:
    """The cut-off and gain settings every NDCG-family loss shares, after its own ones."""
    return (
        *first,
        Param(
            "k",
            k,
            "NDCG cut-off: 0 none, batch fraction (< 1) or count",
            minimum=0.0,
            whole="from_one",
        ),
        Param("gain", "exp", "gains from the scaled targets: exp or linear", choices=GAINS),
        Param("gamma", 5.0, "steepness of the exp gain (exp(gamma y) - 1)", minimum=0.0),
    )


LOSSES: dict[str, LossSpec] = {
    s.name: s
    for s in (
        LossSpec("mse", mse, "regression", "mean (p_i - y_i)^2"),
        LossSpec(
            "hr",
            hr,
            "pairwise ranking",
            "mean_{y_i > y_j} max(0, m - (p_i - p_j))",
            (Param("margin", 0.1, "hinge margin m", minimum=0.0),),
        ),
        LossSpec("lr", lr, "pairwise ranking", "mean_{y_i > y_j} log(1 + exp(-(p_i - p_j)))"),
        LossSpec(
            "mse+sr",
            mse_sr,
            "regression + pairwise",
            "mse + lam * mean |(p - p[perm]) - (y - y[perm])|, perm random",
            (Param("lam", 0.1, "weight of the difference term", minimum=0.0),),
            uses_generator=True,
        ),
        LossSpec(
            "listmle",
            listmle,
            "listwise ranking",
            "sum_i [log sum_{k>=i} exp(p_pi(k)) - p_pi(i)], pi sorts y descending",
            uses_generator=True,
        ),
        LossSpec(
            "ew",
            ew,
            "weighted",
            "mean w_i (p_i - y_i)^2, w_i = (exp(s_i) - 1) / (e - 1)",
            (Param("weights", "accuracy", _WEIGHTS_DOC, choices=("accuracy", "rank")),),
        ),
        LossSpec(
            "mape",
            mape,
            "weighted",
            "mean |p_i - y_i| / ((1 - s_i) - b)",
            (
                Param("bound", -0.05, "lower bound b on the scaled error", below=0.0),
                Param("weights", "accuracy", _WEIGHTS_DOC, choices=("accuracy", "rank")),
            ),
        ),
        LossSpec(
            "warp",
            warp,
            "weighted",
            "mean_i w_i L(r_i)/r_i sum_{j in V_i} (m - p_i + p_j), L(k) = sum_{t<=k} 1/t",
            (
                Param("margin", 1.0, "hinge margin m", minimum=0.0),
                Param("weights", "accuracy", _WEIGHTS_DOC + "; none: w = 1", choices=WARP_WEIGHTS),
            ),
        ),
        LossSpec(
            "lambdaloss",
            lambdaloss,
            "top-K (NDCG)",
            "-sum_{y_i>y_j} |G_i-G_j| (rho_ij + mu delta_ij) log2 sigmoid(p_i - p_j), top-k pairs",
            _ndcg_params(Param("mu", 10.0, "weight of the NDCG-Loss2 term", minimum=0.0)),
        ),
        LossSpec(
            "approxndcg",
            approxndcg,
            "top-K (NDCG)",
            "1 - NDCG@k of smooth ranks r_i = 1 + sum_j sigmoid((p_j - p_i) / T)",
            _ndcg_params(Param("temperature", 0.1, "sigmoid temperature T", above=0.0), k=0),
        ),
        LossSpec(
            "neuralndcg",
            neuralndcg,
            "top-K (NDCG)",
            "1 - NDCG@k of the NeuralSort relaxation (temperature, Sinkhorn scaling)",
            _ndcg_params(
                Param("temperature", 0.1, "NeuralSort temperature", above=0.0),
                Param("sinkhorn_iters", 20, "Sinkhorn scaling rounds", minimum=0.0, whole="all"),
            ),
        ),
    )
}

LOSS_NAMES: tuple[str, ...] = tuple(LOSSES)


def get_loss(name: str) -> LossSpec:
    """The registered loss ``name``; unknown names raise ValueError listing the valid ones."""
    key = name.strip().lower()
    if key not in LOSSES:
        close = difflib.get_close_matches(key, LOSS_NAMES, n=2)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"unknown loss {name!r}.{hint} Valid names: {', '.join(LOSS_NAMES)}")
    return LOSSES[key]


def make_loss(name: str, **params: object) -> BoundLoss:
    """Bind hyperparameters to a registered loss, checking names and values.

    Example: ``make_loss("warp", weights="rank")``.
    """
    spec = get_loss(name)
    known = {p.name: p for p in spec.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        valid = ", ".join(known) if known else "none"
        raise ValueError(f"{spec.name} has no hyperparameter {', '.join(unknown)}; valid: {valid}")
    values = tuple(
        (p.name, p.coerce(params[p.name], spec.name) if p.name in params else p.default)
        for p in spec.params
    )
    return BoundLoss(spec, values)
