"""Training samples drawn at random, spread out (k-means++) or by strata; as a study axis."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import toy_space

from pwlkit.predictors import encode
from pwlkit.study import expand_cells, load_study
from pwlkit.train import SAMPLINGS, sample_train


@pytest.fixture(scope="module")
def space():
    return toy_space("additive", n_archs=400)


@pytest.mark.parametrize("strategy", SAMPLINGS)
def test_every_strategy_draws_distinct_sorted_rows_and_repeats(space, strategy):
    a = sample_train(space, 40, 3, strategy)
    assert len(a) == 40 and len(np.unique(a)) == 40 and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(a, sample_train(space, 40, 3, strategy))
    assert not np.array_equal(a, sample_train(space, 40, 4, strategy))


def test_random_is_the_sample_it_always_was(space):
    rng = np.random.default_rng([3, 0x5A3])
    expected = np.sort(rng.choice(space.num_archs, size=40, replace=False))
    np.testing.assert_array_equal(sample_train(space, 40, 3), expected)


def _spread(space, rows) -> float:
    flat = encode(space).flat.numpy()[rows].astype(float)
    d = ((flat[:, None] - flat[None]) ** 2).sum(-1) + np.eye(len(rows)) * 1e9
    return float(d.min(axis=1).mean())


def test_diverse_samples_are_more_spread_out_than_random_ones(space):
    diverse = np.mean([_spread(space, sample_train(space, 30, s, "diverse")) for s in range(5)])
    random = np.mean([_spread(space, sample_train(space, 30, s)) for s in range(5)])
    assert diverse > random


def test_stratified_takes_every_stratum_in_proportion(space):
    from pwlkit.train import sampling
    from pwlkit.train.pretrain import flow_features

    feats = flow_features(space)
    feats = (feats - feats.mean(0)) / np.where(feats.std(0) > 0, feats.std(0), 1)
    _, _, vt = np.linalg.svd(feats - feats.mean(0), full_matrices=False)
    order = np.argsort(feats @ vt[0], kind="stable")
    strata = np.array_split(order, sampling.STRATA)
    rows = sample_train(space, 50, 0, "stratified")
    counts = [len(np.intersect1d(rows, s)) for s in strata]
    assert counts == [5] * 10


def test_an_unknown_strategy_names_the_valid_ones(space):
    with pytest.raises(ValueError, match="Valid samplings: random, diverse, stratified"):
        sample_train(space, 10, 0, "greedy")


def test_samplings_and_axes_are_grid_axes_and_plain_cells_keep_their_ids(tmp_path):
    base = {
        "name": "axes",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["hr"],
        "train_sizes": [20],
        "seeds": 2,
        "epochs": 3,
        "output_dir": str(tmp_path),
    }
    plain = {c.cell_id for c in expand_cells(load_study(base))}
    study = load_study(
        {**base, "samplings": ["random", "diverse"], "axes": {"pretrain": ["none", "flow"]}}
    )
    cells = expand_cells(study)
    assert study.num_cells == len(cells) == 8 and len({c.cell_id for c in cells}) == 8
    kept = {c.cell_id for c in cells if c.sampling == "random" and '"flow"' not in c.hparams}
    assert kept == plain
    with pytest.raises(ValueError, match="axes.*also fixed in hyperparameters"):
        load_study({**base, "axes": {"lr": [0.1]}, "hyperparameters": {"lr": 0.2}})
    with pytest.raises(ValueError, match="unknown pretrain"):
        load_study({**base, "axes": {"pretrain": ["none", "bert"]}})
    with pytest.raises(ValueError, match="sampling"):
        load_study({**base, "samplings": ["greedy"]})
