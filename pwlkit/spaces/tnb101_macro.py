"""The TransNAS-Bench-101 macro skeleton space: 4 to 6 residual stages, 3,256 skeletons.

Strings are the official macro codes ``64-1234-basic`` (one digit per stage: 1 keep, 2 double
the channels, 3 halve the resolution, 4 both). A skeleton is in the space when 1 to 4 stages
halve the resolution and 1 to 3 double the channels (`pwlkit.benchmarks.tnb101.macro_arch`,
the rule the benchmark's tables are checked against). The encoding is
`pwlkit.benchmarks.tnb101.encode_macro` (a chain over 8 nodes, PAD after the last stage).
Every skeleton can be listed, so `sample` is exactly uniform. A neighbour changes one stage's
digit, inserts a stage or removes one, and stays in the space; `mutate` picks one at random.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from ..benchmarks import tnb101
from .base import Space

DIGITS = "1234"
MICRO = "basic"


def _digits(arch: str) -> str:
    parts = arch.split("-")
    if len(parts) != 3 or parts[0] != "64" or parts[2] != MICRO:
        raise ValueError(f"a macro code looks like 64-<4 to 6 digits 1-4>-{MICRO}")
    return parts[1]


def _in_space(digits: str) -> bool:
    try:
        tnb101.macro_arch(digits)
    except ValueError:
        return False
    return True


class TNB101MacroSpace(Space):
    """TransNAS-Bench-101 macro skeletons, written as official macro codes."""

    name = "tnb101-macro"
    op_names = tnb101.MACRO_OPS
    n_nodes = 8
    size = 3256

    def _canonical(self, arch: str) -> str:
        return tnb101.macro_arch(_digits(arch.strip()))

    def _random(self, rng: np.random.Generator) -> str:
        every = _every_code()
        return every[int(rng.integers(len(every)))]

    def _neighbours(self, arch: str) -> list[str]:
        d = _digits(arch)
        changed = [d[:k] + c + d[k + 1 :] for k in range(len(d)) for c in DIGITS if c != d[k]]
        inserted = [d[:k] + c + d[k:] for k in range(len(d) + 1) for c in DIGITS]
        removed = [d[:k] + d[k + 1 :] for k in range(len(d))]
        seen = dict.fromkeys(x for x in changed + inserted + removed if x != d and _in_space(x))
        return [tnb101.macro_arch(x) for x in seen]

    def _all(self) -> list[str]:
        return _every_code()

    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return tnb101.encode_macro(archs)


@cache
def _every_code() -> list[str]:
    lo, hi = tnb101.MACRO_STAGES
    codes = ("".join(d) for k in range(lo, hi + 1) for d in itertools.product(DIGITS, repeat=k))
    return [tnb101.macro_arch(d) for d in codes if _in_space(d)]
