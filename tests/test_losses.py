"""The eight losses: hand-computed values, gradients, invariances, top emphasis, batching."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from pwlkit.losses import LOSS_NAMES, listmle, make_loss, mape, mse_sr, warp
from pwlkit.losses.mse_sr import mse_sr_with_perm

E = math.e
T = torch.tensor


def f64(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def call(name: str, pred, target, seed: int = 0, **params):
    return make_loss(name, **params)(pred, target, generator=gen(seed))


# ---------------------------------------------------------------- hand-computed values


def test_mse_value():
    # (1-1)^2 + (2-0)^2 + (3-5)^2 = 0 + 4 + 4 -> 8 / 3
    assert call("mse", f64(1, 2, 3), f64(1, 0, 5)).item() == pytest.approx(8 / 3)


def test_hr_value_and_ties():
    pred, target = f64(0.0, 1.0, 0.5), f64(3, 2, 1)
    # pairs (0,1): 0.1 - (0 - 1) = 1.1; (0,2): 0.1 - (0 - 0.5) = 0.6; (1,2): 0.1 - 0.5 < 0 -> 0
    assert call("hr", pred, target).item() == pytest.approx((1.1 + 0.6 + 0.0) / 3)
    # margin 1: (0,1): 2; (0,2): 1.5; (1,2): 0.5
    assert call("hr", pred, target, margin=1.0).item() == pytest.approx(4.0 / 3)
    # y_0 == y_1 is no pair: (0,2): 0.6, (1,2): 0 -> 0.3
    assert call("hr", pred, f64(3, 3, 1)).item() == pytest.approx(0.3)
    # all tied: no pair at all -> 0
    assert call("hr", pred, f64(2, 2, 2)).item() == 0.0


def test_lr_value():
    pred, target = f64(0.0, 1.0, 0.5), f64(3, 2, 1)
    # log(1 + exp(-(p_i - p_j))) for (0,1): d=-1; (0,2): d=-0.5; (1,2): d=0.5
    expected = (math.log(1 + E**1) + math.log(1 + E**0.5) + math.log(1 + E**-0.5)) / 3
    assert call("lr", pred, target).item() == pytest.approx(expected)


def test_mse_sr_value_for_a_given_permutation():
    pred, target, perm = f64(1, 2, 3), f64(0, 2, 1), torch.tensor([2, 0, 1])
    # p[perm] = [3,1,2] -> dp = [-2,1,1]; y[perm] = [1,0,2] -> dy = [-1,2,-1]
    # |dp - dy| = [1,1,2] -> 4/3; mse = (1 + 0 + 4) / 3 = 5/3; total 5/3 + 0.1 * 4/3 = 1.8
    assert mse_sr_with_perm(pred, target, perm).item() == pytest.approx(1.8)
    assert mse_sr_with_perm(pred, target, perm, lam=0.5).item() == pytest.approx(5 / 3 + 2 / 3)


def _all_perms(b: int) -> torch.Tensor:
    return torch.tensor(list(itertools.permutations(range(b))))


def _mse_sr_every_perm(pred, target, lam=0.1) -> torch.Tensor:
    """mse+sr under each of the B! permutations (one value per permutation)."""
    perms = _all_perms(pred.shape[-1])
    n = perms.shape[0]
    return mse_sr_with_perm(pred.expand(n, -1), target.expand(n, -1), perms, lam=lam)


def test_mse_sr_draws_uniform_independent_permutations_per_model():
    # d = p - y = [0, 1, 3]; the L1 term sums |d_i - d_perm(i)|: identity 0, (0 1) 2,
    # (1 2) 4, (0 2) 6, both 3-cycles 1 + 2 + 3 = 6 -> values with multiplicities 1, 1, 1, 3.
    pred, target = f64(0.0, 1.5, 5.0), f64(0.0, 0.5, 2.0)
    mse = (0 + 1 + 9) / 3
    expected = {round(mse + 0.1 * s / 3, 9): m for s, m in ((0, 1), (2, 1), (4, 1), (6, 3))}
    assert sorted(round(v, 9) for v in _mse_sr_every_perm(pred, target).tolist()) == sorted(
        v for v, m in expected.items() for _ in range(m)
    )
    # 6000 copies of the model in one batched call: each draws its own permutation
    values = mse_sr(pred.expand(6000, 3), target, generator=gen(1))
    uniq, counts = torch.unique(values.round(decimals=9), return_counts=True)
    observed = dict(zip((round(v, 9) for v in uniq.tolist()), counts.tolist()))
    assert observed.keys() == expected.keys()
    for value, mult in expected.items():
        assert abs(observed[value] - 1000 * mult) < 150  # ~5 binomial standard deviations


def test_listmle_value():
    pred, target = f64(2, 1, 0), f64(1, 3, 2)
    # true order: idx 1 (p=1), idx 2 (p=0), idx 0 (p=2)
    # [log(e^1 + e^0 + e^2) - 1] + [log(e^0 + e^2) - 0] + [log(e^2) - 2]
    expected = math.log(E + 1 + E**2) - 1 + math.log(1 + E**2)
    assert call("listmle", pred, target).item() == pytest.approx(expected)


def test_listmle_breaks_ties_at_random_and_reproducibly():
    pred, target = f64(0.3, -0.2, 0.1), f64(1, 1, 0)
    a, b, c = 0.3, -0.2, 0.1

    def lse(*xs):
        return math.log(sum(E**x for x in xs))

    # tied 0 and 1 in either order, then 2
    first = lse(a, b, c) - a + lse(b, c) - b
    second = lse(b, a, c) - b + lse(a, c) - a
    values = {round(call("listmle", pred, target, seed=s).item(), 10) for s in range(40)}
    assert values == {round(first, 10), round(second, 10)}
    assert call("listmle", pred, target, seed=7).item() == call("listmle", pred, target, 7).item()


def test_listmle_is_finite_for_huge_score_gaps():
    value = listmle(f64(1000.0, -1000.0, 0.0), f64(0, 1, 2))
    # order: p=0, p=-1000, p=1000 -> [log(e^0+e^-1000+e^1000) - 0] + [log(e^-1000+e^1000)+1000]
    assert torch.isfinite(value)
    assert value.item() == pytest.approx(1000.0 + 2000.0)


def test_ew_value_accuracy_and_rank_weights():
    pred, target = f64(0, 0, 0), f64(1.0, 0.5, 0.0)
    w_half = (E**0.5 - 1) / (E - 1)
    # w = [1, w(0.5), 0]; errors^2 = [1, 0.25, 0]
    assert call("ew", pred, target).item() == pytest.approx((1.0 + w_half * 0.25) / 3)
    # rank weights: y = [0.9, 0.2, 0.4] -> rank scores [1, 0, 0.5]
    target = f64(0.9, 0.2, 0.4)
    expected = (1.0 * 0.81 + 0.0 * 0.04 + w_half * 0.16) / 3
    assert call("ew", pred, target, weights="rank").item() == pytest.approx(expected)


def test_mape_value_in_error_space():
    pred, target, b = f64(0.8, 0.5, 0.5), f64(1.0, 0.5, 0.0), -0.05
    terms = []
    for p, y in zip(pred.tolist(), target.tolist()):
        p_err, y_err = 1 - p, 1 - y
        terms.append(abs((p_err - b) / (y_err - b) - 1))
    # = |0.25/0.05 - 1| = 4, |0.55/0.55 - 1| = 0, |0.55/1.05 - 1| = 0.5/1.05
    assert terms == pytest.approx([4.0, 0.0, 0.5 / 1.05])
    assert call("mape", pred, target).item() == pytest.approx(sum(terms) / 3)
    # another bound: denominators 0.1, 0.6, 1.1 -> (2 + 0 + 0.5/1.1) / 3
    assert call("mape", pred, target, bound=-0.1).item() == pytest.approx((2 + 0.5 / 1.1) / 3)
    # rank weights: y = [0.9, 0.2, 0.4] -> rank scores [1, 0, 0.5] -> errors [0, 1, 0.5]
    t2 = f64(0.9, 0.2, 0.4)
    expected = (0.1 / 0.05 + 0.3 / 1.05 + 0.1 / 0.55) / 3
    assert call("mape", pred, t2, weights="rank").item() == pytest.approx(expected)


def test_warp_value():
    pred, target = f64(0.2, 0.6, 0.1), f64(1.0, 0.5, 0.0)
    # i=0: worse 1, 2; hinges 1 - 0.2 + 0.6 = 1.4 and 1 - 0.2 + 0.1 = 0.9 -> r=2, L(2)=1.5
    #      -> 1.5 / 2 * 2.3 = 1.725
    # i=1: worse 2; hinge 1 - 0.6 + 0.1 = 0.5 -> r=1, L(1)=1 -> 0.5;  i=2: nothing worse -> 0
    assert call("warp", pred, target, weights="none").item() == pytest.approx(2.225 / 3)
    # accuracy weights w = y = [1, 0.5, 0]
    assert call("warp", pred, target).item() == pytest.approx((1.725 + 0.25) / 3)
    # rank weights: y = [0.9, 0.2, 0.1] has rank scores [1, 0.5, 0], same order as above
    assert call("warp", pred, f64(0.9, 0.2, 0.1), weights="rank").item() == pytest.approx(
        (1.725 + 0.25) / 3
    )
    # margin 0.3: i=0 hinges 0.7, 0.2 -> 1.5/2 * 0.9 = 0.675; i=1: 0.3 - 0.6 + 0.1 < 0 -> 0
    assert call("warp", pred, target, margin=0.3, weights="none").item() == pytest.approx(0.225)


def test_warp_rank_weight_is_harmonic_number():
    # the best of 4 outranked by all three worse ones within the margin:
    # hinges 1 - 0 + 0.5, 1 - 0 + 0.4, 1 - 0 + 0.3 = 1.5, 1.4, 1.3 -> r = 3, L(3) = 11/6
    # i=1 (p .5): worse 2 (.4) and 3 (.3): hinges 0.9, 0.8 -> L(2)/2 * 1.7 = 1.275
    # i=2 (p .4): worse 3: hinge 0.9 -> 0.9;  i=3: 0
    pred, target = f64(0.0, 0.5, 0.4, 0.3), f64(4, 3, 2, 1)
    expected = ((11 / 6) / 3 * 4.2 + 1.275 + 0.9) / 4
    assert warp(pred, target, weights="none").item() == pytest.approx(expected)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_gradients_match_finite_differences(name):
    torch.manual_seed(3)
    pred = torch.randn(2, 6, dtype=torch.float64, requires_grad=True)
    target = torch.rand(6, dtype=torch.float64)
    loss = make_loss(name)

    def fn(p):
        return loss(p, target, generator=gen(5))

    assert torch.autograd.gradcheck(fn, (pred,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", ["ew", "mape", "warp"])
def test_gradients_rank_weighted(name):
    torch.manual_seed(4)
    pred = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    target = torch.randn(3, 5, dtype=torch.float64)  # per-model targets, any scale
    loss = make_loss(name, weights="rank")
    assert torch.autograd.gradcheck(lambda p: loss(p, target), (pred,), eps=1e-6)


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize(
    "spec", ["hr", "lr", "listmle", "warp(weights=rank)", "warp(weights=none)"]
)
def test_ranking_losses_ignore_monotone_transforms_of_targets(spec):
    from pwlkit.losses import parse_loss

    torch.manual_seed(5)
    pred = torch.randn(4, 8, dtype=torch.float64)
    target = torch.rand(8, dtype=torch.float64).round(decimals=1)  # some ties
    warped = torch.exp(3 * target) * 7 - 2  # strictly increasing
    loss = parse_loss(spec)
    a = loss(pred, target, generator=gen(2))
    b = loss(pred, warped, generator=gen(2))
    torch.testing.assert_close(a, b)
    # and the check can fail: MSE does see the transform
    assert not torch.allclose(make_loss("mse")(pred, target), make_loss("mse")(pred, warped))


@pytest.mark.parametrize("spec", ["ew", "ew(weights=rank)", "mape", "mape(weights=rank)"])
def test_pointwise_weighted_losses_weigh_the_top_more(spec):
    from pwlkit.losses import parse_loss

    target = torch.linspace(0, 1, 8, dtype=torch.float64)  # index 7 best, 0 worst
    loss = parse_loss(spec)
    err_top, err_bottom = target.clone(), target.clone()
    err_top[7] -= 0.3
    err_bottom[0] += 0.3
    assert loss(err_top, target) > 2 * loss(err_bottom, target)
    # the plain regression loss treats both the same
    assert make_loss("mse")(err_top, target).item() == pytest.approx(
        make_loss("mse")(err_bottom, target).item()
    )


def _warp_swap_costs(weights: str) -> tuple[float, float]:
    """Extra WARP loss from swapping the two best vs the two worst of a perfect prediction."""
    target = torch.linspace(0, 1, 8, dtype=torch.float64)
    pred = 3.0 * target
    top, bottom = pred.clone(), pred.clone()
    top[[6, 7]] = top[[7, 6]]
    bottom[[0, 1]] = bottom[[1, 0]]
    base = warp(pred, target, weights=weights).item()
    return (
        warp(top, target, weights=weights).item() - base,
        warp(bottom, target, weights=weights).item() - base,
    )


@pytest.mark.parametrize("weights", ["accuracy", "rank"])
def test_warp_weighs_the_top_more(weights):
    top, bottom = _warp_swap_costs(weights)
    assert top > 2 * bottom > 0


def test_textbook_warp_needs_the_weights_for_top_emphasis():
    # as documented: Weston's form (weights=none) charges the bottom swap at least as much
    top, bottom = _warp_swap_costs("none")
    assert bottom >= top > 0


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_batched_equals_per_model_loop(name):
    torch.manual_seed(6)
    pred = torch.randn(3, 4, 6, dtype=torch.float64)
    shared = torch.rand(6, dtype=torch.float64)  # distinct values: listmle is deterministic
    own = torch.rand(3, 4, 6, dtype=torch.float64)
    loss = make_loss(name)
    for target in (shared, own):
        batched = loss(pred, target, generator=gen(0))
        assert batched.shape == (3, 4)
        for i, j in itertools.product(range(3), range(4)):
            t = target if target.dim() == 1 else target[i, j]
            if name == "mse+sr":  # its own random pairing per model: one of the B! values
                every = _mse_sr_every_perm(pred[i, j], t)
                assert (every - batched[i, j]).abs().min() < 1e-12
            else:
                expected = loss(pred[i, j], t, generator=gen(0))
                torch.testing.assert_close(batched[i, j], expected)


@pytest.mark.parametrize("name", ["mse+sr", "listmle"])
def test_random_losses_are_reproducible_per_generator_seed(name):
    torch.manual_seed(7)
    pred = torch.randn(5, 9)
    target = torch.randint(0, 3, (9,)).float()  # many ties for listmle
    loss = make_loss(name)
    a = loss(pred, target, generator=gen(11))
    assert torch.equal(a, loss(pred, target, generator=gen(11)))
    assert not torch.equal(a, loss(pred, target, generator=gen(12)))


def test_float32_and_shared_target_give_one_loss_per_model():
    pred = torch.randn(2, 3, 5)
    target = torch.rand(5)
    for name in LOSS_NAMES:
        out = make_loss(name)(pred, target, generator=gen())
        assert out.shape == (2, 3) and out.dtype == torch.float32 and torch.isfinite(out).all()


def test_single_architecture_batch_is_harmless():
    for name in LOSS_NAMES:
        out = make_loss(name)(T([[0.3]]), T([1.0]), generator=gen())
        assert out.shape == (1,) and torch.isfinite(out).all()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_nan_targets_raise_a_clear_error(name):
    with pytest.raises(ValueError, match="NaN"):
        make_loss(name)(torch.zeros(2, 3), T([0.1, float("nan"), 0.5]), generator=gen())


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_shape_mismatch_raises(name):
    with pytest.raises(ValueError, match=r"target shape \(4,\) does not match pred shape \(2, 3\)"):
        make_loss(name)(torch.zeros(2, 3), torch.zeros(4), generator=gen())


@pytest.mark.parametrize("name", ["ew", "mape", "warp"])
def test_accuracy_weights_need_unit_range_targets(name):
    with pytest.raises(ValueError, match=r"\[0, 1\].*weights=rank"):
        make_loss(name)(torch.zeros(3), T([0.1, 2.0, 0.5]))
    # the rank option does not care about the scale
    assert torch.isfinite(make_loss(name, weights="rank")(torch.zeros(3), T([0.1, 2.0, 0.5])))


def test_bad_weights_and_bound_values():
    with pytest.raises(ValueError, match="accuracy, rank"):
        make_loss("ew", weights="top")
    with pytest.raises(ValueError, match="bound must be < 0"):
        make_loss("mape", bound=0.0)
    with pytest.raises(ValueError, match="bound=0.1 must be below"):
        mape(torch.zeros(3), T([0.0, 0.5, 1.0]), bound=0.1)
    with pytest.raises(ValueError, match="valid: margin, weights"):
        make_loss("warp", alpha=2)
    with pytest.raises(ValueError, match="Valid names: mse, hr, lr, mse\\+sr, listmle, ew, mape"):
        make_loss("hinge")
