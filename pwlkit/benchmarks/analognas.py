"""AnalogNAS-Bench: the 15,625 NAS-Bench-201 cells on CIFAR-10 under analog-hardware conditions.

Names: ``analognas-<metric>``, one benchmark per measured condition: ``baseline`` (standard
training), ``ptq`` (post-training quantization), ``qat`` (quantization-aware training),
``noisy`` (standard training evaluated with analog noise), ``analog`` (hardware-aware training),
and accuracy after drift, ``{baseline,analog}-drift-{60,3600,86400,2592000}`` (seconds after
programming; the mean of the repeated evaluations). All in percent. Each condition is one
measured number per cell, so ``test`` is ``val`` (``test_is_val``).

The data ships inside the ``analog-nasbench`` package as ``analognasbench/data.anb``, a pickled
dict ``{(6 op indices): Architecture}``. Its reader class imports ``pkg_resources``, which recent
setuptools no longer ships (84.2 here: the import fails), so the file is read here directly, mapping its two classes to plain
records. The op tuple follows NASLib's NB201 convention: indices into (skip_connect, none,
nor_conv_3x3, nor_conv_1x1, avg_pool_3x3) for edges e01 e02 e03 e12 e13 e23; cells are
converted to official cell strings and encoded like ``nb201``.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from . import cell201
from .base import Benchmark
from .loading import package_spec
from .registry import register

NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
"""Meaning of the package's op indices (NASLib order)."""
CONDITIONS = {
    "baseline": "baseline_accuracy",
    "ptq": "ptq_accuracy",
    "qat": "qat_accuracy",
    "noisy": "noisy_accuracy",
    "analog": "analog_accuracy",
}
for _kind in ("baseline", "analog"):
    for _t in (60, 3600, 86400, 2592000):
        CONDITIONS[f"{_kind}-drift-{_t}"] = f"{_kind}_drift_{_t}"
DESCRIPTIONS = {
    "baseline": "standard training",
    "ptq": "post-training quantization",
    "qat": "quantization-aware training",
    "noisy": "standard training, evaluated with analog noise",
    "analog": "hardware-aware (analog) training",
}


class _Record:
    """Stand-in for the package's Architecture / DriftMeasurement (attributes only)."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("analognasbench"):
            return _Record
        return super().find_class(module, name)


def _value(x) -> float:
    return float(x.value) if isinstance(x, _Record) else float(x)


def cell_of(ops_tuple) -> str:
    """The package's 6-index tuple -> official NB201 cell string."""
    return cell201.cell_string([NASLIB_OPS[int(i)] for i in ops_tuple])


def read_anb(path: Path) -> dict[str, Benchmark]:
    with open(path, "rb") as fh:
        data = _Unpickler(fh).load()
    if not isinstance(data, dict) or not data:
        raise ValueError("expected a non-empty dict {op tuple: Architecture}")
    keys = sorted(data)
    archs = [cell_of(k) for k in keys]
    ops, adj = cell201.encode_cells(archs)
    out = {}
    for cond, attr in CONDITIONS.items():
        if not all(hasattr(data[k], attr) for k in keys):
            continue
        values = np.array([_value(getattr(data[k], attr)) for k in keys])
        name = f"analognas-{cond}"
        out[name] = Benchmark(
            name=name,
            space="nb201",
            arch=np.array(archs, dtype=object),
            ops=ops,
            adj=adj,
            op_names=cell201.node_names(cell201.NB201_OPS),
            val=values,
            test=values,
            test_is_val=True,
            metric="CIFAR-10 accuracy (%)",
            source=f"analog-nasbench package: {path}",
            notes={"condition": attr, "test": "one metric per cell: test is a copy of val"},
        )
    return out


def _describe(cond: str) -> str:
    if "-drift-" in cond:
        kind, _, t = cond.split("-")
        return f"{DESCRIPTIONS[kind]}, accuracy after {t} s of conductance drift"
    return DESCRIPTIONS[cond]


for _cond in CONDITIONS:
    register(
        package_spec(
            f"analognas-{_cond}",
            "analognas",
            f"AnalogNAS-Bench NB201 cells on CIFAR-10: {_describe(_cond)} (embedded)",
            "analognasbench",
            "analog-nasbench",
            "data.anb",
            read_anb,
            "the analog-nasbench package's pickled {op tuple: Architecture} dict",
        )
    )
