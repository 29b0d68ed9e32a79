"""Cost of pretraining a space, in ordinary predictor fits: NB201 (15,625 cells), one thread.

Pretrains one model of each pretext (`pwlkit.train.pretrain`, nothing read from or written to
the cache) and times one ordinary fit (N = 469, 300 epochs, HR) of the same backbone on the
same thread, so the ratio compares like with like; the fp32 matmul peak of one core is
measured in the same run. The target: pretraining one space costs less than 20 fits.

    python perf/pretrain_cost.py --data-dir ../shared/data [--backbones gcn transformer gin]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch
from measure import core_peak_gflops, machine

from pwlkit.benchmarks import load_benchmark
from pwlkit.train import fit_predict, sample_train
from pwlkit.train.pretrain import PRETRAIN_SETTINGS, pretrain_models


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--backbones", nargs="+", default=["gcn", "transformer", "gin"])
    ap.add_argument("--pretexts", nargs="+", default=["flow", "masked"])
    ap.add_argument("--train-size", type=int, default=469)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    os.environ["PWLKIT_PRETRAIN_CACHE"] = "off"
    torch.set_num_threads(1)
    bench = load_benchmark("nb201-cifar10", data_dir=args.data_dir)
    idx = sample_train(bench, args.train_size, 0)
    peak = core_peak_gflops()
    rows = []
    for backbone in args.backbones:
        start = time.perf_counter()
        fit_predict(bench, idx, "hr", backbone=backbone, seed=0, threads=1)
        fit_s = time.perf_counter() - start
        for pretext in args.pretexts:
            start = time.perf_counter()
            pretrain_models(bench, backbone, {}, pretext, [0])
            pre_s = time.perf_counter() - start
            rows.append(
                {
                    "backbone": backbone,
                    "pretext": pretext,
                    "pretrain_seconds": round(pre_s, 1),
                    "fit_seconds": round(fit_s, 1),
                    "fits_worth": round(pre_s / fit_s, 2),
                }
            )
    peak = max(peak, core_peak_gflops())
    out = {
        "machine": machine(),
        "core_peak_gflops": round(peak, 1),
        "pretrain_settings": PRETRAIN_SETTINGS,
        "cells": bench.num_archs,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"machine: {out['machine']}; one core's fp32 matmul peak {peak:.0f} GFLOP/s")
    print(f"pretraining {bench.num_archs} cells, settings {PRETRAIN_SETTINGS}")
    for r in rows:
        print(
            f"  {r['backbone']:<12} {r['pretext']:<7} pretrain {r['pretrain_seconds']:7.1f} s  "
            f"fit (N = {args.train_size}) {r['fit_seconds']:6.1f} s  = {r['fits_worth']:.1f} fits"
        )


if __name__ == "__main__":
    main()
