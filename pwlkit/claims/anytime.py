"""Search results over time: regret after every query and queries to reach the optimum.

NASLib and the NAS-Bench papers judge a search by its anytime curve: after q queries, how far
is the architecture the search would deploy from the best of the space? Regret is the test
error of that architecture (best by the search's signal among those queried) minus the
global best test error, so every benchmark's curve ends at 0 when the optimum is found and a
log axis shows the last steps. The references (`references`) come from the benchmark where
its table loads here; otherwise from the stored runs themselves: the global best is the test
error of a run that found it (``found_best``), and the oracle line of the ``val`` signal (the
test error of the best architecture by validation accuracy, the floor of any search on that
signal) is the best-by-signal architecture among every stored run's queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: Budgets at which `queries_to_optimum` reads the share of runs at the optimum.
AT = (50, 100, 150)
#: Bootstrap resamples of runs behind the bands of `regret_curves` (seeded).
RESAMPLES = 1000
#: Two errors this close count as equal (the stored errors are rounded floats).
TOLERANCE = 1e-9


def _runs(search: pd.DataFrame) -> pd.DataFrame:
    """One row per run (stores that share runs list them twice), strategies as text."""
    out = search.drop_duplicates("cell_id") if "cell_id" in search.columns else search
    return out.assign(strategy=out["strategy"].astype(str), signal=out["signal"].astype(str))


def references(search: pd.DataFrame, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Per (benchmark, signal): ``global_best`` (test error), ``oracle`` (test error of the
    best architecture by the signal) and ``source`` (``benchmark`` or ``stored runs``)."""
    from pwlkit.benchmarks import is_available, load_benchmark
    from pwlkit.search.outcome import oracle

    def here(name: str) -> bool:
        try:
            return is_available(name, data_dir)
        except KeyError:  # a name the catalogue does not know: its stored runs must do
            return False

    runs = _runs(search)
    rows = []
    for (bench, signal), part in runs.groupby(["benchmark", "signal"], sort=True):
        if here(bench):
            line = oracle(load_benchmark(bench, data_dir), signal)
            best, orc, source = (
                line["global_best_test_error"],
                line["oracle_test_error"],
                "benchmark",
            )
        else:
            every = runs[runs["benchmark"] == bench]
            found = every.loc[every["found_best"].astype(bool), "test_error"]
            best = float(found.min()) if len(found) else float(every["test_error"].min())
            top = part.loc[part["best_signal"].astype(float).idxmax()]
            orc = best if signal == "test" else float(top["test_error"])
            source = "stored runs"
        rows.append(
            {
                "benchmark": bench,
                "signal": signal,
                "global_best": best,
                "oracle": orc,
                "source": source,
            }
        )
    return pd.DataFrame(rows)


def _curves(part: pd.DataFrame) -> np.ndarray:
    """Runs x queries of one group's best-so-far test error (runs of equal length)."""
    return np.vstack([np.asarray(c, dtype=float) for c in part["curve"]])


def regret_curves(
    search: pd.DataFrame, refs: pd.DataFrame, level: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Mean regret after each query with a percentile bootstrap band over runs, per
    (benchmark, signal, strategy), from the runs of the strategy's largest budget.

    Returns ``benchmark``, ``signal``, ``strategy``, ``queries`` (1-based), ``mean``, ``lo``,
    ``hi``, ``runs``.
    """
    runs = _runs(search)
    best = refs.set_index(["benchmark", "signal"])["global_best"]
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2 * 100
    out = []
    for (bench, signal), part in runs.groupby(["benchmark", "signal"], sort=True):
        for strategy, group in part.groupby("strategy", sort=False):
            group = group[group["budget"] == group["budget"].max()]
            regret = np.maximum(_curves(group) - best[(bench, signal)], 0.0)
            pick = rng.integers(0, len(regret), size=(RESAMPLES, len(regret)))
            boot = regret[pick].mean(axis=1)
            lo, hi = np.percentile(boot, [tail, 100 - tail], axis=0)
            out.append(
                pd.DataFrame(
                    {
                        "benchmark": bench,
                        "signal": signal,
                        "strategy": strategy,
                        "queries": np.arange(1, regret.shape[1] + 1),
                        "mean": regret.mean(axis=0),
                        "lo": lo,
                        "hi": hi,
                        "runs": len(regret),
                    }
                )
            )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _first_at_optimum(curves: np.ndarray, best: float) -> np.ndarray:
    """Per run, the query (1-based) after which it reports the optimum; inf where never."""
    hit = curves <= best + TOLERANCE * max(1.0, abs(best))
    first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, np.inf)
    return first.astype(float)


def queries_to_optimum(
    search: pd.DataFrame, refs: pd.DataFrame, at: Sequence[int] = AT
) -> pd.DataFrame:
    """The queries-to-optimum table, per (benchmark, signal, strategy), with an oracle line.

    Columns: ``benchmark``, ``signal``, ``strategy``, ``runs``, ``median queries`` (to
    report the global optimum, over the runs of the strategy's largest budget; inf when
    fewer than half get there), then per budget B of ``at`` that was run: ``at optimum @B`` (share of the
    budget-B runs whose final architecture is the global best) and ``regret @B`` (their mean
    regret). The oracle row (``strategy`` = ``oracle``) has the oracle's regret, the floor of a
    search on that signal.
    """
    runs = _runs(search)
    table = refs.set_index(["benchmark", "signal"])
    rows = []
    for (bench, signal), part in runs.groupby(["benchmark", "signal"], sort=True):
        best = float(table.loc[(bench, signal), "global_best"])
        budgets = [b for b in at if b in set(part["budget"])]
        for strategy, group in part.groupby("strategy", sort=False):
            top = group[group["budget"] == group["budget"].max()]
            row = {
                "benchmark": bench,
                "signal": signal,
                "strategy": strategy,
                "runs": len(top),
                "median queries": float("nan"),
            }
            if len(top):
                row["median queries"] = float(np.median(_first_at_optimum(_curves(top), best)))
            for b in budgets:
                final = group.loc[group["budget"] == b, "test_error"].astype(float)
                reached = final <= best + TOLERANCE * max(1.0, abs(best))
                row[f"at optimum @{b}"] = float(reached.mean()) if len(final) else float("nan")
                row[f"regret @{b}"] = (
                    float((final - best).clip(lower=0).mean()) if len(final) else float("nan")
                )
            rows.append(row)
        oracle = float(table.loc[(bench, signal), "oracle"]) - best
        rows.append(
            {
                "benchmark": bench,
                "signal": signal,
                "strategy": "oracle",
                "runs": 0,
                "median queries": float("nan"),
                **{f"at optimum @{b}": float(oracle <= TOLERANCE) for b in budgets},
                **{f"regret @{b}": oracle for b in budgets},
            }
        )
    return pd.DataFrame(rows)
