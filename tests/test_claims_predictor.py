"""pwlkit's claims about its predictor on frames whose answer is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pwlkit.claims.predictor import (
    best_predictor_beats_paper_losses,
    diverse_beats_random,
    loss_ensemble_beats_seed_ensemble,
    paper_claims_when_pretrained,
    pretraining_beats_none,
    protocol_cells,
    pruning_beats_none,
)
from pwlkit.claims.protocol import with_settings


def _frame(cells: list[tuple[str, str, str, float]], seeds: int = 10, noise: float = 0.01):
    """Rows of (loss, pretrain, sampling, effect) x seeds: tau = 0.7 + effect + seed noise,
    P@0.5% = 0.4 + effect + noise (the seed's luck shared by every cell of the seed). A
    pretrain written ``flow/dead`` adds ``prune=dead``."""
    rng = np.random.default_rng(0)
    luck = rng.normal(0, 0.05, seeds)
    rows = []
    for loss, pretrain, sampling, effect in cells:
        for s in range(seeds):
            jitter = rng.normal(0, noise)
            pretext, _, prune = pretrain.partition("/")
            settings = {"pretrain": pretext} if pretext != "none" else {}
            hparams = json.dumps({**settings, **({"prune": prune} if prune else {})})
            rows.append(
                {
                    "benchmark": "nb201-cifar10",
                    "backbone": "gcn",
                    "train_size": 78,
                    "seed": s,
                    "loss": loss,
                    "hparams": hparams,
                    "sampling": sampling,
                    "tau": 0.7 + effect + luck[s] + jitter,
                    "precision_at_0.5": 0.4 + effect + luck[s] + jitter,
                    "cell_id": f"{loss}-{pretrain}-{sampling}-{s}",
                }
            )
    return pd.DataFrame(rows)


def test_pretraining_that_helps_holds_and_one_that_does_not_is_not_claimed():
    helps = pretraining_beats_none(
        _frame([("hr", "none", "random", 0), ("hr", "flow", "random", 0.05)])
    )
    (task,) = helps.tasks
    assert task["verdict"] == "holds" and task["a"] == "flow" and task["b"] == "none"
    assert abs(task["mean_diff"] - 0.05) < 0.02
    hurts = pretraining_beats_none(
        _frame([("hr", "none", "random", 0), ("hr", "masked", "random", -0.05)])
    )
    assert hurts.tasks[0]["verdict"] == "contradicted"
    alone = pretraining_beats_none(_frame([("hr", "none", "random", 0)]))
    assert not alone.tasks and "with and without pretraining" in alone.note


def test_pruned_cells_against_cells_as_stored_and_nothing_else():
    df = _frame(
        [
            ("hr", "flow", "random", 0.0),
            ("hr", "flow/dead", "random", 0.03),
            ("hr", "none", "random", -0.05),  # no pruned twin: not a task of this claim
        ]
    )
    found = pruning_beats_none(df)
    (task,) = found.tasks
    assert task["verdict"] == "holds" and (task["a"], task["b"]) == ("dead", "none")
    assert abs(task["mean_diff"] - 0.03) < 0.02
    # pruned cells are not the protocol, and the pretraining claim reads cells as stored only
    assert protocol_cells(df).sum() == 10
    (pretrained,) = pretraining_beats_none(df).tasks
    assert abs(pretrained["mean_diff"] - 0.05) < 0.01  # the pruned cells would make it 0.065
    assert "pruned and as stored" in pruning_beats_none(_frame([("hr", "flow", "random", 0)])).note


def test_diverse_against_random_and_the_protocol_filter():
    df = _frame([("hr", "none", "random", 0), ("hr", "none", "diverse", 0.04)])
    (task,) = diverse_beats_random(df).tasks
    assert task["verdict"] == "holds" and (task["a"], task["b"]) == ("diverse", "random")
    assert protocol_cells(df).sum() == 10
    both = _frame([("hr", "flow", "random", 0), ("ens(hr,mse)", "none", "random", 0)])
    assert not protocol_cells(both).any()


def test_an_ensemble_of_losses_against_a_seed_ensemble_of_the_same_size():
    df = _frame(
        [
            ("ens(hr,mape,listmle)", "none", "random", 0.03),
            ("ens(hr)x3", "none", "random", 0.0),
            ("ens(mape)x3", "none", "random", -0.02),
            ("ens(hr)x5", "none", "random", 0.2),  # another size: never compared
        ]
    )
    (task,) = loss_ensemble_beats_seed_ensemble(df).tasks
    assert task["a"] == "ens(hr,mape,listmle)" and task["b"] == "ens(hr)x3"
    assert task["verdict"] == "holds"


def test_the_paper_claims_are_asked_again_per_pretext():
    df = _frame(
        [(loss, "flow", "random", e) for loss, e in [("mse", -0.2), ("hr", 0.0), ("mape", 0.1)]]
    )
    found = paper_claims_when_pretrained(df)
    assert len(found) == 3 and all("[pretrained: flow]" in f.claim for f in found)


def _on(df: pd.DataFrame, backbone: str) -> pd.DataFrame:
    return df.assign(backbone=backbone, cell_id=df["cell_id"] + "-" + backbone)


def test_the_best_predictor_against_the_best_paper_loss():
    paper = _frame(
        [
            ("mse", "none", "random", -0.1),
            ("hr", "none", "random", 0.0),
            ("mape", "none", "random", 0.02),
        ]
    )
    # outside either side: an NDCG loss, a re-weighted paper loss, an unpretrained ensemble,
    # a paper loss on another backbone, a pretrained single loss
    others = pd.concat(
        [
            _frame(
                [
                    ("neuralndcg", "none", "random", 0.3),
                    ("mape(weights=rank)", "none", "random", 0.3),
                ]
            ),
            _frame([("ens(hr,mape)", "none", "random", 0.3)]),
            _on(_frame([("hr", "none", "random", 0.3)]), "mlp"),
            _frame([("hr", "flow", "random", 0.3)]),
        ]
    )
    ours = _on(_frame([("ens(hr,mape,listmle)", "flow", "random", 0.05)]), "transformer")
    found = best_predictor_beats_paper_losses(pd.concat([paper, others, ours], ignore_index=True))
    (task,) = found.tasks
    assert task["a"] == "ens(hr,mape,listmle) [transformer, flow]" and task["b"] == "mape [gcn]"
    assert task["verdict"] == "holds" and abs(task["mean_diff"] - 0.03) < 0.02
    worse = _on(_frame([("ens(hr,mape,listmle)", "flow", "random", -0.05)]), "transformer")
    (task,) = best_predictor_beats_paper_losses(pd.concat([paper, worse], ignore_index=True)).tasks
    assert task["verdict"] == "contradicted"
    alone = best_predictor_beats_paper_losses(paper)
    assert not alone.tasks and "pretrained ensemble" in alone.note
    # the two sides on other seeds of the same size pair nothing: no task, not an n = 0 one
    apart = ours.assign(seed=ours["seed"] + 10)
    assert not best_predictor_beats_paper_losses(pd.concat([paper, apart], ignore_index=True)).tasks


def test_a_candidate_on_fresh_seeds_leaves_the_paired_candidates_their_duel():
    paper = _frame([("hr", "none", "random", 0.0), ("mape", "none", "random", 0.02)])
    ours = _on(_frame([("ens(hr,mape,listmle)", "flow", "random", 0.05)]), "transformer")
    # a later stage's configuration on fresh seeds 10-19 only, far ahead there: no seed has
    # every candidate, so it cannot be paired and the earlier ensemble keeps the task
    later = _on(_frame([("ens(hr,mape,listmle)x2", "flow", "random", 0.3)]), "transformer")
    later = later.assign(seed=later["seed"] + 10)
    (task,) = best_predictor_beats_paper_losses(
        pd.concat([paper, ours, later], ignore_index=True)
    ).tasks
    assert task["a"] == "ens(hr,mape,listmle) [transformer, flow]" and task["b"] == "mape [gcn]"
    assert task["n"] == 10 and task["verdict"] == "holds"


def test_a_setting_column_with_gaps_falls_back_to_hparams():
    # one store wrote pretrain as a column (a grid axis), another only into hparams: in the
    # concatenated frame the second store's rows must keep their pretext, not read "none"
    axis = _frame([("hr", "none", "random", 0)]).assign(pretrain="none")
    in_hparams = _frame([("ens(hr,mape)", "flow", "random", 0)])
    framed = with_settings(pd.concat([axis, in_hparams], ignore_index=True))
    assert set(framed.loc[framed["loss"] == "hr", "pretrain"]) == {"none"}
    assert set(framed.loc[framed["loss"] == "ens(hr,mape)", "pretrain"]) == {"flow"}
