"""Results frames reshaped for claims and charts: loss families, schedule parts, weights, tasks,
the best switch point, search curves.

Each helper takes the tidy frame of `pwlkit.study.load_results` (one row per trained predictor;
`search_frame`: the rows of a search) and returns a new frame; the loss structure comes from
`pwlkit.claims.specs`. These describe results; the claims' tests are in `pwlkit.claims.findings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from pwlkit.metrics import best_of

from .specs import canonical, is_single, loss_family, switch_parts, weights_of, with_weights


def add_family(df: pd.DataFrame, column: str = "loss") -> pd.DataFrame:
    """A copy of ``df`` with a ``family`` column derived from its loss specs."""
    out = df.copy()
    fam = {s: loss_family(s) for s in out[column].unique()}
    out["family"] = out[column].map(fam)
    return out


def single_losses(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of single losses (no switches), with their ``family``."""
    fam = add_family(df)
    return fam[fam["loss"].map(is_single)]


def seed_means(df: pd.DataFrame, metric: str, by: Sequence[str]) -> pd.DataFrame:
    """Mean of ``metric`` over seeds for every group of ``by`` (missing columns are skipped)."""
    if metric not in df.columns:
        raise KeyError(f"metric column {metric!r} not in results; columns: {list(df.columns)}")
    by = [c for c in by if c in df.columns]
    return df.groupby(by, observed=True)[metric].mean().reset_index()


def with_task(df: pd.DataFrame, cols: Sequence[str] = ("benchmark", "train_size")) -> pd.DataFrame:
    """A copy with a ``task`` column naming each (benchmark, train size) panel."""
    out = df.sort_values(list(cols), kind="stable")  # panels in benchmark, size order
    parts = [out[c].astype(str) if c != "train_size" else "n=" + out[c].astype(str) for c in cols]
    task = parts[0]
    for p in parts[1:]:
        task = task + ", " + p
    out["task"] = task
    return out


def spellings(specs: Iterable[str]) -> dict[str, str]:
    """Canonical name -> the spelling used in the frame, so that a spec derived from another
    (its accuracy-weights twin) finds the frame's rows whatever their spelling."""
    return {canonical(s): s for s in specs}


def accuracy_twin(spec: str, spelled: dict[str, str]) -> str:
    """The same loss with accuracy weights, spelled as in the frame when it is there."""
    twin = with_weights(spec, "accuracy")
    return spelled.get(twin, twin)


def weights_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The rows with ``base`` (the loss without its weights setting), ``weights`` (accuracy,
    rank or none; accuracy for losses without the setting) and ``task`` columns, for
    accuracy-vs-rank comparisons."""
    out = with_task(df)
    specs = out["loss"].unique()
    spelled = spellings(specs)
    weights = {s: weights_of(s) for s in specs}
    base = {s: s if weights[s] is None else accuracy_twin(s, spelled) for s in specs}
    out["base"] = out["loss"].map(base)
    out["weights"] = out["loss"].map(lambda s: weights[s] or "accuracy")
    return out


def schedules_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of schedules with warm-up, focus, kind, switch point columns (see
    `switch_parts`), ``pair`` (``warmup->focus``) and ``at_value`` (the hard switch point as a
    number; NaN for soft blends)."""
    parts = {s: switch_parts(s) for s in df["loss"].unique()}
    rows = df[df["loss"].map(lambda s: bool(parts[s]))].copy()
    for key in ("warmup", "focus", "kind", "at", "switch_on", "options"):
        rows[key] = rows["loss"].map(lambda s, k=key: parts[s][k])
    rows["pair"] = rows["warmup"] + "->" + rows["focus"]
    hard = rows["kind"] == "hard"
    rows["at_value"] = pd.to_numeric(rows["at"].where(hard), errors="coerce")
    return rows


def best_threshold(df: pd.DataFrame, metric: str = "precision_at_0.5") -> pd.DataFrame:
    """Per (benchmark, backbone, train size), pair and kind of switch point: the hard switch
    with the best seed mean (a switch with options is a switch of its own: ``0.5(refit)`` next
    to ``0.5``). Descriptive: the paired test of schedules is `findings.piecewise_beats_best_single`."""
    sched = schedules_frame(df)
    sched = sched[sched["kind"] == "hard"]
    if sched.empty:
        return pd.DataFrame()
    opts = sched["options"].map(lambda o: f"({o})" if o else "")
    sched = sched.assign(switch=sched["at"] + opts)
    keys = [k for k in ("benchmark", "backbone", "train_size", "pair", "switch_on") if k in sched]
    rows = []
    for vals, sub in sched.groupby(keys, sort=True, observed=True):
        means = sub.groupby("switch")[metric].mean()
        at = best_of(means, metric)
        task = dict(zip(keys, vals if isinstance(vals, tuple) else (vals,)))
        rows.append(
            {**task, "best switch": at, metric: float(means[at]), "switches tried": len(means)}
        )
    return pd.DataFrame(rows)


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
