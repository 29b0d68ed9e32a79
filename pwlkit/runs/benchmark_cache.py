"""Benchmarks loaded once per process: a worker runs many jobs on the same space."""

from __future__ import annotations

from pathlib import Path
from typing import Any

_BENCHMARKS: dict[tuple[str, str | None], Any] = {}


def load_benchmark_cached(name: str, data_dir: str | Path | None):
    """`pwlkit.benchmarks.load_benchmark`, remembered per (name, data_dir) in this process."""
    key = (name, str(data_dir) if data_dir is not None else None)
    if key not in _BENCHMARKS:
        from pwlkit.benchmarks import load_benchmark

        _BENCHMARKS[key] = load_benchmark(name, data_dir=data_dir)
    return _BENCHMARKS[key]
