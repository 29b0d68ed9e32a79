"""Losses chosen from the sample: `auto` (k-fold cross-validation) and `warm->focus@auto`
(the switch point from held-out data), in fits, studies, searches and the CLI."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from pwlkit.benchmarks import load_benchmark
from pwlkit.checks import BadParameter
from pwlkit.cli import main
from pwlkit.losses import default_candidates, parse_selection, parse_spec, pick_candidate
from pwlkit.losses.selection import held_out_ndcg
from pwlkit.search import run_searches
from pwlkit.study import load_results, run_study
from pwlkit.train import fit_predict, sample_train
from pwlkit.train.selection import choose_losses, fold_split

FAST = {"backbone": "mlp", "epochs": 4, "signal": "val"}


@pytest.fixture(scope="module")
def cora():
    return load_benchmark("nbgraph-cora")


def test_parse_selection_canonical_forms():
    assert parse_selection("hr") is None and parse_selection("hr->mape@0.5") is None
    assert parse_selection("AUTO").name == "auto"
    assert parse_selection("auto ( folds = 5 )").name == "auto(folds=5)"
    sel = parse_selection("auto(candidates=HR|mape|hr)")
    assert sel.candidates == ("hr", "mape") and sel.name == "auto(candidates=hr|mape)"
    keep = parse_selection("auto(candidates=mape|lr, keep=HR)")
    assert keep.keep == "hr" and keep.candidates == ("mape", "lr", "hr")
    assert keep.name == "auto(candidates=mape|lr|hr,keep=hr)"
    assert parse_selection("auto(keep=hr)").name == "auto(keep=hr)"
    switch = parse_selection("HR -> MAPE @ auto")
    assert (switch.kind, switch.warm, switch.focus, switch.name) == (
        "switch",
        "hr",
        "mape",
        "hr->mape@auto",
    )


@pytest.mark.parametrize(
    "spec, part",
    [
        ("auto(folds=1)", "'folds=1'"),
        ("auto(k=3)", "'k=3'"),
        ("auto(candidates=hinge)", "hinge"),
        ("auto(keep=hinge)", "hinge"),
        ("auto(keep=)", "'keep='"),
        ("hinge->mape@auto", "hinge"),
        ("auto(folds=2,folds=3)", "'folds' given twice"),
        ("hr->mape@auto(patience=0)", "takes no options"),
    ],
)
def test_bad_selections_are_one_line_errors(spec, part):
    with pytest.raises(BadParameter) as info:
        parse_selection(spec)
    assert part in str(info.value) and "\n" not in str(info.value)


def test_pick_candidate_best_mean_or_the_kept_loss_within_one_standard_error():
    scores = {"hr": [0.5, 0.6, 0.7], "mape": [0.6, 0.7, 0.7], "mse": [0.1, 0.1, 0.1]}
    assert pick_candidate(scores) == "mape"  # mean 0.667 against 0.6
    # mape - hr per fold: 0.1, 0.1, 0.0 -> mean 0.0667, SE = 0.0577 / sqrt(3) = 0.0333
    assert pick_candidate(scores, keep="hr") == "mape"  # 0.0667 > 0.0333: overturned
    noisy = {"hr": [0.5, 0.6, 0.7], "mape": [0.9, 0.5, 0.6]}  # diffs 0.4, -0.1, -0.1
    assert pick_candidate(noisy) == "mape"  # mean 0.667 against 0.6
    assert pick_candidate(noisy, keep="hr") == "hr"  # mean 0.0667 < SE 0.1667
    assert pick_candidate({"a": [0.5, 0.5], "b": [0.5, 0.5]}) == "a"  # equal means: first
    assert pick_candidate(scores, keep="mape") == "mape"
    with pytest.raises(BadParameter, match="keep='lr' is not a candidate"):
        pick_candidate(scores, keep="lr")


def test_held_out_ndcg_against_hand_computed_values():
    truth = np.array([0.0, 1.0, 2.0, 3.0, 4.0])  # gains 0, .25, .5, .75, 1; k = 3
    assert held_out_ndcg(truth, truth) == pytest.approx(1.0)
    discount = 1 / np.log2([2, 3, 4])
    ideal = np.array([1.0, 0.75, 0.5]) @ discount
    worst = np.array([0.0, 0.25, 0.5]) @ discount
    assert held_out_ndcg(-truth, truth) == pytest.approx(worst / ideal)
    # k is 10% of the fold, at least 3: 40 rows -> 4
    rng = np.random.default_rng(0)
    pred, big = rng.random(40), rng.random(40)
    gain = (big - big.min()) / (big.max() - big.min())
    d = 1 / np.log2(np.arange(2, 6))
    expected = gain[np.argsort(-pred)[:4]] @ d / (np.sort(gain)[::-1][:4] @ d)
    assert held_out_ndcg(pred, big) == pytest.approx(expected)


def test_folds_partition_the_sample():
    folds = fold_split(31, 3, seed=4)
    assert sorted(np.concatenate(folds).tolist()) == list(range(31))
    assert [len(f) for f in folds] == [11, 10, 10]
    assert all(np.array_equal(a, b) for a, b in zip(folds, fold_split(31, 3, seed=4)))


def test_default_candidates_are_the_paper_losses_the_pw_pair_and_the_ndcg_losses(cora):
    cands = default_candidates(cora)
    assert len(cands) == 12 and cands[8] == "hr->mape@0.5"
    assert {"lambdaloss", "approxndcg", "neuralndcg"} <= set(cands)


def test_auto_never_looks_outside_the_sample(cora):
    idx = sample_train(cora, 30, 0)
    blind = np.full(cora.num_archs, np.nan)
    blind[idx] = cora.val[idx]
    hidden = dataclasses.replace(cora, val=blind)
    spec = "auto(candidates=hr|mse|warp)"
    (seen,) = choose_losses(cora, [idx], [spec], [0], **FAST)
    (unseen,) = choose_losses(hidden, [idx], [spec], [0], **FAST)
    assert seen == unseen and seen.loss.name in ("hr", "mse", "warp")
    assert seen.loss.name == max(seen.scores, key=seen.scores.get)
    assert all(0 <= v <= 1 for v in seen.scores.values())


def test_auto_fit_is_the_chosen_loss_refit_on_the_whole_sample(cora):
    idx = sample_train(cora, 30, 1)
    spec = "auto(candidates=hr|mape)"
    (choice,) = choose_losses(cora, [idx], [spec], [1], **FAST)
    auto = fit_predict(cora, idx, spec, seed=1, **FAST)
    assert np.array_equal(auto, fit_predict(cora, idx, choice.loss, seed=1, **FAST))


def test_switch_probe_picks_a_reproducible_fraction(cora):
    sets = [sample_train(cora, 40, s) for s in (0, 1)]
    a = choose_losses(cora, sets, ["hr->mape@auto"] * 2, [0, 1], **{**FAST, "epochs": 20})
    b = choose_losses(cora, sets, ["hr->mape@auto"] * 2, [0, 1], **{**FAST, "epochs": 20})
    assert a == b
    for choice in a:
        frac = choice.scores["switch"]
        assert 0.05 <= frac <= 1.0 and choice.loss.name == f"hr->mape@{frac:g}".rstrip("0")
        assert math.isclose(frac * 20, round(frac * 20))  # a check every epoch here


@pytest.mark.parametrize(
    "n, folds, ok",
    [
        (20, 20, True),
        (20, 21, False),
        (20, 99999, False),
        (4, 2, True),
        (3, 2, False),
        (3, 3, True),
        (2, 2, False),
    ],
)
def test_folds_must_fit_the_sample(n, folds, ok):
    # a held-out fold of at least one architecture, a fit on at least two
    sel = parse_selection(f"auto(folds={folds})")
    if ok:
        sel.check_sample_size(n)
        assert min(len(f) for f in fold_split(n, folds, 0)) >= 1
        assert n - max(len(f) for f in fold_split(n, folds, 0)) >= 2
        return
    with pytest.raises(
        BadParameter, match=f"sample of {n} architectures cannot be cut into {folds}"
    ):
        sel.check_sample_size(n)


def test_too_many_folds_stop_a_fit_a_study_and_a_search_before_any_work(tmp_path, capsys):
    fit = ["fit", "--benchmark", "nbgraph-cora", "--train-size", "20", "--loss", "auto(folds=21)"]
    assert main(fit) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pwlkit fit: error: --loss:") and "folds from 2 to 20" in err
    study = {
        "name": "folds",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["auto(folds=99999)"],
        "train_sizes": [20],
        "seeds": 1,
        "epochs": 1,
        "output_dir": str(tmp_path),
    }
    with pytest.raises(BadParameter, match="key 'losses'.*cannot be cut into 99999 folds"):
        run_study(study, executor="inline", progress=False)
    assert not any(tmp_path.iterdir())  # nothing written
    search = ["search", "--benchmark", "nbgraph-cora", "--strategy", "auto(folds=11)"]
    assert main([*search, "--budget", "20", "--runs", "1", "--no-store"]) == 2
    assert "n_init = 10" in capsys.readouterr().err


def test_a_study_stores_what_auto_chose(tmp_path):
    params = {
        "name": "auto",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["hr", "auto(candidates=hr|mse)"],
        "train_sizes": [30],
        "backbones": ["mlp"],
        "seeds": 2,
        "epochs": 3,
        "output_dir": str(tmp_path),
    }
    run_study(params, executor="inline", progress=False, threads=1)
    df = load_results(params)
    plain = df[df["loss"] == "hr"]
    auto = df[df["loss"] == "auto(candidates=hr|mse)"]
    assert (plain["chosen_loss"] == "hr").all() and len(auto) == 2
    assert set(auto["chosen_loss"]) <= {"hr", "mse"}
    assert plain["fold_scores"].isna().all()
    for _, row in auto.iterrows():  # three folds per candidate, and the rule gives the choice
        folds = json.loads(row["fold_scores"])
        assert set(folds) == {"hr", "mse"} and all(len(v) == 3 for v in folds.values())
        assert pick_candidate(folds) == row["chosen_loss"]


def test_cli_fit_auto_reports_the_chosen_loss(capsys):
    argv = [
        "fit",
        "--benchmark",
        "nbgraph-cora",
        "--train-size",
        "30",
        "--epochs",
        "3",
        "--backbone",
        "mlp",
        "--loss",
        "auto(candidates=hr|lr)",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loss"] == "auto(candidates=hr|lr)" and out["chosen_loss"] in ("hr", "lr")
    assert set(out["selection_scores"]) == {"hr", "lr"}
    assert {k: len(v) for k, v in out["fold_scores"].items()} == {"hr": 3, "lr": 3}
    assert out["selection_scores"]["hr"] == pytest.approx(np.mean(out["fold_scores"]["hr"]))


def test_a_search_records_the_loss_of_every_round(cora):
    (run,) = run_searches(cora, "auto(candidates=hr|mse)", 30, [0], epochs=3, backbone="mlp")
    rounds = (30 - 10) // 10
    assert len(run["chosen_losses"]) == rounds
    assert set(run["chosen_losses"]) <= {"hr", "mse"}
    (plain,) = run_searches(cora, "hr", 30, [0], epochs=3, backbone="mlp")
    assert plain["chosen_losses"] == []


def test_fits_per_cell_counts_what_a_selection_trains():
    assert parse_spec("hr").fits == 1.0 and parse_spec("hr->mape@0.5").fits == 1.0
    assert parse_spec("auto").fits == 12 * 2 + 1  # 12 candidates x 3 folds on 2/3 of the sample
    assert parse_spec("auto(folds=5, candidates=hr|mse)").fits == 2 * 4 + 1
    assert parse_spec("hr->mape@auto").fits == 1.8  # the probe (at most 0.8 of a fit) + the fit
