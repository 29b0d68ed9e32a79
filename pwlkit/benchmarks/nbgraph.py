"""NAS-Bench-Graph: GNN architectures on 9 node-classification datasets (embedded, offline).

Names: ``nbgraph-<dataset>``. The data ships inside the ``nas-bench-graph`` package as pickled
dicts ``light/<dataset>.bench``: ``{arch hash: {"valid_perf", "perf", "latency", "para"}}``
(26,206 non-isomorphic architectures; ogbn-proteins 2,021, with 5 of the 9 ops).
``val`` = ``valid_perf``, ``test`` = ``perf`` (test performance), fractions (ogbn-proteins:
ROC-AUC, the others accuracy).

An architecture is 4 computing nodes; ``link[i]`` is the node that computing node i + 1 reads
(0 = the input), ``ops[i]`` its GNN layer. The package's hash is
``link_index * 10**4 + digits of the 4 op indices`` (base 10, ``gnn_list`` order), which this
module inverts. Encoding: 6 nodes (input, 4 computing nodes, output), edge link[i] -> i + 1, and
every computing node that no other node reads feeds the output. Arch string: ``0012|gcn,gat,
sage,skip`` (link digits | ops).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from .base import Benchmark
from .loading import package_spec
from .registry import register

LINKS = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
"""The package's ``link_list`` (index = the link part of the hash)."""
GNN_OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
"""The package's ``gnn_list`` (index = one digit of the hash)."""
OP_NAMES = ("input", *GNN_OPS, "output")
DATASETS = {
    "cora": "Cora",
    "citeseer": "CiteSeer",
    "pubmed": "PubMed",
    "cs": "Coauthor-CS",
    "physics": "Coauthor-Physics",
    "photo": "Amazon-Photo",
    "computers": "Amazon-Computers",
    "arxiv": "ogbn-arXiv",
    "proteins": "ogbn-proteins",
}
N_NODES = 6
BASE = len(GNN_OPS) + 1


def decode_hash(h: int) -> tuple[tuple[int, ...], list[str]]:
    """Package hash -> (link, op names)."""
    orig, digits = h, []
    for _ in range(4):
        h, d = divmod(int(h), BASE)
        digits.append(d)
    if not 0 <= h < len(LINKS) or any(d >= len(GNN_OPS) for d in digits):
        raise ValueError(f"{orig} is not a NAS-Bench-Graph architecture hash")
    return LINKS[h], [GNN_OPS[d] for d in reversed(digits)]


def arch_string(link, ops) -> str:
    return "".join(map(str, link)) + "|" + ",".join(ops)


def encode(link, ops) -> tuple[np.ndarray, np.ndarray]:
    """(link, ops) -> (ops [6] int16, adj [6, 6] uint8)."""
    row = np.array([0, *(OP_NAMES.index(o) for o in ops), len(OP_NAMES) - 1], dtype=np.int16)
    adj = np.zeros((N_NODES, N_NODES), dtype=np.uint8)
    for i, src in enumerate(link):
        adj[src, i + 1] = 1
    for node in range(1, 5):
        if not adj[node, 1:5].any():
            adj[node, N_NODES - 1] = 1
    return row, adj


def read_bench(path: Path, dataset: str) -> dict[str, Benchmark]:
    with open(path, "rb") as fh:
        data = pickle.load(fh)  # the package's own data file, as its light_read() does
    if not isinstance(data, dict) or not data:
        raise ValueError("expected a non-empty dict {hash: metrics}")
    keys = sorted(data)
    archs, ops, adj = [], [], []
    for h in keys:
        link, names = decode_hash(h)
        archs.append(arch_string(link, names))
        o, a = encode(link, names)
        ops.append(o)
        adj.append(a)
    name = f"nbgraph-{dataset}"
    metric = "ROC-AUC (fraction)" if dataset == "proteins" else "accuracy (fraction)"
    bench = Benchmark(
        name=name,
        space="nbgraph",
        arch=np.array(archs, dtype=object),
        ops=np.stack(ops),
        adj=np.stack(adj),
        op_names=OP_NAMES,
        val=np.array([float(data[h]["valid_perf"]) for h in keys]),
        test=np.array([float(data[h]["perf"]) for h in keys]),
        metric=f"{DATASETS[dataset]} {metric}",
        source=f"nas-bench-graph package: {path}",
        notes={
            "dataset": DATASETS[dataset],
            "val": "valid_perf",
            "test": "perf (test)",
            "order": "sorted by the package's architecture hash",
        },
    )
    return {name: bench}


def _register() -> None:
    fmt = "the nas-bench-graph package's pickled {hash: metrics} dict"
    for ds, label in DATASETS.items():

        def read(path: Path, ds: str = ds) -> dict[str, Benchmark]:
            return read_bench(path, ds)

        register(
            package_spec(
                f"nbgraph-{ds}",
                "nbgraph",
                f"NAS-Bench-Graph GNN architectures on {label} (embedded)",
                "nas_bench_graph",
                "nas-bench-graph",
                f"light/{ds}.bench",
                read,
                fmt,
            )
        )


_register()
