"""DARTS / NAS-Bench-301 cell space from a table of genotypes a user supplies.

Name: ``darts-<name>`` loads ``darts-<name>.parquet`` or ``darts-<name>.csv`` from the data
folders. Columns: ``genotype`` (a DARTS Genotype string, e.g. ``Genotype(normal=[('sep_conv_3x3',
0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4,
5])``; ``range(2, 6)`` is accepted for the concat lists), ``val_acc`` (search signal), optional
``test_acc`` (without it ``test`` is ``val``, ``test_is_val``). Each cell has 4 intermediate
nodes with 2 inputs each (8 ``(op, input)`` pairs; inputs 0 and 1 are the two previous cells'
outputs, 2..5 the intermediate nodes). Rows with the same genotype are averaged.

Encoding (ops on nodes, 22 nodes): for the normal then the reduction cell, 11 nodes = the two
cell inputs, one node per ``(op, input)`` pair in genotype order, the cell output. A pair node
is fed by its input (a cell input, or the two pair nodes of an intermediate node); the pair
nodes of the nodes in ``*_concat`` feed the cell output; the normal cell's output feeds both
inputs of the reduction cell.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np

from .base import Benchmark
from .registry import register_family
from .table_family import table_family
from .tables import numeric_column, read_table

PRIMITIVES = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
OP_NAMES = ("input", *PRIMITIVES, "output")
STEPS = 4
CELL_NODES = 2 + 2 * STEPS + 1
N_NODES = 2 * CELL_NODES
PREFIX = "darts-"
FORMAT = (
    "a CSV/parquet table with columns genotype (DARTS Genotype string) and val_acc, optional "
    "test_acc"
)
GET_FROM = (
    "your own table in the documented format (docs/benchmarks.md), e.g. NAS-Bench-301 "
    "training data exported as genotype + accuracy; put it in a data folder as darts-<name>.csv"
)

Cell = list[tuple[str, int]]


def _concat(node: ast.expr) -> list[int]:
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range":
        return list(range(*[ast.literal_eval(a) for a in node.args]))
    return [int(x) for x in ast.literal_eval(node)]


_NUMBERS = r"((?:\d+(?:, \d+)*)?)"
_CANONICAL = re.compile(
    rf"Genotype\(normal=\[(.*?)\], normal_concat=\[{_NUMBERS}\], "
    rf"reduce=\[(.*?)\], reduce_concat=\[{_NUMBERS}\]\)"
)
_PAIR = re.compile(r"\('(\w+)', (\d+)\)")


def _read_canonical(text: str) -> tuple[list[Cell], list[list[int]]] | None:
    """(cells, concats) of a string spelled as `genotype_string` writes it, read without
    Python's parser (an open search reads tens of thousands); None for any other spelling."""
    match = _CANONICAL.fullmatch(text)
    if match is None:
        return None
    cells = [[(op, int(src)) for op, src in _PAIR.findall(match[i])] for i in (1, 3)]
    concats = [[int(c) for c in match[i].split(", ")] if match[i] else [] for i in (2, 4)]
    written = (cells[0], concats[0], cells[1], concats[1])  # as genotype_string writes them
    if any(repr(part)[1:-1] != match[i] for i, part in enumerate(written, 1)):
        return None
    return cells, concats


def parse_genotype(text: str) -> tuple[Cell, list[int], Cell, list[int]]:
    """Genotype string -> (normal, normal_concat, reduce, reduce_concat); errors say why."""
    fast = _read_canonical(text.strip())
    if fast is not None:
        return _checked(text, *fast)
    try:
        call = ast.parse(text.strip(), mode="eval").body
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Genotype"):
            raise ValueError("not a Genotype(...) call")
        kw = {k.arg: k.value for k in call.keywords}
        missing = {"normal", "normal_concat", "reduce", "reduce_concat"} - kw.keys()
        if missing:
            raise ValueError(f"missing {', '.join(sorted(missing))}")
        cells = [
            [(str(op), int(src)) for op, src in ast.literal_eval(kw[k])]
            for k in ("normal", "reduce")
        ]
        concats = [_concat(kw[k]) for k in ("normal_concat", "reduce_concat")]
    except (SyntaxError, ValueError, TypeError) as exc:
        raise ValueError(f"bad genotype {text[:80]!r}: {exc}") from None
    return _checked(text, cells, concats)


def _checked(
    text: str, cells: list[Cell], concats: list[list[int]]
) -> tuple[Cell, list[int], Cell, list[int]]:
    """The parts, once every pair and concat is one this space can have."""
    for cell, concat in zip(cells, concats):
        if len(cell) != 2 * STEPS:
            raise ValueError(f"genotype {text[:80]!r}: a cell needs {2 * STEPS} (op, input) pairs")
        for k, (op, src) in enumerate(cell):
            if op not in PRIMITIVES:
                raise ValueError(f"genotype: unknown op {op!r}; valid: {', '.join(PRIMITIVES)}")
            if not 0 <= src < 2 + k // 2:
                raise ValueError(f"genotype: pair {k} takes input {src}, must be < {2 + k // 2}")
        if not concat or any(not 2 <= c < 2 + STEPS for c in concat):
            raise ValueError(f"genotype: concat {concat} must list nodes in 2..{1 + STEPS}")
    return cells[0], concats[0], cells[1], concats[1]


