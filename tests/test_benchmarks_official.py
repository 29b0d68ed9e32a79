"""Official release formats, read from small files written here in the official layout."""

from __future__ import annotations

import bz2
import json
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from pwlkit.benchmarks import cell201, darts, load_benchmark, nb201_official, tnb101
from pwlkit.benchmarks import nb101_graph as g
from pwlkit.benchmarks import nb101_tfrecord as tfr

CELLS = [
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
]
SEEDS = (777, 888)


def _rc(dataset: str, seed: int, epochs: int, accs: dict[str, float]) -> dict:
    """A ResultsCount state dict; earlier epochs get lower accuracy (only the last must count)."""
    keys = [f"{s}@{e}" for s in accs for e in range(epochs)]
    return {
        "name": dataset,
        "net_state_dict": None,
        "seed": seed,
        "epochs": epochs,
        "train_acc1es": dict.fromkeys(range(epochs), 50.0),
        "train_acc5es": None,
        "train_losses": dict.fromkeys(range(epochs), 1.0),
        "train_times": None,
        "arch_config": {"arch_str": "x"},
        "params": 0.1,
        "flop": 1.0,
        "latency": [0.01],
        "eval_names": list(accs),
        "eval_acc1es": {
            k: accs[k.split("@")[0]] - (0 if k.endswith(f"@{epochs - 1}") else 9) for k in keys
        },
        "eval_losses": dict.fromkeys(keys, 1.0),
        "eval_times": {},
    }


def _value(i: int, ds: str, setname: str, epochs: int, seed: int) -> float:
    """Distinct, recomputable accuracy of one run."""
    return (
        10.0 * i
        + {"cifar10-valid": 1, "cifar10": 2, "cifar100": 3, "ImageNet16-120": 4}[ds]
        + {"x-valid": 0.1, "x-test": 0.2, "ori-test": 0.3}[setname]
        + epochs / 1000
        + seed / 1e5
    )


def _archres(i: int, epochs: int, datasets: list[str]) -> dict:
    sets = {
        "cifar10-valid": ["x-valid", "ori-test"],
        "cifar10": ["ori-test"],
        "cifar100": ["x-valid", "x-test", "ori-test"],
        "ImageNet16-120": ["x-valid", "x-test", "ori-test"],
    }
    return {
        "arch_index": i,
        "arch_str": CELLS[i],
        "clear_net_done": True,
        "dataset_seed": {ds: list(SEEDS) for ds in datasets},
        "all_results": {
            (ds, s): _rc(ds, s, epochs, {x: _value(i, ds, x, epochs, s) for x in sets[ds]})
            for ds in datasets
            for s in SEEDS
        },
    }


ALL = ["cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"]


def _expected(i: int, ds: str, setname: str, epochs: int) -> float:
    return float(np.mean([_value(i, ds, setname, epochs, s) for s in SEEDS]))


def _check_nb201(root, name="nb201-cifar100", epochs=200):
    b = load_benchmark(name, root)
    assert list(b.arch) == CELLS
    ds = {"nb201-cifar100": "cifar100", "nb201-cifar10": "cifar10"}[name.replace("-12ep", "")]
    vds = "cifar10-valid" if ds == "cifar10" else ds
    tset = "ori-test" if ds == "cifar10" else "x-test"
    for i in range(3):
        assert b.val[i] == pytest.approx(_expected(i, vds, "x-valid", epochs))
        assert b.test[i] == pytest.approx(_expected(i, ds, tset, epochs))
        assert cell201.decode_cell(b.ops[i], b.op_names) == CELLS[i]
    return b


@pytest.fixture(params=[True, False], ids=["official-package", "direct"])
def official(request, monkeypatch):
    """Run each reader through the official package (when installed) and directly."""
    if request.param:
        pkgs = ("nas_201_api", "nats_bench")
        if not all(nb201_official.official_package(p) for p in pkgs):
            pytest.skip("nas-bench-201 / nats_bench not installed")
    else:
        monkeypatch.setattr(nb201_official, "official_package", lambda module: False)
    return request.param


def test_nb201_pth(tmp_path, official):
    data = {
        "meta_archs": CELLS,
        "arch2infos": {
            i: {"full": _archres(i, 200, ALL), "less": _archres(i, 12, ALL[:1])} for i in range(3)
        },
        "evaluated_indexes": list(range(3)),
        "total_archs": 3,
    }
    torch.save(data, tmp_path / "NAS-Bench-201-v1_0-e61699.pth")
    _check_nb201(tmp_path, "nb201-cifar100")
    _check_nb201(tmp_path, "nb201-cifar10")
    # v1_0 trained 12-epoch runs on cifar10-valid only: no 12-epoch test accuracy
    with pytest.raises(ValueError, match="holds no data for benchmark 'nb201-cifar10-12ep'"):
        load_benchmark("nb201-cifar10-12ep", tmp_path)


