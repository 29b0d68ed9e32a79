"""Timing helpers shared by the speed scripts: matmul peak, best-of-N timing, machine facts.

On a shared machine every timing is noisy; the scripts repeat each measurement and report
the best (the run least disturbed by other processes) together with the median, and measure
the matmul peak in the same process, right before and after, so the fraction compares like
with like.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from pwlkit.train import TRAIN_DEFAULTS


def matmul_gflops(size: int = 2048, repeats: int = 7, dtype: torch.dtype = torch.float32) -> float:
    """Best ``size x size`` matmul rate in GFLOP/s on the current torch threads (fp32 unless
    ``dtype`` says otherwise)."""
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    out = torch.empty(size, size, dtype=dtype)
    torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def peak_gflops(dtype: torch.dtype = torch.float32) -> float:
    """This machine's matmul peak (fp32 by default): the best of square matmuls of 1024 and
    2048."""
    return max(matmul_gflops(1024, 15, dtype), matmul_gflops(2048, 7, dtype))


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished child processes (the engine
    trains long batched calls in worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn: Callable[[], object], repeats: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``fn`` (CPU seconds, children included,
    into ``cpu``)."""
    times = []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        fn()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(cpu_seconds() - start_cpu)
    return times


def core_peak_gflops() -> float:
    """fp32 matmul peak of one core (one torch thread), then the thread count is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return max(matmul_gflops(1024, 15), matmul_gflops(2048, 5))
    finally:
        torch.set_num_threads(before)


def cpu_line(work: float, cpu_seconds: float, core_peak: float) -> str:
    """Efficiency per CPU second actually received: robust to other processes on the machine
    (they take wall time, not this process's CPU time)."""
    rate = work / cpu_seconds / 1e9
    return (
        f"  per CPU second received: {rate:.0f} GFLOP/s = {rate / core_peak:.0%} of one "
        f"core's matmul peak {core_peak:.0f} GFLOP/s ({cpu_seconds:.1f} CPU s)"
    )


def describe(times: list[float]) -> str:
    return (
        f"best {min(times):.3f} s, median {statistics.median(times):.3f} s over {len(times)} runs"
    )


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
    return (
        f"{model}; {os.cpu_count()} cores; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; load average {load}"
    )


def set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)


def fit_parser(doc: str, repeats: int) -> argparse.ArgumentParser:
    """Options shared by the fit speed scripts (GCN 144 x 4 on NB201 CIFAR-10 by default)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--train-size", type=int, default=469)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=TRAIN_DEFAULTS["gcn"]["batch_size"])
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--repeats", type=int, default=repeats)
    return ap


@dataclass(frozen=True)
class Measured:
    """Timings of one speed measurement and the matmul peaks around it."""

    times: list[float]
    cpu: list[float]
    peak: float
    core: float

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def best_cpu(self) -> float:
        return self.cpu[self.times.index(self.best)]


def measure(fn: Callable[[], object], repeats: int, warm_up: Callable[[], object]) -> Measured:
    """Peaks, a warm-up call, ``repeats`` timed calls, peaks again (the better of each kept)."""
    peak, core = peak_gflops(), core_peak_gflops()
    warm_up()
    cpu: list[float] = []
    times = timed(fn, repeats, cpu)
    return Measured(times, cpu, max(peak, peak_gflops()), max(core, core_peak_gflops()))
