"""Where a GCN training step's time goes: each dense product at its real shape, against the peak.

The grid benchmark reaches about half of the fp32 matmul peak. This script says why: it times, on
one thread, every product of a batched GCN step (NB201: 8 nodes, one shared cell graph; the
default GCN 144 x 4, mini-batch 128, 16 models) at the shapes the engine calls, next to the
square-matmul peak measured in the same run, and then the whole step (forward, backward,
Adam) of the engine's model. The weight products run near the peak; the propagation through
the 8 x 8 cell graph is a thin product that cannot; the rest of the step is elementwise work
(ReLU and its gradient, copies, Adam) that no grouping of models removes.

``--profile`` adds torch's profiler over a few epochs of one engine group (``--profile-models``
models, HR, N = 1,563, one thread) and prints each operation's share of the step.

    python perf/gcn_products.py [--data-dir ../shared/data] [--models 16] [--profile]
"""

from __future__ import annotations

import argparse
import time

import torch
from measure import core_peak_gflops, machine

from pwlkit.benchmarks import load_benchmark
from pwlkit.predictors import build_predictor, encode
from pwlkit.train import fit_predict_many, sample_train


def rate(fn, flops: float, repeats: int = 20) -> float:
    """Best GFLOP/s of ``fn`` over ``repeats`` calls (after one warm-up)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def products(models: int, batch: int, nodes: int, hidden: int) -> list[tuple[str, float, float]]:
    """(name, GFLOP/s, share of the layer's FLOPs) of each product of one hidden layer."""
    rows = nodes * batch
    x, g = torch.randn(models, rows, hidden), torch.randn(models, rows, hidden)
    w, bias = torch.randn(models, hidden, hidden), torch.randn(models, 1, hidden)
    prop = torch.randn(models, nodes, nodes)
    weight_flops = 2 * models * rows * hidden * hidden
    prop_flops = 2 * models * nodes * nodes * batch * hidden
    layer = 3 * (weight_flops + prop_flops)  # forward, input gradient, weight gradient
    viewed = x.view(models, nodes, batch * hidden)
    return [
        (
            "forward weight product (baddbmm)",
            rate(lambda: torch.baddbmm(bias, x, w), weight_flops),
            weight_flops / layer,
        ),
        (
            "input gradient g @ W^T",
            rate(lambda: torch.bmm(g, w.transpose(1, 2)), weight_flops),
            weight_flops / layer,
        ),
        (
            "weight gradient x^T @ g",
            rate(lambda: torch.bmm(x.transpose(1, 2), g), weight_flops),
            weight_flops / layer,
        ),
        (
            "propagation P @ H (8 x 8 graph)",
            rate(lambda: torch.bmm(prop, viewed), prop_flops),
            3 * prop_flops / layer,
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--models", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=20, help="epochs of the whole-step timing")
    ap.add_argument("--profile", action="store_true", help="profile the engine's step by op")
    ap.add_argument("--profile-models", type=int, default=2, help="models of the profiled group")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)

    peak = core_peak_gflops()
    print(f"machine: {machine()}; one thread; square-matmul peak {peak:.0f} GFLOP/s")
    print(f"one hidden layer of {args.models} GCNs 144 wide, mini-batch 128, 8 nodes:")
    weighted = 0.0
    for name, gflops, share in products(args.models, 128, 8, 144):
        weighted += share / gflops
        print(f"  {name:36s} {gflops:6.0f} GFLOP/s = {gflops / peak:4.0%} of peak ({share:.0%})")
    bound = 1 / weighted
    print(
        f"  all products at these rates, nothing else: {bound:.0f} GFLOP/s = "
        f"{bound / peak:.0%} of peak (the ceiling of a step before any elementwise work)"
    )

    bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    model = build_predictor("gcn", encode(bench), 1)
    sets = [sample_train(bench, 1563, s) for s in range(args.models)]
    work = args.models * model.fit_flops(args.epochs, 1563, bench.num_archs)

    def fit() -> None:
        seeds = list(range(args.models))
        fit_predict_many(
            bench, sets, ["hr"] * args.models, seeds, "gcn", epochs=args.epochs, threads=1
        )

    best = min(_seconds(fit) for _ in range(2))
    print(
        f"whole engine, {args.models} GCN fits at N = 1,563, {args.epochs} epochs (training "
        f"and scoring every cell): {best:.1f} s, {work / best / 1e9:.0f} GFLOP/s = "
        f"{work / best / 1e9 / peak:.0%} of peak"
    )
    if args.profile:
        profile_step(bench, args.profile_models)
        profile_step(bench, args.profile_models, "bfloat16")


def profile_step(bench, models: int, train_dtype: str = "float32", top: int = 12) -> None:
    """Each operation's share of the engine's training step (torch profiler, self CPU time)."""
    from torch.profiler import ProfilerActivity, profile

    from pwlkit.train import engine
    from pwlkit.train.prepare import prepare

    n, seeds = 1563, list(range(models))
    idx = [sample_train(bench, n, s) for s in seeds]
    prep = prepare(
        bench, idx, ["hr"] * models, seeds, epochs=3, settings={"train_dtype": train_dtype}
    )
    model = prep.model()
    opt = prep.opt
    steps = opt.epochs * len(engine.batch_bounds(n, opt.batch_size))

    def run() -> None:
        prep.train(model)

    run()  # warm-up
    wall = _seconds(run)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    ops = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in ops)
    print(
        f"profile of one group of {models} GCNs, HR, N = 1,563, {train_dtype}: "
        f"{wall / steps * 1e3:.2f} ms per step unprofiled; self CPU time per op:"
    )
    for e in sorted(ops, key=lambda e: -e.self_cpu_time_total)[:top]:
        share = e.self_cpu_time_total / total
        print(f"  {e.key:44s} {e.self_cpu_time_total / steps:7.0f} us/step {share:6.1%}")


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
