"""Studies end to end with real fits: store, resume, new cells, failures, errors, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pwlkit import train
from pwlkit.benchmarks import load_benchmark
from pwlkit.cli import main as cli_main
from pwlkit.study import (
    ResultStore,
    StudyError,
    expand_cells,
    load_results,
    load_study,
    run_study,
    study_status,
    summarize,
)

# Real fits on the smallest real space (NB101 subset, 1,291 cells) so these stay a few seconds;
# the CLI test below runs on an embedded benchmark and needs no data files.
TINY = {
    "name": "tiny",
    "benchmarks": ["nb101"],
    "losses": ["hr", "mape"],
    "train_sizes": [12, 24],
    "backbones": ["mlp"],
    "seeds": 2,
    "epochs": 3,
    "cells_per_job": 4,
}


def tiny(tmp_path: Path, **change) -> dict:
    return {**TINY, "output_dir": str(tmp_path / "studies"), **change}


@pytest.fixture(autouse=True)
def _data_dir(request, monkeypatch):
    """Point the benchmark lookup at the shared tables for tests that ask for them."""
    if "shared_data" in request.fixturenames:
        monkeypatch.setenv("PWLKIT_DATA", str(request.getfixturevalue("shared_data")))


def stored_bytes(store_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((store_dir / "results").glob("part-*"))}


def test_run_stores_rows_resumes_and_keeps_settings_apart(tmp_path, shared_data):
    seen: list[tuple[list, list, list]] = []

    def recording_fit(bench, train_sets, losses, seeds, **kw):
        seen.append(([t.tolist() for t in train_sets], list(losses), list(seeds)))
        return train.fit_predict_many(bench, train_sets, losses, seeds, **kw)

    params = tiny(tmp_path)
    report = run_study(params, executor="inline", progress=False, threads=1, fit_fn=recording_fit)
    assert report.ok and (report.total, report.computed, report.already_done) == (8, 8, 0)
    assert len(seen) == 2, "one batched engine call per (benchmark, train size) job"

    # Every loss of a seed trained on the same sample (pwlkit.train.sample_train).
    bench = load_benchmark("nb101")
    for sets, _losses, seeds in seen:
        for s, idx in zip(seeds, sets):
            assert idx == train.sample_train(bench, len(idx), s).tolist()

    df = load_results(params)
    assert len(df) == 8 and df["cell_id"].is_unique
    assert set(df["loss"]) == {"hr", "mape"} and set(df["train_size"]) == {12, 24}
    expected = [
        "tau",
        "spearman",
        "precision_at_0.5",
        "precision_at_1",
        "precision_at_5",
        "precision_at_10",
        "n_at_1",
        "n_at_5",
        "n_at_10",
        "n_at_50",
        "fit_seconds",
    ]
    assert set(expected) <= set(df.columns)
    assert df["tau"].between(-1, 1).all() and df["fit_seconds"].gt(0).all()
    assert (df["n_at_1"] >= df["n_at_50"]).all() and df["n_at_50"].ge(1).all()
    # The stored metrics are what pwlkit.metrics gives for a fresh fit of the same cell.
    row = df.iloc[0]
    idx = train.sample_train(bench, int(row["train_size"]), int(row["seed"]))
    alone = train.fit_predict(
        bench, idx, row["loss"], backbone="mlp", epochs=3, seed=int(row["seed"])
    )
    from pwlkit.metrics import kendall_tau

    assert kendall_tau(alone, bench.val) == pytest.approx(row["tau"], abs=1e-6)

    # Re-running skips every finished cell and trains nothing.
    seen.clear()
    again = run_study(params, executor="inline", progress=False, threads=1, fit_fn=recording_fit)
    assert (again.computed, again.already_done) == (0, 8) and not seen
    assert study_status(params).done == 8

    # A changed setting makes new cells; the old rows stay stored but are not mixed in.
    changed = tiny(tmp_path, epochs=4)
    status = study_status(changed)
    assert (status.done, status.total) == (0, 8)
    report = run_study(changed, executor="inline", progress=False, threads=1)
    assert report.computed == 8
    new = load_results(changed)
    assert len(new) == 8 and set(new["epochs"]) == {4}
    assert set(new["cell_id"]).isdisjoint(df["cell_id"])
    assert len(load_results(changed, include_other_settings=True)) == 16
    pd.testing.assert_frame_equal(load_results(params), df)


def test_failing_job_is_reported_others_are_stored_and_a_rerun_completes(tmp_path, shared_data):
    def flaky_fit(bench, train_sets, losses, seeds, **kw):
        if len(train_sets[0]) == 24:
            raise RuntimeError("simulated crash")
        return train.fit_predict_many(bench, train_sets, losses, seeds, **kw)

    params = tiny(tmp_path)
    report = run_study(params, executor="inline", progress=False, threads=1, fit_fn=flaky_fit)
    assert not report.ok and report.computed == 4
    assert "simulated crash" in report.failed[0]["error"] and "run again" in str(report)
    store = ResultStore(Path(params["output_dir"]) / "tiny")
    assert [f["error"] for f in store.failures()] == ["RuntimeError: simulated crash"]
    status = study_status(params)
    assert (status.done, status.failed_jobs) == (4, 1)
    before = stored_bytes(store.root)

    report = run_study(params, executor="inline", progress=False, threads=1)
    assert report.ok and (report.already_done, report.computed) == (4, 4)
    after = stored_bytes(store.root)
    assert all(after[name] == data for name, data in before.items()), "stored parts untouched"
    assert study_status(params).failed_jobs == 0


def test_bad_input_fails_before_any_fit_and_loses_nothing(tmp_path, shared_data):
    params = tiny(tmp_path)
    run_study(params, executor="inline", progress=False, threads=1)
    store_dir = Path(params["output_dir"]) / "tiny"
    before = stored_bytes(store_dir)
    assert len(before) == 2

    def no_fit(*args, **kwargs):
        raise AssertionError("a fit started although the study is invalid")

    def attempt(p, **kw):
        return run_study(p, executor="inline", progress=False, threads=1, fit_fn=no_fit, **kw)

    with pytest.raises(StudyError, match=r"key 'losses'.*unknown loss 'hinge'.*Valid names"):
        attempt(tiny(tmp_path, losses=["hr", "hinge"]))
    with pytest.raises(StudyError, match=r"key 'train_sizes'.*\[5000\].*1291 architectures"):
        attempt(tiny(tmp_path, train_sizes=[24, 5000]))
    empty = tmp_path / "no-data"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r"(?s)'nb201-cifar10' cannot be loaded.*data"):
        attempt(tiny(tmp_path, benchmarks=["nb201-cifar10"]), data_dir=empty)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StudyError, match=r"key 'output_dir' must be a folder.*is a file"):
        attempt(tiny(tmp_path, output_dir=str(blocker / "studies"), epochs=5))
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: tiny\nlosses: [hr\n")
    with pytest.raises(StudyError, match="not valid YAML"):
        attempt(bad_yaml)
    assert stored_bytes(store_dir) == before
    assert len(load_results(params)) == 8


def test_summarize_matches_scipy_t_intervals_clipped_to_the_metric():
    from scipy import stats

    rng = np.random.default_rng(0)
    # N@10 of mape at N = 20: four hits at rank 1 and one at 60, so the t-interval runs below 1.
    skewed = iter([1, 1, 1, 1, 60])
    rows = [
        {
            "benchmark": "b",
            "backbone": "gcn",
            "train_size": n,
            "loss": loss,
            "seed": s,
            "tau": float(rng.uniform(-1, 1)),
            "n_at_10": next(skewed) if (n, loss) == (20, "mape") else int(rng.integers(1, 100)),
        }
        for n in (10, 20)
        for loss in ("hr", "mape")
        for s in range(5)
    ]
    rows.append(
        {
            "benchmark": "b",
            "backbone": "gcn",
            "train_size": 30,
            "loss": "hr",
            "seed": 0,
            "tau": 0.5,
            "n_at_10": 3,
        }
    )
    df = pd.DataFrame(rows)
    out = summarize(df)
    assert list(out.columns) == [
        "benchmark",
        "backbone",
        "train_size",
        "loss",
        "metric",
        "n",
        "mean",
        "std",
        "ci",
        "ci_low",
        "ci_high",
    ]
    assert len(out) == (2 * 2 + 1) * 2
    clipped = 0
    for (n, loss), g in df.groupby(["train_size", "loss"]):
        for metric in ("tau", "n_at_10"):
            got = out[(out.train_size == n) & (out.loss == loss) & (out.metric == metric)].iloc[0]
            vals = g[metric].to_numpy(dtype=float)
            assert got["n"] == len(vals) and got["mean"] == pytest.approx(vals.mean())
            if len(vals) == 1:
                assert np.isnan(got["std"]) and np.isnan(got["ci_low"])
                continue
            lo, hi = stats.t.interval(0.95, len(vals) - 1, loc=vals.mean(), scale=stats.sem(vals))
            floor, ceiling = (1.0, np.inf) if metric == "n_at_10" else (-1.0, 1.0)
            clipped += lo < floor or hi > ceiling
            lo, hi = max(lo, floor), min(hi, ceiling)
            assert got["std"] == pytest.approx(vals.std(ddof=1))
            assert (got["ci_low"], got["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert clipped >= 1  # the skewed group's interval was cut at rank 1
    # Group order follows the table (study order), metrics in the order asked.
    by_loss = summarize(df, by="loss", metrics=["n_at_10", "tau"])
    assert list(by_loss["loss"]) == ["hr", "hr", "mape", "mape"]
    assert list(by_loss["metric"]) == ["n_at_10", "tau", "n_at_10", "tau"]
    with pytest.raises(KeyError, match="cannot group by"):
        summarize(df, by=["nope"])


def test_cli_run_status_summary_on_an_embedded_benchmark(tmp_path, capsys):
    import yaml

    path = tmp_path / "tiny.yaml"
    params = tiny(tmp_path, benchmarks=["nbgraph-cora"], train_sizes=[12])
    path.write_text(yaml.safe_dump(params))
    assert cli_main(["study", "status", str(path)]) == 0
    assert "0/4 cells done" in capsys.readouterr().out
    assert (
        cli_main(
            ["study", "run", str(path), "--executor", "inline", "--threads", "1", "--no-progress"]
        )
        == 0
    )
    assert "4/4 cells done (0 already stored, 4 computed now)" in capsys.readouterr().out
    assert cli_main(["study", "run", str(path), "--executor", "inline", "--threads", "1"]) == 0
    assert "(4 already stored, 0 computed now)" in capsys.readouterr().out
    assert cli_main(["study", "status", str(path)]) == 0
    assert "4/4 cells done" in capsys.readouterr().out
    assert cli_main(["study", "summary", str(path), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {(r["loss"], r["metric"]) for r in records} >= {("hr", "tau"), ("mape", "n_at_10")}
    assert all(r["n"] == 2 for r in records)
    assert cli_main(["study", "summary", str(path), "--metrics", "tau"]) == 0
    out = capsys.readouterr().out
    assert "tau" in out and "hr" in out and "±" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nbenchmarks: [nbgraph-cora]\nlosses: [nope]\ntrain_sizes: [5]\n"
        "seeds: 1\nepochs: 1\n"
    )
    assert cli_main(["study", "run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pwlkit study: error:") and "unknown loss 'nope'" in err
    assert len(expand_cells(load_study(path))) == 4


def test_summary_of_a_store_with_a_damaged_or_foreign_part_warns_and_exits_1(tmp_path, capsys):
    import yaml

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny(tmp_path, benchmarks=["nbgraph-cora"], train_sizes=[12])))
    run = ["study", "run", str(path), "--executor", "inline", "--threads", "1", "--no-progress"]
    assert cli_main(run) == 0
    store = ResultStore(tmp_path / "studies" / "tiny")
    (part,) = store.parts()
    rows = pd.read_parquet(part)
    capsys.readouterr()
    # a foreign part: the same cells, the train size stored as text (another layout)
    foreign = rows.assign(train_size=rows["train_size"].astype(str), cell_id="x" + rows["cell_id"])
    foreign.to_parquet(part.with_name("part-foreign.parquet"), index=False)
    assert cli_main(["study", "summary", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert all(r["n"] == 2 for r in records) and isinstance(records[0]["train_size"], int)
    err = captured.err.strip()
    assert "\n" not in err and "part-foreign.parquet" in err and "other types" in err
    assert "0 of 4 cells are missing" in err
    # a damaged part: its cells are missing, the message says how many and what to run
    part.write_bytes(b"not parquet")
    assert cli_main(["study", "summary", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "unreadable" in err and "4 of 4 cells are missing" in err
    assert f"pwlkit study run {path}" in err
    assert cli_main(run) == 0  # the rerun recomputes them
    assert "0 already stored, 4 computed now" in capsys.readouterr().out
