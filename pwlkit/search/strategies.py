"""Strategy names: ``random``, ``evolution``, ``pw``, or any loss / schedule spec.

A strategy spec is resolved once, at the boundary, into a `Strategy`; the search loops trust it.
Every loss or schedule that `pwlkit.losses.parse_loss` accepts is a predictor-guided strategy
(``mse`` is NPENAS-like, ``mape`` BANANAS-like, ``lr`` ReNAS-like, ``hr->mape@20`` a PW schedule
written out). ``pw`` picks the pair the paper reports for the benchmark's space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
class Strategy:
    """A resolved strategy: ``kind`` is "random", "evolution" or "guided"; ``loss`` is the
    canonical loss / schedule spec of a guided search (empty otherwise); ``spec`` what the user
    wrote."""

    spec: str
    kind: str
    loss: str = ""

    @property
    def label(self) -> str:
        """Short name for tables: the spec, with the resolved schedule for ``pw``."""
        return f"{self.spec} ({self.loss})" if self.spec == "pw" else self.spec


def strategy_kind(spec: str) -> str:
    """The `Strategy.kind` of a checked spec (`check_strategy`) without its benchmark: the
    baselines are their own kind, every other strategy trains a predictor (``guided``)."""
    return spec if spec in BASELINES else "guided"


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
    if text in (*BASELINES, "pw"):
        return text
    try:
        canonical = _canonical_loss(text)
    except ValueError as exc:
        where = "" if name == "strategy" else f"{name}: "
        if re.fullmatch(r"[\w+]+", text):
            valid = (*BASELINES, "pw", *LOSS_NAMES)
            raise BadParameter(
                f"{where}unknown {what} {text!r}{did_you_mean(text, valid)}. Valid: "
                f"random, evolution, pw, or a loss ({', '.join(LOSS_NAMES)}) or schedule "
                "(hr->mape@20, ...) for a predictor-guided search"
            ) from None
        raise BadParameter(f"{where}bad {what} {text!r}: {exc}") from None
    if first_fit is not None:
        from pwlkit.losses import parse_spec

        try:
            parse_spec(canonical).check_sample_sizes([first_fit])
        except ValueError as exc:
            raise BadParameter(f"{name}: {exc} (the first fit has n_init = {first_fit})") from None
    return canonical


def resolve_strategy(spec: str, benchmark: Benchmark) -> Strategy:
    """Turn a user's strategy spec into a `Strategy`; unknown specs raise `BadParameter`
    listing the valid forms (see `check_strategy`)."""
    text = check_strategy(spec)
    if text in BASELINES:
        return Strategy(text, text)
    if text == "pw":
        return Strategy("pw", "guided", _canonical_loss(pw_spec(benchmark)))
    return Strategy(str(spec).strip(), "guided", text)


def _canonical_loss(text: str) -> str:
    """A loss or schedule spec, or a selection (``auto``, ``warm->focus@auto``), canonical."""
    from pwlkit.losses import spec_name

    return spec_name(text)
