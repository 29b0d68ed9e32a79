"""NAS-Bench-101: cells of up to 7 nodes on CIFAR-10, 108-epoch training.

Name: ``nb101``. The architecture string is the official module hash (isomorphism-invariant).
Accuracies are in percent (the official files store fractions).

Sources, in order of preference:

* ``nasbench_only108.tfrecord`` / ``nasbench_full.tfrecord`` (official, 423,624 cells): read
  without TensorFlow; ``val``/``test`` = final validation/test accuracy at 108 epochs, mean over
  the repeats.
* a table ``nb101.parquet`` / ``nb101.csv`` / ``nb101_subsets_with_graphs.csv`` with columns
  ``matrix`` (JSON adjacency, upper triangular), ``ops`` (JSON list ``input`` .. ``output``),
  ``val_acc_108`` (fraction), optional ``hash`` (checked against the recomputed hash) and
  ``test_acc_108`` (fraction). Rows of the same cell are averaged. Without ``test_acc_108`` the
  benchmark has one metric only: ``test`` is ``val`` (``test_is_val``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import nb101_graph as g
from .base import Benchmark
from .loading import Source, file_spec
from .nb101_tfrecord import read_nasbench
from .registry import register
from .tables import numeric_column, read_table

NAME = "nb101"
TABLE_FORMAT = (
    "a CSV/parquet table with columns matrix (JSON adjacency), ops (JSON op list from 'input' to "
    "'output'), val_acc_108 (fraction), optional hash and test_acc_108"
)
TFRECORD_FORMAT = "the official NAS-Bench-101 TFRecord (see pwlkit.benchmarks.nb101_tfrecord)"
GET_FROM = (
    "https://github.com/google-research/nasbench (nasbench_only108.tfrecord), or a table in the "
    "documented format such as ../shared/data/nb101_subsets_with_graphs.csv"
)


def encode_cells(cells: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, np.ndarray]:
    ops = np.empty((len(cells), g.N_NODES), dtype=np.int16)
    adj = np.empty((len(cells), g.N_NODES, g.N_NODES), dtype=np.uint8)
    for k, (matrix, names) in enumerate(cells):
        ops[k], adj[k] = g.encode_cell(matrix, names)
    return ops, adj


def _benchmark(hashes, cells, val, test, test_is_val: bool, source: str, notes: dict) -> Benchmark:
    ops, adj = encode_cells(cells)
    return Benchmark(
        name=NAME,
        space="nb101",
        arch=np.array(hashes, dtype=object),
        ops=ops,
        adj=adj,
        op_names=g.OP_NAMES,
        val=np.asarray(val, dtype=np.float64),
        test=np.asarray(test, dtype=np.float64),
        test_is_val=test_is_val,
        metric="CIFAR-10 accuracy (%), 108 epochs",
        source=source,
        notes=notes,
    )


def read_nb101_table(path: Path) -> dict[str, Benchmark]:
    df = read_table(path, ["matrix", "ops", "val_acc_108"], dtype={"hash": str})
    val = numeric_column(df, "val_acc_108", path) * 100.0
    has_test = "test_acc_108" in df.columns
    test = numeric_column(df, "test_acc_108", path) * 100.0 if has_test else val
    groups: dict[str, dict] = {}
    for row, (mtx, ops_json) in enumerate(zip(df["matrix"], df["ops"])):
        try:
            matrix = np.array(json.loads(mtx), dtype=np.int64)
            ops = list(json.loads(ops_json))
            g.check_cell(matrix, ops)
            matrix, ops = g.prune(matrix, ops)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"row {row}: {exc}") from exc
        h = g.module_hash(matrix, ops)
        if "hash" in df.columns and str(df["hash"].iloc[row]) != h:
            raise ValueError(
                f"row {row}: hash {str(df['hash'].iloc[row])!r} does not match the cell's recomputed "
                f"module hash {h!r}"
            )
        entry = groups.setdefault(h, {"cell": (matrix, ops), "rows": []})
        entry["rows"].append(row)
    hashes = list(groups)
    rows = [groups[h]["rows"] for h in hashes]
    notes = {
        "rows": len(df),
        "unique_cells": len(hashes),
        "duplicates": "rows of the same cell (same module hash) are averaged",
        "units": "val_acc_108 fraction x 100",
    }
    if not has_test:
        notes["test"] = "the table has no test accuracy: test is a copy of val (test_is_val)"
    b = _benchmark(
        hashes,
        [groups[h]["cell"] for h in hashes],
        [val[r].mean() for r in rows],
        [test[r].mean() for r in rows],
        not has_test,
        str(path),
        notes,
    )
    return {NAME: b}


def read_nb101_tfrecord(path: Path) -> dict[str, Benchmark]:
    data = read_nasbench(path)
    hashes = list(data)
    cells = []
    for h in hashes:
        matrix, ops = data[h]["matrix"], data[h]["ops"]
        g.check_cell(matrix, ops)
        cells.append((matrix, ops))
    notes = {
        "val": "final validation accuracy at 108 epochs, mean over repeats",
        "test": "final test accuracy at 108 epochs, mean over repeats",
        "repeats": int(np.median([len(data[h]["val"]) for h in hashes])),
    }
    b = _benchmark(
        hashes,
        cells,
        [100.0 * np.mean(data[h]["val"]) for h in hashes],
        [100.0 * np.mean(data[h]["test"]) for h in hashes],
        False,
        str(path),
        notes,
    )
    return {NAME: b}


register(
    file_spec(
        NAME,
        "nb101",
        "NAS-Bench-101 cells on CIFAR-10, 108 epochs (table: val only; tfrecord: val + test)",
        [
            Source("nasbench_only108.tfrecord", read_nb101_tfrecord, TFRECORD_FORMAT),
            Source("nasbench_full.tfrecord", read_nb101_tfrecord, TFRECORD_FORMAT),
            Source("nb101.parquet", read_nb101_table, TABLE_FORMAT),
            Source("nb101.csv", read_nb101_table, TABLE_FORMAT),
            Source("nb101_subsets_with_graphs.csv", read_nb101_table, TABLE_FORMAT),
        ],
        GET_FROM,
    )
)
