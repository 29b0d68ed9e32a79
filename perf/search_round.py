"""Cost of one guided search round: pw (one GCN per run), bananas (5 per run, batched), gp.

A round as a search job runs it (`pwlkit.search.loop.run_strategy`): ``--runs`` runs in
lockstep (default 10, a job's seeds), each having queried ``--queried`` random rows of NB201
CIFAR-10 (``--toy``: the 1,024-cell toy benchmark), then one round with the strategy's pool,
surrogate and acquisition (``top_k`` 10 queries per run). ``pw`` trains one GCN per run
(`SEARCH_EPOCHS` epochs, all runs in one batched `fit_predict_many` call), ``bananas`` five
members per run (one batched call of 5 x runs models), ``gp`` one scikit-learn Gaussian process
per run on WL features (no torch). Prints seconds per round (best and median of
``--repeats``), per run, and for the predictor fits their model FLOP rate against this
machine's fp32 matmul peak, measured in the same run.

    python perf/search_round.py [--data-dir ../shared/data] [--runs 10] [--queried 20,50,100]
        [--strategies pw,bananas,gp] [--repeats 3] [--threads 1] [--toy]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from measure import core_peak_gflops, machine, peak_gflops, set_threads

from pwlkit.losses import parse_spec
from pwlkit.predictors import build_predictor, encode
from pwlkit.search import SearchConfig, resolve_strategy, signal_view
from pwlkit.search.candidates import TableRows
from pwlkit.search.loop import SEARCH_EPOCHS, TableLookup, configure, run_strategy, strategy_key


def build_runs(view, n_runs: int, queried: int, top_k: int, seed: int):
    """``n_runs`` runs that have queried ``queried`` random rows each, with one round left."""
    runs, rngs = [], []
    for r in range(n_runs):
        rng = np.random.default_rng([seed, r])
        run = TableLookup(view.val, queried + top_k)
        run.query(rng.choice(view.num_archs, queried, replace=False))
        runs.append(run)
        rngs.append(rng)
    return runs, rngs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--toy", action="store_true", help="the toy benchmark instead of NB201")
    ap.add_argument("--runs", type=int, default=10, help="runs in lockstep (a job's seeds)")
    ap.add_argument("--queried", default="20,50,100", help="architectures queried before")
    ap.add_argument("--strategies", default="pw,bananas,gp")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (a search worker: 1)")
    args = ap.parse_args()
    set_threads(args.threads)

    if args.toy:
        from pwlkit.search.toy import make_toy_benchmark

        bench = make_toy_benchmark()
    else:
        from pwlkit.benchmarks import load_benchmark

        bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    view = signal_view(bench, "val")
    source = TableRows(view)
    queried = [int(q) for q in args.queried.split(",")]
    strategies = args.strategies.split(",")
    print(f"machine: {machine()}")
    peak, core = peak_gflops(), core_peak_gflops()
    gcn = build_predictor("gcn", encode(bench), 1)
    rows = []
    for name in strategies:
        strat = resolve_strategy(name, bench)
        cfg = configure(strategy_key(strat), SearchConfig(hparams={"threads": args.threads}))
        models = 0 if strat.surrogate == "gp" else parse_spec(strat.loss).fits  # per run
        for q in queried:
            times = []
            for rep in range(args.repeats + 1):  # the first call warms up (imports, caches)
                runs, rngs = build_runs(view, args.runs, q, cfg.top_k, seed=rep)
                start = time.perf_counter()
                run_strategy(source, strat, runs, rngs, cfg, random_batch=cfg.top_k)
                if rep:
                    times.append(time.perf_counter() - start)
            scored = q + cfg.pool_size
            work = models * args.runs * gcn.fit_flops(SEARCH_EPOCHS, q, scored)
            rows.append((strat.label, q, int(models), times, work))
    peak, core = max(peak, peak_gflops()), max(core, core_peak_gflops())
    print(
        f"one guided round on {bench.name}: {args.runs} runs in lockstep, top_k 10 each, "
        f"{args.threads} torch thread(s); GCN {SEARCH_EPOCHS} epochs a fit"
    )
    print(f"  fp32 matmul peak: {peak:.0f} GFLOP/s ({core:.0f} on one core)")
    for label, q, models, times, work in rows:
        best, median = min(times), statistics.median(times)
        line = (
            f"  {label:<28} queried {q:>3}: {best:6.2f} s a round (median {median:.2f}), "
            f"{best / args.runs:5.2f} s per run"
        )
        if models:
            rate = work / best / 1e9
            line += (
                f"; {models * args.runs} predictor fits, {work / 1e9:.0f} GFLOP, "
                f"{rate:.0f} GFLOP/s = {rate / peak:.0%} of the peak"
            )
        print(line)
    print(f"  torch {torch.__version__}")


if __name__ == "__main__":
    main()
