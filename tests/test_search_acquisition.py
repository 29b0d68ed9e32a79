"""Acquisition, mixed pools and the named methods (bananas, npenas, gp, pw+).

Hand-computed cases for each acquisition (`pwlkit.search.acquisition`), the mixed pool's
composition, the WL features of a small graph counted by hand, the GP surrogate on a toy case,
every named method on the toy benchmark and in `open_search`, bad options, and stored or
checkpointed searches that resume without computing anything twice. The real engine trains
for 3 epochs with a small GCN; most loop tests use a seeded stand-in engine.
"""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
from scipy.stats import norm

from pwlkit.checks import BadParameter
from pwlkit.cli import main
from pwlkit.runs.gridfile import GridFileError
from pwlkit.search import (
    NAMED,
    SearchConfig,
    make_config,
    open_search,
    read_checkpoint,
    resolve_strategy,
    run_searches,
    signal_view,
)
from pwlkit.search.acquisition import expected_improvement, pick
from pwlkit.search.candidates import SpaceCandidates, TableRows, mixed_pool
from pwlkit.search.cells import search_cells
from pwlkit.search.checkpoint import Evaluations
from pwlkit.search.gp import gp_posterior
from pwlkit.search.grid import load_search_study
from pwlkit.search.loop import (
    PLAIN,
    TableLookup,
    configure,
    ensemble_beliefs,
    round_pool,
    search_queries,
)
from pwlkit.search.summary import summarize_search
from pwlkit.search.toy import make_toy_benchmark
from pwlkit.search.wl import wl_features, wl_labels
from pwlkit.spaces import get_space
from pwlkit.train.ensemble import member_seed

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = {"epochs": 3, "hparams": {"hidden": 16, "layers": 2, "head_hidden": 8}}
"""A few epochs of a small GCN: real fits, fast."""
FAST_TRANSFORMER = {
    "epochs": 3,
    "backbone": "transformer",
    "hparams": {"dim": 16, "heads": 2, "layers": 1, "ffn": 16},
}
"""The same for ``pw+``, whose members are Transformers."""

NEW = ("bananas", "npenas", "gp", "pw+")