def genotype_string(normal: Cell, normal_concat, reduce: Cell, reduce_concat) -> str:
    """The canonical string of a genotype (the `arch` of a darts benchmark)."""
    return (
        f"Genotype(normal={list(normal)!r}, normal_concat={sorted(normal_concat)!r}, "
        f"reduce={list(reduce)!r}, reduce_concat={sorted(reduce_concat)!r})"
    )


def _encode_cell(cell: Cell, concat, ops: np.ndarray, adj: np.ndarray, o: int) -> None:
    ops[o] = ops[o + 1] = OP_NAMES.index("input")
    out = o + CELL_NODES - 1
    ops[out] = OP_NAMES.index("output")
    for k, (op, src) in enumerate(cell):
        node = o + 2 + k
        ops[node] = OP_NAMES.index(op)
        if src < 2:
            adj[o + src, node] = 1
        else:
            for j in range(2 * (src - 2), 2 * (src - 2) + 2):
                adj[o + 2 + j, node] = 1
        if 2 + k // 2 in concat:
            adj[node, out] = 1


def encode_genotype(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Genotype string -> (ops [22] int16, adj [22, 22] uint8)."""
    normal, nc, reduce, rc = parse_genotype(text)
    ops = np.zeros(N_NODES, dtype=np.int16)
    adj = np.zeros((N_NODES, N_NODES), dtype=np.uint8)
    _encode_cell(normal, nc, ops, adj, 0)
    _encode_cell(reduce, rc, ops, adj, CELL_NODES)
    adj[CELL_NODES - 1, CELL_NODES] = adj[CELL_NODES - 1, CELL_NODES + 1] = 1
    return ops, adj


def _decode_cell(ops: np.ndarray, adj: np.ndarray, o: int) -> tuple[Cell, list[int]]:
    cell: Cell = []
    for k in range(2 * STEPS):
        node = o + 2 + k
        feeders = np.flatnonzero(adj[o : o + CELL_NODES, node])
        src = int(feeders[0]) if feeders[0] < 2 else 2 + (int(feeders[0]) - 2) // 2
        cell.append((OP_NAMES[int(ops[node])], src))
    feeds_out = np.flatnonzero(adj[o + 2 : o + 2 + 2 * STEPS, o + CELL_NODES - 1])
    return cell, sorted({2 + int(j) // 2 for j in feeds_out})


def decode_genotype(ops: np.ndarray, adj: np.ndarray) -> str:
    """Inverse of `encode_genotype`."""
    normal, nc = _decode_cell(ops, adj, 0)
    reduce, rc = _decode_cell(ops, adj, CELL_NODES)
    return genotype_string(normal, nc, reduce, rc)


def read_darts_table(path: Path, name: str) -> dict[str, Benchmark]:
    df = read_table(path, ["genotype", "val_acc"])
    val = numeric_column(df, "val_acc", path)
    has_test = "test_acc" in df.columns
    test = numeric_column(df, "test_acc", path) if has_test else val
    groups: dict[str, list[int]] = {}
    for row, text in enumerate(df["genotype"].astype(str)):
        try:
            canon = genotype_string(*parse_genotype(text))
        except ValueError as exc:
            raise ValueError(f"row {row}: {exc}") from None
        groups.setdefault(canon, []).append(row)
    archs = list(groups)
    encoded = [encode_genotype(a) for a in archs]
    notes = {
        "rows": len(df),
        "unique_genotypes": len(archs),
        "duplicates": "rows with the same genotype are averaged",
    }
    if not has_test:
        notes["test"] = "the table has no test_acc column: test is a copy of val (test_is_val)"
    bench = Benchmark(
        name=name,
        space="darts",
        arch=np.array(archs, dtype=object),
        ops=np.stack([e[0] for e in encoded]),
        adj=np.stack([e[1] for e in encoded]),
        op_names=OP_NAMES,
        val=np.array([val[r].mean() for r in groups.values()]),
        test=np.array([test[r].mean() for r in groups.values()]),
        test_is_val=not has_test,
        metric="as given in the table (higher is better)",
        source=str(path),
        notes=notes,
    )
    return {name: bench}


FAMILY = register_family(
    table_family(
        PREFIX, "DARTS", "DARTS cells from a user table", read_darts_table, FORMAT, GET_FROM
    )
)
"""``darts-<name>``: the tables present in the data folders, loaded with `read_darts_table`."""
