"""Search spaces as objects: sampling, mutation, neighbours, canonical strings, validation, and
encodings equal to the benchmark tables' (../shared/data where a table is needed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pwlkit.benchmarks import PAD, load_benchmark, tnb101
from pwlkit.benchmarks import darts as darts_bench
from pwlkit.benchmarks import nb101_graph as g
from pwlkit.spaces import SPACES, get_space

_CELL = [("skip_connect", 0), ("sep_conv_3x3", 1)] * 4
_CELL_NONE = [("none", 0), *_CELL[1:]]
_CELL_TWICE = [*_CELL[:2], ("skip_connect", 1), ("skip_connect", 1), *_CELL[4:]]

BAD = {
    "nb201": [
        "",
        "|nor_conv_3x3~0|+|none~0|",
        "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
    ],
    "nb101": [
        "not json",
        '{"matrix": [[0, 1], [0, 0]]}',
        '{"matrix": [[0, 1], [0, 0]], "ops": ["input", "conv"]}',
        '{"matrix": [[0, 0, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "maxpool3x3", "output"]}',
        json.dumps(
            {
                "matrix": np.triu(np.ones((7, 7), int), 1).tolist(),
                "ops": ["input"] + ["maxpool3x3"] * 5 + ["output"],
            }
        ),
    ],
    "darts": [
        "Genotype(normal=[])",
        darts_bench.genotype_string(_CELL_NONE, [2, 3, 4, 5], _CELL, [2, 3, 4, 5]),
        darts_bench.genotype_string(_CELL, [2, 3, 4, 5], _CELL_TWICE, [2, 3, 4, 5]),
        darts_bench.genotype_string(_CELL, [2, 3, 4], _CELL, [2, 3, 4, 5]),
    ],
    "tnb101-micro": ["64-41414-3_32_13", "64-41414-4_32_132", "3_32_132"],
    "tnb101-macro": ["64-1111-basic", "64-12-basic", "64-1234", "64-1254-basic"],
    "nbgraph": ["0012|gcn,gat,sage", "0123|skip,skip,skip,skip", "0042|gcn,gcn,gcn,gcn", "x"],
}
"""Strings that are not architectures of each space."""


def _darts_valid(arch: str) -> bool:
    normal, nc, reduce, rc = darts_bench.parse_genotype(arch)
    for cell, concat in ((normal, nc), (reduce, rc)):
        if concat != [2, 3, 4, 5] or any(op == "none" for op, _ in cell):
            return False
        if any(cell[2 * k][1] == cell[2 * k + 1][1] for k in range(4)):
            return False
    return True


@pytest.mark.parametrize("name", SPACES)
def test_sample_mutate_neighbours_canonical(name):
    space = get_space(name)
    archs = space.sample(20, np.random.default_rng(1))
    assert len(archs) == 20 and len(set(archs)) == 20
    key = space.module_hash if name == "nb101" else (lambda a: a)
    assert len({key(a) for a in archs}) == 20  # distinct architectures, not only spellings
    assert space.sample(20, 1) == space.sample(20, np.random.default_rng(1))  # seeded
    rng = np.random.default_rng(2)
    for arch in archs[:5]:
        assert space.canonical(arch) == arch
        assert space.canonical(space.canonical(arch)) == space.canonical(arch)
        space.validate(arch)
        child = space.mutate(arch, rng)
        assert key(child) != key(arch)
        assert space.canonical(child) == child
        near = space.neighbours(arch)
        assert near and arch not in near and len({key(a) for a in near}) == len(near)
        for other in near[:10]:
            assert space.canonical(other) == other
    ops, adj = space.encode(archs)
    assert ops.shape == (20, space.n_nodes) and ops.dtype == np.int16
    assert adj.shape == (20, space.n_nodes, space.n_nodes) and adj.dtype == np.uint8
    assert ((ops == PAD) | ((ops >= 0) & (ops < len(space.op_names)))).all()
    if name == "darts":
        assert all(_darts_valid(a) for a in archs)


@pytest.mark.parametrize("name", SPACES)
def test_malformed_archs_raise_naming_the_arch(name):
    space = get_space(name)
    for arch in BAD[name]:
        with pytest.raises(ValueError, match=name) as err:
            space.validate(arch)
        assert repr(arch)[:40] in str(err.value)
        with pytest.raises(ValueError):
            space.encode([space.sample(1, 0)[0], arch])
    with pytest.raises(TypeError, match="must be a string"):
        space.validate(3)


def test_unknown_space_suggests_the_closest():
    with pytest.raises(ValueError, match=r"unknown space 'nb2011' \(did you mean 'nb201'\?\)"):
        get_space("nb2011")
    assert get_space(get_space("darts")).name == "darts"


@pytest.mark.parametrize("name", ["nb201", "tnb101-micro", "tnb101-macro", "nbgraph"])
def test_listed_spaces_have_their_size_and_sample_without_replacement(name):
    space = get_space(name)
    every = space._all()
    assert len(every) == len(set(every)) == space.size
    assert all(space.canonical(a) == a for a in every[:: max(1, len(every) // 200)])
    if space.size <= 5000:
        assert sorted(space.sample(space.size, 0)) == sorted(every)
    with pytest.raises(ValueError, match="cannot sample"):
        space.sample(space.size + 1, 0)


def test_nb201_encodes_the_whole_table_like_the_benchmark(shared_data):
    b = load_benchmark("nb201-cifar10", shared_data)
    space = get_space("nb201")
    archs = [str(a) for a in b.arch]
    ops, adj = space.encode(archs)
    np.testing.assert_array_equal(ops, b.ops)
    np.testing.assert_array_equal(adj, b.adj)
    assert tuple(b.op_names) == space.op_names
    assert sorted(space._all()) == sorted(archs)
    # the 24 neighbours are the table's rows one operation away
    row = 1234
    dist = np.count_nonzero(b.ops != b.ops[row], axis=1)
    assert sorted(space.neighbours(archs[row])) == sorted(b.arch[dist == 1])


def test_nb101_encodes_the_subset_table_like_the_benchmark(shared_data):
    b = load_benchmark("nb101", shared_data)
    df = pd.read_csv(shared_data / "nb101_subsets_with_graphs.csv", dtype={"hash": str})
    space = get_space("nb101")
    archs = [
        json.dumps({"matrix": json.loads(m), "ops": json.loads(o)})
        for m, o in zip(df["matrix"], df["ops"])
    ]
    assert [space.module_hash(a) for a in archs] == df["hash"].tolist()
    # the benchmark keeps the first row's spelling of a cell listed twice
    first = np.flatnonzero(~df["hash"].duplicated().to_numpy())
    rows = [b.index_of(h) for h in df["hash"].iloc[first]]
    ops, adj = space.encode([archs[i] for i in first])
    np.testing.assert_array_equal(ops, b.ops[rows])
    np.testing.assert_array_equal(adj, b.adj[rows])
    assert tuple(b.op_names) == space.op_names


def test_nb101_samples_are_valid_pruned_cells():
    space = get_space("nb101")
    for arch in space.sample(30, 3):
        cell = json.loads(arch)
        matrix = np.array(cell["matrix"])
        g.check_cell(matrix, cell["ops"])
        pruned, _ = g.prune(matrix, cell["ops"])
        assert pruned.shape == matrix.shape and matrix.sum() <= g.MAX_EDGES
    # a cell that is not pruned canonicalises to its pruned form
    loose = {
        "matrix": [[0, 1, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]],
        "ops": ["input", "conv3x3-bn-relu", "maxpool3x3", "output"],
    }
    assert json.loads(space.canonical(json.dumps(loose))) == {
        "matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]],
        "ops": ["input", "conv3x3-bn-relu", "output"],
    }


def test_nb101_mutation_can_grow_a_small_cell():
    space = get_space("nb101")
    small = json.dumps({"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]})
    rng = np.random.default_rng(0)
    sizes = {len(json.loads(space.mutate(small, rng))["ops"]) for _ in range(30)}
    assert max(sizes) > 2


def test_tnb101_micro_encodes_the_table_like_the_benchmark(shared_data):
    b = load_benchmark("tnb101-micro-class_scene", shared_data)
    space = get_space("tnb101-micro")
    ops, adj = space.encode([str(a) for a in b.arch])
    np.testing.assert_array_equal(ops, b.ops)
    np.testing.assert_array_equal(adj, b.adj)
    assert tuple(b.op_names) == space.op_names


def test_tnb101_macro_encodes_like_a_macro_table(tmp_path):
    space = get_space("tnb101-macro")
    archs = space.sample(40, 0)
    path = tmp_path / "tnb101_macro.csv"
    digits = [a.split("-")[1] for a in archs]
    pd.DataFrame({"arch_code": digits, "jigsaw": np.arange(40.0)}).to_csv(path, index=False)
    b = tnb101.read_macro_table(path)["tnb101-macro-jigsaw"]
    assert list(b.arch) == archs
    ops, adj = space.encode(archs)
    np.testing.assert_array_equal(ops, b.ops)
    np.testing.assert_array_equal(adj, b.adj)
    assert tuple(b.op_names) == space.op_names


def test_darts_encodes_like_a_darts_table(tmp_path):
    space = get_space("darts")
    archs = space.sample(30, 0)
    path = tmp_path / "darts-mine.csv"
    pd.DataFrame({"genotype": archs, "val_acc": np.arange(30.0)}).to_csv(path, index=False)
    b = darts_bench.read_darts_table(path, "darts-mine")["darts-mine"]
    assert list(b.arch) == archs
    ops, adj = space.encode(archs)
    np.testing.assert_array_equal(ops, b.ops)
    np.testing.assert_array_equal(adj, b.adj)
    assert [darts_bench.decode_genotype(o, a) for o, a in zip(ops, adj)] == archs
    assert tuple(b.op_names) == space.op_names


def test_nbgraph_encodes_the_embedded_table_like_the_benchmark():
    b = load_benchmark("nbgraph-cora")
    space = get_space("nbgraph")
    archs = [str(a) for a in b.arch]
    assert sorted(space._all()) == sorted(archs)
    ops, adj = space.encode(archs)
    np.testing.assert_array_equal(ops, b.ops)
    np.testing.assert_array_equal(adj, b.adj)
    assert tuple(b.op_names) == space.op_names
    # another spelling of a network (its layers in another order) is the table's row
    table = set(archs)
    other = space.canonical("0010|sage,gcn,gat,gin")
    assert other in table and other != "0010|sage,gcn,gat,gin"
    assert all(n in table for n in space.neighbours(archs[100]))


def test_darts_canonical_strings_are_read_as_python_reads_them():
    """The fast reader of canonical genotype strings gives what Python's parser gives, and any
    other spelling (spaces, range(), other quotes, a bad pair) still goes through the parser."""
    space = get_space("darts")
    for arch in space.sample(200, np.random.default_rng(5)):
        fast = darts_bench._read_canonical(arch)
        assert fast is not None, arch
        (normal, reduce), (nc, rc) = fast
        env = {"Genotype": lambda **kw: kw}
        expected = eval(arch, env)  # the string is Python: its own evaluation is the reference
        assert normal == expected["normal"] and reduce == expected["reduce"]
        assert nc == expected["normal_concat"] and rc == expected["reduce_concat"]
    arch = space.sample(1, np.random.default_rng(6))[0]
    for other in (
        arch.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)"),
        arch.replace("'", '"'),
        arch.replace(", 0)", ",0)", 1),
        arch.replace(", 1)", ", 01)", 1),
    ):
        assert darts_bench._read_canonical(other) is None, other
    assert darts_bench.parse_genotype(arch.replace("'", '"')) == darts_bench.parse_genotype(arch)
    for spelling in ("normal_concat=range(2, 6)", "normal_concat=[2, 3, 4, 5,]"):
        other = arch.replace("normal_concat=[2, 3, 4, 5]", spelling)
        assert darts_bench._read_canonical(other) is None, other
        assert darts_bench.parse_genotype(other) == darts_bench.parse_genotype(arch)
    with pytest.raises(ValueError, match="unknown op 'conv_9x9'"):
        darts_bench.parse_genotype(arch.replace("sep_conv_3x3", "conv_9x9"))
