"""The NAS-Bench-Graph space: 4 GNN layers wired by one of 9 link patterns, 26,206 architectures.

Strings are the benchmark's (``0012|gcn,gat,sage,skip``: ``link[i]``, the node computing node
``i + 1`` reads, 0 the input, then the 4 layers' operations). Many (link, ops) pairs are the
same network; the ``nas-bench-graph`` package keeps one of each (26,206 of 9 x 9^4 pairs) and
its own rule (``Arch.valid_hash``: regularise the link, move skip layers, sort equivalent
branches) maps any pair to the one it keeps. `canonical` applies that rule, so every spelling of
a network canonicalises to the string of the ``nbgraph-*`` benchmark row; any link with
``link[i] <= i`` is accepted. A network of 4 skip layers is not in the space. The encoding is
`pwlkit.benchmarks.nbgraph.encode` (6 nodes) of the canonical pair.

`sample` is exactly uniform over the 26,206: a uniform (link, ops) pair is kept when it is the
package's representative (each network has exactly one). A neighbour changes one layer's
operation or the input one layer reads, canonicalised, different and in the space; `mutate`
picks one at random.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
from nas_bench_graph.architecture import Arch

from ..benchmarks import nbgraph as nbg
from .base import Space

ALL_SKIP = ("skip",) * 4


def _parse(arch: str) -> tuple[list[int], list[str]]:
    link_text, sep, ops_text = arch.strip().partition("|")
    if not sep:
        raise ValueError("expected 'dddd|op,op,op,op' (4 link digits | 4 operations)")
    if len(link_text) != 4 or not link_text.isdigit():
        raise ValueError(f"link {link_text!r} must be 4 digits")
    link = [int(c) for c in link_text]
    bad = [i for i, src in enumerate(link) if src > i]
    if bad:
        raise ValueError(
            f"layer {bad[0] + 1} reads node {link[bad[0]]}; layer i may read nodes 0..i-1"
        )
    ops = [o.strip() for o in ops_text.split(",")]
    if len(ops) != 4:
        raise ValueError(f"expected 4 operations, got {len(ops)}")
    unknown = [o for o in ops if o not in nbg.GNN_OPS]
    if unknown:
        raise ValueError(f"unknown operation {unknown[0]!r}; valid: {', '.join(nbg.GNN_OPS)}")
    if tuple(ops) == ALL_SKIP:
        raise ValueError("four skip layers are not an architecture of the space")
    return link, ops


def _canonical_pair(link: list[int], ops: list[str]) -> tuple[tuple[int, ...], list[str]]:
    """The package's representative of (link, ops)."""
    return nbg.decode_hash(Arch(list(link), list(ops)).valid_hash())


def _is_representative(link: tuple[int, ...], ops: tuple[str, ...]) -> bool:
    return ops != ALL_SKIP and Arch(list(link), list(ops)).check_isomorph()


class NBGraphSpace(Space):
    """NAS-Bench-Graph architectures (the 9-operation space of every dataset but proteins)."""

    name = "nbgraph"
    op_names = nbg.OP_NAMES
    n_nodes = nbg.N_NODES
    size = 26206

    def _canonical(self, arch: str) -> str:
        return nbg.arch_string(*_canonical_pair(*_parse(arch)))

    def _random(self, rng: np.random.Generator) -> str:
        while True:
            link = nbg.LINKS[int(rng.integers(len(nbg.LINKS)))]
            ops = tuple(nbg.GNN_OPS[i] for i in rng.integers(len(nbg.GNN_OPS), size=4))
            if _is_representative(link, ops):
                return nbg.arch_string(link, ops)

    def _all(self) -> list[str]:
        return _every_arch()

    def _listing(self, n: int) -> list[str] | None:
        # Listing the space takes about a second; a small sample is quicker by rejection.
        return _every_arch() if n > self.size // 8 else None

    def _neighbours(self, arch: str) -> list[str]:
        link, ops = _parse(arch)
        candidates = []
        for i in range(4):
            for op in nbg.GNN_OPS:
                if op != ops[i]:
                    candidates.append((link, [*ops[:i], op, *ops[i + 1 :]]))
            for src in range(i + 1):
                if src != link[i]:
                    candidates.append(([*link[:i], src, *link[i + 1 :]], ops))
        seen = dict.fromkeys(
            nbg.arch_string(*_canonical_pair(lk, o)) for lk, o in candidates if tuple(o) != ALL_SKIP
        )
        seen.pop(arch, None)
        return list(seen)

    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = [nbg.encode(*_parse(a)) for a in archs]
        return np.stack([e[0] for e in encoded]), np.stack([e[1] for e in encoded])


@cache
def _every_arch() -> list[str]:
    pairs = itertools.product(nbg.LINKS, itertools.product(nbg.GNN_OPS, repeat=4))
    return [nbg.arch_string(lk, o) for lk, o in pairs if _is_representative(lk, o)]