def _pbz2(obj, path):
    with bz2.open(path, "wb") as fh:
        pickle.dump(obj, fh, protocol=4)


def test_nats_simple_dir(tmp_path, official):
    root = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    root.mkdir()
    _pbz2(
        {"meta_archs": CELLS, "arch2infos": {}, "evaluated_indexes": set()},
        root / "meta.pickle.pbz2",
    )
    for i in range(3):
        _pbz2(
            {"12": _archres(i, 12, ALL), "200": _archres(i, 200, ALL)},
            root / f"{i:06d}.pickle.pbz2",
        )
    _check_nb201(tmp_path, "nb201-cifar10")
    _check_nb201(tmp_path, "nb201-cifar100-12ep", epochs=12)


def test_nats_dir_with_a_missing_arch_file_is_an_error(tmp_path, official):
    root = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    root.mkdir()
    _pbz2({"meta_archs": CELLS}, root / "meta.pickle.pbz2")
    _pbz2({"200": _archres(0, 200, ALL)}, root / "000000.pickle.pbz2")
    with pytest.raises(ValueError, match="2 of 3 architectures have no results"):
        load_benchmark("nb201-cifar10", tmp_path)


def test_nb101_tfrecord_without_tensorflow(tmp_path):
    cells = [
        (
            [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
            ["input", "conv3x3-bn-relu", "maxpool3x3", "output"],
        ),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv1x1-bn-relu", "output"]),
    ]
    records, expected = [], {}
    for c, (matrix, ops) in enumerate(cells):
        h = g.module_hash(np.array(matrix), ops)
        adjacency = "".join(str(x) for row in matrix for x in row)
        vals, tests = [], []
        for rep in range(3):
            v, t = 0.80 + 0.05 * c + 0.01 * rep, 0.79 + 0.05 * c + 0.01 * rep
            vals.append(v)
            tests.append(t)
            evals = [(0, 0, 0.1, 0.1, 0.1), (54, 10, 0.5, 0.5, 0.5), (108, 20, 0.99, v, t)]
            for ep, ev in ((108, evals), (4, [(0, 0, 0.1, 0.1, 0.1), (4, 1, 0.3, 0.3, 0.3)])):
                rec = [h, ep, adjacency, ",".join(ops), tfr.encode_metrics(ev, 1000 + c)]
                records.append(json.dumps(rec).encode())
        expected[h] = (100 * np.mean(vals), 100 * np.mean(tests))
    path = tmp_path / "nasbench_only108.tfrecord"
    tfr.write_records(path, records)
    assert list(tfr.iter_records(path, check_data_crc=True)) == records
    b = load_benchmark("nb101", tmp_path)
    assert not b.test_is_val and b.num_archs == 2
    for h, (v, t) in expected.items():
        i = b.index_of(h)
        assert b.val[i] == pytest.approx(v) and b.test[i] == pytest.approx(t)
        assert g.module_hash(*g.decode_cell(b.ops[i], b.adj[i])) == h


def test_crc32c_known_value():
    assert tfr.crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value


def test_tnb101_pth(tmp_path):
    micro = ["64-41414-3_32_132", "64-41414-0_00_000"]
    macro = ["64-1234-basic", "64-41414-basic", "64-112233-basic"]
    data = {"micro": {}, "macro": {}}
    for space, archs in (("micro", micro), ("macro", macro)):
        for k, arch in enumerate(archs):
            data[space][arch] = {
                task: {
                    "total_epochs": 3,
                    "model_info": {},
                    "metrics": {vk: [0.0, 1.0, 10.0 * k + 1], tk: [0.0, 2.0, 10.0 * k + 2]},
                }
                for task, (vk, tk, _) in tnb101.TASKS.items()
            }
    db = {
        "metrics_dict": {t: [v, te] for t, (v, te, _) in tnb101.TASKS.items()},
        "info_names": [],
        "task_list": list(tnb101.TASKS),
        "data": data,
    }
    torch.save(db, tmp_path / tnb101.PTH)
    b = load_benchmark("tnb101-macro-room_layout", tmp_path)
    assert list(b.arch) == macro and not b.test_is_val
    np.testing.assert_allclose(b.val, [1, 11, 21])
    np.testing.assert_allclose(b.test, [2, 12, 22])
    for i, arch in enumerate(macro):
        assert tnb101.decode_macro(b.ops[i]) == arch
        n = len(arch.split("-")[1]) + 2
        assert b.adj[i].sum() == n - 1 and (b.ops[i, n:] == -1).all()
    m = load_benchmark("tnb101-micro-jigsaw", tmp_path)
    assert list(m.arch) == micro and m.best_arch == micro[1]
    cell = cell201.decode_cell(m.ops[0], m.op_names)
    # 3_32_132: e01 conv3x3 | e02 conv3x3, e12 conv1x1 | e03 skip, e13 conv3x3, e23 conv1x1
    assert cell == (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|"
        "nor_conv_3x3~1|nor_conv_1x1~2|"
    )
    assert tnb101.micro_arch_from_cell(cell) == micro[0]


GENOTYPE = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


def test_darts_table(tmp_path):
    other = GENOTYPE.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(4, 6)")
    pd.DataFrame({"genotype": [GENOTYPE, other, GENOTYPE], "val_acc": [94.0, 93.0, 95.0]}).to_csv(
        tmp_path / "darts-mine.csv", index=False
    )
    b = load_benchmark("darts-mine", tmp_path)
    assert b.num_archs == 2 and b.test_is_val and b.n_nodes == 22
    assert b.val[b.index_of(GENOTYPE)] == 94.5  # duplicate rows averaged
    for i in range(2):
        assert darts.decode_genotype(b.ops[i], b.adj[i]) == b.arch[i]
    _, adj = darts.encode_genotype(GENOTYPE)
    # normal pair 7 ('dil_conv_3x3', 2) reads both pair nodes of node 2 (pairs 0, 1)
    assert adj[2, 9] == adj[3, 9] == 1 and adj[:, 9].sum() == 2
    # normal_concat=range(4, 6): only pairs 4..7 feed the normal cell's output (node 10)
    _, adj2 = darts.encode_genotype(other)
    assert list(np.flatnonzero(adj2[:, 10])) == [6, 7, 8, 9]
    assert adj[10, 11] == adj[10, 12] == 1  # normal output feeds the reduction inputs
    from pwlkit.benchmarks import list_benchmarks

    assert "darts-mine" in {s.name for s in list_benchmarks(tmp_path)}
    pd.DataFrame(
        {"genotype": [GENOTYPE, other], "val_acc": [1.0, 3.0], "test_acc": [2.0, 4.0]}
    ).to_parquet(tmp_path / "darts-withtest.parquet")
    t = load_benchmark("darts-withtest", tmp_path)
    assert not t.test_is_val and t.test[t.index_of(GENOTYPE)] == 2.0


def test_nb101_hash_is_invariant_to_node_order():
    """Relabelling the inner nodes (a topological order kept) must not change the hash."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None)
    @given(
        st.integers(3, 7).flatmap(
            lambda n: st.tuples(
                st.lists(st.booleans(), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2),
                st.lists(st.sampled_from(g.NB101_OPS), min_size=n - 2, max_size=n - 2),
                st.randoms(use_true_random=False),
            )
        )
    )
    def check(case):
        bits, inner, rnd = case
        n = len(inner) + 2
        m = np.zeros((n, n), dtype=np.int64)
        m[np.triu_indices(n, 1)] = bits
        m[0, n - 1] = 1  # keep the cell connected
        ops = ["input", *inner, "output"]
        m, ops = g.prune(m, ops)
        n = len(ops)
        order = list(range(n))  # a random topological order of the DAG
        for _ in range(10):
            i = rnd.randrange(1, n - 2) if n > 3 else 1
            if n > 3 and not m[order[i], order[i + 1]]:
                order[i], order[i + 1] = order[i + 1], order[i]
        p = np.array(order)
        assert g.module_hash(m[np.ix_(p, p)], [ops[k] for k in p]) == g.module_hash(m, ops)
        row, adj = g.encode_cell(m, ops)
        back_m, back_ops = g.decode_cell(row, adj)
        assert np.array_equal(back_m, m) and back_ops == ops

    check()


def test_darts_round_trip_property():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pair = st.tuples(st.sampled_from(darts.PRIMITIVES[1:]), st.integers(0, 5))

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(pair, min_size=16, max_size=16),
        st.sets(st.integers(2, 5), min_size=1),
        st.sets(st.integers(2, 5), min_size=1),
    )
    def check(pairs, nc, rc):
        pairs = [(op, src % (2 + k % 8 // 2)) for k, (op, src) in enumerate(pairs)]
        text = darts.genotype_string(pairs[:8], nc, pairs[8:], rc)
        ops, adj = darts.encode_genotype(text)
        assert darts.decode_genotype(ops, adj) == text

    check()
