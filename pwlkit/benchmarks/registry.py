"""Benchmark names -> loaders, and the one entry point `load_benchmark`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .base import Benchmark


@dataclass(frozen=True)
class BenchmarkSpec:
    """How to find and load one named benchmark.

    ``load(spec, data_dir)`` returns the `Benchmark`; ``files`` are the file names it accepts
    (empty for benchmarks embedded in an installed package); ``get_from`` tells a user where
    to obtain those files.
    """

    name: str
    family: str
    description: str
    load: Callable[["BenchmarkSpec", Path | None], Benchmark]
    files: tuple[str, ...] = ()
    embedded: bool = False
    get_from: str = ""


_REGISTRY: dict[str, BenchmarkSpec] = {}


def register(spec: BenchmarkSpec) -> BenchmarkSpec:
    """Add a benchmark to the catalogue (called by each family module at import)."""
    if spec.name in _REGISTRY:
        raise ValueError(f"benchmark {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def get_spec(name: str) -> BenchmarkSpec:
    """The spec of a registered benchmark; unknown names list close matches and all choices."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(
            f"unknown benchmark {name!r}.{hint} Valid names: {', '.join(sorted(_REGISTRY))} "
            f"(run `pwlkit benchmarks` to see which have data here)."
        ) from None


def list_benchmarks() -> list[BenchmarkSpec]:
    """Every registered benchmark spec, sorted by name."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def load_benchmark(name: str, data_dir: str | Path | None = None) -> Benchmark:
    """Load a whole search space by name (cached on disk after the first load)."""
    spec = get_spec(name)
    return spec.load(spec, Path(data_dir) if data_dir is not None else None)
