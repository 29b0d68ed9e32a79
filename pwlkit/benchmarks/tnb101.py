"""TransNAS-Bench-101: one network family evaluated on 7 Taskonomy tasks.

Names: ``tnb101-micro-<task>`` (4,096 cells: the NB201-like 4-node cell with ops none, skip,
conv1x1, conv3x3, inside a fixed macro skeleton) and ``tnb101-macro-<task>`` (3,256 skeletons of
4-6 residual stages around a fixed cell). Every metric is "higher is better" (room_layout is the
negative loss).

Architecture strings are the official codes: micro ``64-41414-3_32_132`` (one digit per edge,
edges e01 | e02 e12 | e03 e13 e23, ops 0 none, 1 skip, 2 conv1x1, 3 conv3x3), macro
``64-1234-basic`` (one digit per stage: 1 keep, 2 double channels, 3 halve resolution, 4 both).

Sources:

* the official ``transnas-bench_v10141024.pth``: ``torch.save``'d dict ``{"metrics_dict": {task:
  [metric names]}, "task_list": [...], "info_names": [...], "data": {"micro"|"macro": {arch:
  {task: {"metrics": {metric: [value per epoch]}, "model_info": {...}, ...}}}}}``; ``val`` /
  ``test`` = the last epoch's ``valid_*`` / ``test_*`` metric of the task (top1 for the
  classification tasks and jigsaw, neg_loss for room_layout, acc for segmentsemantic, ssim for
  autoencoder and normal);
* a micro table ``tnb101_micro.parquet`` / ``tnb101_micro.csv`` / ``tnb101_micro_val_4096.csv``
  with ``arch_code`` (the 6 digits, in the official code's edge order), or a macro table
  ``tnb101_macro.parquet`` / ``tnb101_macro.csv`` with ``arch_code`` (4 to 6 stage digits, the
  middle part of ``64-1234-basic``), and one column per task (final validation metric). A table
  has one metric per task, so ``test`` is ``val`` (``test_is_val``), unless it also has a
  ``<task>_test`` column. Micro prefers its table, macro the ``.pth`` (which has test values).

The macro space (3,256 skeletons) is every code of 4 to 6 stages in which 1 to 4 stages halve the
resolution (digit 3 or 4) and 1 to 3 double the channels (digit 2 or 4); a macro table is checked
against it, so a typo cannot add a skeleton the benchmark never trained.

Encoding: micro cells use the NB201 line-graph encoding (`cell201`); macro skeletons are a chain
input -> stage 1 .. stage k -> output over 8 nodes, padded at the end with ``PAD``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import cell201
from .base import PAD, Benchmark
from .loading import Source, file_spec, torch_load_data
from .registry import register
from .tables import lacks_column, numeric_column, read_table

TASKS = {
    "class_scene": ("valid_top1", "test_top1", "scene classification top-1 (%)"),
    "class_object": ("valid_top1", "test_top1", "object classification top-1 (%)"),
    "jigsaw": ("valid_top1", "test_top1", "jigsaw top-1 (%)"),
    "room_layout": ("valid_neg_loss", "test_neg_loss", "room layout negative loss"),
    "segmentsemantic": ("valid_acc", "test_acc", "semantic segmentation pixel accuracy (%)"),
    "autoencoder": ("valid_ssim", "test_ssim", "autoencoder SSIM"),
    "normal": ("valid_ssim", "test_ssim", "surface normal SSIM"),
}
MICRO_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
MACRO_OPS = ("input", "keep", "channels_x2", "resolution_half", "both", "output")
MICRO_PREFIX = "64-41414-"
CODE_ORDER = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # edge of each code digit
MACRO_STAGES = (4, 6)
"""Fewest and most stages of a macro skeleton."""
MACRO_HALVE = (1, 4)
"""Fewest and most stages that halve the resolution (digit 3 or 4)."""
MACRO_DOUBLE = (1, 3)
"""Fewest and most stages that double the channels (digit 2 or 4)."""
PTH = "transnas-bench_v10141024.pth"
MICRO_TABLES = ("tnb101_micro.parquet", "tnb101_micro.csv", "tnb101_micro_val_4096.csv")
MACRO_TABLES = ("tnb101_macro.parquet", "tnb101_macro.csv")
GET_FROM = (
    "the official TransNAS-Bench-101 release (transnas-bench_v10141024.pth, linked from "
    "https://github.com/yawen-d/TransNASBench), or a table in the documented format "
    "(docs/benchmarks.md): tnb101_micro.csv such as ../shared/data/tnb101_micro_val_4096.csv, "
    "or tnb101_macro.csv"
)


def micro_arch(digits: str) -> str:
    """6 digits (code order) -> official micro code ``64-41414-d_dd_ddd``."""
    if len(digits) != 6 or any(c not in "0123" for c in digits):
        raise ValueError(f"micro arch_code {digits!r} must be 6 digits in 0..3")
    return f"{MICRO_PREFIX}{digits[0]}_{digits[1:3]}_{digits[3:]}"


def macro_arch(digits: str) -> str:
    """4-6 stage digits -> official macro code ``64-<digits>-basic``; raises if not in the space."""
    lo, hi = MACRO_STAGES
    if not lo <= len(digits) <= hi or any(c not in "1234" for c in digits):
        raise ValueError(f"macro arch_code {digits!r} must be {lo} to {hi} digits in 1..4")
    halve = sum(c in "34" for c in digits)
    double = sum(c in "24" for c in digits)
    if not (MACRO_HALVE[0] <= halve <= MACRO_HALVE[1]) or not (
        MACRO_DOUBLE[0] <= double <= MACRO_DOUBLE[1]
    ):
        raise ValueError(
            f"macro arch_code {digits!r} is not in the TransNAS-Bench-101 macro space: "
            f"{halve} stage(s) halve the resolution (digit 3 or 4; valid {MACRO_HALVE[0]} to "
            f"{MACRO_HALVE[1]}), {double} double the channels (digit 2 or 4; valid "
            f"{MACRO_DOUBLE[0]} to {MACRO_DOUBLE[1]})"
        )
    return f"64-{digits}-basic"


def micro_cell_string(arch: str) -> str:
    """Official micro code -> NB201-style cell string over `MICRO_OPS`."""
    if not arch.startswith(MICRO_PREFIX):
        raise ValueError(f"{arch!r} is not a micro code ({MICRO_PREFIX}d_dd_ddd)")
    digits = arch[len(MICRO_PREFIX) :].replace("_", "")
    micro_arch(digits)  # validates
    by_edge = dict(zip(CODE_ORDER, (MICRO_OPS[int(c)] for c in digits)))
    return cell201.cell_string([by_edge[e] for e in cell201.EDGES])


def micro_arch_from_cell(cell: str) -> str:
    """Inverse of `micro_cell_string` (decode an encoded micro cell back to the code)."""
    by_edge = dict(zip(cell201.EDGES, cell201.parse_cell(cell, MICRO_OPS)))
    return micro_arch("".join(str(MICRO_OPS.index(by_edge[e])) for e in CODE_ORDER))


def encode_micro(archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return cell201.encode_cells([micro_cell_string(a) for a in archs], MICRO_OPS)


def encode_macro(archs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Macro codes -> chain graphs over 8 nodes (input, up to 6 stages, output), PAD after."""
    n = 8
    ops = np.full((len(archs), n), PAD, dtype=np.int16)
    adj = np.zeros((len(archs), n, n), dtype=np.uint8)
    for k, arch in enumerate(archs):
        parts = arch.split("-")
        stages = parts[1] if len(parts) == 3 else ""
        if not (1 <= len(stages) <= n - 2) or any(c not in "1234" for c in stages):
            raise ValueError(f"macro code {arch!r} must look like 64-<1..6 digits 1-4>-basic")
        chain = [0] + [int(c) for c in stages] + [len(MACRO_OPS) - 1]
        ops[k, : len(chain)] = chain
        for i in range(len(chain) - 1):
            adj[k, i, i + 1] = 1
    return ops, adj


