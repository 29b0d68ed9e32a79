"""Strategy names: ``random``, ``evolution``, ``pw``, the named methods (``bananas``,
``npenas``, ``gp``, ``pw+``), or any loss / schedule spec.

A strategy spec is resolved once, at the boundary, into a `Strategy`; the search loops trust it.
Every loss or schedule that `pwlkit.losses.parse_loss` accepts is a predictor-guided strategy
(``mse`` is NPENAS-like, ``mape`` BANANAS-like, ``lr`` ReNAS-like, ``hr->mape@20`` a PW schedule
written out). ``pw`` picks the pair the paper reports for the benchmark's space. A named
method (`NAMED`) is a surrogate with its paper's search options (acquisition, pool): those
fill the options the user left unset (`pwlkit.search.loop.configure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pwlkit.benchmarks.base import Benchmark
from pwlkit.checks import BadParameter, did_you_mean
from pwlkit.losses.pw_pairs import PW_PAIRS, pw_pair  # noqa: F401 - re-exported

PW_SWITCH = 20
"""Default PW switch: the warm-up loss trains the predictor while at most this many
architectures have been queried (the first two rounds of a search with 10 initial
architectures and 10 queries per round), the focus loss afterwards. The paper does not publish
its thresholds. Chosen by a pilot on NB201 CIFAR-10 (val signal, budget 100, 30 runs on seeds
100-129, which the reported runs do not use): final test error HR->MAPE@20 5.748,
@40 5.774, @60 5.771, MAPE alone 5.740, HR alone 5.781 (standard error ~0.025: the
differences are within noise, but the focus loss earns its gain from the third round on)."""

BASELINES = ("random", "evolution")


@dataclass(frozen=True)
class NamedStrategy:
    """A published search method as a strategy: its surrogate and its paper's options.

    Attributes:
        loss: the predictors' loss, ``{pw}`` standing for the space's PW schedule and
            ``{members}`` for the ensemble size (empty for the Gaussian process).
        surrogate: ``predictor`` (pwlkit's neural predictors) or ``gp`` (`pwlkit.search.gp`).
        defaults: `pwlkit.search.loop.SearchConfig` options this method sets where the user
            left them unset (``pretrain`` goes to the predictors' settings).
        source: where the defaults come from, for the documentation.
    """

    loss: str
    surrogate: str = "predictor"
    defaults: dict[str, Any] = field(default_factory=dict)
    source: str = ""


NAMED: dict[str, NamedStrategy] = {
    "bananas": NamedStrategy(
        loss="ens(mape)x{members}",
        defaults={"members": 5, "acquisition": "its", "pool_parents": 2, "pool_random": 0.0},
        source="BANANAS (White et al., AAAI 2021): 5 predictors trained with MAPE, independent "
        "Thompson sampling, 100 candidates mutated from the 2 best architectures (NASLib's "
        "num_arches_to_mutate=2, num_candidates=100, k=10)",
    ),
    "npenas": NamedStrategy(
        loss="mse",
        defaults={"acquisition": "mean", "pool_parents": 5, "pool_random": 0.0},
        source="NPENAS-NP (Wei et al., TNNLS 2022): one predictor trained with MSE, the top 10 "
        "of 100 candidates mutated from the best architectures of the population in turn "
        "(about 4 on NB201, 24 single-edge mutations each)",
    ),
    "gp": NamedStrategy(
        loss="",
        surrogate="gp",
        defaults={"acquisition": "ei", "pool_parents": 2, "pool_random": 0.2, "wl_iterations": 2},
        source="NAS-BOWL (Ru et al., ICLR 2021) for NASBOT (Kandasamy et al., NeurIPS 2018): a "
        "Gaussian process with the Weisfeiler-Lehman kernel, expected improvement, candidates "
        "mutated from the best architectures plus random samples",
    ),
    # pwlkit's best predictor of the first predictor stage (docs: Results, predictor study):
    # the Transformer with flow pretraining had the highest tau and P@0.5% at N = 78 and 156;
    # three members (an ensemble of three is what the second stage measures); ITS as BANANAS.
    "pw+": NamedStrategy(
        loss="ens(transformer:{pw})x{members}",
        defaults={
            "members": 3,
            "acquisition": "its",
            "pool_parents": 2,
            "pool_random": 0.1,
            "pretrain": "flow",
        },
        source="pwlkit: the paper's PW schedule trained by pwlkit's best predictor of the "
        "first predictor stage (Transformer, flow pretraining on the whole space), three seeds "
        "of it as an ensemble, independent Thompson sampling over a pool mutated from the 2 "
        "best cells plus 10% random ones",
    ),
}
"""The named methods: ``bananas``, ``npenas``, ``gp`` and ``pw+`` (docs: Search)."""


@dataclass(frozen=True)
class Strategy:
    """A resolved strategy: ``kind`` is "random", "evolution" or "guided"; ``loss`` is the
    canonical loss / schedule spec of a guided search's predictors (empty otherwise, and for
    the Gaussian process); ``surrogate`` what a guided search fits each round (``predictor``
    or ``gp``); ``spec`` what the user wrote."""

    spec: str
    kind: str
    loss: str = ""
    surrogate: str = "predictor"

    @property
    def label(self) -> str:
        """Short name for tables: the spec, with the resolved loss for ``pw`` and the named
        methods that train predictors."""
        shown = self.spec == "pw" or (self.spec in NAMED and self.loss)
        return f"{self.spec} ({self.loss})" if shown else self.spec


def strategy_kind(spec: str) -> str:
    """The `Strategy.kind` of a checked spec (`check_strategy`) without its benchmark: the
    baselines are their own kind, every other strategy fits a surrogate (``guided``)."""
    return spec if spec in BASELINES else "guided"


def has_spread(spec: str, members: int | None = None) -> bool:
    """Whether a checked strategy spec's surrogate knows its uncertainty: the Gaussian
    process, or an ensemble of at least two members (``members``: a named ensemble's size)."""
    named = NAMED.get(spec)
    if named is not None:
        if named.surrogate == "gp":
            return True
        if "{members}" in named.loss:
            return (members if members is not None else named.defaults["members"]) >= 2
        spec = named.loss
    if spec in (*BASELINES, "pw"):
        return False
    from pwlkit.losses import parse_spec

    ensemble = parse_spec(spec).ensemble
    return ensemble is not None and len(ensemble.members) >= 2


def pw_spec(benchmark: Benchmark, switch: int = PW_SWITCH) -> str:
    """The PW schedule spec for a benchmark, e.g. ``"hr->mape@20"`` on NB201."""
    warm, focus = pw_pair(benchmark)
    return f"{warm}->{focus}@{int(switch)}"


def check_strategy(
    spec: str, name: str = "strategy", what: str = "search strategy", first_fit: int | None = None
) -> str:
    """The canonical form of a strategy spec (a loss spec in canonical form, or ``random``,
    ``evolution``, ``pw``), without resolving ``pw`` for a benchmark.

    ``first_fit``: the size of the first training sample (``n_init``); a selection such as
    ``auto(folds=K)`` must be able to cut it into its folds.

    Raises:
        BadParameter: an unknown name (with the closest valid one and the list) or a loss spec
            the parser rejects (with its reason); ``name`` is how the user typed the option,
            ``what`` what the message calls a strategy.
    """
    from pwlkit.losses import LOSS_NAMES

    text = str(spec).strip() if isinstance(spec, str) else spec
    if not isinstance(text, str) or not text:
        raise BadParameter(f"{name} must be a strategy name or a loss spec, got {spec!r}")
    if text in (*BASELINES, "pw", *NAMED):
        return text
    try:
        canonical = _canonical_loss(text)
    except ValueError as exc:
        where = "" if name == "strategy" else f"{name}: "
        if re.fullmatch(r"[\w+]+", text):
            valid = (*BASELINES, "pw", *NAMED, *LOSS_NAMES)
            raise BadParameter(
                f"{where}unknown {what} {text!r}{did_you_mean(text, valid)}. Valid: "
                f"random, evolution, pw, {', '.join(NAMED)}, or a loss "
                f"({', '.join(LOSS_NAMES)}) or schedule (hr->mape@20, ...) for a "
                "predictor-guided search"
            ) from None
        raise BadParameter(f"{where}bad {what} {text!r}: {exc}") from None
    if first_fit is not None:
        from pwlkit.losses import parse_spec

        try:
            parse_spec(canonical).check_sample_sizes([first_fit])
        except ValueError as exc:
            raise BadParameter(f"{name}: {exc} (the first fit has n_init = {first_fit})") from None
    return canonical


def resolve_strategy(spec: str, benchmark: Benchmark, members: int | None = None) -> Strategy:
    """Turn a user's strategy spec into a `Strategy`; unknown specs raise `BadParameter`
    listing the valid forms (see `check_strategy`). ``members``: the ensemble size of a named
    ensemble method (``bananas``, ``pw+``; None: its default)."""
    return resolve_named(check_strategy(spec), str(spec).strip(), pw_spec(benchmark), members)


def resolve_named(text: str, spec: str, pw: str, members: int | None = None) -> Strategy:
    """The `Strategy` of a checked spec ``text`` (as the user wrote it: ``spec``) on a space
    whose PW schedule is ``pw``."""
    if text in BASELINES:
        return Strategy(text, text)
    if text == "pw":
        return Strategy("pw", "guided", _canonical_loss(pw))
    named = NAMED.get(text)
    if named is None:
        return Strategy(spec, "guided", text)
    if not named.loss:
        return Strategy(text, "guided", "", named.surrogate)
    size = members if members is not None else named.defaults.get("members", 1)
    loss = named.loss.format(pw=_canonical_loss(pw), members=int(size))
    return Strategy(text, "guided", _canonical_loss(loss), named.surrogate)


def _canonical_loss(text: str) -> str:
    """A loss or schedule spec, or a selection (``auto``, ``warm->focus@auto``), canonical."""
    from pwlkit.losses import spec_name

    return spec_name(text)
