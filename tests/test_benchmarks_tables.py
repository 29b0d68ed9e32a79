"""User tables for any space: ``graph-<name>`` and the TransNAS-Bench-101 macro table.

Every table here is small and written into tmp_path by the test itself.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from pwlkit.benchmarks import PAD, DataFormatError, load_benchmark, tnb101
from pwlkit.benchmarks.graph_tables import graph_string
from pwlkit.cli import main

# three graphs: 3, 4 and 3 nodes (mixed sizes), node 0 the input, the last node the output
GRAPHS = [
    (["in", "conv", "out"], [[0, 1, 0], [0, 0, 1], [0, 0, 0]]),
    (["in", "pool", "conv", "out"], [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]),
    (["in", "skip", "out"], [[0, 1, 1], [0, 0, 1], [0, 0, 0]]),
]
VAL, TEST = [70.0, 80.0, 60.0], [71.0, 79.0, 62.0]


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PWLKIT_CACHE", str(folder))
    return folder


def _write(df: pd.DataFrame, path) -> None:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)


def _graph_frame(graphs=GRAPHS, val=VAL, test=TEST, as_lists=False) -> pd.DataFrame:
    cols = {
        "ops": [ops if as_lists else json.dumps(ops) for ops, _ in graphs],
        "adj": [adj if as_lists else json.dumps(adj) for _, adj in graphs],
        "val": val,
    }
    if test is not None:
        cols["test"] = test
    return pd.DataFrame(cols)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "parquet-lists"])
def test_graph_table_loads_as_written(tmp_path, private_cache, fmt):
    suffix = fmt.split("-")[0]
    _write(_graph_frame(as_lists=fmt.endswith("lists")), tmp_path / f"graph-toy.{suffix}")
    b = load_benchmark("graph-toy", tmp_path)
    assert b.name == "graph-toy" and b.num_archs == 3 and not b.test_is_val
    assert list(b.arch) == [graph_string(ops, adj) for ops, adj in GRAPHS]
    assert json.loads(b.arch[1]) == {"ops": GRAPHS[1][0], "adj": GRAPHS[1][1]}
    assert b.op_names == ("conv", "in", "out", "pool", "skip")  # sorted names of the table
    np.testing.assert_array_equal(b.val, VAL)
    np.testing.assert_array_equal(b.test, TEST)
    assert b.ops.shape == (3, 4) and b.adj.shape == (3, 4, 4)
    for k, (ops, adj) in enumerate(GRAPHS):
        n = len(ops)
        assert [b.op_names[i] for i in b.ops[k, :n]] == ops
        assert (b.ops[k, n:] == PAD).all()  # smaller cells padded at the end
        np.testing.assert_array_equal(b.adj[k, :n, :n], adj)
        assert b.adj[k, n:].sum() == 0 and b.adj[k, :, n:].sum() == 0
    assert "user table" in b.metric and b.source.endswith(f"graph-toy.{suffix}")


def test_graph_without_test_is_val_and_duplicates_are_averaged(tmp_path, private_cache):
    graphs = [*GRAPHS, GRAPHS[0]]
    _write(_graph_frame(graphs, val=[*VAL, 90.0], test=None), tmp_path / "graph-toy.csv")
    b = load_benchmark("graph-toy", tmp_path)
    assert b.test_is_val and "test is a copy of val" in b.notes["test"]
    np.testing.assert_array_equal(b.test, b.val)
    assert b.num_archs == 3 and b.val[0] == pytest.approx((70.0 + 90.0) / 2)


def test_graph_op_vocabulary_does_not_depend_on_row_order(tmp_path, private_cache):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(_graph_frame(), tmp_path / "a" / "graph-toy.csv")
    _write(_graph_frame(GRAPHS[::-1], VAL[::-1], TEST[::-1]), tmp_path / "b" / "graph-toy.csv")
    a = load_benchmark("graph-toy", tmp_path / "a")
    b = load_benchmark("graph-toy", tmp_path / "b")
    assert a.op_names == b.op_names
    assert list(b.arch) == list(a.arch)[::-1]
    for k, arch in enumerate(a.arch):
        j = b.index_of(arch)
        np.testing.assert_array_equal(a.ops[k], b.ops[j])
        np.testing.assert_array_equal(a.adj[k], b.adj[j])
        assert a.val[k] == b.val[j]


@pytest.mark.parametrize(
    "ops, adj, match",
    [
        (["in", "a", "out"], [[0, 1, 0], [0, 0, 1], [0, 1, 0]], "cycle 1 -> 2 -> 1"),
        (
            ["in", "a", "b", "out"],
            [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]],
            "cycle 1 -> 2 -> 3 -> 1",
        ),
        (["in", "out"], [[0, 1, 0], [0, 0, 0]], "not square: 2 rows of 3"),
        (["in", "a", "out"], [[0, 1, 0], [0, 0], [0, 0, 0]], "ragged"),
        (["in", "a", "out"], [[0, 1], [0, 0]], "adj is 2 x 2 but ops has 3 nodes"),
        (["in", "a", "out"], [[0, 1, 0], [0, 1, 1], [0, 0, 0]], "self-loop on node 1"),
        (["in", "a", "out"], [[0, 2, 0], [0, 0, 1], [0, 0, 0]], r"adj\[0\]\[1\] is 2"),
        ({"in": 1}, [[0]], "ops must be a non-empty JSON list"),
        (["in", 3, "out"], [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "3 is not"),
        ([], [], "ops must be a non-empty JSON list"),
        (["in", "out"], "[[0, 1], [0, 0]", "adj is not valid JSON"),
        ("in, out", [[0, 1], [0, 0]], "ops is not valid JSON"),
        (["in", "out"], [0, 1], "adj must be a non-empty JSON list of lists"),
    ],
)
def test_bad_graph_rows_name_the_row(tmp_path, private_cache, ops, adj, match):
    df = _graph_frame()
    df.loc[2, "ops"] = ops if isinstance(ops, str) else json.dumps(ops)
    df.loc[2, "adj"] = adj if isinstance(adj, str) else json.dumps(adj)
    _write(df, tmp_path / "graph-bad.csv")
    with pytest.raises(DataFormatError, match=match) as err:
        load_benchmark("graph-bad", tmp_path)
    assert "row 2:" in str(err.value) and "graph-bad.csv" in str(err.value)


def test_graph_missing_column_and_bad_value(tmp_path, private_cache):
    _write(_graph_frame().drop(columns="adj"), tmp_path / "graph-noadj.csv")
    with pytest.raises(DataFormatError, match="lacks column"):
        load_benchmark("graph-noadj", tmp_path)
    _write(_graph_frame(val=[70.0, float("nan"), 60.0]), tmp_path / "graph-nan.csv")
    with pytest.raises(DataFormatError, match="column 'val' row 1"):
        load_benchmark("graph-nan", tmp_path)
    with pytest.raises(KeyError, match="bad graph benchmark name"):
        load_benchmark("graph-a b", tmp_path)


# TransNAS-Bench-101 macro: codes are one digit per stage, 1 keep, 2 channels x2,
# 3 resolution / 2, 4 both
MACRO = ["1234", "41414", "112233"]


def _macro_frame(codes=MACRO, **extra) -> pd.DataFrame:
    n = len(codes)
    cols = {
        "arch_code": codes,
        "class_scene": np.arange(n, dtype=float) + 50.0,
        "jigsaw": np.arange(n, dtype=float) + 10.0,
        "jigsaw_test": np.arange(n, dtype=float) + 20.0,
    }
    cols.update(extra)
    return pd.DataFrame(cols)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "parquet-ints"])
def test_macro_table_loads_as_written(tmp_path, private_cache, fmt):
    suffix = fmt.split("-")[0]
    codes = [int(c) for c in MACRO] if fmt.endswith("ints") else MACRO
    _write(_macro_frame(codes), tmp_path / f"tnb101_macro.{suffix}")
    archs = [f"64-{c}-basic" for c in MACRO]
    scene = load_benchmark("tnb101-macro-class_scene", tmp_path)
    assert list(scene.arch) == archs and scene.test_is_val and scene.space == "tnb101-macro"
    np.testing.assert_array_equal(scene.val, [50.0, 51.0, 52.0])
    np.testing.assert_array_equal(scene.test, scene.val)
    ops, adj = tnb101.encode_macro(archs)  # the encoding the .pth reader uses
    np.testing.assert_array_equal(scene.ops, ops)
    np.testing.assert_array_equal(scene.adj, adj)
    assert scene.op_names == tnb101.MACRO_OPS
    assert [tnb101.decode_macro(row) for row in scene.ops] == archs
    jig = load_benchmark("tnb101-macro-jigsaw", tmp_path)
    assert not jig.test_is_val
    np.testing.assert_array_equal(jig.val, [10.0, 11.0, 12.0])
    np.testing.assert_array_equal(jig.test, [20.0, 21.0, 22.0])
    with pytest.raises(DataFormatError, match="holds no data for benchmark 'tnb101-macro-normal'"):
        load_benchmark("tnb101-macro-normal", tmp_path)


def test_macro_pth_is_preferred_to_the_table(tmp_path, private_cache):
    torch = pytest.importorskip("torch")
    archs = [f"64-{c}-basic" for c in MACRO]
    data = {
        arch: {
            task: {"metrics": {vk: [0.0, 100.0 + k], tk: [0.0, 200.0 + k]}}
            for task, (vk, tk, _) in tnb101.TASKS.items()
        }
        for k, arch in enumerate(archs)
    }
    torch.save({"data": {"macro": data}}, tmp_path / tnb101.PTH)
    _write(_macro_frame(), tmp_path / "tnb101_macro.csv")
    b = load_benchmark("tnb101-macro-class_scene", tmp_path)
    assert b.source.endswith(tnb101.PTH) and not b.test_is_val
    np.testing.assert_array_equal(b.val, [100.0, 101.0, 102.0])
    (tmp_path / tnb101.PTH).unlink()
    t = load_benchmark("tnb101-macro-class_scene", tmp_path)
    assert t.source.endswith("tnb101_macro.csv")
    assert list(t.arch) == list(b.arch)
    np.testing.assert_array_equal(t.ops, b.ops)
    np.testing.assert_array_equal(t.adj, b.adj)


def _all_macro_codes() -> list[str]:
    """The macro space built as the official one samples it: 4 to 6 stages, of which 1 to 4
    halve the resolution and 1 to 3 double the channels (a stage may do both)."""
    codes = []
    for stages in (4, 5, 6):
        for n_halve, n_double in itertools.product(range(1, 5), range(1, 4)):
            for halve in itertools.combinations(range(stages), n_halve):
                for double in itertools.combinations(range(stages), n_double):
                    codes.append(
                        "".join(str(1 + 2 * (s in halve) + (s in double)) for s in range(stages))
                    )
    return codes


def test_full_macro_table_has_3256_skeletons(tmp_path, private_cache, capsys):
    codes = _all_macro_codes()
    assert len(codes) == len(set(codes)) == 3256
    rng = np.random.default_rng(0)
    pd.DataFrame({"arch_code": codes, "class_scene": rng.random(len(codes))}).to_csv(
        tmp_path / "tnb101_macro.csv", index=False
    )
    args = ["info", "tnb101-macro-class_scene", "--data-dir", str(tmp_path), "--json"]
    assert main(args) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["num_archs"] == 3256 and info["test_is_val"] and info["n_nodes"] == 8
    # a code of 4 to 6 digits 1-4 that is not one of these is outside the space
    outside = {"".join(c) for n in (4, 5, 6) for c in itertools.product("1234", repeat=n)} - set(
        codes
    )
    assert "1111" in outside and "3333" in outside and "2222" in outside
    for code in sorted(outside)[:50]:
        with pytest.raises(ValueError, match="not in the TransNAS-Bench-101 macro space"):
            tnb101.macro_arch(code)


@pytest.mark.parametrize(
    "code, match",
    [
        ("12354", r"row 2: arch_code '12354'.*4 to 6 digits in 1\.\.4"),
        ("123", r"row 2: arch_code '123'.*4 to 6 digits"),
        ("1234567", r"row 2: arch_code '1234567'.*4 to 6 digits"),
        ("1234", r"row 2: arch_code '1234' repeats row 0"),
        ("1111", r"row 2: arch_code '1111'.*not in the TransNAS-Bench-101 macro space"),
        ("64-1234-basic", r"row 2: arch_code '64-1234-basic'"),
    ],
)
def test_bad_macro_rows_name_the_row(tmp_path, private_cache, code, match):
    _write(_macro_frame([MACRO[0], MACRO[1], code]), tmp_path / "tnb101_macro.csv")
    with pytest.raises(DataFormatError, match=match):
        load_benchmark("tnb101-macro-class_scene", tmp_path)


def test_macro_nan_task_value_names_the_row(tmp_path, private_cache):
    df = _macro_frame(class_scene=[50.0, 51.0, float("nan")])
    _write(df, tmp_path / "tnb101_macro.csv")
    with pytest.raises(DataFormatError, match=r"column 'class_scene' row 2 is .*nan"):
        load_benchmark("tnb101-macro-class_scene", tmp_path)
    df = _macro_frame(jigsaw_test=["1", "x", "3"])
    _write(df, tmp_path / "tnb101_macro.csv")
    with pytest.raises(DataFormatError, match="column 'jigsaw_test' row 1 is 'x'"):
        load_benchmark("tnb101-macro-jigsaw", tmp_path)


def test_micro_table_codes_keep_leading_zeros_and_duplicates_name_the_row(tmp_path, private_cache):
    df = pd.DataFrame({"arch_code": [12, 321, 12], "jigsaw": [1.0, 2.0, 3.0]})
    df.to_parquet(tmp_path / "tnb101_micro.parquet", index=False)
    with pytest.raises(DataFormatError, match="row 2: arch_code 12 repeats row 0"):
        load_benchmark("tnb101-micro-jigsaw", tmp_path)
    df.iloc[:2].to_parquet(tmp_path / "tnb101_micro.parquet", index=False)
    b = load_benchmark("tnb101-micro-jigsaw", tmp_path)
    assert list(b.arch) == ["64-41414-0_00_012", "64-41414-0_00_321"] and b.test_is_val


def test_listing_shows_discovered_tables(tmp_path, private_cache, capsys):
    _write(_graph_frame(), tmp_path / "graph-toy.csv")
    _write(_graph_frame(), tmp_path / "graph-other.parquet")
    _write(_macro_frame(), tmp_path / "tnb101_macro.csv")
    assert main(["benchmarks", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {ln.split()[0]: ln.split() for ln in out.splitlines() if ln[:1].isalpha()}
    assert rows["graph-toy"][1] == "yes" and rows["graph-toy"][2].endswith("graph-toy.csv")
    assert rows["graph-other"][1] == "yes"
    for task in ("class_scene", "jigsaw"):
        name = f"tnb101-macro-{task}"
        assert rows[name][1] == "yes" and rows[name][2].endswith("tnb101_macro.csv")
    assert rows["tnb101-micro-jigsaw"][1] == "no"
    assert "graph-<name>" in out
