"""`pwlkit.Predictor` and `NASLibPredictor`: parameters, fitting on strings and on arrays,
save / load and the files they refuse, score (one float) and metrics, scikit-learn's clone,
cross_val_score and GridSearchCV, diverged fits, the default loss and the evidence for it, and
agreement with `fit_predict` (tiny fits; slow checks on NB201 and on the shipped stores)."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone, is_regressor
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils.validation import check_is_fitted

import pwlkit
from pwlkit.benchmarks import load_benchmark
from pwlkit.checks import BadParameter
from pwlkit.estimator import DEFAULT_LOSS, NASLibPredictor, NotFittedError, Predictor
from pwlkit.metrics import evaluate, kendall_tau
from pwlkit.spaces import get_space
from pwlkit.train import fit_predict, sample_train
from pwlkit.train.engine import TrainingDiverged
from pwlkit.train.models import fit_models, predict_encoded

TINY = {"epochs": 3, "hidden": 16, "head_hidden": 16, "layers": 2}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cora():
    return load_benchmark("nbgraph-cora")


@pytest.fixture(scope="module")
def fitted(cora):
    idx = sample_train(cora, 64, seed=0)
    p = Predictor(space="nbgraph", loss="hr", **TINY)
    return p.fit(list(cora.arch[idx]), cora.val[idx]), idx


def test_predictor_is_exported():
    assert pwlkit.Predictor is Predictor and "Predictor" in pwlkit.__all__


def test_get_and_set_params_round_trip():
    p = Predictor(space="nb201", loss="mse", epochs=7, lr=1e-3)
    params = p.get_params()
    assert params == {
        "space": "nb201",
        "backbone": "gcn",
        "loss": "mse",
        "epochs": 7,
        "seed": 0,
        "device": "cpu",
        "lr": 1e-3,
    }
    assert p.set_params(seed=3, batch_size=32) is p
    assert p.get_params()["seed"] == 3 and p.get_params()["batch_size"] == 32
    with pytest.raises(ValueError, match="unknown parameter 'lrr'.*did you mean 'lr'"):
        p.set_params(lrr=1.0)
    assert "loss='mse'" in repr(p) and "lr=0.001" in repr(p)


def test_a_copy_from_params_is_unfitted_and_equal(fitted):
    p, _ = fitted
    copy = Predictor(**p.get_params())
    assert copy.get_params() == p.get_params()
    assert not [k for k in vars(copy) if k.endswith("_")]
    with pytest.raises(NotFittedError, match="call fit first"):
        copy.predict(["0012|gcn,gat,sage,skip"])


def test_the_default_loss_is_neuralndcg_in_both_estimators():
    assert DEFAULT_LOSS == "neuralndcg"
    assert Predictor().loss == "neuralndcg" and Predictor().get_params()["loss"] == "neuralndcg"
    assert NASLibPredictor("nb201").predictor.loss == "neuralndcg"
    assert repr(Predictor(space="nb201")) == "Predictor(space='nb201')"
    assert "loss='hr->mape'" in repr(Predictor(loss="hr->mape"))


def test_sklearn_clone(fitted):
    p, _ = fitted
    c = clone(p)
    assert type(c) is Predictor and c is not p
    assert c.get_params() == p.get_params() and not hasattr(c, "weights_")
    check_is_fitted(p)
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(c)
    # a Space object and settings survive clone's identity check of every parameter
    d = clone(Predictor(space=get_space("nbgraph"), loss="mse", lr=1e-3, **TINY))
    assert d.space.name == "nbgraph" and d.lr == 1e-3 and d.loss == "mse" and d.epochs == 3
    assert is_regressor(p)


def test_check_estimator_skips_what_needs_numeric_arrays():
    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator

    with pytest.warns(SkipTestWarning, match="Can't test estimator Predictor"):
        results = check_estimator(Predictor(), on_fail=None)
    assert [(r["check_name"], r["status"]) for r in results] == [
        ("check_estimator_cloneable", "passed")
    ]


@pytest.fixture(scope="module")
def folds(cora):
    """60 measured architectures as sklearn sees them: a list of strings and their scores."""
    idx = sample_train(cora, 60, seed=3)
    return [str(a) for a in cora.arch[idx]], cora.val[idx]


def test_cross_val_score_uses_the_tau_of_each_fold(folds, one_thread):
    archs, y = folds
    est = Predictor(space="nbgraph", **TINY)
    scores = cross_val_score(est, archs, y, cv=3, error_score="raise")
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert not hasattr(est, "weights_")  # the folds train clones
    # each fold's score is the tau of a fresh fit on the other folds
    for (train, test), got in zip(KFold(3).split(archs), scores, strict=True):
        fold = Predictor(space="nbgraph", **TINY).fit([archs[i] for i in train], y[train])
        want = kendall_tau(fold.predict([archs[i] for i in test]), y[test])
        assert got == pytest.approx(want, abs=1e-12)


def test_grid_search_over_the_loss(folds, cora, one_thread):
    archs, y = folds
    grid = GridSearchCV(
        Predictor(space="nbgraph", **TINY), {"loss": ["hr", "mse"]}, cv=2, error_score="raise"
    )
    assert grid.fit(archs, y) is grid
    means = grid.cv_results_["mean_test_score"]
    assert list(grid.cv_results_["param_loss"]) == ["hr", "mse"] and np.isfinite(means).all()
    best = ["hr", "mse"][int(np.argmax(means))]
    assert grid.best_params_ == {"loss": best}
    assert grid.best_estimator_.chosen_loss_ == best and grid.best_estimator_.epochs == 3
    test = [str(a) for a in cora.arch[:100]]
    assert isinstance(grid.score(test, cora.val[:100]), float)


def test_unfitted_predict_score_and_save_raise(tmp_path):
    p = Predictor(space="nb201")
    cells = get_space("nb201").sample(2, 0)
    with pytest.raises(NotFittedError, match="call fit first"):
        p.predict(cells)
    with pytest.raises(NotFittedError, match="call fit first"):
        p.score(cells, [1.0, 2.0])
    with pytest.raises(NotFittedError, match="call fit first"):
        p.metrics(cells, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="call fit first"):
        p.save(tmp_path / "unused.pt")
    assert not (tmp_path / "unused.pt").exists()


def test_fit_predict_on_strings(fitted, cora):
    p, _ = fitted
    assert p.chosen_loss_ == "hr" and p.space_name_ == "nbgraph"
    assert p.spec_.op_names == get_space("nbgraph").op_names and p.spec_.n_nodes == 6
    pred = p.predict(list(cora.arch[:300]))
    assert pred.shape == (300,) and pred.dtype == np.float64 and np.isfinite(pred).all()
    assert len(np.unique(pred)) > 100
    # another spelling of the same network scores the same as the table's string
    same = get_space("nbgraph").canonical("0010|sage,gcn,gat,gin")
    np.testing.assert_array_equal(p.predict(["0010|sage,gcn,gat,gin"]), p.predict([same]))


def test_strings_and_their_encoding_give_the_same_fit(fitted, cora):
    p, idx = fitted
    ops, adj = get_space("nbgraph").encode(list(cora.arch[idx]))
    q = Predictor(**p.get_params()).fit((ops, adj), cora.val[idx])
    test_ops, test_adj = cora.ops[:200], cora.adj[:200]
    np.testing.assert_array_equal(q.predict((test_ops, test_adj)), p.predict(list(cora.arch[:200])))


def test_fit_predict_on_raw_arrays_without_a_space(cora):
    idx = sample_train(cora, 40, seed=1)
    p = Predictor(loss="mse", seed=1, **TINY).fit((cora.ops[idx], cora.adj[idx]), cora.val[idx])
    assert p.space_name_ is None and p.spec_.op_names == tuple(f"op{i}" for i in range(11))
    assert p.predict((cora.ops[:10], cora.adj[:10])).shape == (10,)
    np.testing.assert_array_equal(
        p.predict([cora.ops[:4], cora.adj[:4]]), p.predict(cora.rows(np.arange(4)))
    )
    # fewer node slots are padded; an operation outside the vocabulary is an error
    assert p.predict((cora.ops[:3, :6], cora.adj[:3])).shape == (3,)
    bad = cora.ops[:2].copy()
    bad[0, 1] = 40
    with pytest.raises(ValueError, match="operation index 40 is outside"):
        p.predict((bad, cora.adj[:2]))
    with pytest.raises(ValueError, match="need a space"):
        p.predict(["0012|gcn,gat,sage,skip"])


def test_bad_inputs_are_clear_errors(cora):
    p = Predictor(space="nbgraph", **TINY)
    with pytest.raises(ValueError, match="'0012|gcn,nope,sage,skip'"):
        p.fit(["0012|gcn,gat,sage,skip", "0012|gcn,nope,sage,skip"], [1.0, 2.0])
    with pytest.raises(ValueError, match="y has 3 values for 2 architectures"):
        p.fit(list(cora.arch[:2]), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="same val value"):
        p.fit(list(cora.arch[:4]), [1.0] * 4)
    with pytest.raises(ValueError, match="unknown setting 'hiden'"):
        Predictor(space="nbgraph", hiden=3).fit(list(cora.arch[:4]), [1.0, 2, 3, 4])


def test_save_and_load_predict_bit_identically(fitted, cora, tmp_path):
    p, _ = fitted
    path = p.save(tmp_path / "p.pt")
    data = torch.load(path, weights_only=True)
    assert data["encoding"] == {
        "space": "nbgraph",
        "op_names": list(get_space("nbgraph").op_names),
        "n_nodes": 6,
    }
    q = Predictor.load(path)
    assert q.get_params() == p.get_params() and q.chosen_loss_ == p.chosen_loss_
    archs = list(cora.arch[:500])
    np.testing.assert_array_equal(q.predict(archs), p.predict(archs))


def one_line_refusal(path: Path, call=Predictor.load) -> str:
    """The message of the `BadParameter` that ``call(path)`` raises, checked to be one line
    that never advises an unsafe load and carries no chained torch error."""
    with pytest.raises(BadParameter) as info:
        call(path)
    text = str(info.value)
    assert "\n" not in text and "weights_only" not in text, text
    error = info.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return text


@pytest.mark.parametrize(
    "kind", ["garbage bytes", "text", "empty", "tensor", "module", "counter", "other dict"]
)
def test_load_refuses_a_file_that_is_not_a_predictor(kind, tmp_path):
    path = tmp_path / "model.pt"
    if kind == "garbage bytes":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 400, dtype=np.uint8).tobytes())
    elif kind == "text":
        path.write_text("hr,0.93\nmse,0.91\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "tensor":
        torch.save(torch.zeros(3), path)
    elif kind == "module":  # loads only by unpickling code: torch's message says weights_only
        torch.save(torch.nn.Linear(2, 2), path)
    elif kind == "counter":
        from collections import Counter

        torch.save(Counter(a=1), path)
    else:
        torch.save({"something": 1}, path)
    text = one_line_refusal(path)
    assert text.startswith(f"Predictor.load: {str(path)!r} is not a pwlkit Predictor file (")
    assert text.endswith("give a file written by Predictor.save")


def test_load_refuses_damaged_or_diverged_predictor_files(fitted, tmp_path):
    p, _ = fitted
    data = torch.load(p.save(tmp_path / "p.pt"), weights_only=True)
    cases = {
        "version": ({**data, "version": 99}, "format version 99; this pwlkit reads version 1"),
        "missing": ({k: v for k, v in data.items() if k != "spec"}, "field 'spec' missing"),
        "malformed": ({**data, "params": [1, 2]}, "a malformed field"),
    }
    name = next(iter(data["weights"]))
    weights = {**data["weights"], name: data["weights"][name].clone().fill_(float("nan"))}
    cases["diverged"] = ({**data, "weights": weights}, f"diverged model (weight {name!r}")
    for case, (content, message) in cases.items():
        path = tmp_path / f"{case}.pt"
        torch.save(content, path)
        assert message in one_line_refusal(path), case
    assert "is a folder" in one_line_refusal(tmp_path)
    with pytest.raises(FileNotFoundError):
        Predictor.load(tmp_path / "absent.pt")


def test_save_to_a_folder_or_a_missing_folder_is_one_line(fitted, tmp_path):
    p, _ = fitted
    text = one_line_refusal(tmp_path, p.save)
    assert text == (
        f"Predictor.save: path {str(tmp_path)!r} is an existing folder; give a file path, "
        f"e.g. {str(tmp_path / 'predictor.pt')!r}"
    )
    text = one_line_refusal(tmp_path / "nowhere" / "p.pt", p.save)
    assert "in a folder that does not exist" in text
    assert list(tmp_path.iterdir()) == []


def test_a_diverged_fit_raises_naming_lr_and_keeps_nothing(fitted, cora, tmp_path):
    p, idx = fitted
    archs, y = list(cora.arch[idx]), cora.val[idx]
    refit = Predictor(**p.get_params()).fit(archs, y)
    assert refit.set_params(lr=1e308) is refit
    for est in (Predictor(space="nbgraph", lr=1e308, **TINY), refit):
        with pytest.raises(TrainingDiverged) as info:
            est.fit(archs, y)
        assert isinstance(info.value, FloatingPointError)
        text = str(info.value)
        assert text.startswith("training diverged:") and "lr=1e+308" in text
        assert "\n" not in text
        # no model is kept: not the diverged one, nor the refit's earlier model
        assert not [k for k in vars(est) if k.endswith("_")]
        with pytest.raises(NotFittedError, match="call fit first"):
            est.predict(archs[:3])
        with pytest.raises(NotFittedError, match="call fit first"):
            est.save(tmp_path / "diverged.pt")
    naslib = NASLibPredictor("nbgraph", lr=1e308, **TINY)
    with pytest.raises(TrainingDiverged, match=r"lr=1e\+308"):
        naslib.fit(archs, y)
    assert not (tmp_path / "diverged.pt").exists()


def test_weights_that_are_not_finite_never_predict_or_save(fitted, cora, tmp_path):
    p, _ = fitted
    bad = Predictor(**p.get_params())
    bad.spec_, bad.chosen_loss_, bad.space_name_ = p.spec_, p.chosen_loss_, p.space_name_
    name = next(iter(p.weights_))
    bad.weights_ = {**p.weights_, name: torch.full_like(p.weights_[name], float("inf"))}
    for call in (lambda: bad.predict(list(cora.arch[:3])), lambda: bad.save(tmp_path / "b.pt")):
        with pytest.raises(TrainingDiverged, match=f"weight {name!r} is not finite"):
            call()
    assert not (tmp_path / "b.pt").exists()


def test_score_is_one_float_the_kendall_tau(fitted, cora):
    p, _ = fitted
    archs, y = list(cora.arch[:200]), cora.val[:200]
    tau = p.score(archs, y)
    assert type(tau) is float and -1 <= tau <= 1 and tau != 0.0
    assert tau == kendall_tau(p.predict(archs), y)
    assert p.score(archs, -y) == pytest.approx(-tau, abs=1e-12)
    with pytest.raises(ValueError, match="y has 3 values for 200 architectures"):
        p.score(archs, y[:3])


def test_metrics_has_the_pwlkit_metrics(fitted, cora):
    p, _ = fitted
    archs, y = list(cora.arch[:200]), cora.val[:200]
    scores = p.metrics(archs, y)
    assert scores == evaluate(p.predict(archs), y)
    assert set(scores) == {"tau", "spearman", "precision_at", "n_at_k"}
    assert scores["tau"] == p.score(archs, y) and set(scores["n_at_k"]) == {1, 5, 10, 50}
    assert set(p.metrics(list(cora.arch[:8]), cora.val[:8])["n_at_k"]) == {1, 5}
    chosen = p.metrics(archs, y, ts=(2,), ks=(3,))
    assert set(chosen["precision_at"]) == {2} and set(chosen["n_at_k"]) == {3}
    with pytest.raises(ValueError, match="y has 199 values for 200 architectures"):
        p.metrics(archs, y[:199])


def test_a_loss_selection_is_resolved(cora):
    idx = sample_train(cora, 30, seed=0)
    p = Predictor(space="nbgraph", loss="auto(candidates=hr|mse)", epochs=2, hidden=8)
    p.fit(list(cora.arch[idx]), cora.val[idx])
    assert p.chosen_loss_ in ("hr", "mse")


def test_the_estimator_trains_as_fit_predict(cora):
    idx = sample_train(cora, 48, seed=2)
    p = Predictor(space="nbgraph", loss="hr->mape", seed=2, **TINY)
    p.fit(list(cora.arch[idx]), cora.val[idx])
    ref = fit_predict(cora, idx, "hr->mape", seed=2, **TINY)
    np.testing.assert_array_equal(p.predict(list(cora.arch)), ref)


def test_fit_models_and_predict_encoded(cora):
    idx = sample_train(cora, 32, seed=0)
    fitted = fit_models(cora, [idx, idx], ["hr", "mse"], [0, 1], **TINY)
    assert fitted.model.n_models == 2 and fitted.losses == ["hr", "mse"]
    pred = predict_encoded(fitted.spec, fitted.weights(), cora.ops[:50], cora.adj[:50])
    ref = fit_predict(cora, idx, "mse", seed=1, **TINY)[:50]
    assert pred.shape == (2, 50)
    np.testing.assert_allclose(pred[1], ref, rtol=0, atol=1e-6)


def test_naslib_adapter(cora):
    idx = sample_train(cora, 24, seed=0)
    p = NASLibPredictor("nbgraph", **TINY)
    assert p.fit(list(cora.arch[idx]), cora.val[idx]) is p
    assert p.predictor.chosen_loss_ == DEFAULT_LOSS
    assert p.query(list(cora.arch[:7])).shape == (7,)


@pytest.mark.slow
def test_nb201_estimator_matches_fit_predict(shared_data):
    bench = load_benchmark("nb201-cifar10", shared_data)
    idx = sample_train(bench, 156, seed=0)
    strings = [str(a) for a in bench.arch]
    est = Predictor(space="nb201", loss="hr", epochs=100, seed=0)
    est.fit([strings[i] for i in idx], bench.val[idx])
    pred, ref = est.predict(strings), fit_predict(bench, idx, "hr", seed=0, epochs=100)
    tau_est, tau_ref = kendall_tau(pred, bench.val), kendall_tau(ref, bench.val)
    print(
        f"\nNB201 CIFAR-10, N=156, hr, 100 epochs, seed 0: tau estimator {tau_est:.6f}, fit_predict "
        f"{tau_ref:.6f}, largest score difference {np.abs(pred - ref).max():.3g}"
    )
    assert abs(tau_est - tau_ref) <= 0.02


@pytest.mark.slow
def test_documented_evidence_for_the_default_loss_matches_the_stores():
    """The counts docs/own-space.md gives for HR (the default before) against ``hr->mape@0.5``,
    recomputed from the
    stores shipped in results/ with the paired test of `pwlkit findings`."""
    from pwlkit.claims import load_stores
    from pwlkit.claims.evidence import duel_tasks, finish

    page = (ROOT / "docs" / "own-space.md").read_text()
    section = page[page.index("Before NeuralNDCG, the default") : page.index("### Save and load")]
    prose = " ".join(section.split())
    top = re.search(
        r"on P@0.5% in \*\*(\d+)\*\* of the (\d+) tasks .*? below it in (\d+) \(", prose
    )
    tau = re.search(r"on Kendall tau it is above in (\d+) of the (\d+) and below in none", prose)
    assert top and tau, "the figures are no longer where this test reads them"
    with warnings.catch_warnings():  # notes such as the bfloat16 cells left out, as findings
        warnings.simplefilter("ignore")
        df, _ = load_stores(ROOT / "results")
    df = df.drop_duplicates("cell_id")

    def both(task, table):
        return (["hr"], ["hr->mape@0.5"]) if {"hr", "hr->mape@0.5"} <= set(table) else None

    found = {
        metric: finish("hr above hr->mape@0.5", metric, duel_tasks(df, metric, both))
        for metric in ("precision_at_0.5", "tau")
    }
    p05 = found["precision_at_0.5"]
    assert (p05.holds, len(p05.tasks), p05.contradicted) == tuple(map(int, top.groups()))
    assert (found["tau"].holds, len(found["tau"].tasks)) == tuple(map(int, tau.groups()))
    assert found["tau"].contradicted == 0
    assert all(math.isfinite(t["mean_diff"]) for t in p05.tasks)


@pytest.mark.slow
def test_documented_evidence_for_the_neuralndcg_default_matches_the_stores():
    """The leave-one-space-out table docs/own-space.md gives for the default loss, recomputed
    from the shipped loss grids at the sizes of the auto stores, and DEFAULT_LOSS is its pick."""
    from pwlkit.claims.goals import default_within_se, within_se_counts
    from pwlkit.study import load_results

    page = (ROOT / "docs" / "own-space.md").read_text()
    section = page[
        page.index("### The default loss: `neuralndcg`") : page.index("Before NeuralNDCG")
    ]
    documented = {
        space: (loss, float(share), int(within))
        for space, loss, share, within in re.findall(
            r"\| (\S[^|]*?) \(\d+\) \| `(\w+)` \| ([\d.]+) \| (\d+) \|", section
        )
    }
    total = re.search(r"\| all \((\d+)\) \|.*?\*\*(\d+)\*\*", section)
    hr = re.search(r"HR, the default before, is within\s+one SE in (\d+) of the (\d+)", section)
    assert len(documented) == 4 and total and hr, "the figures are no longer where this test reads"

    def load(names):
        return pd.concat([load_results(ROOT / f"results/studies/{n}/study.yaml") for n in names])

    nb201 = ("cifar10", "cifar100", "imagenet16")
    spaces = {
        "NB201": ([f"losses_nb201_{d}" for d in nb201], [f"auto_nb201_{d}" for d in nb201]),
        "AnalogNAS": (["losses_analognas_baseline"], ["auto_analognas_baseline"]),
        "NAS-Bench-Graph": (["losses_nbgraph"], ["auto_nbgraph"]),
        "TransNAS micro": (["losses_tnb101_micro"], ["auto_tnb101_micro"]),
    }
    grids = {
        s: load(g).merge(load(a)[["benchmark", "train_size"]].drop_duplicates())
        for s, (g, a) in spaces.items()
    }
    table = default_within_se(grids).set_index("space")
    for space, (loss, share, within) in documented.items():
        row = table.loc[space]
        assert (row["default"], round(row["share_elsewhere"], 2), row["within"]) == (
            loss,
            share,
            within,
        )
    assert set(table["default"]) == {DEFAULT_LOSS}
    assert (int(table["within"].sum()), int(table["cases"].sum())) == (
        int(total.group(2)),
        int(total.group(1)),
    )
    hr_counts = [within_se_counts(g)["hr"] for g in grids.values()]
    assert (sum(w for w, _ in hr_counts), sum(n for _, n in hr_counts)) == tuple(
        map(int, hr.groups())
    )
