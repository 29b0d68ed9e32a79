"""`pwlkit.Predictor` and `NASLibPredictor`: parameters, fitting on strings and on arrays,
save / load, scores, and agreement with `fit_predict` (tiny fits; one slow NB201 check)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import pwlkit
from pwlkit.benchmarks import load_benchmark
from pwlkit.estimator import NASLibPredictor, NotFittedError, Predictor
from pwlkit.metrics import kendall_tau
from pwlkit.spaces import get_space
from pwlkit.train import fit_predict, sample_train
from pwlkit.train.models import fit_models, predict_encoded

TINY = {"epochs": 3, "hidden": 16, "head_hidden": 16, "layers": 2}


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
    p = Predictor(space="nb201", loss="hr", epochs=7, lr=1e-3)
    params = p.get_params()
    assert params == {
        "space": "nb201",
        "backbone": "gcn",
        "loss": "hr",
        "epochs": 7,
        "seed": 0,
        "device": "cpu",
        "lr": 1e-3,
    }
    assert p.set_params(seed=3, batch_size=32) is p
    assert p.get_params()["seed"] == 3 and p.get_params()["batch_size"] == 32
    with pytest.raises(ValueError, match="unknown parameter 'lrr'.*did you mean 'lr'"):
        p.set_params(lrr=1.0)
    assert "loss='hr'" in repr(p) and "lr=0.001" in repr(p)


def test_a_copy_from_params_is_unfitted_and_equal(fitted):
    p, _ = fitted
    copy = Predictor(**p.get_params())
    assert copy.get_params() == p.get_params()
    assert not [k for k in vars(copy) if k.endswith("_")]
    with pytest.raises(NotFittedError, match="call fit first"):
        copy.predict(["0012|gcn,gat,sage,skip"])


def test_sklearn_clone_when_installed(fitted):
    base = pytest.importorskip("sklearn.base")
    p, _ = fitted
    c = base.clone(p)
    assert c.get_params() == p.get_params() and not hasattr(c, "weights_")


def test_unfitted_predict_and_save_raise():
    p = Predictor(space="nb201")
    with pytest.raises(NotFittedError, match="call fit first"):
        p.predict(get_space("nb201").sample(2, 0))
    with pytest.raises(RuntimeError, match="call fit first"):
        p.save("unused.pt")


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
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a file written by pwlkit.Predictor.save"):
        Predictor.load(tmp_path / "other.pt")


def test_score_has_the_pwlkit_metrics(fitted, cora):
    p, _ = fitted
    scores = p.score(list(cora.arch[:200]), cora.val[:200])
    assert set(scores) == {"tau", "spearman", "precision_at", "n_at_k"}
    assert -1 <= scores["tau"] <= 1 and set(scores["n_at_k"]) == {1, 5, 10, 50}
    assert set(p.score(list(cora.arch[:8]), cora.val[:8])["n_at_k"]) == {1, 5}


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
    p = NASLibPredictor("nbgraph", loss="hr", **TINY)
    assert p.fit(list(cora.arch[idx]), cora.val[idx]) is p
    assert p.query(list(cora.arch[:7])).shape == (7,)


@pytest.mark.slow
def test_nb201_estimator_matches_fit_predict(shared_data):
    bench = load_benchmark("nb201-cifar10", shared_data)
    idx = sample_train(bench, 469, seed=0)
    strings = [str(a) for a in bench.arch]
    est = Predictor(space="nb201", loss="hr", seed=0)
    est.fit([strings[i] for i in idx], bench.val[idx])
    pred, ref = est.predict(strings), fit_predict(bench, idx, "hr", seed=0)
    tau_est, tau_ref = kendall_tau(pred, bench.val), kendall_tau(ref, bench.val)
    print(
        f"\nNB201 CIFAR-10, N=469, hr, seed 0: tau estimator {tau_est:.6f}, fit_predict "
        f"{tau_ref:.6f}, largest score difference {np.abs(pred - ref).max():.3g}"
    )
    assert abs(tau_est - tau_ref) <= 0.02