@pytest.fixture
def quick_pretraining(monkeypatch, tmp_path):
    """``pw+`` pretrains on the space: one short pass over a few hundred cells, in a cache of
    the test's own."""
    from pwlkit.search import candidates
    from pwlkit.train import pretrain

    monkeypatch.setitem(pretrain.PRETRAIN_SETTINGS, "epochs", 1)
    monkeypatch.setitem(pretrain.PRETRAIN_SETTINGS, "max_archs", 300)
    monkeypatch.setattr(candidates, "OPEN_PRETRAIN_CELLS", 300)  # open spaces' sample
    monkeypatch.setenv("PWLKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def toy():
    return make_toy_benchmark(n_edges=5, n_ops=4, seed=0)  # 1,024 cells


def noisy_fit(benchmark, train_sets, losses, seeds, backbone="gcn", epochs=None, **kw):
    """A stand-in engine whose members disagree: the signal plus noise seeded by each job's
    seed (a known function of the seed, so a test can recompute it)."""
    y = np.asarray(benchmark.val, dtype=np.float64)
    return np.stack([y + np.random.default_rng(int(s)).normal(0, 1, len(y)) for s in seeds])


# ----------------------------------------------------------------------------- acquisitions


def test_mean_is_the_top_k_in_pool_order_on_ties():
    mean = np.array([0.5, 0.9, 0.5, 0.1])
    assert pick("mean", mean, None, 3).tolist() == [1, 0, 2]
    assert pick("mean", mean, None, 9).tolist() == [1, 0, 2, 3]  # k above the pool: all


def test_ucb_ranks_mean_plus_beta_std():
    mean = np.array([1.0, 0.8, 0.5, 0.9])
    std = np.array([0.0, 0.3, 0.1, 0.05])
    # beta 1: 1.0, 1.1, 0.6, 0.95; beta 0: the means; beta 10: 1.0, 3.8, 1.5, 1.4
    assert pick("ucb", mean, std, 4, beta=1.0).tolist() == [1, 0, 3, 2]
    assert pick("ucb", mean, std, 4, beta=0.0).tolist() == [0, 3, 1, 2]
    assert pick("ucb", mean, std, 2, beta=10.0).tolist() == [1, 2]


def test_expected_improvement_by_hand():
    # mean 0.5, std 1, incumbent 0: 0.5 * Phi(0.5) + phi(0.5)
    hand = 0.5 * norm.cdf(0.5) + norm.pdf(0.5)
    assert expected_improvement(np.array([0.5]), np.array([1.0]), 0.0)[0] == pytest.approx(hand)
    assert hand == pytest.approx(0.697797, abs=1e-6)
    # no spread: the plain improvement, never negative
    ei = expected_improvement(np.array([0.3, -0.2]), np.array([0.0, 0.0]), 0.0)
    assert ei.tolist() == [pytest.approx(0.3), 0.0]
    # a wide candidate below the incumbent beats a sure one slightly above it
    mean, std = np.array([0.1, -0.5]), np.array([0.0, 2.0])
    assert pick("ei", mean, std, 2, incumbent=0.0).tolist() == [1, 0]


def test_its_draws_one_normal_per_pick_and_is_reproducible():
    mean = np.array([0.0, 0.2, 0.1, -0.3, 0.05])
    std = np.array([1.0, 0.5, 0.0, 2.0, 0.3])
    picks = pick("its", mean, std, 3, rng=np.random.default_rng(7))
    again = pick("its", mean, std, 3, rng=np.random.default_rng(7))
    assert picks.tolist() == again.tolist()
    assert len(set(picks.tolist())) == 3  # k distinct candidates
    # by hand: each pick is the argmax of a fresh N(mean, std) draw over the unpicked
    g = np.random.default_rng(7)
    hand: list[int] = []
    for _ in range(3):
        draw = g.normal(mean, std)
        draw[hand] = -np.inf
        hand.append(int(np.argmax(draw)))
    assert picks.tolist() == hand
    other = [pick("its", mean, std, 3, rng=np.random.default_rng(s)).tolist() for s in range(8)]
    assert len({tuple(p) for p in other}) > 1  # another seed, other draws
    # no spread: Thompson sampling is the mean's ranking
    flat = pick("its", mean, np.zeros(5), 5, rng=np.random.default_rng(0))
    assert flat.tolist() == pick("mean", mean, None, 5).tolist()


def test_its_follows_the_mean_and_std():
    # first pick between N(0, 1) and N(0.5, 1): the second wins with Phi(0.5 / sqrt 2)
    g = np.random.default_rng(0)
    mean, std = np.array([0.0, 0.5]), np.array([1.0, 1.0])
    wins = np.mean([pick("its", mean, std, 1, rng=g)[0] == 1 for _ in range(4000)])
    assert wins == pytest.approx(norm.cdf(0.5 / np.sqrt(2)), abs=0.03)
    # equal means: only the uncertain one can win against a sure value above its mean
    mean, std = np.array([0.1, 0.0]), np.array([0.0, 1.0])
    wins = np.mean([pick("its", mean, std, 1, rng=g)[0] == 1 for _ in range(4000)])
    assert wins == pytest.approx(1 - norm.cdf(0.1), abs=0.03)


def test_acquisitions_without_a_spread_are_refused():
    with pytest.raises(ValueError, match="needs a standard deviation"):
        pick("ucb", np.zeros(3), None, 2)
    with pytest.raises(ValueError, match="unknown acquisition 'pi'"):
        pick("pi", np.zeros(3), np.zeros(3), 2)
    with pytest.raises(ValueError, match="random generator"):
        pick("its", np.zeros(3), np.ones(3), 2)


def test_ensemble_beliefs_are_the_members_mean_and_std(toy):
    view = signal_view(toy, "val")
    table = view.rows(np.arange(60))
    train, at = [np.arange(0, 20), np.arange(20, 35)], [np.arange(40, 50), np.arange(50, 60)]
    fit = {"backbone": "gcn", "epochs": 3, "signal": "val"}
    beliefs = ensemble_beliefs(table, train, at, "ens(mape)x3", [11, 12], fit, noisy_fit)
    for j, seed in enumerate([11, 12]):
        members = noisy_fit(table, [], [], [member_seed(seed, k) for k in range(3)])
        cells = np.concatenate([at[j], train[j]])  # each member standardised on these
        members = (members - members[:, cells].mean(1, keepdims=True)) / members[:, cells].std(
            1, keepdims=True
        )
        pool = members[:, at[j]]
        np.testing.assert_allclose(beliefs[j].mean, pool.mean(axis=0))
        np.testing.assert_allclose(beliefs[j].std, pool.std(axis=0))
        assert beliefs[j].incumbent == pytest.approx(members[:, train[j]].mean(axis=0).max())


# ----------------------------------------------------------------------------- pools


def _run_with(toy, rows, scores):
    run = TableLookup(np.full(toy.num_archs, np.nan), budget=100)
    run.queried[rows] = True
    run.archs, run.scores = list(rows), list(scores)
    return run


def test_mixed_pool_composition_on_a_table(toy):
    source = TableRows(signal_view(toy, "val"))
    far = next(i for i in range(toy.num_archs) if source.codes.distances(0)[i] == 5)
    run = _run_with(toy, [0, far, 3, 7], [9.0, 8.0, 1.0, 2.0])  # best: row 0, then far
    cfg = configure("mse", SearchConfig(pool_size=20, pool_parents=2, pool_random=0.25))
    pool = round_pool(source, run, cfg, np.random.default_rng(0))
    assert len(pool) == len(set(pool.tolist())) == 20
    assert not run.queried[pool].any()
    near, fresh = pool[:15], pool[15:]
    d0, d1 = source.codes.distances(0)[near], source.codes.distances(far)[near]
    # taken in turn: even positions are single-edge mutations of parent 1, odd of parent 2
    assert (d0[0::2] == 1).all() and (d1[1::2] == 1).all()
    assert len(fresh) == 5 and not set(fresh.tolist()) & set(near.tolist())
    # the same rng replays the same pool; the default is the paper's pool exactly
    again = round_pool(source, run, cfg, np.random.default_rng(0))
    assert again.tolist() == pool.tolist()
    plain = round_pool(source, run, configure("mse", SearchConfig()), np.random.default_rng(3))
    paper = source.pool(run, 0, 100, np.random.default_rng(3))
    assert plain.tolist() == paper.tolist()


def test_mixed_pool_all_random_and_on_a_space():
    space = get_space("nb201")
    source = SpaceCandidates(space)
    run = Evaluations(space, 30, "record", None, None)
    archs = space.sample(3, np.random.default_rng(1))
    run.archs, run.scores, run.seen = list(archs), [3.0, 2.0, 1.0], set(archs)
    pool = mixed_pool(source, run, archs[:2], 30, 10, np.random.default_rng(0))
    assert len(pool) == len(set(pool)) == 30 and not set(pool) & set(archs)
    near = set(pool[:20])
    one_step = set(space.neighbours(archs[0])) | set(space.neighbours(archs[1]))
    assert near <= one_step  # 24 single-edge mutations each: 20 fit in one step
    only_random = mixed_pool(source, run, archs[:1], 12, 12, np.random.default_rng(0))
    assert len(only_random) == 12 and not set(only_random) & set(archs)


# ----------------------------------------------------------------------------- WL and GP


def _cell(middle: str) -> tuple[np.ndarray, np.ndarray]:
    """input -> conv, input -> X, conv -> X, conv -> output, X -> output (X = ``middle``),
    with a PAD slot at the end."""
    names = ("input", "conv", "pool", "output")
    ops = np.array([[0, 1, names.index(middle), 3, -1]])
    adj = np.zeros((1, 5, 5), dtype=np.uint8)
    for i, j in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]:
        adj[0, i, j] = 1
    return ops, adj


