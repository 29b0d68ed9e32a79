"""The findings as frames a chart draws: verdict counts per claim and space (the report's first
figure), and one row per task with its paired difference and interval (a forest plot)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .evidence import Finding
from .paired import VERDICTS
from .spaces import space_of


def short_claim(finding: Finding) -> str:
    """The claim without its bracketed method: ``MSE is worst at the top``."""
    return finding.claim.split(" (")[0]


def verdict_counts(found: Sequence[Finding]) -> pd.DataFrame:
    """Tasks per claim, space and verdict: columns ``claim`` (short), ``metric``, ``space``,
    ``verdict``, ``tasks``, plus ``order`` (the claim's position in ``found``). Claims with
    no task are left out (nothing to count); every verdict appears for each (claim, space)
    that has tasks, with 0 where none, so stacked bars line up."""
    rows = []
    for i, f in enumerate(found):
        spaces: dict[str, dict[str, int]] = {}
        for t in f.tasks:
            counts = spaces.setdefault(space_of(t.get("benchmark", "")), dict.fromkeys(VERDICTS, 0))
            counts[t["verdict"]] = counts.get(t["verdict"], 0) + 1
        for space, counts in spaces.items():
            rows += [
                {
                    "order": i,
                    "claim": short_claim(f),
                    "metric": f.metric,
                    "space": space,
                    "verdict": v,
                    "tasks": n,
                }
                for v, n in counts.items()
            ]
    columns = ["order", "claim", "metric", "space", "verdict", "tasks"]
    return pd.DataFrame(rows, columns=columns)


def forest_frame(finding: Finding) -> pd.DataFrame:
    """One row per task of a claim: ``task``, ``benchmark``, ``space``, ``mean_diff`` with its
    bootstrap interval ``lo`` / ``hi`` (positive: the claim's side is better), ``verdict``,
    ``p_holm``, ``n``, ``a``, ``b``; ordered by space, then as the claim lists its tasks.
    Tasks with no pair (no difference to draw) are left out."""
    rows = [
        {
            "task": str(t["task"]),
            "benchmark": str(t.get("benchmark", "")),
            "space": space_of(t.get("benchmark", "")),
            "mean_diff": t["mean_diff"],
            "lo": t.get("diff_lo", float("nan")),
            "hi": t.get("diff_hi", float("nan")),
            "verdict": t["verdict"],
            "p_holm": t.get("p_holm"),
            "n": t["n"],
            "a": str(t["a"]),
            "b": str(t["b"]),
        }
        for t in finding.tasks
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "task",
            "benchmark",
            "space",
            "mean_diff",
            "lo",
            "hi",
            "verdict",
            "p_holm",
            "n",
            "a",
            "b",
        ],
    )
    df = df[pd.to_numeric(df["mean_diff"], errors="coerce").notna()]
    spaces = list(dict.fromkeys(df["space"]))
    return df.sort_values("space", key=lambda s: s.map(spaces.index), kind="stable")
