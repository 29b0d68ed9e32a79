"""NAS-Bench-201 (NATS-Bench topology space): 15,625 cells on CIFAR-10, CIFAR-100, ImageNet16-120.

Names: ``nb201-<dataset>`` (200-epoch training) and ``nb201-<dataset>-12ep`` (12-epoch
training), ``<dataset>`` in cifar10, cifar100, imagenet16. ``val`` is the validation accuracy
(the search signal), ``test`` the test accuracy (CIFAR-10: of the run trained on train+valid),
both in percent, averaged over seeds.

Table format (CSV or parquet): a column ``arch_str`` (official cell string) and accuracy columns
in percent named ``{cifar10,cifar100,imagenet16}_{valid,test}_acc_{200ep,12ep}``; an optional
``nb201_index`` column gives the official order. Only the two columns of the requested benchmark
are required.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import cell201
from .base import Benchmark
from .loading import Source, file_spec
from .nb201_official import HPS, read_nats_dir, read_pth
from .registry import register
from .tables import numeric_column, read_table

DATASETS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16": "ImageNet16-120"}
TABLE_FILES = ("nb201.parquet", "nb201.csv", "nb201_merged_15625.csv")
NATS_DIR = "NATS-tss-v1_0-3ffb9-simple"
PTH_FILES = ("NAS-Bench-201-v1_1-096897.pth", "NAS-Bench-201-v1_0-e61699.pth")
NUM_ARCHS = 15625
GET_FROM = (
    "a table in the documented format (e.g. ../shared/data/nb201_merged_15625.csv), or the "
    "official NATS-Bench / NAS-Bench-201 release files linked from "
    "https://github.com/D-X-Y/NATS-Bench (NATS-tss-v1_0-3ffb9-simple.tar, extracted) and "
    "https://github.com/D-X-Y/NAS-Bench-201"
)


def bench_name(dataset: str, epochs: str) -> str:
    return f"nb201-{dataset}" + ("" if epochs == "200ep" else f"-{epochs}")


def _columns(dataset: str, epochs: str) -> tuple[str, str]:
    return f"{dataset}_valid_acc_{epochs}", f"{dataset}_test_acc_{epochs}"


def _table_format(dataset: str, epochs: str) -> str:
    v, t = _columns(dataset, epochs)
    return f"a CSV/parquet table with columns arch_str, {v}, {t} (accuracy in percent)"


def make_benchmark(
    dataset: str, epochs: str, archs, val: np.ndarray, test: np.ndarray, source: str, how: str
) -> Benchmark:
    """Encode one NB201 benchmark from its cell strings and accuracies."""
    archs = [str(a) for a in archs]
    ops, adj = cell201.encode_cells(archs)
    notes = {
        "dataset": DATASETS[dataset],
        "epochs": int(epochs[:-2]),
        "val": "validation accuracy (x-valid; CIFAR-10: trained on the train split)",
        "test": "test accuracy (CIFAR-10: trained on train+valid, ori-test)",
        "read_from": how,
    }
    if len(archs) != NUM_ARCHS:
        notes["subset"] = f"{len(archs)} of {NUM_ARCHS} cells"
    return Benchmark(
        name=bench_name(dataset, epochs),
        space="nb201",
        arch=np.array(archs, dtype=object),
        ops=ops,
        adj=adj,
        op_names=cell201.node_names(cell201.NB201_OPS),
        val=np.asarray(val, dtype=np.float64),
        test=np.asarray(test, dtype=np.float64),
        metric="accuracy (%)",
        source=source,
        notes=notes,
    )


def read_nb201_table(path: Path) -> dict[str, Benchmark]:
    """Every NB201 benchmark whose two columns the table has."""
    df = read_table(path, ["arch_str"])
    if "nb201_index" in df.columns:
        df = df.sort_values("nb201_index", kind="stable").reset_index(drop=True)
    archs = df["arch_str"].astype(str).str.strip().tolist()
    dup = df["arch_str"].duplicated()
    if dup.any():
        raise ValueError(f"arch_str {archs[int(np.flatnonzero(dup)[0])]!r} appears twice")
    out = {}
    for ds in DATASETS:
        for ep in HPS:
            v, t = _columns(ds, ep)
            if v in df.columns and t in df.columns:
                out[bench_name(ds, ep)] = make_benchmark(
                    ds,
                    ep,
                    archs,
                    numeric_column(df, v, path),
                    numeric_column(df, t, path),
                    str(path),
                    "table",
                )
    return out


def _from_official(meta: list[str], arrays: dict, path: Path, how: str) -> dict[str, Benchmark]:
    out = {}
    for (ds, ep), (val, test) in arrays.items():
        keep = np.isfinite(val) & np.isfinite(test)
        if keep.all():
            out[bench_name(ds, ep)] = make_benchmark(ds, ep, meta, val, test, str(path), how)
        elif keep.any():
            rows = np.flatnonzero(keep)
            b = make_benchmark(
                ds, ep, [meta[i] for i in rows], val[rows], test[rows], str(path), how
            )
            out[b.name] = b
    return out


def read_nb201_pth(path: Path) -> dict[str, Benchmark]:
    meta, arrays = read_pth(path)
    return _from_official(meta, arrays, path, "official .pth")


def read_nb201_nats(path: Path) -> dict[str, Benchmark]:
    meta, arrays = read_nats_dir(path)
    return _from_official(meta, arrays, path, "official NATS-Bench simple folder")


def _sources(dataset: str, epochs: str) -> list[Source]:
    official = "the official release layout (see pwlkit.benchmarks.nb201_official)"
    return (
        [Source(f, read_nb201_table, _table_format(dataset, epochs)) for f in TABLE_FILES]
        + [Source(NATS_DIR, read_nb201_nats, official)]
        + [Source(f, read_nb201_pth, official) for f in PTH_FILES]
    )


for _ds, _label in DATASETS.items():
    for _ep in HPS:
        register(
            file_spec(
                bench_name(_ds, _ep),
                "nb201",
                f"NAS-Bench-201 cells on {_label}, {_ep[:-2]}-epoch training "
                f"(val: validation acc, test: test acc)",
                _sources(_ds, _ep),
                GET_FROM,
            )
        )
