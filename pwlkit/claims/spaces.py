"""The search space a benchmark belongs to: the report groups tasks by space (NAS-Bench-201,
TransNAS micro, NAS-Bench-Graph, ...), since a claim can hold on one space and not another."""

from __future__ import annotations

from functools import lru_cache

#: Readable names of the benchmark families (`pwlkit.benchmarks` specs' ``family``).
SPACE_NAMES = {
    "nb201": "NAS-Bench-201",
    "nb101": "NAS-Bench-101",
    "nbgraph": "NAS-Bench-Graph",
    "analognas": "AnalogNAS-Bench",
    "darts": "DARTS",
}
#: TransNAS-Bench-101 is two spaces (micro cells, macro skeletons) under one family.
TRANSNAS = {"tnb101-micro": "TransNAS micro", "tnb101-macro": "TransNAS macro"}


@lru_cache(maxsize=512)
def space_of(benchmark: str) -> str:
    """The space of a benchmark name, readable: ``nb201-cifar100`` -> ``NAS-Bench-201``.

    A name the catalogue does not know keeps its own name (its own space).

    Example:
        >>> space_of("tnb101-micro-jigsaw"), space_of("nbgraph-cora")
        ('TransNAS micro', 'NAS-Bench-Graph')
    """
    from pwlkit.benchmarks import get_spec

    name = str(benchmark)
    try:
        family = get_spec(name).family
    except KeyError:
        return name
    if family == "tnb101":
        return next((v for k, v in TRANSNAS.items() if name.startswith(k)), "TransNAS")
    return SPACE_NAMES.get(family, family)