def test_wl_labels_of_a_small_graph_by_hand():
    ops, adj = _cell("pool")
    names = ("input", "conv", "pool", "output")
    labels = wl_labels(ops, adj, names, 2)[0]
    assert labels == {
        # iteration 0: the operations (the PAD slot is no node)
        "input": 1,
        "conv": 1,
        "pool": 1,
        "output": 1,
        # iteration 1: each node with the sorted labels feeding it
        "input()": 1,
        "conv(input)": 1,
        "pool(conv,input)": 1,
        "output(conv,pool)": 1,
        # iteration 2: the same on the labels of iteration 1
        "input()()": 1,
        "conv(input)(input())": 1,
        "pool(conv,input)(conv(input),input())": 1,
        "output(conv,pool)(conv(input),pool(conv,input))": 1,
    }
    assert sum(wl_labels(ops, adj, names, 0)[0].values()) == 4


def test_wl_kernel_counts_shared_subtrees():
    names = ("input", "conv", "pool", "output")
    a, b = _cell("pool"), _cell("conv")
    ops, adj = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
    x = wl_features(ops, adj, names, 2)
    # by hand: iteration 0 input 1x1 + conv 1x2 + output 1x1 = 4; iteration 1 input(),
    # conv(input) = 2; iteration 2 input()(), conv(input)(input()) = 2
    assert x[0] @ x[1] == 8
    assert x[0] @ x[0] == 12  # 12 distinct labels, once each
    assert x[1] @ x[1] == (1 + 4 + 1) + (1 + 1 + 1 + 1) + 4  # conv twice at iteration 0


