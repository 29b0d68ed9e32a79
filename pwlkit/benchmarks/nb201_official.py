"""Readers for the official NAS-Bench-201 / NATS-Bench topology release files.

Accepted sources:

* ``NAS-Bench-201-v1_1-096897.pth`` / ``NAS-Bench-201-v1_0-e61699.pth``: one ``torch.save``'d
  dict ``{"meta_archs": [cell strings], "arch2infos": {index: {"full": ArchResults state,
  "less": ArchResults state}}, "evaluated_indexes": [...]}`` ("full" = 200 epochs,
  "less" = 12 epochs). It is a single pickle: reading it needs memory for the whole object
  (several GB for the real file), but only once; the encoded result is cached.
* ``NATS-tss-v1_0-3ffb9-simple/``: a folder with ``meta.pickle.pbz2`` (``{"meta_archs": ...}``)
  and one bz2-compressed pickle per architecture, ``000000.pickle.pbz2`` ...,
  each ``{"12": ArchResults state, "200": ArchResults state}``. Read one file at a time, so
  memory stays at a few MB.

An ArchResults state is ``{"arch_str", "dataset_seed": {dataset: [seeds]}, "all_results":
{(dataset, seed): ResultsCount state}}``; a ResultsCount state holds ``epochs`` and
``eval_acc1es`` keyed ``"<set>@<epoch>"``. Validation = ``x-valid`` (CIFAR-10: of the run trained
on ``cifar10-valid``), test = ``ori-test`` of ``cifar10`` / ``x-test`` of ``cifar100`` and
``ImageNet16-120``, both at the last epoch, averaged over seeds (what the official API's
``get_metrics(..., is_random=False)`` returns). When the official ``nas_201_api`` /
``nats_bench`` package is installed it does the reading; otherwise the files are read directly.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .loading import torch_load_data

# benchmark dataset key -> (official dataset for val, val set, official dataset for test, test set)
SPLITS = {
    "cifar10": ("cifar10-valid", "x-valid", "cifar10", "ori-test"),
    "cifar100": ("cifar100", "x-valid", "cifar100", "x-test"),
    "imagenet16": ("ImageNet16-120", "x-valid", "ImageNet16-120", "x-test"),
}
HPS = {"200ep": ("200", "full"), "12ep": ("12", "less")}
PICKLE_EXT = ".pickle.pbz2"

_SAFE_MODULES = {
    "builtins": {
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "float",
        "int",
        "str",
        "bool",
        "complex",
        "bytes",
        "bytearray",
        "slice",
        "range",
        "NoneType",
    },
    "collections": {"OrderedDict", "defaultdict"},
    "numpy": {"dtype", "ndarray"},
    "numpy.core.multiarray": {"scalar", "_reconstruct"},
    "numpy._core.multiarray": {"scalar", "_reconstruct"},
}


def official_package(module: str) -> bool:
    """Whether the official reader package ``module`` is importable (tests switch it off)."""
    return importlib.util.find_spec(module) is not None


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numbers only: a data file never runs code."""

    def find_class(self, module: str, name: str):
        if name in _SAFE_MODULES.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"unexpected object {module}.{name} in a NATS-Bench file (only plain data is read)"
        )


def _pbz2_load(path: Path):
    with bz2.open(path, "rb") as fh:
        return _SafeUnpickler(fh).load()


def _accuracy(archres, dataset: str, setname: str) -> float:
    """Mean over seeds of the last-epoch accuracy; works on API objects and raw state dicts."""
    if hasattr(archres, "get_metrics"):
        return float(
            archres.get_metrics(dataset, setname, iepoch=None, is_random=False)["accuracy"]
        )
    seeds = archres["dataset_seed"][dataset]
    values = []
    for seed in seeds:
        rc = archres["all_results"][(dataset, seed)]
        values.append(float(rc["eval_acc1es"][f"{setname}@{int(rc['epochs']) - 1}"]))
    if not values:
        raise KeyError(f"no seeds for {dataset}")
    return float(np.mean(values))


def _collect(meta_archs: list[str], per_arch: Iterator[tuple[int, dict]]) -> dict:
    """Arrays ``{(dataset, epochs): (val, test)}`` over every architecture, NaN where absent."""
    n = len(meta_archs)
    out = {(ds, ep): (np.full(n, np.nan), np.full(n, np.nan)) for ds in SPLITS for ep in HPS}
    seen = np.zeros(n, dtype=bool)
    for idx, hp2res in per_arch:
        seen[idx] = True
        for ep, keys in HPS.items():
            archres = next((hp2res[k] for k in keys if k in hp2res), None)
            if archres is None:
                continue
            for ds, (vds, vset, tds, tset) in SPLITS.items():
                try:
                    out[(ds, ep)][0][idx] = _accuracy(archres, vds, vset)
                    out[(ds, ep)][1][idx] = _accuracy(archres, tds, tset)
                except (KeyError, ValueError, AssertionError):
                    pass  # this run is not in the file (e.g. v1_0 has 12 epochs on CIFAR-10 only)
    if not seen.all():
        missing = np.flatnonzero(~seen)
        raise ValueError(
            f"{len(missing)} of {n} architectures have no results (first: index {missing[0]})"
        )
    return out


def read_pth(path: Path) -> tuple[list[str], dict]:
    """An official NAS-Bench-201 ``.pth`` -> (cell strings, arrays by (dataset, epochs))."""
    if official_package("nas_201_api"):
        from nas_201_api import NASBench201API

        api = NASBench201API(str(path), verbose=False)
        meta = list(api.meta_archs)
        return meta, _collect(meta, ((i, api.arch2infos_dict[i]) for i in range(len(meta))))
    data = torch_load_data(path)
    if not isinstance(data, dict) or "meta_archs" not in data or "arch2infos" not in data:
        raise ValueError("not a NAS-Bench-201 file: expected a dict with meta_archs, arch2infos")
    meta = list(data["meta_archs"])
    infos = data["arch2infos"]
    return meta, _collect(meta, ((i, infos[i]) for i in range(len(meta)) if i in infos))


def read_nats_dir(path: Path) -> tuple[list[str], dict]:
    """A ``NATS-tss-v1_0-3ffb9-simple`` folder -> (cell strings, arrays), one file at a time."""
    meta_file = path / f"meta{PICKLE_EXT}"
    if not meta_file.is_file():
        raise ValueError(f"{path} has no meta{PICKLE_EXT} (not a NATS-Bench simple folder)")

    def arch_file(i: int) -> Path:
        f = path / f"{i:06d}{PICKLE_EXT}"
        return f if f.is_file() else path / f"{i}{PICKLE_EXT}"

    if official_package("nats_bench"):
        import nats_bench

        api = nats_bench.create(str(path), "tss", fast_mode=True, verbose=False)
        meta = list(api.meta_archs)

        def stream_api():
            for i in range(len(meta)):
                if not arch_file(i).is_file():
                    continue
                api.reload(str(path), i)
                yield i, api.arch2infos_dict.pop(i)  # drop it: memory stays flat

        return meta, _collect(meta, stream_api())
    meta = list(_pbz2_load(meta_file)["meta_archs"])

    def stream_files():
        for i in range(len(meta)):
            f = arch_file(i)
            if f.is_file():
                yield i, _pbz2_load(f)

    return meta, _collect(meta, stream_files())
