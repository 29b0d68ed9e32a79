"""Speed of a study grid: a slice of the paper-size NB201 grid through `pwlkit study run`'s path.

The slice is one dataset, every loss of the paper grid (8 losses and the PW switch), every
train size (78 / 156 / 469 / 781 / 1,563), ``--seeds`` seeds and 300 epochs, run by
`pwlkit.study.run_study` on the local executor into a temporary store. Prints the fits, wall
seconds, training sample-epochs per second, the model FLOPs per second as a fraction of this
machine's fp32 matmul peak (measured in the same run, all threads), and the wall time the whole
paper-size grid (``--grid``, default parameters/full/loss_size_nb201.yaml) would take at the
slice's rate.

With ``--train-dtype bfloat16`` the slice trains with bfloat16 products (the ``train_dtype``
setting); the bfloat16 matmul peak is then measured too, and the model FLOPs are reported
against both peaks (``peak_fraction`` stays against the fp32 peak, ``train_dtype_peak_fraction``
is against the peak of the dtype the products ran in).

    python perf/grid.py [--data-dir ../shared/data] [--seeds 2] [--train-dtype bfloat16] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from measure import machine, peak_gflops

from pwlkit.benchmarks import load_benchmark
from pwlkit.predictors import build_predictor, encode
from pwlkit.study import expand_cells, load_study, run_study
from pwlkit.train.config import TRAIN_DTYPES
from pwlkit.train.device import resolve_device

ROOT = Path(__file__).resolve().parents[1]
PAPER_GRID = ROOT / "parameters" / "full" / "loss_size_nb201.yaml"


def grid_flops(study, num_archs: dict[str, int], enc_of) -> tuple[float, float]:
    """(model FLOPs, training sample-epochs) of every fit of a study."""
    flops = sample_epochs = 0.0
    models = {}
    for cell in expand_cells(study):
        if cell.backbone not in models:
            models[cell.backbone] = build_predictor(cell.backbone, enc_of(cell.benchmark), 1)
        n_archs = num_archs[cell.benchmark]
        flops += models[cell.backbone].fit_flops(cell.epochs, cell.train_size, n_archs)
        sample_epochs += cell.epochs * cell.train_size
    return flops, sample_epochs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--grid", default=str(PAPER_GRID), help="the paper-size study file")
    ap.add_argument("--benchmark", default=None, help="the slice's dataset (default: the first)")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=None, help="default: the grid's")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--executor", default="local")
    ap.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    ap.add_argument("--train-dtype", default="float32", choices=tuple(TRAIN_DTYPES))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    device = str(resolve_device(args.device, "--device"))

    full = load_study(args.grid)
    raw = full.to_dict()
    raw.update(
        name="grid-speed",
        benchmarks=[args.benchmark or full.benchmarks[0]],
        seeds=args.seeds,
        epochs=args.epochs or full.epochs,
    )
    if args.train_dtype != "float32":
        raw["hyperparameters"] = {**raw.get("hyperparameters", {}), "train_dtype": args.train_dtype}
    benches = {b: load_benchmark(b, data_dir=args.data_dir) for b in full.benchmarks}
    encs = {}

    def enc_of(name):
        if name not in encs:
            encs[name] = encode(benches[name])
        return encs[name]

    sizes = {b: bench.num_archs for b, bench in benches.items()}
    with tempfile.TemporaryDirectory(prefix="pwlkit-grid-") as tmp:
        raw["output_dir"] = tmp
        slice_study = load_study(raw)
        work, sample_epochs = grid_flops(slice_study, sizes, enc_of)
        dtype = TRAIN_DTYPES[args.train_dtype] or torch.float32
        peak_before = peak_gflops()
        dtype_peak_before = peak_gflops(dtype) if dtype != torch.float32 else peak_before
        start = time.perf_counter()
        record = run_study(
            slice_study, executor=args.executor, workers=args.workers,
            data_dir=args.data_dir, progress=False, device=device,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        peak = max(peak_before, peak_gflops())
        dtype_peak = peak if dtype == torch.float32 else max(dtype_peak_before, peak_gflops(dtype))
    if not record.ok:
        raise SystemExit(f"the slice failed: {record.failed[0]['error']}")
    full_work, _ = grid_flops(full, sizes, enc_of)
    rate = work / seconds
    out = {
        "machine": machine(),
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None,
        "fits": record.computed,
        "seconds": seconds,
        "sample_epochs_per_s": sample_epochs / seconds,
        "gflops_per_s": rate / 1e9,
        "matmul_peak_gflops": peak,
        "peak_fraction": rate / 1e9 / peak,
        "train_dtype": args.train_dtype,
        "train_dtype_matmul_peak_gflops": dtype_peak,
        "train_dtype_peak_fraction": rate / 1e9 / dtype_peak,
        "grid": str(args.grid),
        "grid_fits": full.num_cells,
        "grid_hours_estimate": full_work / rate / 3600,
        "threads": torch.get_num_threads(),
    }
    if args.json:
        print(json.dumps(out))
        return
    print(
        f"machine: {out['machine']}; device {device}" + (f" ({out['gpu']})" if out["gpu"] else "")
    )
    print(
        f"slice: {raw['benchmarks'][0]}, {len(full.losses)} losses x {len(full.train_sizes)} "
        f"train sizes x {args.seeds} seeds, {raw['epochs']} epochs = {out['fits']} fits"
    )
    print(
        f"  {seconds:.1f} s; {out['sample_epochs_per_s']:.0f} sample-epochs/s; "
        f"{out['gflops_per_s']:.0f} GFLOP/s = {out['peak_fraction']:.0%} of the fp32 matmul "
        f"peak {peak:.0f} GFLOP/s measured in this run"
        + (
            f"; {out['train_dtype_peak_fraction']:.0%} of the {args.train_dtype} peak "
            f"{dtype_peak:.0f} GFLOP/s the products ran at"
            if args.train_dtype != "float32"
            else ""
        )
    )
    print(
        f"  whole grid {Path(args.grid).name}: {full.num_cells} fits, about "
        f"{out['grid_hours_estimate']:.2f} h at this rate"
    )


if __name__ == "__main__":
    main()
