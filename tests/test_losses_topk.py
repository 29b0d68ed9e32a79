"""The NDCG-family losses (LambdaLoss, ApproxNDCG, NeuralNDCG) on hand-computed cases, their
cut-off, and their emphasis on the top. Gradients, batching and bad input are checked for
every registered loss in test_losses.py."""

from __future__ import annotations

import math

import pytest
import torch

from pwlkit.losses import approxndcg, lambdaloss, make_loss, neuralndcg
from pwlkit.losses._ndcg import cutoff


def f64(*values):
    return torch.tensor(values, dtype=torch.float64)


def test_cutoff_is_a_count_a_fraction_or_the_whole_batch():
    assert cutoff(10, 128) == 10 and cutoff(0.2, 128) == 26 and cutoff(0, 128) == 128
    assert cutoff(500, 128) == 128 and cutoff(0.001, 128) == 1
    with pytest.raises(ValueError, match="fraction in \\(0, 1\\) or a whole count"):
        make_loss("lambdaloss", k=1.5)


def test_approxndcg_hand_computed():
    # tied predictions: both smooth ranks are 0.5 + 2 * sigmoid(0) = 1.5
    loss = approxndcg(f64(0.0, 0.0), f64(1.0, 0.0), temperature=1.0, gain="linear")
    assert loss.item() == pytest.approx(1 - 1 / math.log2(2.5))
    # the right order with a sharp temperature: NDCG = 1
    sharp = approxndcg(f64(1.0, 0.0), f64(1.0, 0.0), temperature=0.01, gain="linear")
    assert sharp.item() == pytest.approx(0.0, abs=1e-12)


def test_neuralndcg_at_low_temperature_is_one_minus_ndcg():
    pred, target = f64(0.1, 0.9, 0.5), f64(1.0, 0.0, 0.5)
    # predicted order: gains 0, 0.5, 1 -> DCG = 0.5 / log2(3) + 1 / log2(4)
    dcg, idcg = 0.5 / math.log2(3) + 0.5, 1 + 0.5 / math.log2(3)
    full = neuralndcg(pred, target, temperature=1e-3, k=0, sinkhorn_iters=0, gain="linear")
    assert full.item() == pytest.approx(1 - dcg / idcg, abs=1e-9)
    at_one = neuralndcg(pred, target, temperature=1e-3, k=1, gain="linear")
    assert at_one.item() == pytest.approx(1.0, abs=1e-9)  # the predicted top has gain 0


def test_lambdaloss_hand_computed():
    # one ordered pair, predicted in the right order: ranks 1 and 2, G = (1, 0) / IDCG (= 1)
    inv_d2 = 1 / math.log2(3)
    rho = 1 - inv_d2  # |1/D(1) - 1/D(2)|
    delta = 1 - inv_d2  # |1/D(1) - 1/D(2)| for a rank gap of 1
    weight = 1.0 * (rho + 10 * delta)
    expected = -weight * math.log2(1 / (1 + math.exp(-0.2)))
    got = lambdaloss(f64(0.2, 0.0), f64(1.0, 0.0), k=0, mu=10.0, gain="linear")
    assert got.item() == pytest.approx(expected)


def test_lambdaloss_counts_only_pairs_touching_the_top_k():
    # predicted ranks: index 2 first, then 0, then 1; at k = 1 the pair (1 above 0), both
    # below the top, drops out and only the pairs with index 2 remain (IDCG@1 = 1)
    target, pred = f64(0.0, 0.5, 1.0), f64(0.1, 0.0, 1.0)
    inv_d = [1 / math.log2(1 + r) for r in range(1, 5)]
    w20 = 1.0 * ((inv_d[0] - inv_d[1]) + 10 * (inv_d[0] - inv_d[1]))  # ranks 1, 2; gap 1
    w21 = 0.5 * ((inv_d[0] - inv_d[2]) + 10 * (inv_d[1] - inv_d[2]))  # ranks 1, 3; gap 2

    def log2_sigmoid(x):
        return math.log2(1 / (1 + math.exp(-x)))

    expected = -(w20 * log2_sigmoid(0.9) + w21 * log2_sigmoid(1.0))
    got = lambdaloss(pred, target, k=1, mu=10.0, gain="linear")
    assert got.item() == pytest.approx(expected)
    assert lambdaloss(pred, target, k=0, mu=10.0, gain="linear").item() != pytest.approx(expected)


@pytest.mark.parametrize("name", ["lambdaloss", "approxndcg", "neuralndcg"])
def test_swapping_the_two_best_costs_more_than_the_two_worst(name):
    target = torch.linspace(0, 1, 8, dtype=torch.float64)
    pred = 0.5 * target
    top, bottom = pred.clone(), pred.clone()
    top[[6, 7]] = top[[7, 6]]
    bottom[[0, 1]] = bottom[[1, 0]]
    loss = make_loss(name)
    base = loss(pred, target).item()
    assert loss(top, target).item() - base > 2 * (loss(bottom, target).item() - base) >= 0


@pytest.mark.parametrize("name", ["lambdaloss", "approxndcg", "neuralndcg"])
def test_exponential_gains_emphasise_the_top_more_than_linear(name):
    target = torch.linspace(0, 1, 8, dtype=torch.float64)
    pred = 0.5 * target
    top, bottom = pred.clone(), pred.clone()
    top[[6, 7]] = top[[7, 6]]
    bottom[[2, 3]] = bottom[[3, 2]]

    def ratio(gain):
        loss = make_loss(name, gain=gain, k=0)
        base = loss(pred, target).item()
        return (loss(top, target).item() - base) / (loss(bottom, target).item() - base)

    # with linear gains and no cut-off LambdaLoss charges the lower swap more (0.12 vs 0.38):
    # the top emphasis comes from the exponential gains or the cut-off
    assert ratio("exp") > 2 and ratio("exp") > 2 * ratio("linear")


def test_targets_outside_unit_range_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lambdaloss(torch.zeros(3), torch.tensor([0.1, 2.0, 0.5]))
