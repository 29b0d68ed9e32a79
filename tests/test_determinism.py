"""A fit's numbers depend on its own cell: alone, in a pair, in a bigger group, with other
``max_models`` or workers, a model gives the same predictions bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL, toy_space

from pwlkit.predictors.layers import affine
from pwlkit.train import fit_predict, fit_predict_many, sample_train

pytestmark = pytest.mark.usefixtures("one_thread")
FAST = {"epochs": 6, "batch_size": 16}


@pytest.fixture(scope="module")
def space():
    return toy_space("additive", n_archs=400)


@pytest.mark.parametrize("backbone", ["gcn", "mlp", "transformer"])
def test_a_model_trains_the_same_alone_and_in_any_group(space, backbone):
    sets = [sample_train(space, 60, s) for s in range(5)]
    kw = {"backbone": backbone, **FAST, **SMALL[backbone]}
    alone = fit_predict(space, sets[0], "hr", seed=0, **kw)
    losses = ["hr", "mse", "warp", "hr", "mape"]
    for max_models in (2, 3, 5):
        many = fit_predict_many(space, sets, losses, list(range(5)), max_models=max_models, **kw)
        np.testing.assert_array_equal(many[0], alone)
    # the last of five in pairs trains alone: the same as in a pair
    pairs = fit_predict_many(space, sets, losses, list(range(5)), max_models=2, threads=2, **kw)
    lone = fit_predict(space, sets[4], "mape", seed=4, **kw)
    np.testing.assert_array_equal(pairs[4], lone)


def test_a_lone_one_column_product_matches_the_batched_one():
    gen = torch.Generator().manual_seed(0)
    x, w, b = (torch.randn(s, generator=gen) for s in ((3, 128, 64), (3, 64, 1), (3, 1, 1)))
    batched = torch.baddbmm(b, x, w)
    np.testing.assert_array_equal(affine(b[:1], x[:1], w[:1]).numpy(), batched[:1].numpy())
    np.testing.assert_array_equal(affine(b, x, w).numpy(), batched.numpy())
    grads = []
    for m in (1, 3):
        xs = x[:m].clone().requires_grad_()
        affine(b[:m], xs, w[:m]).square().sum().backward()
        grads.append(xs.grad[0])
    np.testing.assert_array_equal(grads[0].numpy(), grads[1].numpy())
