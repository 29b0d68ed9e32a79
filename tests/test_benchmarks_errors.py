"""Data lookup order, the disk cache, and a useful error for every bad input."""

from __future__ import annotations

import importlib.util
import json
import os
import time

import numpy as np
import pandas as pd
import pytest

from pwlkit.benchmarks import (
    DataFormatError,
    DataNotFoundError,
    PackageNotInstalledError,
    cache,
    datadir,
    load_benchmark,
)
from pwlkit.benchmarks import nb101_tfrecord as tfr

CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
CELL2 = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PWLKIT_CACHE", str(folder))
    return folder


def _nb201_table(path, **overrides):
    cols = {
        "arch_str": [CELL, CELL2],
        "cifar10_valid_acc_200ep": [91.0, 10.0],
        "cifar10_test_acc_200ep": [94.0, 10.0],
    }
    cols.update(overrides)
    pd.DataFrame(cols).to_csv(path, index=False)


def test_unknown_name_lists_choices():
    with pytest.raises(KeyError) as err:
        load_benchmark("nb201-cifar")
    msg = str(err.value)
    assert "unknown benchmark 'nb201-cifar'" in msg and "Did you mean nb201-cifar10" in msg
    assert "nbgraph-cora" in msg and "darts-<name>" in msg
    with pytest.raises(KeyError, match="bad DARTS benchmark name"):
        load_benchmark("darts-a b")


def test_missing_file_names_everything(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("PWLKIT_DATA", os.pathsep.join([str(a), str(b)]))
    monkeypatch.setattr(datadir, "user_data_dir", lambda: tmp_path / "user")
    with pytest.raises(DataNotFoundError) as err:
        load_benchmark("nb201-cifar10")
    msg = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    assert "'nb201-cifar10'" in msg
    for place in (a, b, tmp_path / "user"):
        assert f"- {place}" in msg
    for fname in (
        "nb201.csv",
        "nb201_merged_15625.csv",
        "NATS-tss-v1_0-3ffb9-simple",
        "NAS-Bench-201-v1_1-096897.pth",
        "NAS-Bench-201-v1_0-e61699.pth",
    ):
        assert fname in msg
    assert "github.com/D-X-Y/NATS-Bench" in msg and "PWLKIT_DATA" in msg


def test_lookup_order(tmp_path, monkeypatch, private_cache):
    a, b, user, explicit = (tmp_path / n for n in ("a", "b", "user", "explicit"))
    for d in (a, b, user, explicit):
        d.mkdir()
    monkeypatch.setattr(datadir, "user_data_dir", lambda: user)
    monkeypatch.setenv("PWLKIT_DATA", os.pathsep.join([str(a), str(b)]))
    _nb201_table(user / "nb201.csv", cifar10_test_acc_200ep=[1.0, 2.0])
    assert load_benchmark("nb201-cifar10").best_test == 2.0  # user folder, last resort
    _nb201_table(b / "nb201.csv", cifar10_test_acc_200ep=[3.0, 4.0])
    assert load_benchmark("nb201-cifar10").best_test == 4.0  # PWLKIT_DATA before it
    _nb201_table(a / "nb201_merged_15625.csv", cifar10_test_acc_200ep=[5.0, 6.0])
    assert load_benchmark("nb201-cifar10").best_test == 6.0  # first PWLKIT_DATA folder first
    with pytest.raises(DataNotFoundError) as err:  # an explicit folder is the only place
        load_benchmark("nb201-cifar10", explicit)
    assert f"- {explicit}" in str(err.value) and f"- {a}" not in str(err.value)
    _nb201_table(explicit / "nb201.csv", cifar10_test_acc_200ep=[7.0, 8.0])
    assert load_benchmark("nb201-cifar10", explicit).best_test == 8.0


def test_cache_hit_edit_and_corrupt_entry(tmp_path, private_cache):
    src = tmp_path / "nb201.csv"
    _nb201_table(src)
    first = load_benchmark("nb201-cifar10", tmp_path)
    entry = cache.cache_path("nb201-cifar10", src)
    assert entry.is_file() and entry.parent == private_cache
    assert not list(private_cache.glob("*.tmp"))  # atomic writes leave nothing behind
    again = load_benchmark("nb201-cifar10", tmp_path)
    assert list(again.arch) == list(first.arch) and np.array_equal(again.ops, first.ops)
    assert np.array_equal(again.adj, first.adj) and again.notes == first.notes
    entry.write_bytes(b"not a zip file")  # a corrupt entry is ignored and rebuilt
    rebuilt = load_benchmark("nb201-cifar10", tmp_path)
    assert rebuilt.best_test == 94.0 and cache.read_cached("nb201-cifar10", src) is not None
    time.sleep(0.01)
    _nb201_table(src, cifar10_test_acc_200ep=[50.0, 60.0])  # editing the source re-reads it
    assert load_benchmark("nb201-cifar10", tmp_path).best_test == 60.0
    assert not entry.exists()  # the stale entry was replaced


def test_unwritable_cache_still_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("PWLKIT_CACHE", str(blocker / "sub"))
    _nb201_table(tmp_path / "nb201.csv")
    assert load_benchmark("nb201-cifar10", tmp_path).num_archs == 2


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x00\xff\x10garbage\x00\n\x01", "cannot read .*nb201.csv"),
        (b"arch_str,cifar10_valid_acc_200ep\nx,1\n", "cifar10_test_acc_200ep"),
        (b"arch,cifar10_valid_acc_200ep,cifar10_test_acc_200ep\nx,1,2\n", "lacks column.*arch_str"),
        (
            f"arch_str,cifar10_valid_acc_200ep,cifar10_test_acc_200ep\n{CELL},abc,2\n".encode(),
            "cifar10_valid_acc_200ep.*row 0",
        ),
        (
            b"arch_str,cifar10_valid_acc_200ep,cifar10_test_acc_200ep\n|conv~0|,1,2\n",
            "must have 3 '\\+'-separated groups",
        ),
        (
            f"arch_str,cifar10_valid_acc_200ep,cifar10_test_acc_200ep\n{CELL},1,2\n{CELL},3,4\n".encode(),
            "appears twice",
        ),
    ],
    ids=[
        "binary",
        "missing-test-column",
        "missing-arch-column",
        "not-a-number",
        "bad-cell",
        "duplicate",
    ],
)
def test_bad_nb201_tables(tmp_path, private_cache, content, match):
    (tmp_path / "nb201.csv").write_bytes(content)
    with pytest.raises(DataFormatError, match=match):
        load_benchmark("nb201-cifar10", tmp_path)


