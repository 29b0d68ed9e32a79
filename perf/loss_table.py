"""Every loss at one train size: mean Kendall tau, Precision@0.5% and N@10 over seeds.

Trains all (loss, seed) predictors in one batched `fit_predict_many` call (same training sample
per seed for every loss) and prints a Markdown table for docs/predictors-and-training.md; writes the per-fit rows
to ``outputs/loss_table_<benchmark>_<N>.csv``.

    python perf/loss_table.py [--benchmark nb201-cifar10] [--train-size 469] [--seeds 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from measure import machine, set_threads

from pwlkit.benchmarks import load_benchmark
from pwlkit.metrics import evaluate, top1_test
from pwlkit.train import fit_predict_many, sample_train

LOSSES = ("mse", "hr", "lr", "mse+sr", "listmle", "ew", "mape", "warp", "hr->mape")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="nb201-cifar10")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--train-size", type=int, default=469)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=None, help="default: the backbone's")
    ap.add_argument("--backbone", default="gcn")
    ap.add_argument("--losses", nargs="+", default=list(LOSSES))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default="outputs")
    args = ap.parse_args()
    set_threads(args.threads)

    bench = load_benchmark(args.benchmark, data_dir=args.data_dir)
    jobs = [(loss, seed) for loss in args.losses for seed in range(args.seeds)]
    start = time.perf_counter()
    preds = fit_predict_many(
        bench,
        [sample_train(bench, args.train_size, seed) for _, seed in jobs],
        [loss for loss, _ in jobs],
        [seed for _, seed in jobs],
        backbone=args.backbone,
        epochs=args.epochs,
        threads=args.threads,
    )
    seconds = time.perf_counter() - start
    rows = []
    for (loss, seed), pred in zip(jobs, preds):
        scores = evaluate(pred, bench.val, ts=(0.5,), ks=(10,))
        rows.append(
            {
                "loss": loss,
                "seed": seed,
                "tau": scores["tau"],
                "p_at_0.5": scores["precision_at"][0.5],
                "n_at_10": scores["n_at_k"][10],
                "top1_test": top1_test(pred, bench.test),
            }
        )
    df = pd.DataFrame(rows)
    out = Path(args.out) / f"loss_table_{bench.name}_{args.train_size}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)

    print(f"machine: {machine()}")
    print(
        f"{bench.name}, {args.backbone}, N={args.train_size}, seeds 0..{args.seeds - 1}, "
        f"{len(jobs)} fits in {seconds:.0f} s; metrics against val over all "
        f"{bench.num_archs} cells; mean (sd) over seeds\n"
    )
    print("| loss | Kendall tau | P@0.5% | N@10 |")
    print("|---|---|---|---|")
    for loss in args.losses:
        g = df[df.loss == loss]
        print(
            f"| {loss} | {g.tau.mean():.3f} ({g.tau.std():.3f}) "
            f"| {g['p_at_0.5'].mean():.3f} ({g['p_at_0.5'].std():.3f}) "
            f"| {g.n_at_10.mean():.1f} ({g.n_at_10.std():.1f}) |"
        )
    print(f"\nrows: {out}")


if __name__ == "__main__":
    main()
