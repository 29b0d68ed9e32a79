"""pwlkit's best search against the paper's PW at equal queries, on the anytime curve.

A search is judged where a user stops it: after ``q`` queries, the test error of the
architecture it would deploy (the best by its signal so far: the stored best-so-far curve).
Runs of one seed share their first random queries, so ``pw+`` and ``pw`` are compared paired
by run seed at each budget of `AT` (the global best cancels in a paired difference of regret,
so the regret difference is the test-error difference), with a Wilcoxon test and Holm per
benchmark. A run's curve up to ``q`` is the same whatever budget it was given (no strategy
reads its budget), so a run of any budget of at least ``q`` is read at ``q``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .evidence import Finding, finish
from .paired import paired_test

AT: tuple[int, ...] = (25, 50, 100)
"""Queries at which the searches are compared."""

LEAD = "pw+"
"""pwlkit's best search strategy, the side that must lead."""

SMALL_BATCH = "pw [top_k=2]"
"""The paper's search querying two architectures a round instead of ten (its runs' name,
`pwlkit.search.run_label`): the same predictor refitted five times as often."""

LEAD_SMALL_BATCH = "pw+ [top_k=2]"
"""pwlkit's best search querying two architectures a round (its runs' name): `LEAD` with the
batch size the `top_k` pilot chose on run seeds 100-129 (docs: Search)."""

LEAD_CLAIMS: tuple[tuple[str, str], ...] = (
    (LEAD, "pwlkit's best search"),
    (SMALL_BATCH, "the paper's search at two queries a round"),
    (LEAD_SMALL_BATCH, "pwlkit's best search at two queries a round"),
)
"""The strategies tested against ``pw`` at equal queries, with how each claim names them (a
claim appears only where its strategy's runs are stored)."""


def has_strategy(search: pd.DataFrame | None, strategy: str) -> bool:
    """Whether search results hold runs of ``strategy`` (its `LEAD_CLAIMS` finding appears
    only then)."""
    if search is None or search.empty or "strategy" not in search.columns:
        return False
    return strategy in set(search["strategy"].astype(str))


def _at(search: pd.DataFrame, strategy: str, q: int) -> pd.DataFrame:
    """``(benchmark, signal, seed) -> test error after q queries`` of a strategy's runs (the
    longest run of a seed when several budgets are stored)."""
    runs = search[(search["strategy"].astype(str) == strategy) & (search["budget"] >= q)]
    runs = runs.sort_values("budget").drop_duplicates(["benchmark", "signal", "seed"], keep="last")
    values = [float(np.asarray(c, dtype=float)[q - 1]) for c in runs["curve"]]
    return runs[["benchmark", "signal", "seed"]].assign(error=values)


def best_search_beats_pw(
    search: pd.DataFrame | None,
    ours: str = LEAD,
    theirs: str = "pw",
    at: Sequence[int] = AT,
    what: str = "pwlkit's best search",
) -> Finding:
    """``ours`` reaches a lower regret than ``theirs`` after the same number of queries: per
    (benchmark, signal, queries), paired by run seed. ``what`` names ``ours`` in the claim."""
    claim = f"{what} ({ours}) beats the paper's {theirs} at equal queries"
    metric = "regret"
    needs = ("benchmark", "strategy", "budget", "seed", "curve")
    if search is None or search.empty or any(c not in search.columns for c in needs):
        return Finding(claim, metric, note="needs search results with their curves")
    strategies = set(search["strategy"].astype(str))
    if not {ours, theirs} <= strategies:
        missing = sorted({ours, theirs} - strategies)
        return Finding(claim, metric, note=f"no {missing} runs in the search results")
    if "signal" not in search.columns:
        search = search.assign(signal="val")
    rows = []
    for q in at:
        joined = _at(search, ours, q).merge(
            _at(search, theirs, q), on=["benchmark", "signal", "seed"], suffixes=("_a", "_b")
        )
        for (bench, signal), block in joined.groupby(["benchmark", "signal"], sort=True):
            test = paired_test(block["error_a"], block["error_b"], "test_error")
            rows.append(
                {
                    "task": f"{bench} {signal} q={q}",
                    "benchmark": bench,
                    "mean_diff": test.mean_diff,
                    "p_value": test.p_value,
                    "n": test.n,
                    "a": ours,
                    "b": theirs,
                    "a_mean": float(block["error_a"].mean()),
                    "b_mean": float(block["error_b"].mean()),
                    "diff_lo": test.lo,
                    "diff_hi": test.hi,
                }
            )
    note = None if rows else f"no run seed has both {ours} and {theirs} at these budgets"
    return finish(claim, metric, rows, note=note)
