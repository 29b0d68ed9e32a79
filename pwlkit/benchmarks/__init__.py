"""Whole NAS benchmark spaces as numpy arrays, by name.

``load_benchmark("nb201-cifar10", data_dir=...)`` returns a `Benchmark`; ``list_benchmarks()``
gives the catalogue; ``is_available(name)`` says whether the data is here. Importing this package
registers every family (tables and official files are only read when a benchmark is loaded).
"""

from __future__ import annotations

from . import (  # noqa: F401  (register families)
    analognas,
    darts,
    graph_tables,
    nb101,
    nb201,
    nbgraph,
    tnb101,
)
from .base import PAD, Benchmark
from .cache import cache_dir
from .datadir import DataNotFoundError, search_dirs, user_data_dir
from .errors import DataFormatError, PackageNotInstalledError
from .registry import (
    BenchmarkSpec,
    families,
    find_source,
    get_spec,
    is_available,
    list_benchmarks,
    load_benchmark,
)

__all__ = [
    "PAD",
    "Benchmark",
    "BenchmarkSpec",
    "DataFormatError",
    "DataNotFoundError",
    "PackageNotInstalledError",
    "cache_dir",
    "families",
    "find_source",
    "get_spec",
    "is_available",
    "list_benchmarks",
    "load_benchmark",
    "search_dirs",
    "user_data_dir",
]