def decode_macro(ops_row, base: str = "64", micro: str = "basic") -> str:
    stages = "".join(str(int(i)) for i in ops_row[1:] if 0 < i < len(MACRO_OPS) - 1)
    return f"{base}-{stages}-{micro}"


def _bench(
    space: str, task: str, archs, val, test, test_is_val: bool, source: str, notes: dict
) -> Benchmark:
    archs = [str(a) for a in archs]
    if space == "micro":
        ops, adj = encode_micro(archs)
        op_names = cell201.node_names(MICRO_OPS)
    else:
        ops, adj = encode_macro(archs)
        op_names = MACRO_OPS
    return Benchmark(
        name=f"tnb101-{space}-{task}",
        space=f"tnb101-{space}",
        arch=np.array(archs, dtype=object),
        ops=ops,
        adj=adj,
        op_names=op_names,
        val=np.asarray(val, dtype=np.float64),
        test=np.asarray(test, dtype=np.float64),
        test_is_val=test_is_val,
        metric=TASKS[task][2],
        source=source,
        notes={"task": task, **notes},
    )


def _code_text(value) -> str:
    """An ``arch_code`` cell as text: strings stay as written, integers (parquet) become digits."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _table_archs(df, space: str) -> list[str]:
    """The ``arch_code`` column as official codes; errors name the row and its value."""
    archs: list[str] = []
    first: dict[str, int] = {}
    for row, value in enumerate(df["arch_code"]):
        text = _code_text(value)
        try:
            arch = micro_arch(text.zfill(6)) if space == "micro" else macro_arch(text)
        except ValueError as exc:
            raise ValueError(f"row {row}: arch_code {value!r}: {exc}") from None
        if arch in first:
            raise ValueError(f"row {row}: arch_code {value!r} repeats row {first[arch]} ({arch})")
        first[arch] = row
        archs.append(arch)
    return archs


def read_code_table(path: Path, space: str) -> dict[str, Benchmark]:
    """A micro or macro table: every task column it has becomes one benchmark."""
    df = read_table(path, ["arch_code"], dtype={"arch_code": str})
    archs = _table_archs(df, space)
    out = {}
    for task in TASKS:
        if task not in df.columns:
            continue
        val = numeric_column(df, task, path)
        test_col = f"{task}_test"
        if test_col in df.columns:
            test = numeric_column(df, test_col, path)
            note = {"val": f"column {task}", "test": f"column {test_col}"}
        else:
            test = val
            note = {
                "test": f"the table has no {test_col} column (one metric, final validation): "
                "test is a copy of val (test_is_val)"
            }
        b = _bench(space, task, archs, val, test, test_col not in df.columns, str(path), note)
        out[b.name] = b
    return out


def read_micro_table(path: Path) -> dict[str, Benchmark]:
    return read_code_table(path, "micro")


def read_macro_table(path: Path) -> dict[str, Benchmark]:
    return read_code_table(path, "macro")


def read_pth(path: Path) -> dict[str, Benchmark]:
    db = torch_load_data(path)
    if not isinstance(db, dict) or "data" not in db:
        raise ValueError("not a TransNAS-Bench-101 file: expected a dict with a 'data' key")
    out = {}
    for space, archs in db["data"].items():
        if space not in ("micro", "macro"):
            continue
        names = list(archs)
        for task, (vkey, tkey, _) in TASKS.items():
            try:
                val = [archs[a][task]["metrics"][vkey][-1] for a in names]
                test = [archs[a][task]["metrics"][tkey][-1] for a in names]
            except KeyError:
                continue
            note = {"val": f"{vkey} at the last epoch", "test": f"{tkey} at the last epoch"}
            b = _bench(space, task, names, val, test, False, str(path), note)
            out[b.name] = b
    return out


def _register() -> None:
    pth_fmt = f"the official {PTH} layout (see pwlkit.benchmarks.tnb101)"
    for task, (_, _, metric) in TASKS.items():
        table_fmt = f"a CSV/parquet table with columns arch_code (6 digits) and {task}"
        macro_fmt = f"a CSV/parquet table with columns arch_code (4 to 6 digits 1-4) and {task}"
        lacks = lacks_column(task)  # a table may hold some tasks only
        register(
            file_spec(
                f"tnb101-micro-{task}",
                "tnb101",
                f"TransNAS-Bench-101 micro cells, task {task}: {metric}",
                [Source(f, read_micro_table, table_fmt, lacks) for f in MICRO_TABLES]
                + [Source(PTH, read_pth, pth_fmt)],
                GET_FROM,
            )
        )
        register(
            file_spec(
                f"tnb101-macro-{task}",
                "tnb101",
                f"TransNAS-Bench-101 macro skeletons, task {task}: {metric}",
                [Source(PTH, read_pth, pth_fmt)]
                + [Source(f, read_macro_table, macro_fmt, lacks) for f in MACRO_TABLES],
                GET_FROM,
            )
        )


_register()