def test_bad_nb101_table(tmp_path, private_cache):
    row = {
        "matrix": "[[0, 1], [0, 0]]",
        "ops": '["input", "output"]',
        "val_acc_108": 0.1,
        "hash": "0" * 32,
    }
    pd.DataFrame([row]).to_csv(tmp_path / "nb101.csv", index=False)
    with pytest.raises(DataFormatError, match="row 0: hash '0+' does not match"):
        load_benchmark("nb101", tmp_path)
    row.update(ops='["input", "conv9x9", "output"]', matrix="[[0,1,0],[0,0,1],[0,0,0]]")
    pd.DataFrame([row]).to_csv(tmp_path / "nb101.csv", index=False)
    with pytest.raises(DataFormatError, match="unknown op.*conv9x9.*valid: conv3x3-bn-relu"):
        load_benchmark("nb101", tmp_path)


def test_corrupt_official_files(tmp_path, private_cache):
    (tmp_path / "NAS-Bench-201-v1_1-096897.pth").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataFormatError, match="cannot read .*NAS-Bench-201-v1_1-096897.pth"):
        load_benchmark("nb201-imagenet16", tmp_path)
    path = tmp_path / "nasbench_only108.tfrecord"
    tfr.write_records(path, [json.dumps(["h", 108, "0100", "input,output", ""]).encode()])
    data = bytearray(path.read_bytes())
    data[3] ^= 0xFF  # damage the length field
    path.write_bytes(bytes(data))
    with pytest.raises(DataFormatError, match="bad length checksum"):
        load_benchmark("nb101", tmp_path)
    tfr.write_records(path, [b"{not json"])
    with pytest.raises(DataFormatError, match="record 0 is not the NAS-Bench-101 JSON layout"):
        load_benchmark("nb101", tmp_path)
    nats = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    nats.mkdir()
    with pytest.raises(DataFormatError, match="no meta.pickle.pbz2"):
        load_benchmark("nb201-cifar10", tmp_path)
    (tmp_path / "darts-x.csv").write_text("genotype,val_acc\nGenotype(normal=[]),1\n")
    with pytest.raises(DataFormatError, match="row 0: bad genotype.*missing normal_concat"):
        load_benchmark("darts-x", tmp_path)


def test_missing_package(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "nas_bench_graph" else real(name, *a),
    )
    with pytest.raises(
        PackageNotInstalledError, match="pip install -c constraints.txt nas-bench-graph"
    ):
        load_benchmark("nbgraph-cora")


def test_cli_errors_and_listing(tmp_path, capsys):
    from pwlkit.cli import main

    assert main(["info", "nope"]) == 2
    assert "pwlkit info: error: unknown benchmark 'nope'" in capsys.readouterr().err
    assert main(["info", "nb101", "--data-dir", str(tmp_path)]) == 2
    assert "no data for benchmark 'nb101'" in capsys.readouterr().err
    assert main(["benchmarks", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if ln[:1].isalpha()}
    assert lines["nbgraph-cora"] == "yes" and lines["analognas-baseline"] == "yes"
    assert lines["nb201-cifar10"] == "no" and lines["nb101"] == "no"
    assert "darts-<name>" in out and str(tmp_path) in out


def test_nb201_second_load_comes_from_the_cache(shared_data, private_cache):
    """The second load reads the npz cache (a file appears) and returns identical arrays."""
    first = load_benchmark("nb201-cifar10", shared_data)
    cached = sorted(p for p in private_cache.rglob("*") if p.is_file())
    assert cached, "the first load wrote no cache file"
    second = load_benchmark("nb201-cifar10", shared_data)
    assert np.array_equal(first.val, second.val) and np.array_equal(first.ops, second.ops)
    assert list(first.arch) == list(second.arch)