def test_gp_posterior_on_a_toy_case():
    rng = np.random.default_rng(0)
    x = np.zeros((40, 7))
    x[:, :6] = rng.integers(0, 3, size=(40, 6))  # the last column: never seen in training
    w = np.array([1.0, -1.0, 0.5, 0.0, 2.0, -0.5, 0.0])
    y = (x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-9)) @ w
    post = gp_posterior(x[:30], y[:30], x[30:], seed=0)
    again = gp_posterior(x[:30], y[:30], x[30:], seed=0)
    np.testing.assert_array_equal(post.mean, again.mean)
    assert np.corrcoef(post.mean, y[30:])[0, 1] > 0.9  # the linear WL kernel fits a linear truth
    assert (post.std > 0).all()
    at_train = gp_posterior(x[:30], y[:30], x[:30], seed=0)
    far = gp_posterior(x[:30], y[:30], np.eye(7)[[6]])
    assert far.std[0] > at_train.std.max()  # a label no training cell has: uncertain
    assert post.incumbent == pytest.approx(at_train.mean.max())


# ----------------------------------------------------------------------------- strategies


def test_named_strategies_resolve_with_their_papers_defaults(toy):
    assert resolve_strategy("bananas", toy).loss == "ens(mape)x5"
    assert resolve_strategy("bananas", toy, members=3).loss == "ens(mape)x3"
    assert resolve_strategy("npenas", toy).loss == "mse"
    gp = resolve_strategy("gp", toy)
    assert (gp.loss, gp.surrogate, gp.kind) == ("", "gp", "guided")
    assert resolve_strategy("pw+", toy).loss == "ens(transformer:hr->mape@20)x3"
    cfg = configure("bananas", SearchConfig())
    assert (cfg.acquisition, cfg.pool_parents, cfg.pool_random, cfg.members) == ("its", 2, 0, 5)
    assert configure("gp", SearchConfig()).acquisition == "ei"
    assert configure("npenas", SearchConfig()).pool_parents == 5
    plain = configure("mse", SearchConfig())
    assert {k: getattr(plain, k) for k in PLAIN} == PLAIN
    mine = configure("bananas", SearchConfig(acquisition="ucb", pool_parents=1))
    assert (mine.acquisition, mine.pool_parents) == ("ucb", 1)  # the user's options win
    assert configure("pw+", SearchConfig()).hparams["pretrain"] == "flow"
    assert set(NAMED) == set(NEW)


def test_plain_cells_keep_their_settings_and_ids(toy):
    # the settings stored before acquisitions existed: no new key, so the same cell ids
    cell = search_cells(toy, "mse", 30, "val", [0], SearchConfig())[0]
    assert set(json.loads(cell.settings)) == {
        "backbone",
        "epochs",
        "hparams",
        "n_init",
        "pool_size",
        "top_k",
    }
    explicit = search_cells(toy, "mse", 30, "val", [0], make_config(acquisition="mean"))[0]
    assert explicit.cell_id == cell.cell_id
    mixed = search_cells(toy, "mse", 30, "val", [0], make_config(pool_random=0.2))[0]
    assert mixed.cell_id != cell.cell_id
    assert json.loads(mixed.settings)["pool_random"] == 0.2
    gp = json.loads(search_cells(toy, "gp", 30, "val", [0], SearchConfig())[0].settings)
    assert gp == {
        "n_init": 10,
        "pool_size": 100,
        "top_k": 10,
        "acquisition": "ei",
        "pool_parents": 2,
        "pool_random": 0.2,
        "wl_iterations": 2,
    }
    bananas = search_cells(toy, "bananas", 30, "val", [0], make_config(members=3))[0]
    assert bananas.loss == "ens(mape)x3" and bananas.search_config().members == 3


