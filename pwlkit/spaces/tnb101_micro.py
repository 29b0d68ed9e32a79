"""The TransNAS-Bench-101 micro cell space: the NB201-like cell with 4 operations, 4,096 cells.

Strings are the official micro codes ``64-41414-3_32_132`` (one digit per edge in code order:
0 none, 1 skip, 2 conv1x1, 3 conv3x3). The encoding is `pwlkit.benchmarks.tnb101.encode_micro`
(the NB201 line graph over the micro operations), the one the ``tnb101-micro-*`` benchmarks
use. Every cell can be listed, so `sample` is exactly uniform; a neighbour changes one digit
(6 x 3 = 18 neighbours); `mutate` picks one at random.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from ..benchmarks import cell201, tnb101
from .base import Space

DIGITS = "0123"


def _digits(arch: str) -> str:
    if not arch.startswith(tnb101.MICRO_PREFIX):
        raise ValueError(f"a micro code starts with {tnb101.MICRO_PREFIX!r} (64-41414-d_dd_ddd)")
    body = arch[len(tnb101.MICRO_PREFIX) :]
    parts = body.split("_")
    if [len(p) for p in parts] != [1, 2, 3]:
        raise ValueError(f"the code after the prefix must look like d_dd_ddd, got {body!r}")
    return "".join(parts)


class TNB101MicroSpace(Space):
    """TransNAS-Bench-101 micro cells, written as official micro codes."""

    name = "tnb101-micro"
    op_names = cell201.node_names(tnb101.MICRO_OPS)
    n_nodes = cell201.N_NODES
    size = len(DIGITS) ** 6

    def _canonical(self, arch: str) -> str:
        return tnb101.micro_arch(_digits(arch.strip()))

    def _random(self, rng: np.random.Generator) -> str:
        return tnb101.micro_arch("".join(DIGITS[i] for i in rng.integers(len(DIGITS), size=6)))

    def _neighbours(self, arch: str) -> list[str]:
        d = _digits(arch)
        return [
            tnb101.micro_arch(d[:k] + c + d[k + 1 :])
            for k in range(len(d))
            for c in DIGITS
            if c != d[k]
        ]

    def _all(self) -> list[str]:
        return _every_code()

    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return tnb101.encode_micro(archs)


@cache
def _every_code() -> list[str]:
    return [tnb101.micro_arch("".join(d)) for d in itertools.product(DIGITS, repeat=6)]
