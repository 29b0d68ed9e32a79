"""The ``train_dtype`` setting: bfloat16 autocast of the training forward, float32 elsewhere."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SMALL, toy_space
from scipy.stats import kendalltau

from pwlkit.checks import BadParameter
from pwlkit.study.cells import FitCell
from pwlkit.train import fit_predict, sample_train
from pwlkit.train.groups import group_size
from pwlkit.train.prepare import prepare

FIT = {"epochs": 40, "batch_size": 16, "lr": 3e-3, **SMALL["gcn"]}


@pytest.fixture(scope="module")
def space():
    return toy_space("additive")


def test_a_bad_train_dtype_names_the_option_the_value_and_the_choices(space):
    with pytest.raises(BadParameter) as err:
        fit_predict(space, sample_train(space, 40, 0), "hr", train_dtype="float16", epochs=1)
    msg = str(err.value)
    assert "train_dtype" in msg and "'float16'" in msg
    assert "float32" in msg and "bfloat16" in msg


def test_bfloat16_training_learns_as_float32_does_and_is_not_float32(space):
    idx = sample_train(space, 80, 0)
    f32 = fit_predict(space, idx, "hr", seed=0, **FIT)
    bf16 = fit_predict(space, idx, "hr", seed=0, train_dtype="bfloat16", **FIT)
    again = fit_predict(space, idx, "hr", seed=0, train_dtype="bfloat16", **FIT)
    assert np.all(np.isfinite(bf16))
    np.testing.assert_array_equal(bf16, again)  # deterministic
    assert not np.array_equal(bf16, f32)  # the products really ran in bfloat16
    tau32 = kendalltau(f32, space.val).statistic
    tau16 = kendalltau(bf16, space.val).statistic
    assert tau16 > 0.6 and abs(tau16 - tau32) < 0.05, (tau16, tau32)


def test_bfloat16_scores_are_float32_so_the_space_does_not_tie(space):
    # the forward of training is bfloat16 (3 significant digits); scoring is not
    import torch

    idx = sample_train(space, 80, 0)
    f32 = fit_predict(space, idx, "mse", **FIT)
    bf16 = fit_predict(space, idx, "mse", train_dtype="bfloat16", **FIT)
    rounded = torch.from_numpy(bf16).to(torch.bfloat16).double().numpy()
    distinct = len(np.unique(bf16))
    assert distinct >= 0.95 * len(np.unique(f32))
    assert distinct > 2 * len(np.unique(rounded)), (distinct, len(np.unique(rounded)))


def test_bfloat16_trains_in_wider_groups(space):
    big = {"batch_size": 128}  # the default GCN: float32 pairs at this batch
    sets = [sample_train(space, 200, s) for s in range(8)]
    sizes = [
        group_size(prepare(space, sets, ["hr"] * 8, list(range(8)), settings={**big, **more}))
        for more in ({}, {"train_dtype": "bfloat16"})
    ]
    assert sizes[1] > sizes[0] >= 2, sizes


def _cell(**settings) -> FitCell:
    base = {"epochs": 300, "lr": 0.002, **settings}
    return FitCell(
        benchmark="nb201-cifar10",
        signal="val",
        loss="hr",
        train_size=78,
        backbone="gcn",
        seed=0,
        epochs=300,
        hparams="{}",
        ts=(0.5,),
        ks=(1,),
        settings=json.dumps(base, sort_keys=True),
    )


def test_the_default_train_dtype_keeps_earlier_cell_ids_and_bfloat16_makes_new_ones():
    assert _cell().cell_id == _cell(train_dtype="float32").cell_id
    assert _cell(train_dtype="bfloat16").cell_id != _cell().cell_id