@pytest.mark.parametrize("strategy", NEW)
def test_every_named_strategy_searches_the_toy_benchmark(toy, strategy, quick_pretraining):
    fast = FAST_TRANSFORMER if strategy == "pw+" else FAST
    runs = run_searches(toy, strategy, 30, [0, 1], n_init=10, top_k=5, **fast)
    for r in runs:
        assert len(r["queried"]) == len(set(r["queried"])) == 30
        assert r["strategy"] == strategy
    again = run_searches(toy, strategy, 30, [0, 1], n_init=10, top_k=5, **fast)
    assert [r["queried"] for r in runs] == [r["queried"] for r in again]  # per seed


@pytest.mark.parametrize("acquisition", ["ucb", "ei", "its"])
def test_uncertain_acquisitions_with_an_ensemble_loss(toy, acquisition):
    view = signal_view(toy, "val")
    strat = resolve_strategy("ens(mse)x3", toy)
    cfg = make_config(acquisition=acquisition, pool_size=30, top_k=7)
    orders = search_queries(view, strat, 31, [0, 1, 2], cfg, noisy_fit)
    assert all(len(o) == len(set(o.tolist())) == 31 for o in orders)
    plain = search_queries(
        view, strat, 31, [0, 1, 2], make_config(pool_size=30, top_k=7), noisy_fit
    )
    assert [o.tolist() for o in orders] != [o.tolist() for o in plain]


def test_guided_search_with_the_gp_beats_random(toy):
    seeds = list(range(6))
    gp = run_searches(toy, "gp", 40, seeds)
    rand = run_searches(toy, "random", 40, seeds)
    assert np.mean([r["test_error"] for r in gp]) < np.mean([r["test_error"] for r in rand])


