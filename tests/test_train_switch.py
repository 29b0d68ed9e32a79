"""Switch options in training: the affine refit, the learning-rate restart, the Adam reset."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL, toy_space

from pwlkit.losses import parse_loss
from pwlkit.predictors import build_predictor, encode
from pwlkit.predictors.layers import BatchedModule
from pwlkit.train import at_switch, engine, fit_predict, fit_predict_many, sample_train
from pwlkit.train.prepare import loss_groups, scaled_targets


@pytest.fixture(scope="module")
def space():
    return toy_space("additive")


def _setup(space, n_models=2, n=32, backbone="gcn"):
    sets = np.stack([sample_train(space, n, s) for s in range(n_models)])
    targets = scaled_targets(np.asarray(space.val, np.float64), sets, "val", space.name)
    model = build_predictor(backbone, encode(space), n_models, **SMALL[backbone])
    model.reset(list(range(n_models)))
    return model, torch.from_numpy(sets), torch.from_numpy(targets)


def _line(p, y):
    """Least-squares slope and intercept of y on p (numpy's own fit)."""
    slope, intercept = np.polyfit(np.asarray(p, np.float64), np.asarray(y, np.float64), 1)
    return slope, intercept


@pytest.mark.parametrize("backbone", ["gcn", "gin", "mlp", "transformer"])
def test_refit_puts_scores_on_the_least_squares_line(space, backbone):
    model, idx, y = _setup(space, backbone=backbone)
    with torch.no_grad():
        before = model(idx).numpy().astype(np.float64)
    scale, shift = at_switch.refit_output(model, [1], idx, y)
    with torch.no_grad():
        after = model(idx).numpy().astype(np.float64)
    np.testing.assert_array_equal(after[0], before[0])  # row 0 was not asked for
    a, c = _line(before[1], y[1].numpy())
    assert float(scale[0]) == pytest.approx(a, rel=1e-6)
    assert float(shift[0]) == pytest.approx(c, rel=1e-6, abs=1e-9)
    np.testing.assert_allclose(after[1], a * before[1] + c, rtol=1e-4, atol=1e-5)
    slope, intercept = _line(after[1], y[1].numpy())  # refitting again would change nothing
    assert slope == pytest.approx(1.0, abs=1e-4) and intercept == pytest.approx(0.0, abs=1e-4)


def _train(model, idx, y, specs, opt):
    seeds = list(range(len(specs)))
    groups = loss_groups([parse_loss(s) for s in specs], seeds, torch.device("cpu"))
    engine.train(model, idx, y, groups, seeds, opt)


def test_refit_happens_at_the_switch_epoch(space):
    """A learning rate too small to move anything after the switch: the trained scores are
    still those of the refit, least-squares optimal on the training sample."""
    opt = engine.Optim(epochs=2, batch_size=16, lr=1e-12, weight_decay=0.0)
    lines = {}
    for spec in ("hr->mape@0.5(refit)", "hr->mape@0.5"):
        model, idx, y = _setup(space)
        _train(model, idx, y, [spec, spec], opt)
        with torch.no_grad():
            pred = model(idx).numpy()
        lines[spec] = [_line(pred[m], y[m].numpy()) for m in range(2)]
    for slope, intercept in lines["hr->mape@0.5(refit)"]:
        assert slope == pytest.approx(1.0, abs=1e-3) and intercept == pytest.approx(0.0, abs=1e-3)
    for slope, _ in lines["hr->mape@0.5"]:
        assert abs(slope - 1.0) > 0.1  # without the option the scores stay off the scale


def _recorded(monkeypatch, space, spec, epochs=4, n=32, batch_size=16, min_ratio=0.1):
    """Learning rate and Adam step count (before the step) of every training step."""
    seen: list[tuple[float, float]] = []
    step = engine.FusedAdam.step

    def record(self, loss, lr):
        seen.append((lr, float(self.steps[0])))
        step(self, loss, lr)

    monkeypatch.setattr(engine.FusedAdam, "step", record)
    model, idx, y = _setup(space, n=n)
    opt = engine.Optim(epochs, batch_size, 1e-3, 1e-4, lr_min_ratio=min_ratio)
    _train(model, idx, y, [spec, spec], opt)
    return [lr for lr, _ in seen], [s for _, s in seen]


def test_restart_gives_the_initial_learning_rate_at_the_switch(monkeypatch, space):
    plain, plain_steps = _recorded(monkeypatch, space, "hr->mape@0.5")
    assert plain == [engine.cosine_lr(s, 8, 1e-3, 0.1) for s in range(8)]  # 4 epochs x 2
    lrs, steps = _recorded(monkeypatch, space, "hr->mape@0.5(restart)")
    assert lrs[:4] == plain[:4]  # unchanged before the switch (epoch 2, step 4)
    assert lrs[4] == 1e-3 and lrs[4:] == [engine.cosine_lr(s, 4, 1e-3, 0.1) for s in range(4)]
    assert lrs[-1] == pytest.approx(1e-4)
    assert steps == plain_steps == [float(s) for s in range(8)]  # Adam keeps counting


def test_reset_adam_zeroes_the_moments_at_the_switch(monkeypatch, space):
    lrs, steps = _recorded(monkeypatch, space, "hr->mape@0.5(reset_adam)")
    assert steps == [0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0]
    assert lrs == [engine.cosine_lr(s, 8, 1e-3, 0.1) for s in range(8)]  # lr not restarted


def test_the_switch_epoch_is_the_schedules_own():
    for at, epochs in [(0.5, 300), (0.5, 7), (0.3, 10), (0.0, 5), (0.7, 3), (0.95, 10)]:
        epoch = at_switch.switch_epoch(at, epochs)
        schedule = parse_loss(f"hr->mape@{at!r}")
        losses = [schedule.mix(progress=e / epochs)[0][0].name for e in range(epochs)]
        assert losses.index("mape") == epoch if "mape" in losses else epoch is None
    assert at_switch.switch_epoch(0.95, 10) is None and at_switch.switch_epoch(1.0, 10) is None


def test_options_absent_means_no_events():
    plan = at_switch.plan([(parse_loss("hr->mape@0.5"), [0]), (parse_loss("hr"), [1])], 300)
    assert plan == at_switch.SwitchPlan(None, None, {})
    assert at_switch.optimiser_key(parse_loss("hr->mape@469"), 300) == (None, None)


def test_groups_that_restart_differently_cannot_share_an_optimiser():
    schedules = [(parse_loss("hr->mape@0.5(restart)"), [0]), (parse_loss("hr->mape@0.5"), [1])]
    with pytest.raises(ValueError, match="restart the learning rate or reset Adam"):
        at_switch.plan(schedules, 10)
    same = [(parse_loss("hr->mape@0.5(restart)"), [0]), (parse_loss("mse->ew@0.5(restart)"), [1])]
    assert at_switch.plan(same, 10).restart == 5


def test_mixed_options_in_one_call_equal_lone_fits(space):
    specs = ["hr->mape@0.5", "hr->mape@0.5(restart)", "hr->mape@0.5(refit)", "hr"]
    sets = [sample_train(space, 30, s) for s in range(4)]
    kw = {"epochs": 4, "batch_size": 16, **SMALL["gcn"], "max_models": 4, "threads": 1}
    many = fit_predict_many(space, sets, specs, [0, 1, 2, 3], **kw)
    for j, spec in enumerate(specs):
        one = fit_predict(space, sets[j], spec, seed=j, **kw)
        np.testing.assert_allclose(many[j], one, rtol=1e-4, atol=1e-5)
    assert not np.allclose(many[0], fit_predict(space, sets[0], specs[1], seed=0, **kw))


def test_refit_needs_a_last_layer(space):
    class NoHead(BatchedModule):
        def __init__(self):
            super().__init__(1)
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, idx):
            return self.w * idx.float()

    idx, y = torch.zeros(1, 4, dtype=torch.long), torch.linspace(0, 1, 4).view(1, 4)
    groups = loss_groups([parse_loss("hr->mape@0.5(refit)")], [0], torch.device("cpu"))
    opt = engine.Optim(epochs=2, batch_size=4, lr=1e-3, weight_decay=0.0)
    with pytest.raises(NotImplementedError, match="switch option refit needs one"):
        engine.train(NoHead(), idx, y, groups, [0], opt)
