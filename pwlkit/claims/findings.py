"""The paper's Key Findings answered with paired statistics: a `Finding` per claim.

Each function takes the frame of `pwlkit.study.load_results` (the search claim: of
`pwlkit.search.load_search_results`) and compares two sides of the claim inside every task,
paired by seed (the losses of one seed share its training sample): the mean paired difference
(positive when the side the claim favours is better), a two-sided Wilcoxon signed-rank test,
Holm's correction across the tasks of the claim on one benchmark, and a verdict per task (holds, contradicted,
inconclusive; see `pwlkit.claims.paired`). Where one side is "the best loss" of a group, it is
picked by seed mean with leave-one-seed-out picks for the test (see `pwlkit.claims.evidence`),
among the single losses of the paper's families (`PAPER_FAMILIES`: the NDCG losses are not
part of the paper's claims).
A claim the frame cannot test (no backbone grid, no rank-weighted losses, no schedules)
returns a `Finding` with no tasks and a ``note`` naming the study it needs; nothing raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from .evidence import (
    EXTRA_KEYS,
    TASK_FIELDS,
    TASK_KEYS,
    Finding,
    duel_tasks,
    finish,
    label,
    lacking,
    seed_table,
    task_groups,
    varying,
)
from .frames import accuracy_twin, schedules_frame, spellings
from .paired import paired_test
from .quotes import PAPER
from .search_lead import LEAD_CLAIMS, best_search_beats_pw, has_strategy
from .sizes import ONE_SIZE, rows_at_sizes
from .specs import RANKING, SWITCHES, WEIGHTED, is_single, loss_family, weights_of

TOP = "precision_at_0.5"


#: The families of the paper's eight losses: the pool every "best single loss" comes from (the
#: NDCG losses pwlkit adds are outside the paper's claims and are left out of them).
PAPER_FAMILIES = ("regression", "regression + pairwise", *RANKING, *WEIGHTED)


def _singles(table: pd.DataFrame, families: Sequence[str] = PAPER_FAMILIES, *, out=False) -> list:
    """Single losses of the paper's families among the table's columns, of ``families`` (or,
    with ``out``, of the paper's other families)."""
    losses = [c for c in table.columns if is_single(c) and loss_family(c) in PAPER_FAMILIES]
    return [c for c in losses if (loss_family(c) in families) != out]


def weighted_lead_with_data(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """Weighted losses lead the top-K metric with enough data: per task in the upper half of
    each benchmark's train sizes (the largest of two, the two largest of three or four), the
    best weighted loss (EW, MAPE, WARP) against the best regression or ranking loss (MSE,
    MSE+SR, HR, LR, ListMLE)."""
    claim = (
        "weighted losses lead with enough data (best weighted vs best regression / ranking "
        "loss, upper half of each benchmark's train sizes)"
    )
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["weighted"], note=why)
    if (upper := rows_at_sizes(df, "upper")).empty:
        return Finding(claim, metric, PAPER["weighted"], note=ONE_SIZE)
    rows = duel_tasks(
        upper,
        metric,
        lambda task, t: (_singles(t, WEIGHTED), _singles(t, WEIGHTED, out=True)),
    )
    return finish(claim, metric, rows, PAPER["weighted"])


def ranking_wins_little_data(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """Ranking losses win with very little data: at each benchmark's smallest train size, the
    best ranking loss (HR, LR, ListMLE) against the best weighted loss."""
    claim = "ranking losses win with very little data (best ranking vs best weighted, smallest N)"
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["ranking"], note=why)
    if (smallest := rows_at_sizes(df, "smallest")).empty:
        return Finding(claim, metric, PAPER["ranking"], note=ONE_SIZE)
    rows = duel_tasks(
        smallest,
        metric,
        lambda task, t: (_singles(t, RANKING), _singles(t, WEIGHTED)),
    )
    return finish(claim, metric, rows, PAPER["ranking"])


def mse_worst_at_top(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """MSE is worst at the top: per task, the worst other single loss against MSE.

    "Worst" means below every other loss, so MSE is tested against the weakest of the others
    (picked leave-one-seed-out, which here works against the claim, not for it); comparing
    with the median loss would test only "below average".
    """
    claim = "MSE is worst at the top (the worst other single loss vs MSE)"
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["mse"], note=why)
    if "mse" not in set(df["loss"]):
        return Finding(claim, metric, PAPER["mse"], note="needs a study with the mse loss")
    rows = duel_tasks(
        df,
        metric,
        lambda task, t: ([c for c in _singles(t) if c != "mse"], ["mse"]),
        a_worst=True,
    )
    return finish(claim, metric, rows, PAPER["mse"])


def hybrid_below_best_single(df: pd.DataFrame, metric: str = "tau") -> Finding:
    """MSE+SR is below the best single loss: per task, the best other single loss against
    MSE+SR (Kendall tau by default: the hybrid is meant to fit values and order at once)."""
    claim = "MSE+SR is below the best single loss (best other single loss vs MSE+SR)"
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["hybrid"], note=why)
    if "mse+sr" not in set(df["loss"]):
        return Finding(claim, metric, PAPER["hybrid"], note="needs a study with the mse+sr loss")
    rows = duel_tasks(
        df, metric, lambda task, t: ([c for c in _singles(t) if c != "mse+sr"], ["mse+sr"])
    )
    return finish(claim, metric, rows, PAPER["hybrid"])


