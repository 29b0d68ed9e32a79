"""Any cell space from a user table of graphs: ``graph-<name>``.

Name: ``graph-<name>`` loads ``graph-<name>.parquet`` or ``graph-<name>.csv`` from the data
folders, so a space pwlkit has no loader for needs only a table. Columns: ``ops`` (JSON list of op
names, one per node; node 0 is the input, the last node the output), ``adj`` (JSON list of lists,
``adj[i][j] = 1`` for an edge i -> j: a ``len(ops)`` x ``len(ops)`` matrix of 0/1, a DAG without
self-loops), ``val`` (search signal, higher is better), optional ``test`` (without it ``test`` is
``val``, ``test_is_val``). A parquet file may hold lists instead of JSON text. Rows with the same
graph are averaged.

Encoding: the op vocabulary is the sorted set of op names in the table, so the op indices do not
depend on the row order; nodes keep the order of the table; cells with fewer nodes than the
largest are padded at the end with ``PAD`` and zero rows / columns (as NB101). Arch string: the
graph as compact JSON, ``{"ops":[...],"adj":[[...],...]}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .base import PAD, Benchmark
from .registry import register_family
from .table_family import table_family
from .tables import numeric_column, read_table

PREFIX = "graph-"
FORMAT = (
    "a CSV/parquet table with columns ops (JSON list of op names), adj (JSON 0/1 matrix of a "
    "DAG, len(ops) x len(ops)) and val, optional test"
)
GET_FROM = (
    "your own table in the documented format (docs/benchmarks.md): one row per architecture "
    "with ops, adj, val; put it in a data folder as graph-<name>.csv"
)

Graph = tuple[list[str], list[list[int]]]


def _plain(value):
    """Parquet arrays and numpy scalars as plain Python lists and numbers."""
    if isinstance(value, (np.ndarray, list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _cell(value, column: str):
    """One ``ops`` / ``adj`` cell: JSON text is parsed, a parquet list is taken as it is."""
    if not isinstance(value, str):
        return _plain(value)
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{column} is not valid JSON ({exc.msg} at character {exc.pos}): {value[:60]!r}"
        ) from None


def _cycle(adj: np.ndarray) -> list[int]:
    """One directed cycle of ``adj`` as a node list (first node repeated), or [] for a DAG."""
    indeg = adj.sum(axis=0)
    ready = [v for v in range(len(adj)) if indeg[v] == 0]
    left = set(range(len(adj)))
    while ready:
        v = ready.pop()
        left.discard(v)
        for w in np.flatnonzero(adj[v]):
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(int(w))
    if not left:
        return []
    # every node left has a predecessor left: walk predecessors until one repeats
    path, seen, v = [], {}, min(left)
    while v not in seen:
        seen[v] = len(path)
        path.append(v)
        v = next(int(u) for u in np.flatnonzero(adj[:, v]) if int(u) in left)
    loop = path[seen[v] :][::-1]
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return [*loop, loop[0]]


def parse_graph(ops_value, adj_value) -> Graph:
    """One row's ``ops`` and ``adj`` (JSON text or lists) -> checked (op names, 0/1 matrix)."""
    ops, adj = _cell(ops_value, "ops"), _cell(adj_value, "adj")
    if not isinstance(ops, list) or not ops:
        raise ValueError(
            f"ops must be a non-empty JSON list of op names, got {repr(ops_value)[:80]}"
        )
    bad = [o for o in ops if not isinstance(o, str) or not o]
    if bad:
        raise ValueError(f"ops must be op names (non-empty strings); {bad[0]!r} is not")
    n = len(ops)
    if not isinstance(adj, list) or not adj or not all(isinstance(r, list) for r in adj):
        raise ValueError(
            f"adj must be a non-empty JSON list of lists (a matrix), got {repr(adj_value)[:80]}"
        )
    widths = sorted({len(r) for r in adj})
    if len(widths) > 1:
        raise ValueError(f"adj is ragged: its rows have {', '.join(map(str, widths))} entries")
    if len(adj) != widths[0]:
        raise ValueError(f"adj is not square: {len(adj)} rows of {widths[0]} entries")
    if len(adj) != n:
        raise ValueError(f"adj is {len(adj)} x {len(adj)} but ops has {n} nodes")
    for i, r in enumerate(adj):
        for j, x in enumerate(r):
            if not isinstance(x, (int, float)) or x not in (0, 1):
                raise ValueError(f"adj[{i}][{j}] is {x!r}; entries must be 0 or 1")
    matrix = np.array(adj, dtype=np.uint8).reshape(n, n)
    loops = np.flatnonzero(np.diag(matrix))
    if len(loops):
        raise ValueError(f"adj has a self-loop on node {int(loops[0])} (adj[i][i] must be 0)")
    cycle = _cycle(matrix.astype(np.int64))
    if cycle:
        raise ValueError(f"adj has a cycle {' -> '.join(map(str, cycle))}; it must be a DAG")
    return list(ops), matrix.tolist()


