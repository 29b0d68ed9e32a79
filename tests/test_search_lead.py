"""pwlkit's best search against PW on the anytime curve, paired by run seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pwlkit.claims.search_lead import best_search_beats_pw


def _runs(strategy: str, budget: int, drop: int, seeds: int = 12) -> list[dict]:
    """Curves falling from 10 to 5 at 0.05 per query: ``drop`` queries earlier for the better strategy, with a
    per-seed luck both strategies share."""
    rng = np.random.default_rng(1)
    luck = rng.normal(0, 0.3, seeds)
    out = []
    for s in range(seeds):
        q = np.arange(1, budget + 1)
        curve = np.maximum(5.0, 10.0 - (q + drop) / 20.0) + luck[s] * (q < 60)
        out.append(
            {
                "benchmark": "nb201-cifar10",
                "strategy": strategy,
                "signal": "test",
                "budget": budget,
                "seed": s,
                "curve": curve.tolist(),
                "cell_id": f"{strategy}-{budget}-{s}",
            }
        )
    return out


def test_a_search_that_gets_lower_sooner_holds_at_every_budget():
    df = pd.DataFrame(_runs("pw+", 100, drop=15) + _runs("pw", 150, drop=0))
    found = best_search_beats_pw(df)
    assert [t["task"] for t in found.tasks] == [
        "nb201-cifar10 test q=25",
        "nb201-cifar10 test q=50",
        "nb201-cifar10 test q=100",
    ]
    q25, q50, q100 = found.tasks
    assert q25["verdict"] == q50["verdict"] == "holds"
    assert abs(q25["mean_diff"] - 0.75) < 1e-9  # 15 queries sooner at 0.05 error per query
    assert abs(q50["mean_diff"] - 0.75) < 1e-9
    assert q100["verdict"] == "inconclusive" and q100["mean_diff"] == 0.0  # both at the floor


def test_missing_sides_say_so():
    only = pd.DataFrame(_runs("pw", 100, drop=0))
    assert "no ['pw+'] runs" in best_search_beats_pw(only).note
    assert best_search_beats_pw(None).note


def test_findings_add_the_lead_only_when_the_search_holds_its_strategy():
    from pwlkit.claims.findings import findings

    without = findings(None, pd.DataFrame(_runs("pw", 100, drop=0)))
    with_lead = findings(None, pd.DataFrame(_runs("pw+", 100, 15) + _runs("pw", 100, 0)))
    assert len(with_lead) == len(without) + 1
    assert with_lead[-1].claim.startswith("pwlkit's best search (pw+)")


def test_runs_with_other_predictor_settings_are_another_method():
    import json

    from pwlkit.claims.stores import _labelled
    from pwlkit.search import SEARCH_HPARAMS, run_label

    plus = {"hparams": {**SEARCH_HPARAMS, "pretrain": "flow"}}
    pruned = {"hparams": {**SEARCH_HPARAMS, "pretrain": "flow", "prune": "dead"}}
    assert run_label("pw+", plus) == "pw+"  # its own defaults are its name
    assert run_label("pw+", pruned) == "pw+ [prune=dead]"
    assert run_label("pw", plus) == "pw [pretrain=flow]"
    assert run_label("random", {}) == "random"
    # a setting back at its engine default is not stored, and is still not the named default
    assert run_label("pw+", {"hparams": dict(SEARCH_HPARAMS)}) == "pw+ [pretrain=none]"
    # search options away from the strategy's defaults name the run too
    plain = {"n_init": 10, "pool_size": 100, "top_k": 10, "epochs": 100, "backbone": "gcn"}
    assert run_label("pw", {**plain, "hparams": dict(SEARCH_HPARAMS)}) == "pw"
    assert run_label("pw", {**plain, "top_k": 2}) == "pw [top_k=2]"
    assert run_label("pw+", {**plain, **pruned, "top_k": 5}) == "pw+ [prune=dead, top_k=5]"
    assert run_label("bananas", {**plain, "members": 5, "acquisition": "its"}) == "bananas"
    assert run_label("bananas", {**plain, "members": 3}) == "bananas [members=3]"
    assert run_label("evolution", {"population": 20, "sample": 5}) == "evolution"
    assert run_label("evolution", {"population": 50, "sample": 5}) == "evolution [population=50]"
    runs = pd.DataFrame(
        {
            "strategy": ["pw+", "pw+", "pw"],
            "settings": [json.dumps(plus), json.dumps(pruned), json.dumps({"hparams": {}})],
        }
    )
    assert _labelled(runs)["strategy"].tolist() == ["pw+", "pw+ [prune=dead]", "pw"]


def test_findings_add_the_small_batch_claim_when_its_runs_are_stored():
    from pwlkit.claims.findings import findings
    from pwlkit.claims.search_lead import SMALL_BATCH

    base = findings(None, pd.DataFrame(_runs("pw", 100, 0)))
    found = findings(None, pd.DataFrame(_runs(SMALL_BATCH, 100, 15) + _runs("pw", 100, 0)))
    assert len(found) == len(base) + 1
    small = found[-1]
    assert small.claim == (
        "the paper's search at two queries a round (pw [top_k=2]) beats the paper's pw at "
        "equal queries"
    )
    assert [t["verdict"] for t in small.tasks][:2] == ["holds", "holds"]


def test_findings_add_the_lead_at_two_queries_a_round_behind_pw_as_contradicted():
    from pwlkit.claims.findings import findings
    from pwlkit.claims.search_lead import LEAD_SMALL_BATCH

    base = findings(None, pd.DataFrame(_runs("pw", 100, 0)))
    found = findings(None, pd.DataFrame(_runs(LEAD_SMALL_BATCH, 100, -15) + _runs("pw", 100, 0)))
    assert len(found) == len(base) + 1
    lead = found[-1]
    assert lead.claim == (
        "pwlkit's best search at two queries a round (pw+ [top_k=2]) beats the paper's pw at "
        "equal queries"
    )
    # 15 queries later on every seed: behind pw after 25, 50 and 100 queries (5.75 against 5)
    assert [t["verdict"] for t in lead.tasks] == ["contradicted"] * 3