def backbone_pairing(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """Simple backbones pair with ranking losses, complex ones with weighted losses: per task
    of the MLP, the best ranking loss against the best weighted one; per task of the
    Transformer, the best weighted loss against the best ranking one."""
    claim = (
        "MLP pairs with ranking losses, Transformer with weighted ones (MLP: best ranking vs "
        "best weighted; Transformer: best weighted vs best ranking)"
    )
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["backbone"], note=why)
    want = {"mlp": (RANKING, WEIGHTED), "transformer": (WEIGHTED, RANKING)}
    have = sorted(set(df["backbone"])) if "backbone" in df.columns else []
    missing = [b for b in want if b not in have]
    need = "needs a backbone x loss study with backbones mlp and transformer"
    if len(missing) == len(want):
        return Finding(claim, metric, PAPER["backbone"], note=f"{need}; these have {have}")

    def sides(task, table):
        if task["backbone"] not in want:
            return None
        favoured, other = want[task["backbone"]]
        return _singles(table, favoured), _singles(table, other)

    show = ("backbone", *varying(df, EXTRA_KEYS))
    rows = duel_tasks(df, metric, sides, show=show)
    note = f"{need}; no {missing[0]} rows, so half of the claim is tested" if missing else None
    return finish(claim, metric, rows, PAPER["backbone"], note)


def accuracy_weights_beat_rank(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """Ground-truth weights beat rank weights: per task and weighted loss, the loss with
    accuracy weights against the same loss (other hyperparameters equal) with weights=rank."""
    claim = "accuracy weights beat rank weights (weights=accuracy vs weights=rank, same loss)"
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["weights"], note=why)
    specs = list(df["loss"].unique())
    spelled = spellings(specs)
    pairs = {s: accuracy_twin(s, spelled) for s in specs if weights_of(s) == "rank"}
    pairs = {rank: acc for rank, acc in pairs.items() if acc in specs}
    if not pairs:
        note = (
            "needs a study with weighted losses at weights=rank beside the same losses with "
            "accuracy weights, e.g. warp and warp(weights=rank)"
        )
        return Finding(claim, metric, PAPER["weights"], note=note)
    show = varying(df, ("backbone", *EXTRA_KEYS))
    rows = []
    for task, sub in task_groups(df):
        table = seed_table(sub, metric)
        for rank, acc in sorted(pairs.items()):
            if rank in table.columns and acc in table.columns:
                block = table[[acc, rank]].dropna()
                test = paired_test(block[acc], block[rank], metric)
                name = f"{label(task, show)} {acc}"
                rows.append(_row(name, test, acc, rank, block, task["benchmark"]))
    return finish(claim, metric, rows, PAPER["weights"])


def _row(task: str, test, a: str, b: str, block: pd.DataFrame, benchmark: str) -> dict:
    return {
        "task": task,
        "benchmark": benchmark,
        "mean_diff": test.mean_diff,
        "p_value": test.p_value,
        "n": test.n,
        "a": a,
        "b": b,
        "a_mean": float(block[a].mean()) if len(block) else float("nan"),
        "b_mean": float(block[b].mean()) if len(block) else float("nan"),
        "diff_lo": test.lo,
        "diff_hi": test.hi,
    }


