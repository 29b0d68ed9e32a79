"""Speed of one predictor fit: GCN 144 x 4 on NB201 CIFAR-10, N = 469, 300 epochs.

The reference point is the NASLib GCN predictor (hidden 144, 4 layers, batch 7, 300 epochs),
which takes about 35 s per fit at N = 469 on 2 CPU threads here. Prints the fit time (training
plus scoring all 15,625 cells), the model FLOPs it performs, and the fraction of this machine's
fp32 matmul peak, measured in the same run.

    python perf/single_fit.py [--data-dir ../shared/data] [--threads 2] [--repeats 3]
"""

from __future__ import annotations

from measure import cpu_line, describe, fit_parser, machine, measure, set_threads

from pwlkit.benchmarks import load_benchmark
from pwlkit.predictors import build_predictor, encode
from pwlkit.train import fit_predict, sample_train

BASELINE_SECONDS = 35.0


def main() -> None:
    ap = fit_parser(__doc__, repeats=3)
    ap.add_argument("--loss", default="mse")
    args = ap.parse_args()
    set_threads(args.threads)

    bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    idx = sample_train(bench, args.train_size, 0)
    model = build_predictor("gcn", encode(bench), 1, hidden=144, layers=4)
    flops = model.flops_per_arch()
    work = model.fit_flops(args.epochs, args.train_size, bench.num_archs)

    print(f"machine: {machine()}")

    def fit() -> None:
        fit_predict(
            bench,
            idx,
            args.loss,
            "gcn",
            epochs=args.epochs,
            seed=0,
            batch_size=args.batch_size,
            hidden=144,
            layers=4,
            threads=args.threads,
        )

    # Warm-up: first-call allocations, encoding.
    m = measure(fit, args.repeats, warm_up=fit)
    times, best, peak = m.times, m.best, m.peak
    rate = work / best / 1e9
    print(
        f"single fit: GCN 144x4, NB201 CIFAR-10, N={args.train_size}, {args.epochs} epochs, "
        f"batch {args.batch_size}, loss {args.loss}"
    )
    print(f"  time: {describe(times)}  (training + scoring {bench.num_archs} cells)")
    print(
        f"  speed-up over the {BASELINE_SECONDS:.0f} s reference: {BASELINE_SECONDS / best:.1f}x"
        f"  (target >= 5x, i.e. < {BASELINE_SECONDS / 5:.0f} s)"
    )
    print(
        f"  model FLOPs: {work / 1e9:.0f} GFLOP ({flops['train'] / 1e6:.2f} MFLOP per sample "
        f"per training step, {flops['forward'] / 1e6:.2f} MFLOP per scored cell)"
    )
    print(
        f"  achieved: {rate:.0f} GFLOP/s = {rate / peak:.0%} of the fp32 matmul peak "
        f"{peak:.0f} GFLOP/s measured in this run"
    )
    print(cpu_line(work, m.best_cpu, m.core))


if __name__ == "__main__":
    main()