def _unit(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16**8


def score(arch: str) -> float:
    """A fixed number per DARTS genotype: per-position operation weights (hash based)."""
    pairs = re.findall(r"\('(\w+)', (\d)\)", arch)
    return sum(_unit(f"{p}:{op}:{src}") for p, (op, src) in enumerate(pairs))


@pytest.mark.parametrize("strategy", NEW)
def test_every_named_strategy_in_open_search(strategy, tmp_path, quick_pretraining):
    calls: list[str] = []

    def evaluate(arch: str) -> float:
        calls.append(arch)
        return score(arch)

    path = tmp_path / "darts.jsonl"
    fast = FAST_TRANSFORMER if strategy == "pw+" else FAST
    kw = {"n_init": 10, "top_k": 5, "pool_size": 30, **fast}
    result = open_search("darts", evaluate, 20, strategy, seed=1, checkpoint=path, **kw)
    assert len(result.archs) == len(set(result.archs)) == len(calls) == 20
    assert result.strategy == strategy
    header, records = read_checkpoint(path)
    assert header["strategy"] == strategy and len(records) == 20
    again = open_search("darts", evaluate, 20, strategy, seed=1, checkpoint=path, **kw)
    assert again.reused == 20 and len(calls) == 20  # resumed: nothing evaluated twice
    assert again.archs == result.archs


# ----------------------------------------------------------------------------- bad options


@pytest.mark.parametrize(
    ("strategy", "options", "match"),
    [
        ("mse", {"acquisition": "ucb"}, "acquisition: 'ucb' needs the spread of an ensemble"),
        ("pw", {"acquisition": "its"}, "use an ens\\(...\\) loss such as ens\\(mape\\)x5"),
        ("ens(mape)", {"acquisition": "ei"}, "strategy 'ens\\(mape\\)' trains one predictor"),
        ("bananas", {"members": 1}, "members must be an ensemble size >= 2"),
        ("mse", {"acquisition": "pi"}, "acquisition must be one of mean, ucb, ei, its"),
        ("mse", {"pool_random": 1.5}, "pool_random must be a number in \\[0, 1\\]"),
        ("mse", {"pool_parents": 0}, "pool_parents must be an integer >= 1"),
        ("bananas", {"beta": -1.0}, "beta must be a finite number >= 0"),
        ("gp", {"wl_iterations": -1}, "wl_iterations must be an integer >= 0"),
        ("nasbot", {}, "unknown search strategy 'nasbot'.*bananas, npenas, gp, pw\\+"),
    ],
)
def test_bad_options_are_one_line(toy, strategy, options, match):
    with pytest.raises(BadParameter, match=match) as exc:
        run_searches(toy, strategy, 30, [0], fit_fn=noisy_fit, **options)
    assert "\n" not in str(exc.value)
    with pytest.raises(BadParameter, match=match):
        open_search("nb201", score, 30, strategy, **options)


def test_a_study_file_refuses_an_acquisition_its_strategy_cannot_serve(tmp_path):
    raw = {
        "name": "s",
        "benchmarks": ["nbgraph-cora"],
        "strategies": ["bananas", "pw"],
        "budgets": [30],
        "seeds": 2,
        "acquisition": "ucb",
    }
    with pytest.raises(GridFileError, match="key 'acquisition': 'ucb' needs the spread") as exc:
        load_search_study(raw)
    assert "strategy 'pw'" in str(exc.value) and "\n" not in str(exc.value)
    ok = load_search_study({**raw, "strategies": ["bananas", "gp"], "pool_random": 0.3})
    assert ok.config.acquisition == "ucb" and ok.config.pool_random == 0.3


def test_cli_refuses_an_acquisition_in_one_line(capsys, tmp_path):
    code = main(
        [
            "search",
            "--benchmark",
            "nbgraph-cora",
            "--strategy",
            "pw",
            "--acquisition",
            "its",
            "--budget",
            "30",
            "--output-dir",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--acquisition: 'its' needs the spread of an ensemble" in err
    assert len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- resuming


@pytest.mark.parametrize("strategy", ["bananas", "gp"])
def test_a_stored_search_resumes_without_computing_twice(toy, strategy, tmp_path):
    kw = {"n_init": 10, "top_k": 5, **(FAST if strategy != "gp" else {})}
    first = summarize_search(
        toy, strategy, 20, runs=3, executor="inline", output_dir=tmp_path, **kw
    )
    again = summarize_search(
        toy, strategy, 20, runs=4, executor="inline", output_dir=tmp_path, **kw
    )
    assert (first["computed_runs"], first["reused_runs"]) == (3, 0)
    assert (again["computed_runs"], again["reused_runs"]) == (1, 3)
    assert first["loss"] == ("ens(mape)x5" if strategy == "bananas" else "")


def test_an_interrupted_open_search_resumes_where_it_stopped(tmp_path):
    calls: list[str] = []

    def stops_after_12(arch: str) -> float:
        if len(calls) == 12:
            raise KeyboardInterrupt
        calls.append(arch)
        return score(arch)

    def evaluate(arch: str) -> float:
        calls.append(arch)
        return score(arch)

    kw = {"n_init": 6, "top_k": 4, "pool_size": 20, **FAST}
    path = tmp_path / "gp.jsonl"
    with pytest.raises(KeyboardInterrupt):
        open_search("darts", stops_after_12, 18, "bananas", seed=2, checkpoint=path, **kw)
    assert len(read_checkpoint(path)[1]) == 12
    result = open_search("darts", evaluate, 18, "bananas", seed=2, checkpoint=path, **kw)
    assert len(calls) == len(set(calls)) == 18  # each architecture evaluated once
    assert result.reused == 12
    whole = open_search("darts", score, 18, "bananas", seed=2, **kw)
    assert whole.archs == result.archs  # the same search as an uninterrupted one


def test_plain_checkpoints_keep_their_header(tmp_path):
    path = tmp_path / "pw.jsonl"
    open_search("nb201", score, 12, "random", seed=0, checkpoint=path, top_k=4)
    header, _ = read_checkpoint(path)
    assert not {"acquisition", "beta", "pool_parents", "pool_random"} & set(header["config"])
