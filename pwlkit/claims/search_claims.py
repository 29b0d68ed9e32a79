"""Claims about searches: does the PW-guided search end better than the other strategies?"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .compare import beats, compare_tasks
from .verdict import Verdict


def search_frame(results: Sequence[dict] | pd.DataFrame) -> pd.DataFrame:
    """Best-so-far test error after each query, one row per (run, query).

    ``results``: the rows of `pwlkit.search.load_search_results` (or `run_searches` dicts),
    each with a ``curve``. Settings columns present in them (benchmark, strategy, budget,
    signal, seed) are kept.
    """
    records = results.to_dict("records") if isinstance(results, pd.DataFrame) else results
    keep = ("benchmark", "strategy", "budget", "signal", "seed")
    rows = []
    for r in records:
        head = {k: r[k] for k in keep if k in r}
        for q, err in enumerate(r["curve"], 1):
            rows.append({**head, "queries": q, "test_error": float(err)})
    return pd.DataFrame(rows)


def search_beats_baselines(
    results: Sequence[dict] | pd.DataFrame, ours: str = "pw", metric: str = "test_error"
) -> Verdict:
    """Paper: PW-guided search ends with a lower test error than the other strategies.

    One comparison per (benchmark, budget, signal, other strategy): holds when the seed-mean
    final error of ``ours`` is at most the other's (a tie holds).
    """
    df = results if isinstance(results, pd.DataFrame) else pd.DataFrame(list(results))
    df = df.assign(strategy=df["strategy"].astype(str))

    def judge(sub: pd.DataFrame, task: dict):
        means = sub.groupby("strategy")[metric].mean()
        if ours not in means:
            return None
        mine = means[ours]
        return [
            {
                "versus": other,
                ours: mine,
                "other": value,
                "holds": beats(metric, mine, value) is not False,
            }
            for other, value in means.drop(ours).items()
        ]

    return compare_tasks(
        f"{ours} search ends with a test error at most the other strategy's",
        df,
        metric,
        ("benchmark", "budget", "signal"),
        judge,
        unit="comparisons",
    )
