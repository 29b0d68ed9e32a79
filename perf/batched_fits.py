"""Speed of batched training: 8 losses x 4 seeds of GCN 144 x 4 trained at once (NB201 C10).

All 32 predictors share one set of stacked weights ``[models, in, out]``; each step runs every
model on its own mini-batch with batched matmuls. Prints the time, the model FLOPs (training
plus scoring all cells, per model), and the fraction of this machine's fp32 matmul peak,
measured in the same run (target >= 50%).

    python perf/batched_fits.py [--data-dir ../shared/data] [--epochs 300] [--threads 2]
"""

from __future__ import annotations

from measure import cpu_line, describe, fit_parser, machine, measure, set_threads

from pwlkit.benchmarks import load_benchmark
from pwlkit.losses import LOSS_NAMES
from pwlkit.predictors import build_predictor, encode
from pwlkit.train import fit_predict_many, sample_train


def main() -> None:
    ap = fit_parser(__doc__, repeats=1)
    ap.add_argument("--seeds", type=int, default=4)
    args = ap.parse_args()
    set_threads(args.threads)

    bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    jobs = [(loss, seed) for loss in LOSS_NAMES for seed in range(args.seeds)]
    sets = [sample_train(bench, args.train_size, seed) for _, seed in jobs]
    losses = [loss for loss, _ in jobs]
    seeds = [seed for _, seed in jobs]
    model = build_predictor("gcn", encode(bench), 1, hidden=144, layers=4)
    work = len(jobs) * model.fit_flops(args.epochs, args.train_size, bench.num_archs)

    print(f"machine: {machine()}")

    def fit(epochs: int = args.epochs) -> None:
        fit_predict_many(
            bench,
            sets,
            losses,
            seeds,
            "gcn",
            epochs=epochs,
            batch_size=args.batch_size,
            hidden=144,
            layers=4,
            threads=args.threads,
        )

    m = measure(fit, args.repeats, warm_up=lambda: fit(epochs=1))
    times, best, peak = m.times, m.best, m.peak
    rate = work / best / 1e9
    print(
        f"batched fits: {len(LOSS_NAMES)} losses x {args.seeds} seeds = {len(jobs)} GCN 144x4 "
        f"models at once, NB201 CIFAR-10, N={args.train_size}, {args.epochs} epochs, "
        f"batch {args.batch_size}"
    )
    print(f"  time: {describe(times)}; {best / len(jobs):.2f} s per model")
    print(f"  model FLOPs: {work / 1e12:.2f} TFLOP (training + scoring every cell, all models)")
    print(
        f"  achieved: {rate:.0f} GFLOP/s = {rate / peak:.0%} of the fp32 matmul peak "
        f"{peak:.0f} GFLOP/s measured in this run (target >= 50%)"
    )
    print(cpu_line(work, m.best_cpu, m.core))


if __name__ == "__main__":
    main()