def more_data_not_always_better(
    df: pd.DataFrame,
    metric: str = TOP,
    families: Sequence[str] = ("regression", "regression + pairwise", *RANKING),
) -> Finding:
    """More data does not always improve the top-K metric: per benchmark (and backbone) and
    each loss of ``families`` (the paper names regression and ranking losses), the loss at
    the smallest train size against the same loss at the largest, paired by seed.

    Holm runs across every (task, loss) test. A task *holds* when some loss is significantly
    worse at the larger size, is *contradicted* when every loss is significantly better
    there, and is *inconclusive* otherwise; its row shows the loss that decided it (the most
    degraded one when none did).
    """
    claim = (
        "more data does not always improve the top-K metric (each regression / ranking loss "
        "at the smallest vs the largest N; holds where some loss is worse at the larger N)"
    )
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["more_data"], note=why)
    data = df[[is_single(s) and loss_family(s) in families for s in df["loss"]]]
    show = varying(data, ("backbone", *EXTRA_KEYS))
    tests: list[dict] = []
    for task, sub in task_groups(data, ("benchmark", "backbone")):
        sizes = sorted(sub["train_size"].unique())
        if len(sizes) < 2:
            continue
        small, large = sizes[0], sizes[-1]
        name = label(task, show, size=f"{small}->{large}")
        for loss, rows in sub.groupby("loss"):
            table = seed_table(rows, metric, columns="train_size")
            if small not in table.columns or large not in table.columns:
                continue
            block = table[[small, large]].dropna()
            test = paired_test(block[small], block[large], metric)
            row = _row(name, test, small, large, block, task["benchmark"])
            tests.append({**row, "a": f"{loss} N={small}", "b": f"{loss} N={large}"})
    if not tests:
        note = "needs a study with at least two train sizes of a regression or ranking loss"
        return Finding(claim, metric, PAPER["more_data"], note=note)
    tested = finish(claim, metric, tests)
    judged = tested.tasks
    rows = []
    for name in dict.fromkeys(t["task"] for t in judged):
        group = [t for t in judged if t["task"] == name]
        held = [t for t in group if t["verdict"] == "holds"]
        if held:
            pick, verdict = min(held, key=lambda t: t["p_holm"]), "holds"
        elif all(t["verdict"] == "contradicted" for t in group):
            pick, verdict = max(group, key=lambda t: t["p_holm"]), "contradicted"
        else:
            pick, verdict = max(group, key=_degradation), "inconclusive"
        rows.append({**pick, "verdict": verdict, "losses": len(group), "worse": len(held)})
    return Finding(claim, metric, PAPER["more_data"], rows, tested.note)


def _degradation(task: dict) -> float:
    diff = task["mean_diff"]
    return diff if math.isfinite(diff) else -math.inf  # untestable last


