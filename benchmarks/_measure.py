"""Timing helpers shared by the speed scripts: matmul peak, best-of-N timing, machine facts.

On a shared machine every timing is noisy; the scripts repeat each measurement and report
the best (the run least disturbed by other processes) together with the median, and measure
the matmul peak in the same process, right before and after, so the fraction compares like
with like.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

import torch


def matmul_gflops(size: int = 2048, repeats: int = 7) -> float:
    """Best fp32 ``size x size`` matmul rate in GFLOP/s on the current torch threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def peak_gflops() -> float:
    """This machine's fp32 matmul peak: the best of square matmuls of 1024 and 2048."""
    return max(matmul_gflops(1024, 15), matmul_gflops(2048, 7))


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    return (f"best {min(times):.3f} s, median {statistics.median(times):.3f} s "
            f"over {len(times)} runs")


def machine() -> str:
    """One line: CPU model, cores, torch threads, load average."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{model}; {os.cpu_count()} cores; torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads; load average {load}")


def set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)
