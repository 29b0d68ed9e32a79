"""`Space`: a search space as an object (sample, mutate, neighbours, encode, canonical, validate).

A benchmark is a table of measured architectures; a space is the set they are drawn from, so a
user can sample architectures that no table holds, train them, and fit a predictor on them.
Every space encodes through the function its benchmark family uses, so a predictor trained on
a benchmark's rows and one trained on a space's strings see the same graphs.

Subclasses implement `_canonical` (the normalised string of a valid arch, raising ValueError
with the reason otherwise), `_random` (one random valid arch), `_neighbours` (every arch one
change away) and `_encode` (canonical strings -> ops, adj). Spaces whose every arch can be
listed (`size` known, `_all`) sample exactly uniformly without replacement.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

Rng = np.random.Generator | int | None


def as_rng(rng: Rng) -> np.random.Generator:
    """A numpy Generator from a Generator, an integer seed or None (fresh entropy)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


class Space(ABC):
    """One search space. Class attributes: ``name`` (as `get_space` spells it), ``op_names``
    (the encoding's operation vocabulary), ``n_nodes`` (node slots of the encoding) and
    ``size`` (number of distinct architectures, None where not counted)."""

    name: str = ""
    op_names: tuple[str, ...] = ()
    n_nodes: int = 0
    size: int | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # --- what each space defines -------------------------------------------------------------

    @abstractmethod
    def _canonical(self, arch: str) -> str:
        """The normalised string of ``arch``; ValueError with the reason if it is not valid."""

    @abstractmethod
    def _random(self, rng: np.random.Generator) -> str:
        """One random valid architecture (canonical), as the space's sampling procedure draws."""

    @abstractmethod
    def _neighbours(self, arch: str) -> list[str]:
        """Every canonical architecture one change away from canonical ``arch``, not ``arch``."""

    @abstractmethod
    def _encode(self, archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Canonical strings -> (ops [n, n_nodes] int16, adj [n, n_nodes, n_nodes] uint8)."""

    def _all(self) -> list[str] | None:
        """Every architecture of the space in a fixed order, where they can be listed."""
        return None

    def _listing(self, n: int) -> list[str] | None:
        """The list `sample` draws ``n`` from (`_all`), or None to draw with `_random` until
        ``n`` distinct architectures are found."""
        return self._all()

    def _key(self, arch: str) -> str:
        """What makes two canonical strings the same architecture (the string itself)."""
        return arch

    # --- the public methods --------------------------------------------------------------------

    def canonical(self, arch: str) -> str:
        """The normalised string of ``arch`` (idempotent).

        Raises:
            ValueError: ``arch`` is not an architecture of this space; the message names it
                and says why.
            TypeError: ``arch`` is not a string.
        """
        if not isinstance(arch, str):
            raise TypeError(
                f"{self.name} architecture {arch!r} must be a string, got {type(arch).__name__}"
            )
        try:
            return self._canonical(arch)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"{self.name} architecture {arch!r} is not valid: {exc}") from None

    def validate(self, arch: str) -> None:
        """Raise ValueError naming ``arch`` and why it is not in this space; else nothing."""
        self.canonical(arch)

    def sample(self, n: int, rng: Rng = None) -> list[str]:
        """``n`` distinct valid architectures (canonical strings), drawn as the space samples.

        Raises:
            ValueError: ``n`` negative or more than the space holds.
        """
        if isinstance(n, bool) or int(n) != n or n < 0:
            raise ValueError(f"{self.name}: sample size must be an integer >= 0, got {n!r}")
        n, gen = int(n), as_rng(rng)
        if self.size is not None and n > self.size:
            raise ValueError(
                f"{self.name}: cannot sample {n} distinct architectures, the space has {self.size}"
            )
        every = self._listing(n)
        if every is not None:
            return [every[i] for i in gen.choice(len(every), size=n, replace=False)]
        out: dict[str, str] = {}
        while len(out) < n:
            arch = self._random(gen)
            out.setdefault(self._key(arch), arch)
        return list(out.values())

    def neighbours(self, arch: str) -> list[str]:
        """Every architecture one change (one op, one edge or input) away from ``arch``."""
        return self._neighbours(self.canonical(arch))

    def mutate(self, arch: str, rng: Rng = None) -> str:
        """One random mutation of ``arch``: a valid architecture different from it (here a
        uniform pick among `neighbours`)."""
        options = self.neighbours(arch)
        if not options:
            raise ValueError(f"{self.name} architecture {arch!r} has no neighbour to mutate to")
        return options[int(as_rng(rng).integers(len(options)))]

    def encode(self, archs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Architecture strings -> (ops ``[n, n_nodes]`` int16 into ``op_names``, PAD = -1 for an
        absent node; adj ``[n, n_nodes, n_nodes]`` uint8), the benchmark family's encoding.

        Raises:
            ValueError: a string that is not an architecture of this space (named).
        """
        if isinstance(archs, str):
            raise TypeError(f"{self.name}: encode takes a list of architecture strings")
        canon = [self.canonical(a) for a in archs]
        if not canon:
            n = self.n_nodes
            return np.zeros((0, n), np.int16), np.zeros((0, n, n), np.uint8)
        return self._encode(canon)
