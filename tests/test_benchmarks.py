"""Loaders against the real tables' known facts (../shared/data; skipped where absent)."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from pwlkit.benchmarks import PAD, cell201, is_available, list_benchmarks, load_benchmark, tnb101
from pwlkit.benchmarks import nb101_graph as g

NB201_BEST = {
    "nb201-cifar10": (
        94.37,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    ),
    "nb201-cifar100": (
        73.51,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    ),
    "nb201-imagenet16": (
        47.31,
        "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    ),
}


@pytest.mark.parametrize("name", sorted(NB201_BEST))
def test_nb201_count_and_global_best(shared_data, name):
    b = load_benchmark(name, shared_data)
    best, arch = NB201_BEST[name]
    assert b.num_archs == 15625
    assert len(set(b.arch)) == 15625
    assert round(b.best_test, 2) == best
    assert b.best_arch == arch
    assert not b.test_is_val
    assert b.ops.shape == (15625, 8) and b.adj.shape == (15625, 8, 8)


def test_nb201_reads_the_right_columns(shared_data):
    df = pd.read_csv(shared_data / "nb201_merged_15625.csv")
    for name, (v, t) in {
        "nb201-cifar100": ("cifar100_valid_acc_200ep", "cifar100_test_acc_200ep"),
        "nb201-imagenet16-12ep": ("imagenet16_valid_acc_12ep", "imagenet16_test_acc_12ep"),
    }.items():
        b = load_benchmark(name, shared_data)
        np.testing.assert_allclose(b.val, df[v].to_numpy())
        np.testing.assert_allclose(b.test, df[t].to_numpy())
        assert list(b.arch) == df["arch_str"].tolist()  # official index order kept


def test_nb201_encoding_round_trips_and_matches_the_cell(shared_data):
    b = load_benchmark("nb201-cifar10", shared_data)
    for i in range(b.num_archs):
        assert cell201.decode_cell(b.ops[i], b.op_names) == b.arch[i]
    # hand-checked cell: ops on the 8 line-graph nodes (input, e01 e02 e03 e12 e13 e23, output)
    i = b.index_of(NB201_BEST["nb201-cifar10"][1])
    names = [b.op_names[k] for k in b.ops[i]]
    assert names == [
        "input",
        "nor_conv_3x3",
        "nor_conv_3x3",
        "skip_connect",
        "nor_conv_3x3",
        "nor_conv_3x3",
        "nor_conv_1x1",
        "output",
    ]
    # e01 feeds e12 and e13; e02 feeds e23; e03, e13, e23 feed the output
    edges = {(int(a), int(c)) for a, c in zip(*np.nonzero(b.adj[i]))}
    assert edges == {(0, 1), (0, 2), (0, 3), (1, 4), (1, 5), (2, 6), (4, 6), (3, 7), (5, 7), (6, 7)}


def test_nb101_table_facts(shared_data):
    df = pd.read_csv(shared_data / "nb101_subsets_with_graphs.csv")
    # the README says 1,292 rows (1,000 + 292 unique); the file has 1,500 rows: 1,000 unique
    # cells from one source, 500 rows / 292 cells from the other, one cell in both
    assert len(df) == 1500 and df["hash"].nunique() == 1291
    b = load_benchmark("nb101", shared_data)
    assert b.num_archs == 1291 and b.n_nodes == 7
    assert b.test_is_val and np.array_equal(b.val, b.test)
    assert "no test accuracy" in b.notes["test"]
    means = df.groupby("hash")["val_acc_108"].mean() * 100
    np.testing.assert_allclose(b.val, means.loc[list(b.arch)].to_numpy())


def test_nb101_hash_recomputed_on_every_row(shared_data):
    df = pd.read_csv(shared_data / "nb101_subsets_with_graphs.csv")
    for matrix, ops, expected in zip(df["matrix"], df["ops"], df["hash"]):
        assert g.module_hash(np.array(json.loads(matrix)), json.loads(ops)) == expected


def test_nb101_encoding_round_trips(shared_data):
    b = load_benchmark("nb101", shared_data)
    for i in range(b.num_archs):
        matrix, ops = g.decode_cell(b.ops[i], b.adj[i])
        assert g.module_hash(matrix, ops) == b.arch[i]
    small = int(np.argmax((b.ops == PAD).sum(axis=1)))
    n = int((b.ops[small] != PAD).sum())
    assert n < 7 and not b.adj[small, n:].any() and not b.adj[small, :, n:].any()


def test_tnb101_micro_table(shared_data):
    df = pd.read_csv(shared_data / "tnb101_micro_val_4096.csv", dtype={"arch_code": str})
    for task in tnb101.TASKS:
        b = load_benchmark(f"tnb101-micro-{task}", shared_data)
        assert b.num_archs == 4096 and b.test_is_val
        i = int(df[task].to_numpy().argmax())
        assert b.best_arch == tnb101.micro_arch(df["arch_code"][i])
        assert b.best_val == pytest.approx(df[task].max())
    for i in range(b.num_archs):
        cell = cell201.decode_cell(b.ops[i], b.op_names)
        assert tnb101.micro_arch_from_cell(cell) == b.arch[i]


def test_analognas_matches_nb201_cells(shared_data):
    """The package's op-index convention is right iff its baseline ranks cells like NB201."""
    from scipy.stats import spearmanr

    a = load_benchmark("analognas-baseline")
    b = load_benchmark("nb201-cifar10", shared_data)
    assert set(a.arch) == set(b.arch)
    rows = [b.index_of(x) for x in a.arch]
    assert spearmanr(a.test, b.test[rows]).statistic > 0.95


def test_catalogue_and_availability(shared_data, tmp_path):
    names = {s.name for s in list_benchmarks()}
    assert {
        "nb101",
        "nb201-cifar10-12ep",
        "tnb101-macro-normal",
        "nbgraph-proteins",
        "analognas-baseline",
    } <= names
    assert is_available("nb201-cifar10", shared_data)
    assert not is_available("nb201-cifar10", tmp_path)
    assert not is_available("tnb101-macro-jigsaw", shared_data)  # needs the official .pth
    assert is_available("nbgraph-cora", tmp_path)  # embedded: no data folder needed


def test_cli_info_json(shared_data, capsys):
    from pwlkit.cli import main

    t0 = time.perf_counter()
    assert main(["info", "nb201-cifar10", "--data-dir", str(shared_data), "--json"]) == 0
    warm = time.perf_counter() - t0
    info = json.loads(capsys.readouterr().out)
    assert info["num_archs"] == 15625 and round(info["best_test"], 2) == 94.37
    assert info["best_arch"] == NB201_BEST["nb201-cifar10"][1]
    assert {"name", "best_val", "best_test", "best_arch"} <= info.keys()
    print(f"pwlkit info nb201-cifar10 (in process, cache warm): {warm:.3f} s")
