"""Speed of scoring a whole space: every one of NB201's 15,625 cells, each backbone.

Times `pwlkit.train.engine.predict_all` (the chunked forward pass that follows every fit) for
one model, chunks shared out to one single-threaded worker per torch thread, and prints the FLOP rate against this machine's fp32 matmul peak measured in the
same run. Target for the GCN 144 x 4: < 0.2 s.

    python perf/scoring.py [--data-dir ../shared/data] [--threads 2] [--repeats 20]
"""

from __future__ import annotations

import argparse

import torch
from measure import describe, machine, peak_gflops, set_threads, timed

from pwlkit.benchmarks import load_benchmark
from pwlkit.predictors import PREDICTORS, build_predictor, encode
from pwlkit.train.engine import predict_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    set_threads(args.threads)

    bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    enc = encode(bench)
    workers = args.threads or torch.get_num_threads()
    print(f"machine: {machine()}")
    peak = peak_gflops()
    results = []
    for name in PREDICTORS:
        model = build_predictor(name, enc, 1)
        model.reset([0])
        predict_all(model, bench.num_archs, workers=workers)  # warm-up
        times = timed(
            lambda m=model: predict_all(m, bench.num_archs, workers=workers), args.repeats
        )
        results.append((name, times, bench.num_archs * model.flops_per_arch()["forward"]))
    peak = max(peak, peak_gflops())
    print(
        f"scoring all {bench.num_archs} NB201 cells with one model (default sizes), chunks of "
        f"512 cells on {workers} single-threaded workers:"
    )
    for name, times, work in results:
        rate = work / min(times) / 1e9
        print(
            f"  {name:<12} {describe(times)}; {work / 1e9:.1f} GFLOP, {rate:.0f} GFLOP/s = "
            f"{rate / peak:.0%} of the {peak:.0f} GFLOP/s matmul peak"
        )
    print("  target for gcn: < 0.2 s")


if __name__ == "__main__":
    main()
