"""Beyond the paper: do the NDCG losses, the adaptive switch and ``auto`` deliver?

The paper leaves open losses aimed at the top-K, a switch decided from the data and a loss
chosen from the data. pwlkit offers all three; these functions answer, on a results frame, the
questions a user asks of them, with the same paired statistics as the paper's claims
(`pwlkit.claims.findings`): per task (benchmark, backbone, train size), paired by seed,
Wilcoxon, Holm across the tasks of one question on one benchmark.

- `ndcg_beats_weighted`: each NDCG loss against the better of WARP and MAPE (the paper's best
  top-K losses), picked leave-one-seed-out, at train sizes of at least ``min_size``.
- `adaptive_beats_fixed`: each ``warm->focus@auto`` against the same pair switched at half
  the epochs (``@0.5``).
- `auto_against_references`: ``auto`` against the fixed loss with the best mean over every
  task of the frame (what a reader of a benchmark paper would pick) and against the paper's
  PW pair; and, per task, whether ``auto`` is within one standard error of the hindsight
  oracle (the loss with the best seed mean of that task).
- `auto_goal_counts`: the two ``auto`` goals counted over a frame's tasks;
  `default_from_other_spaces`: a default for ``auto(keep=...)`` taken leave-one-space-out;
  `default_within_se`: the fixed loss a user can trust as a default, chosen leave-one-space-out
  by how often it is within one standard error of the hindsight oracle, and counted.
- `best_configuration`: the loss (or selection) with the best mean of a metric in one task.
- `beyond_the_paper`: the first three together (what `pwlkit findings --beyond` and the
  report's findings page add after the paper's claims).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pwlkit.losses import parse_selection
from pwlkit.metrics import best_of, lower_is_better

from .evidence import Finding, duel_tasks, finish, lacking, seed_table, task_groups
from .frames import spellings
from .specs import canonical, is_selection, switch_parts

TOP = "precision_at_0.5"
NDCG_LOSSES = ("lambdaloss", "approxndcg", "neuralndcg")
WEIGHTED_BEST = ("warp", "mape")


def ndcg_beats_weighted(
    df: pd.DataFrame | None, metric: str = TOP, min_size: int = 469
) -> list[Finding]:
    """One `Finding` per NDCG loss present: it against the better of WARP and MAPE."""
    if lacking(df, metric):
        return []
    big = df[df["train_size"] >= min_size]
    spelled = spellings(big["loss"].unique())
    weighted = [spelled[w] for w in WEIGHTED_BEST if w in spelled]
    out = []
    for name in NDCG_LOSSES:
        if name not in spelled or not weighted:
            continue
        rows = duel_tasks(big, metric, lambda task, t, n=spelled[name]: ([n], weighted))
        claim = f"{name} beats the better of WARP and MAPE at N >= {min_size}"
        out.append(finish(claim, metric, rows))
    return out


def adaptive_beats_fixed(df: pd.DataFrame | None, metric: str = TOP) -> list[Finding]:
    """One `Finding` per adaptive switch present: ``w->f@auto`` against ``w->f@0.5``."""
    if lacking(df, metric):
        return []
    spelled = spellings(df["loss"].unique())
    out = []
    for name, spec in spelled.items():
        selection = parse_selection(spec)
        if selection is None or selection.kind != "switch":
            continue
        fixed = canonical(f"{selection.warm}->{selection.focus}@0.5")
        if fixed not in spelled:
            continue
        rows = duel_tasks(df, metric, lambda task, t, a=spec, b=spelled[fixed]: ([a], [b]))
        out.append(finish(f"{name} beats {fixed}", metric, rows))
    return out


def _fixed(specs: Sequence[str]) -> list[str]:
    return [s for s in specs if not is_selection(s)]


def _plain_half_way(spec: str) -> bool:
    """A PW pair as the paper runs it: switched at half the epochs, no switch options (the
    refit / restart variants of the switch studies are experiments, not references)."""
    parts = switch_parts(spec)
    return parts.get("at") == "0.5" and not parts.get("options")


def best_on_average(df: pd.DataFrame, metric: str = TOP) -> str | None:
    """The fixed loss (no selection) with the best mean of the per-task seed means, among the
    losses present in every task of ``df``."""
    means = []
    for _, sub in task_groups(df):
        means.append(seed_table(sub, metric).mean(axis=0))
    if not means:
        return None
    table = pd.concat(means, axis=1).dropna()
    table = table.loc[_fixed(list(table.index))]
    if table.empty:
        return None
    score = table.mean(axis=1)
    return str(best_of(score, metric))


def auto_against_references(
    df: pd.DataFrame | None, metric: str = TOP, auto: str = "auto", pw: str | None = None
) -> tuple[list[Finding], pd.DataFrame]:
    """``auto`` against the best-on-average fixed loss and the PW pair (`Finding` each), and
    a per-task table against the hindsight oracle: auto's mean, the oracle's loss, mean and
    standard error, and ``within_se`` (auto's mean at most one SE worse than the oracle's).
    """
    average, pairs, oracle = _auto_duels(df, metric, auto, pw)
    return ([average] if average is not None else []) + pairs, oracle


def auto_goal_counts(df: pd.DataFrame | None, metric: str = TOP, auto: str = "auto") -> dict:
    """The two ``auto`` goals counted over the tasks of ``df`` where ``auto`` ran.

    Returns ``cases``; ``matches_average``: tasks where auto's mean is at least the
    best-on-average loss's; ``below_average``: tasks where it is significantly below (Holm per
    benchmark, as in `auto_against_references`); ``within_se``: tasks within one standard error
    of the hindsight oracle. All zero when ``df`` has no ``auto`` rows.
    """
    average, _, oracle = _auto_duels(df, metric, auto, None)
    tasks = average.tasks if average is not None else []
    sign = -1.0 if lower_is_better(metric) else 1.0
    return {
        "cases": len(tasks),
        "matches_average": sum(sign * (t["a_mean"] - t["b_mean"]) >= 0 for t in tasks),
        "below_average": sum(t["verdict"] == "contradicted" for t in tasks),
        "within_se": int(oracle["within_se"].sum()) if not oracle.empty else 0,
    }


def _auto_duels(
    df: pd.DataFrame | None, metric: str, auto: str, pw: str | None
) -> tuple[Finding | None, list[Finding], pd.DataFrame]:
    """(auto against the best-on-average loss or None, auto against each PW pair, oracle table)."""
    empty = pd.DataFrame()
    if lacking(df, metric):
        return None, [], empty
    spelled = spellings(df["loss"].unique())
    if canonical(auto) not in spelled:
        return None, [], empty
    a = spelled[canonical(auto)]
    against_average = None
    average = best_on_average(df, metric)
    if average is not None:
        rows = duel_tasks(df, metric, lambda task, t: ([a], [average]))
        against_average = finish(
            f"{auto} matches the best-on-average loss ({average})", metric, rows
        )
    pairs = [s for s in spelled.values() if _plain_half_way(s)]
    if pw is not None:
        pairs = [spelled[canonical(pw)]] if canonical(pw) in spelled else []
    against_pairs = []
    for pair in pairs:
        rows = duel_tasks(df, metric, lambda task, t, b=pair: ([a], [b]))
        if rows:  # a pair of another space or study never meets auto in a task
            against_pairs.append(finish(f"{auto} against the PW pair {pair}", metric, rows))
    return against_average, against_pairs, _oracle_table(df, metric, a)


def default_from_other_spaces(grids: dict[str, pd.DataFrame], metric: str = TOP) -> dict:
    """Per space, the best-on-average fixed loss of the *other* spaces' grids.

    A default for ``auto(keep=...)`` chosen leave-one-space-out: the loss a user would take
    from everyone else's benchmarks, never from the space it is then tried on. ``grids`` maps
    a space's name to its loss-grid rows; a space alone has no default (None).
    """
    return {
        space: best_on_average(pd.concat(others, ignore_index=True), metric)
        if (others := [g for name, g in grids.items() if name != space])
        else None
        for space in grids
    }


def within_se_counts(df: pd.DataFrame, metric: str = TOP) -> dict[str, tuple[int, int]]:
    """Per fixed loss of ``df``: (tasks where its seed mean is within one standard error of
    the hindsight oracle's, tasks where it ran)."""
    counts = {}
    for loss in _fixed(sorted(df["loss"].unique())):
        table = _oracle_table(df, metric, loss)
        if not table.empty:
            counts[loss] = (int(table["within_se"].sum()), len(table))
    return counts


def default_within_se(grids: dict[str, pd.DataFrame], metric: str = TOP) -> pd.DataFrame:
    """A default loss chosen where it is then judged never sees it: per space, the fixed loss
    within one SE of the oracle in the largest share of the *other* spaces' tasks (ties to the
    name first in order), and how many of this space's tasks it is within one SE in.

    One row per space: ``space``, ``default`` (None for a space alone), ``share_elsewhere``,
    ``within``, ``cases``.
    """
    counts = {space: within_se_counts(grid, metric) for space, grid in grids.items()}
    rows = []
    for space, grid in grids.items():
        totals: dict[str, list[int]] = {}
        for other, per_loss in counts.items():
            if other != space:
                for loss, (w, n) in per_loss.items():
                    acc = totals.setdefault(loss, [0, 0])
                    acc[0], acc[1] = acc[0] + w, acc[1] + n
        share = {loss: w / n for loss, (w, n) in sorted(totals.items()) if n}
        pick = max(share, key=share.get) if share else None
        rows.append(
            {
                "space": space,
                "default": pick,
                "share_elsewhere": share[pick] if pick else float("nan"),
                # a default that never ran on this space is within one SE nowhere
                "within": counts[space].get(pick, (0, 0))[0] if pick else 0,
                "cases": sum(1 for _ in task_groups(grid)),
            }
        )
    return pd.DataFrame(rows)


def _oracle_table(df: pd.DataFrame, metric: str, auto: str) -> pd.DataFrame:
    sign = -1.0 if lower_is_better(metric) else 1.0
    rows = []
    for task, sub in task_groups(df):
        table = seed_table(sub, metric)
        if auto not in table.columns:
            continue
        fixed = table[_fixed(list(table.columns))]
        if fixed.empty:
            continue
        means = fixed.mean(axis=0)
        oracle = str(best_of(means, metric))
        values = fixed[oracle].dropna().to_numpy(float)
        se = float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
        auto_mean = float(table[auto].mean())
        rows.append(
            {
                **task,
                "auto_mean": auto_mean,
                "oracle": oracle,
                "oracle_mean": float(means[oracle]),
                "oracle_se": se,
                "within_se": bool(sign * (float(means[oracle]) - auto_mean) <= se),
                "n": int(table[auto].notna().sum()),
            }
        )
    return pd.DataFrame(rows)


def best_configuration(
    df: pd.DataFrame, benchmark: str, train_size: int, metric: str = "tau"
) -> pd.DataFrame:
    """Mean, standard deviation and seeds of ``metric`` per loss (and backbone) in one task,
    best first."""
    sub = df[(df["benchmark"] == benchmark) & (df["train_size"] == train_size)]
    by = [c for c in ("backbone", "loss") if c in sub.columns]
    stats = sub.groupby(by)[metric].agg(["mean", "std", "count"]).reset_index()
    return stats.sort_values("mean", ascending=lower_is_better(metric)).reset_index(drop=True)


def beyond_the_paper(df: pd.DataFrame | None, metric: str = TOP) -> list[Finding]:
    """Every question beyond the paper the frame can answer, as `Finding` objects: the NDCG
    losses, the adaptive switch and ``auto`` on the paper's protocol; then pwlkit's predictor
    (pretraining, pruned cells, ensembles, chosen samples, `pwlkit.claims.predictor`) and the
    paper's loss claims asked again of pretrained predictors."""
    from .predictor import PREDICTOR_CLAIMS, paper_claims_when_pretrained
    from .protocol import protocol_cells

    plain = df[protocol_cells(df)] if df is not None else None
    found = [*ndcg_beats_weighted(plain, metric), *adaptive_beats_fixed(plain, metric)]
    found += auto_against_references(plain, metric)[0]
    if df is None or df.empty or protocol_cells(df).all():
        return found
    found += [claim(df) for claim in PREDICTOR_CLAIMS]
    return found + paper_claims_when_pretrained(df)