def piecewise_beats_best_single(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """The piecewise loss beats every single loss: per task, the best hard or soft switch
    schedule against the best single loss."""
    claim = "the piecewise loss beats every single loss (best PW schedule vs best single loss)"
    if why := lacking(df, metric):
        return Finding(claim, metric, PAPER["piecewise"], note=why)
    if not any(loss_family(s) in SWITCHES for s in df["loss"].unique()):
        note = "needs a study with PW schedules (e.g. hr->mape@0.5) beside single losses"
        return Finding(claim, metric, PAPER["piecewise"], note=note)
    rows = duel_tasks(
        df,
        metric,
        lambda task, t: ([c for c in t.columns if loss_family(c) in SWITCHES], _singles(t)),
    )
    return finish(claim, metric, rows, PAPER["piecewise"])


def soft_beats_hard(df: pd.DataFrame, metric: str = TOP) -> Finding:
    """A soft switch (``a~>b``) beats the hard switches of the same pair: per task and pair,
    the best soft schedule against the best hard one. pwlkit's question, not the paper's (it
    only uses hard switches), so it is not among `STUDY_CLAIMS`."""
    claim = "a soft switch beats the hard switches of its pair (best soft vs best hard schedule)"
    if why := lacking(df, metric):
        return Finding(claim, metric, None, note=why)
    sched = schedules_frame(df)
    if sched.empty or set(sched["kind"]) != {"soft", "hard"}:
        note = "needs a study with soft (hr~>mape) and hard (hr->mape@0.5) switches of one pair"
        return Finding(claim, metric, None, note=note)
    kind = dict(zip(sched["loss"], sched["kind"]))

    def sides(task, table):
        cols = list(table.columns)
        return [c for c in cols if kind[c] == "soft"], [c for c in cols if kind[c] == "hard"]

    show = ("pair", *varying(sched, ("backbone", *EXTRA_KEYS)))
    rows = duel_tasks(sched, metric, sides, keys=(*TASK_KEYS, "pair"), show=show)
    return finish(claim, metric, rows)


def search_beats_baselines(
    search: pd.DataFrame | None, ours: str = "pw", metric: str = "test_error"
) -> Finding:
    """PW-guided search ends with a lower test error: per benchmark, budget, signal and other
    strategy (mse, lr, mape, random, evolution, ...), ``ours`` against it, paired by seed."""
    claim = f"{ours}-guided search ends with a lower test error ({ours} vs each other strategy)"
    needs = ("benchmark", "strategy", "budget", "seed")
    if search is None or search.empty:
        note = "needs search results (pwlkit search with a search study file)"
        return Finding(claim, metric, PAPER["search"], note=note)
    if why := lacking(search, metric, needs):
        return Finding(claim, metric, PAPER["search"], note=why)
    df = search.assign(strategy=search["strategy"].astype(str))
    if ours not in set(df["strategy"]):
        have = sorted(set(df["strategy"]))
        note = f"no {ours!r} strategy in the search results (strategies: {have})"
        return Finding(claim, metric, PAPER["search"], note=note)
    keys = [k for k in ("benchmark", "budget", "signal") if k in df.columns]
    shown = varying(df, ["signal"])
    rows = []
    for vals, sub in df.groupby(keys, sort=True):
        task = dict(zip(keys, vals if isinstance(vals, tuple) else (vals,)))
        table = seed_table(sub, metric, columns="strategy")
        if ours not in table.columns:
            continue
        mine = _ours_label(sub, ours)
        name = f"{task['benchmark']} budget={task['budget']}"
        name += "".join(f" {task[k]}" for k in shown)
        for other in [c for c in table.columns if c != ours]:
            block = table[[ours, other]].dropna()
            test = paired_test(block[ours], block[other], metric)
            row = _row(f"{name} vs {other}", test, ours, other, block, task["benchmark"])
            rows.append({**row, "a": mine})
    return finish(claim, metric, rows, PAPER["search"])


def _ours_label(rows: pd.DataFrame, ours: str) -> str:
    """``pw (hr->mape@20)``: the strategy with the schedule it resolved to."""
    if "loss" not in rows.columns:
        return ours
    specs = sorted(set(rows.loc[rows["strategy"] == ours, "loss"].astype(str)) - {"", ours})
    return f"{ours} ({', '.join(specs)})" if specs else ours


STUDY_CLAIMS = (
    weighted_lead_with_data,
    ranking_wins_little_data,
    mse_worst_at_top,
    hybrid_below_best_single,
    backbone_pairing,
    accuracy_weights_beat_rank,
    more_data_not_always_better,
    piecewise_beats_best_single,
)
"""The study claims in the order of the paper's Key Findings."""


def findings(
    results: Mapping[str, pd.DataFrame] | pd.DataFrame | None,
    search: pd.DataFrame | None = None,
) -> list[Finding]:
    """Every claim of the paper on these results: the study claims, then the search claim.

    Args:
        results: a `pwlkit.study.load_results` frame, or several by name (concatenated; a cell
            stored twice counts once; studies that differ in epochs, signal or training
            settings become separate tasks).
        search: a `pwlkit.search.load_search_results` frame, or None.

    Returns:
        One `Finding` per claim; claims these results cannot test carry a ``note``. The
        paper's claims are tested on the cells of its protocol only (no pretraining, cells as
        stored, random samples, no ensembles: `pwlkit.claims.predictor.protocol_cells`); the
        others answer pwlkit's own questions (`pwlkit.claims.goals.beyond_the_paper`).
    """
    from .protocol import protocol_cells

    if isinstance(results, Mapping):
        frames = [f for f in results.values() if f is not None and not f.empty]
        results = pd.concat(frames, ignore_index=True) if frames else None
    if results is not None and "cell_id" in results.columns:
        results = results.drop_duplicates("cell_id")
    if results is not None:
        results = results[protocol_cells(results)]
    lead = [
        best_search_beats_pw(search, strategy, what=what)
        for strategy, what in LEAD_CLAIMS
        if has_strategy(search, strategy)
    ]
    return [claim(results) for claim in STUDY_CLAIMS] + [search_beats_baselines(search), *lead]


def findings_table(found: Sequence[Finding]) -> pd.DataFrame:
    """One row per claim: claim, metric, the counts and note, then a column block per task
    (``verdict``, ``mean_diff``, ``p_holm``, ``n``, ``a``, ``b``; empty where a claim has no
    such task). Columns are a two-level index: (task, field), ``""`` for the claim's own."""
    head = ["claim", "metric", "holds", "contradicted", "inconclusive", "note"]
    fields = [f for f in TASK_FIELDS if f not in ("task", "p_value")]
    records, blocks = [], {}
    for f in found:
        rec = {(k, ""): getattr(f, k) for k in head}
        for t in f.tasks:
            blocks.setdefault(t["task"], None)
            rec.update({(t["task"], k): t.get(k) for k in fields})
        records.append(rec)
    columns = [(k, "") for k in head] + [(t, k) for t in blocks for k in fields]
    return pd.DataFrame(records, columns=pd.MultiIndex.from_tuples(columns))
