"""The warm-up -> focus loss pairs of the piecewise (PW) loss, by search space, as the PWLNAS
paper reports them."""

from __future__ import annotations

from ..benchmarks.base import Benchmark

PW_PAIRS: dict[str, tuple[str, str]] = {
    "nb201": ("hr", "mape"),
    "darts": ("hr", "mape"),
    "nb101": ("listmle", "warp"),
    "tnb101-micro": ("hr", "warp"),
    "tnb101-micro-jigsaw": ("mse", "ew"),
}
"""The paper's warm-up -> focus pairs, by space (TransNAS micro jigsaw has its own)."""

PW_DEFAULT_PAIR = ("hr", "mape")
"""Pair for spaces the paper did not run: its NB201 / DARTS pair, the most widely reported."""


def pw_pair(benchmark: Benchmark) -> tuple[str, str]:
    """The warm-up and focus losses PW uses on this benchmark's space."""
    name = benchmark.name
    if name.startswith("tnb101-micro"):
        return PW_PAIRS["tnb101-micro-jigsaw" if name.endswith("jigsaw") else "tnb101-micro"]
    return PW_PAIRS.get(benchmark.space, PW_DEFAULT_PAIR)
