"""Run one fit job: sample the training sets, train the batch, score every model on the space.

`run_fit_job` is a top-level function of plain arguments so that process pools and Dask workers
can import and call it. It returns rows and writes nothing: the process that owns the store
writes, so workers need no access to the output folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pwlkit.metrics import TOP1_TEST, evaluate, n_at_column, precision_column, top1_test
from pwlkit.runs.benchmark_cache import load_benchmark_cached
from pwlkit.runs.threads import set_task_threads

from .cells import FitJob

CONFIG_COLUMNS = (
    "benchmark",
    "signal",
    "loss",
    "train_size",
    "backbone",
    "seed",
    "epochs",
    "hparams",
)
"""The settings columns of a results row (with ``cell_id``/``job_id`` they identify a row)."""


def run_fit_job(
    job: FitJob,
    data_dir: str | Path | None = None,
    fit_fn: Callable[..., np.ndarray] | None = None,
    sample_fn: Callable[..., np.ndarray] | None = None,
    threads: int | dict[str, int] | None = None,
    device: str | None = None,
) -> pd.DataFrame:
    """Train a job's cells in one batched engine call and return one metrics row per cell.

    Args:
        job: cells with equal batch keys.
        data_dir: where the benchmark tables are (None: the usual search path).
        fit_fn: the batched engine, ``pwlkit.train.fit_predict_many`` by default.
        sample_fn: the train sampler, ``pwlkit.train.sample_train`` by default; every loss of
            a seed sees the same sample.
        threads: torch threads for this process; None leaves the count as is outside Dask
            and, on a Dask worker (or with a ``{host: threads}`` map), shares the host's
            cores between all task slots of all workers on it.
        device: where the models train (``cpu``, ``cuda``, ``auto``; None: the study's
            setting, CPU by default); not part of the cell ids.
    """
    if fit_fn is None or sample_fn is None:
        from pwlkit import train

        fit_fn = fit_fn or train.fit_predict_many
        sample_fn = sample_fn or train.sample_train
    set_task_threads(threads)

    first = job.cells[0]
    bench = load_benchmark_cached(first.benchmark, data_dir)
    true = bench.values(first.signal)
    train_sets = [
        np.asarray(
            sample_fn(bench, c.train_size, c.seed)
            if c.sampling == "random"
            else sample_fn(bench, c.train_size, c.seed, strategy=c.sampling)
        )
        for c in job.cells
    ]

    fit = {
        "backbone": first.backbone,
        "epochs": first.epochs,
        "signal": first.signal,
        **json.loads(first.hparams),
        **({"device": device} if device is not None else {}),
    }
    seeds = [c.seed for c in job.cells]
    from pwlkit.train.device import kernel_fingerprint, resolve_device

    machine = kernel_fingerprint(resolve_device(fit.get("device")))
    start = time.perf_counter()
    # selections (auto, warm->focus@auto) are decided here so the rows can say what was chosen
    # and, for auto, keep the per-fold scores a different selection rule can be replayed on
    # (ordinary specs pass through `choose_losses` unchanged, without a fit)
    from pwlkit.train.selection import choose_losses

    choices = choose_losses(bench, train_sets, [c.loss for c in job.cells], seeds, **fit)
    chosen = [c.loss.name for c in choices]
    preds = fit_fn(bench, train_sets, chosen, seeds, **fit)
    seconds = time.perf_counter() - start
    preds = np.asarray(preds, dtype=np.float64)
    if preds.shape != (len(job.cells), bench.num_archs):
        raise RuntimeError(
            f"engine returned predictions of shape {preds.shape}, expected "
            f"{(len(job.cells), bench.num_archs)}"
        )

    rows = []
    for cell, pred, loss, choice in zip(job.cells, preds, chosen, choices):
        if not np.all(np.isfinite(pred)):  # a replaced engine (``fit_fn``) is checked here too
            raise FloatingPointError(
                f"non-finite predictions for {cell.benchmark} loss={cell.loss} "
                f"n={cell.train_size} seed={cell.seed} (training diverged?)"
            )
        scores = evaluate(pred, true, ts=cell.ts, ks=cell.ks)
        row: dict[str, Any] = {"cell_id": cell.cell_id, "job_id": job.job_id}
        row.update({col: getattr(cell, col) for col in CONFIG_COLUMNS})
        row["tau"] = float(scores["tau"])
        row["spearman"] = float(scores["spearman"])
        for t in cell.ts:
            row[precision_column(t)] = float(_lookup(scores["precision_at"], t))
        for k in cell.ks:
            row[n_at_column(k)] = int(_lookup(scores["n_at_k"], k))
        row[TOP1_TEST] = top1_test(pred, bench.test)
        row["chosen_loss"] = loss
        row["fold_scores"] = json.dumps(choice.fold_scores) if choice.fold_scores else None
        row["fit_seconds"] = seconds / len(job.cells)
        row["settings"] = cell.settings
        row["machine"] = machine
        row["sampling"] = cell.sampling
        rows.append(row)
    return pd.DataFrame(rows)


def _lookup(values: dict, key: float) -> Any:
    if key in values:
        return values[key]
    for k, v in values.items():
        if float(k) == float(key):
            return v
    raise KeyError(f"metric value for {key} missing from {sorted(values)}")
