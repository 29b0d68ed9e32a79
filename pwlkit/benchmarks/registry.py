"""Benchmark names -> loaders, and the one entry point `load_benchmark`.

Fixed names (``nb201-cifar10``...) are registered by each family module at import. Families whose
names are open-ended (``darts-<name>``: one per user table) register a `Family` that resolves a
name to a spec on demand and discovers the names whose files are present.
"""

from __future__ import annotations

import difflib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .base import Benchmark
from .datadir import find_file


@dataclass(frozen=True)
class BenchmarkSpec:
    """How to find and load one named benchmark.

    ``load(spec, data_dir)`` returns the `Benchmark`; ``files`` are the file (or folder) names it
    accepts, in order of preference (empty for benchmarks embedded in an installed package);
    ``get_from`` tells a user where to obtain those files; ``package`` is the import name of the
    package that embeds the data. ``lacks(path)`` says why a found file does not hold this
    benchmark ("" when it does, or cannot tell without loading it): a task table may have the
    columns of some tasks only.
    """

    name: str
    family: str
    description: str
    load: Callable[[BenchmarkSpec, Path | None], Benchmark]
    files: tuple[str, ...] = ()
    embedded: bool = False
    get_from: str = ""
    package: str = ""
    lacks: Callable[[Path], str] | None = None


@dataclass(frozen=True)
class Family:
    """An open-ended set of names ``prefix + <something>`` (e.g. ``darts-<name>``).

    ``resolve(name)`` builds the spec of one name; ``discover(data_dir)`` lists the names whose
    files are present in the searched folders.
    """

    prefix: str
    pattern: str
    description: str
    resolve: Callable[[str], BenchmarkSpec]
    discover: Callable[[Path | None], list[str]]


_REGISTRY: dict[str, BenchmarkSpec] = {}
_FAMILIES: dict[str, Family] = {}


def register(spec: BenchmarkSpec) -> BenchmarkSpec:
    """Add a benchmark to the catalogue (called by each family module at import)."""
    if spec.name in _REGISTRY:
        raise ValueError(f"benchmark {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def register_family(family: Family) -> Family:
    """Add an open-ended family of names (called by the family module at import)."""
    if family.prefix in _FAMILIES:
        raise ValueError(f"benchmark family {family.pattern!r} registered twice")
    _FAMILIES[family.prefix] = family
    return family


def families() -> list[Family]:
    """Every open-ended family (for listings that show the name patterns)."""
    return list(_FAMILIES.values())


def get_spec(name: str) -> BenchmarkSpec:
    """The spec of a benchmark; unknown names list close matches and all choices."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    for prefix, family in _FAMILIES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return family.resolve(name)
    close = difflib.get_close_matches(name, _REGISTRY, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    patterns = "".join(f", {f.pattern}" for f in _FAMILIES.values())
    raise KeyError(
        f"unknown benchmark {name!r}.{hint} Valid names: {', '.join(sorted(_REGISTRY))}"
        f"{patterns} (run `pwlkit benchmarks` to see which have data here)."
    )


def list_benchmarks(data_dir: str | Path | None = None) -> list[BenchmarkSpec]:
    """Every registered benchmark spec, plus the open-ended names found in the data folders."""
    specs = dict(_REGISTRY)
    for family in _FAMILIES.values():
        for name in family.discover(Path(data_dir) if data_dir is not None else None):
            specs.setdefault(name, family.resolve(name))
    return [specs[k] for k in sorted(specs)]


def find_source(name: str, data_dir: str | Path | None = None) -> str | None:
    """Where ``name`` would be loaded from: a file path, ``package NAME``, or None if absent
    (also when the file it would read lacks it, `BenchmarkSpec.lacks`)."""
    spec = get_spec(name)
    if spec.embedded:
        return f"package {spec.package}" if importlib.util.find_spec(spec.package) else None
    found = find_file(spec.files, data_dir)
    if found is None or (spec.lacks is not None and spec.lacks(found)):
        return None
    return str(found)


def is_available(name: str, data_dir: str | Path | None = None) -> bool:
    """True when ``load_benchmark(name, data_dir)`` would find its data (without loading it)."""
    return find_source(name, data_dir) is not None


def load_benchmark(name: str, data_dir: str | Path | None = None) -> Benchmark:
    """Load a whole search space by name (cached on disk after the first load)."""
    spec = get_spec(name)
    return spec.load(spec, Path(data_dir) if data_dir is not None else None)
