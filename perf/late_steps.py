"""Step time early and late in a long fit: GCN 144 x 4 on NB201 CIFAR-10, N = 1,563, 300 epochs.

Denormal floats made late optimizer steps 10-20x slower on Intel CPUs; the engine flushes them
(`pwlkit.train.engine.flush_denormals`). This script times every optimizer step of one fit and
prints the mean step time of the first and the last tenth of the steps, their ratio, the fit's
total time and Kendall tau, and the fp32 matmul peak measured in the same run.
``--no-flush`` disables the flush to show the slowdown it removes.

    python perf/late_steps.py [--data-dir ../shared/data] [--threads 1] [--no-flush] [--json]
"""

from __future__ import annotations

import itertools
import json
import statistics
import time

import torch
from measure import fit_parser, machine, peak_gflops, set_threads

from pwlkit.benchmarks import load_benchmark
from pwlkit.metrics import kendall_tau
from pwlkit.train import engine, fit_predict, sample_train


def main() -> None:
    ap = fit_parser(__doc__, repeats=1)
    ap.set_defaults(train_size=1563, threads=1)
    ap.add_argument("--loss", default="hr")
    ap.add_argument("--no-flush", action="store_true", help="keep denormals (the old behaviour)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    set_threads(args.threads)
    if args.no_flush:
        engine.flush_denormals = lambda: None
        torch.set_flush_denormal(False)

    bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    idx = sample_train(bench, args.train_size, 0)
    stamps: list[float] = []
    step = engine.FusedAdam.step

    def timed_step(self, loss, lr):
        step(self, loss, lr)
        stamps.append(time.perf_counter())

    engine.FusedAdam.step = timed_step
    peak = peak_gflops()
    start = time.perf_counter()
    pred = fit_predict(
        bench, idx, args.loss, "gcn", epochs=args.epochs, seed=0,
        batch_size=args.batch_size, threads=args.threads,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    tenth = max(1, len(gaps) // 10)
    first, last = statistics.mean(gaps[:tenth]), statistics.mean(gaps[-tenth:])
    out = {
        "machine": machine(),
        "flush_denormals": not args.no_flush,
        "train_size": args.train_size,
        "epochs": args.epochs,
        "loss": args.loss,
        "steps": len(stamps),
        "first_tenth_step_ms": 1e3 * first,
        "last_tenth_step_ms": 1e3 * last,
        "last_over_first": last / first,
        "seconds": seconds,
        "tau": kendall_tau(pred, bench.val),
        "matmul_peak_gflops": peak,
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"machine: {out['machine']}; fp32 matmul peak {peak:.0f} GFLOP/s in this run")
    print(
        f"fit: GCN 144x4, NB201 CIFAR-10, N={args.train_size}, {args.epochs} epochs, "
        f"loss {args.loss}, flush denormals {'on' if out['flush_denormals'] else 'off'}"
    )
    print(
        f"  {len(stamps)} steps: first tenth {out['first_tenth_step_ms']:.2f} ms/step, last "
        f"tenth {out['last_tenth_step_ms']:.2f} ms/step (x{out['last_over_first']:.2f})"
    )
    print(f"  total {seconds:.1f} s, Kendall tau {out['tau']:.4f}")


if __name__ == "__main__":
    main()
