"""Ensembles as specs: the grammar, combining members by rank or score, and the fits."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, toy_space

from pwlkit.losses import parse_spec
from pwlkit.train import fit_ensembles, fit_predict, fit_predict_many, sample_train
from pwlkit.train.ensemble import combine, member_seed, spread
from pwlkit.train.pretrain import PRETRAIN_POOL

pytestmark = pytest.mark.usefixtures("one_thread")
FAST = {"epochs": 3, "batch_size": 16, **SMALL["gcn"]}


@pytest.fixture(scope="module")
def space():
    return toy_space("additive", n_archs=200)


@pytest.mark.parametrize(
    "text, name, fits",
    [
        ("ens(hr,mape,listmle)", "ens(hr,mape,listmle)", 3),
        ("ENS( hr ) x5", "ens(hr)x5", 5),
        ("ens(hr,mape)x2", "ens(hr,mape)x2", 4),
        ("ens(gcn:hr,transformer:HR)", "ens(gcn:hr,transformer:hr)", 2),
        ("ens(warp(weights=rank),hr,combine=score)", "ens(warp(weights=rank),hr,combine=score)", 2),
        ("ens(hr->mape,hr~>mape@0.2:0.8)", "ens(hr->mape@0.5,hr~>mape@0.2:0.8)", 2),
    ],
)
def test_ensemble_specs_have_one_canonical_name(text, name, fits):
    spec = parse_spec(text)
    assert (spec.kind, spec.name, spec.fits) == ("ensemble", name, fits)


@pytest.mark.parametrize(
    "text, part",
    [
        ("ens()", "an empty member"),
        ("ens(auto)", "members are losses or schedules"),
        ("ens(hr,ens(mse))", "members are losses or schedules"),
        ("ens(hr,combine=max)", "combine='max'"),
        ("ens(hrr)", "unknown loss 'hrr'"),
        ("ens(hr)x0", "K >= 1"),
        ("ens(hr)5", "optional xK"),
    ],
)
def test_bad_ensembles_name_the_part(text, part):
    with pytest.raises(ValueError, match="bad ensemble") as exc:
        parse_spec(text)
    assert part in str(exc.value)


def test_combine_by_rank_and_by_score_against_hand_computed_values():
    scores = np.array([[0.1, 0.9, 0.5], [3.0, 1.0, 2.0]])
    # ranks /3: member 0 -> [1, 3, 2]/3, member 1 -> [3, 1, 2]/3: mean [2, 2, 2]/3
    np.testing.assert_allclose(combine(scores, "rank"), [2 / 3] * 3)
    z0 = (scores[0] - scores[0].mean()) / scores[0].std()
    z1 = (scores[1] - scores[1].mean()) / scores[1].std()
    np.testing.assert_allclose(combine(scores, "score"), (z0 + z1) / 2)
    np.testing.assert_allclose(spread(scores), np.std([[1, 3, 2], [3, 1, 2]], axis=0) / 3)
    np.testing.assert_allclose(spread(scores[:1]), 0.0)


def test_members_train_as_plain_fits_with_their_own_seeds(space):
    idx = sample_train(space, 40, 0)
    (ens,) = fit_ensembles(space, [idx], ["ens(hr,mse)"], [7], **FAST)
    assert ens.members.shape == (2, space.num_archs)
    for k, loss in enumerate(["hr", "mse"]):
        alone = fit_predict(space, idx, loss, seed=member_seed(7, k), **FAST)
        np.testing.assert_array_equal(ens.members[k], alone)
    np.testing.assert_allclose(ens.combined, combine(ens.members))
    # beside another job the members group with it: tiny products may round apart in the last
    # bit (ties among the 200 cells then rank apart by a half step), nothing more
    combined = fit_predict_many(space, [idx, idx], ["ens(hr,mse)", "hr"], [7, 7], **FAST)
    np.testing.assert_allclose(combined[0], ens.combined, atol=1.0 / space.num_archs)
    np.testing.assert_allclose(
        combined[1], fit_predict(space, idx, "hr", seed=7, **FAST), rtol=1e-5, atol=1e-6
    )
    assert len({member_seed(7, k) for k in range(5)} | {7}) == 6
    # every member starts from the job's pretrained weights (one pretraining per job seed)
    assert {member_seed(7, k) % PRETRAIN_POOL for k in range(5)} == {7 % PRETRAIN_POOL}


def test_an_ensemble_of_backbones_trains_each_member_with_its_own(space):
    idx = sample_train(space, 40, 1)
    fast = {"epochs": 3, "batch_size": 16}
    (ens,) = fit_ensembles(space, [idx], ["ens(gcn:hr,mlp:hr)"], [0], **fast)
    mlp = fit_predict(space, idx, "hr", seed=member_seed(0, 1), backbone="mlp", **fast)
    np.testing.assert_array_equal(ens.members[1], mlp)
    with pytest.raises(ValueError, match="backbone"):
        fit_ensembles(space, [idx], ["ens(gcnn:hr)"], [0], **fast)