def graph_string(ops: list[str], adj: list[list[int]]) -> str:
    """The canonical string of a graph (the `arch` of a graph benchmark): compact JSON."""
    return json.dumps({"ops": ops, "adj": adj}, separators=(",", ":"))


def encode_graphs(graphs: list[Graph], op_names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Graphs -> (ops [N, n] int16 into ``op_names``, PAD after the last node; adj [N, n, n])."""
    n = max(len(ops) for ops, _ in graphs)
    index = {name: i for i, name in enumerate(op_names)}
    ops_out = np.full((len(graphs), n), PAD, dtype=np.int16)
    adj_out = np.zeros((len(graphs), n, n), dtype=np.uint8)
    for k, (ops, adj) in enumerate(graphs):
        ops_out[k, : len(ops)] = [index[o] for o in ops]
        adj_out[k, : len(ops), : len(ops)] = adj
    return ops_out, adj_out


def read_graph_table(path: Path, name: str) -> dict[str, Benchmark]:
    df = read_table(path, ["ops", "adj", "val"])
    val = numeric_column(df, "val", path)
    has_test = "test" in df.columns
    test = numeric_column(df, "test", path) if has_test else val
    groups: dict[str, list[int]] = {}
    graphs: dict[str, Graph] = {}
    for row, (ops_value, adj_value) in enumerate(zip(df["ops"], df["adj"])):
        try:
            graph = parse_graph(ops_value, adj_value)
        except ValueError as exc:
            raise ValueError(f"row {row}: {exc}") from None
        arch = graph_string(*graph)
        graphs.setdefault(arch, graph)
        groups.setdefault(arch, []).append(row)
    archs = list(groups)
    op_names = tuple(sorted({o for ops, _ in graphs.values() for o in ops}))
    ops, adj = encode_graphs([graphs[a] for a in archs], op_names)
    notes = {
        "rows": len(df),
        "unique_graphs": len(archs),
        "duplicates": "rows with the same ops and adj are averaged",
        "op_names": "sorted op names of the table (independent of the row order)",
    }
    if not has_test:
        notes["test"] = "the table has no test column: test is a copy of val (test_is_val)"
    bench = Benchmark(
        name=name,
        space=name,
        arch=np.array(archs, dtype=object),
        ops=ops,
        adj=adj,
        op_names=op_names,
        val=np.array([val[r].mean() for r in groups.values()]),
        test=np.array([test[r].mean() for r in groups.values()]),
        test_is_val=not has_test,
        metric="val / test as given in the user table (higher is better)",
        source=str(path),
        notes=notes,
    )
    return {name: bench}


FAMILY = register_family(
    table_family(
        PREFIX,
        "graph",
        "any cell space from a user table of graphs",
        read_graph_table,
        FORMAT,
        GET_FROM,
    )
)
"""``graph-<name>``: the tables present in the data folders, loaded with `read_graph_table`."""
