"""The paper's claims, checked against a study's results: "holds on 3 of 4 tasks".

Each check takes the tidy frame of `pwlkit.study.load_results` (one row per trained predictor:
benchmark, loss, train_size, backbone, seed and metric columns such as ``tau``,
``precision_at_0.5``, ``n_at_10``), averages over seeds, and decides per task (benchmark, or
benchmark x backbone / train size where the claim is about those). It returns a `Verdict` whose
text is computed from the data, never written in advance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .viz import lower_is_better

#: Loss families as `pwlkit.losses` names them (``LOSSES[name].family``).
RANKING = ("pairwise ranking", "listwise ranking")
WEIGHTED = ("weighted",)


@dataclass
class Verdict:
    """How often a claim held: ``holds`` of ``total`` tasks, with the per-task evidence."""

    claim: str
    holds: int
    total: int
    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    metric: str = ""
    unit: str = "tasks"
    ties: int = 0  # cases the metric could not separate, left out of ``total``

    @property
    def fraction(self) -> float:
        return self.holds / self.total if self.total else float("nan")

    def __str__(self) -> str:
        tied = f"; {self.ties} tied, left out" if self.ties else ""
        if not self.total:
            unit = self.unit.removesuffix("s")
            why = f"every {unit} is a tie" if self.ties else f"no {unit} has the runs"
            return f"{self.claim}: not testable on these results ({why})"
        on = f"holds on {self.holds} of {self.total} {self.unit}"
        return f"{self.claim}: {on}" + (f" ({self.metric}{tied})" if self.metric else "")

    def _repr_markdown_(self) -> str:
        return f"**{self}**"

    def _repr_html_(self) -> str:
        table = self.details.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return f"<p><b>{self}</b></p>{table}"


def loss_family(spec: str) -> str:
    """Family of a loss or schedule spec, as `pwlkit.losses` names it (regression, pairwise
    ranking, listwise ranking, weighted, ...); a hard switch (``a->b@t``) is ``piecewise``, a
    soft one (``a~>b``) ``soft piecewise``."""
    if "~>" in spec:
        return "soft piecewise"
    if "->" in spec:
        return "piecewise"
    from pwlkit.losses import LOSSES

    base = spec.split("(", 1)[0].strip()
    if base not in LOSSES:
        raise ValueError(f"unknown loss {spec!r}; valid names: {', '.join(LOSSES)}")
    return LOSSES[base].family


def add_family(df: pd.DataFrame, column: str = "loss") -> pd.DataFrame:
    """A copy of ``df`` with a ``family`` column derived from its loss specs."""
    out = df.copy()
    fam = {s: loss_family(s) for s in out[column].unique()}
    out["family"] = out[column].map(fam)
    return out


def _better(metric: str) -> Callable[[float, float], bool]:
    if lower_is_better(metric):
        return lambda a, b: a < b
    return lambda a, b: a > b


def _beats(metric: str, a: float, b: float) -> bool | None:
    """True if ``a`` is better than ``b`` on ``metric``, False if worse, None on a tie."""
    if np.isclose(a, b, rtol=1e-12, atol=1e-12):
        return None
    return bool(_better(metric)(a, b))


def _top(means: pd.Series, metric: str) -> list:
    """Every index whose value ties for the best."""
    best = means.min() if lower_is_better(metric) else means.max()
    return [i for i, v in means.items() if np.isclose(v, best, rtol=1e-12, atol=1e-12)]


def _best(means: pd.Series, metric: str) -> tuple[str, float]:
    idx = means.idxmin() if lower_is_better(metric) else means.idxmax()
    return idx, float(means[idx])


def seed_means(df: pd.DataFrame, metric: str, by: Sequence[str]) -> pd.DataFrame:
    """Mean of ``metric`` over seeds for every group of ``by`` (missing columns are skipped)."""
    if metric not in df.columns:
        raise KeyError(f"metric column {metric!r} not in results; columns: {list(df.columns)}")
    by = [c for c in by if c in df.columns]
    return df.groupby(by, observed=True)[metric].mean().reset_index()


def _tasks(df: pd.DataFrame, keys: Sequence[str]):
    keys = [k for k in keys if k in df.columns]
    if not keys:
        yield {}, df
        return
    for vals, sub in df.groupby(keys, observed=True, sort=True):
        vals = vals if isinstance(vals, tuple) else (vals,)
        yield dict(zip(keys, vals)), sub


def _single(df: pd.DataFrame) -> pd.DataFrame:
    fam = add_family(df)
    return fam[~fam["family"].str.contains("piecewise")]


def best_family_at_size(
    df: pd.DataFrame,
    metric: str = "precision_at_0.5",
    *,
    size: str = "largest",
    winners: Sequence[str] = WEIGHTED,
    claim: str | None = None,
) -> Verdict:
    """Is the best single loss at the ``largest`` / ``smallest`` train size from ``winners``?

    The paper: weighted losses lead on top-K metrics with enough data; ranking losses lead
    with very little data.
    """
    data = _single(df)
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone"]):
        n = sub["train_size"].max() if size == "largest" else sub["train_size"].min()
        means = sub[sub["train_size"] == n].groupby("loss")[metric].mean()
        if means.empty:
            continue
        _, value = _best(means, metric)
        fams = {loss_family(x) in winners for x in _top(means, metric)}
        rows.append(
            {
                **task,
                "train_size": n,
                "best loss": ", ".join(_top(means, metric)),
                "family": ", ".join(sorted({loss_family(x) for x in _top(means, metric)})),
                metric: value,
                "holds": fams.pop() if len(fams) == 1 else None,
            }
        )
    details = pd.DataFrame(rows)
    text = claim or f"best loss at the {size} train size is {' or '.join(winners)}"
    return _verdict(text, details, metric)


def weighted_best_with_data(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: weighted losses (EW, MAPE, WARP) lead top-K metrics when data suffices."""
    return best_family_at_size(
        df,
        metric,
        size="largest",
        winners=WEIGHTED,
        claim="weighted losses are best at the largest train size",
    )


def ranking_best_with_little_data(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: ranking losses beat weighted ones when training data is very small."""
    data = _single(df)
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone"]):
        n = sub["train_size"].min()
        means = sub[sub["train_size"] == n].groupby(["family", "loss"])[metric].mean()
        fams = means.index.get_level_values("family")
        rank = means[fams.isin(RANKING)]
        weighted = means[fams.isin(WEIGHTED)]
        if rank.empty or weighted.empty:
            continue
        (_, rbest), rv = _best(rank, metric)
        (_, wbest), wv = _best(weighted, metric)
        rows.append(
            {
                **task,
                "train_size": n,
                "best ranking": rbest,
                "ranking": rv,
                "best weighted": wbest,
                "weighted": wv,
                "holds": _beats(metric, rv, wv),
            }
        )
    return _verdict(
        "ranking losses beat weighted losses at the smallest train size", pd.DataFrame(rows), metric
    )


def mse_worst_at_top(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: MSE has the worst Precision@0.5 of the losses (averaged over train sizes)."""
    data = _single(df)
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone"]):
        means = sub.groupby("loss")[metric].mean()
        if "mse" not in means or len(means) < 2:
            continue
        worst = means.idxmax() if lower_is_better(metric) else means.idxmin()
        rows.append(
            {
                **task,
                "mse": means["mse"],
                "worst loss": worst,
                "worst": means[worst],
                "holds": worst == "mse" if (means == means[worst]).sum() == 1 else None,
            }
        )
    return _verdict(
        "MSE is the worst loss at identifying top architectures", pd.DataFrame(rows), metric
    )


def hybrid_below_best_single(df: pd.DataFrame, metric: str = "tau") -> Verdict:
    """Paper: the hybrid MSE+SR does worse than the best single-objective loss."""
    data = _single(df)
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone", "train_size"]):
        means = sub.groupby("loss")[metric].mean()
        if "mse+sr" not in means or len(means) < 2:
            continue
        best, bv = _best(means.drop("mse+sr"), metric)
        rows.append(
            {
                **task,
                "mse+sr": means["mse+sr"],
                "best single": best,
                "best": bv,
                "holds": _beats(metric, bv, means["mse+sr"]),
            }
        )
    return _verdict(
        "MSE+SR is below the best single loss", pd.DataFrame(rows), metric, unit="cases"
    )


def more_data_not_always_better(
    df: pd.DataFrame,
    metric: str = "precision_at_0.5",
    families: Sequence[str] = ("regression", *RANKING),
) -> Verdict:
    """Paper: top-K metrics of regression / ranking losses can get worse with more data.

    Per task, the claim holds when at least one such loss has a lower seed-mean top-K metric
    at some train size than at the next smaller one. ``drops`` lists those losses.
    """
    data = add_family(df)
    data = data[data["family"].isin(families)]
    better = _better(metric)
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone"]):
        drops, checked = [], 0
        for loss, ls in sub.groupby("loss"):
            curve = ls.groupby("train_size")[metric].mean().sort_index()
            if len(curve) < 2:
                continue
            checked += 1
            vals = curve.to_numpy()
            sizes = curve.index.to_numpy()
            worse = [
                f"{sizes[i - 1]}->{sizes[i]}"
                for i in range(1, len(vals))
                if better(vals[i - 1], vals[i])
            ]
            if worse:
                drops.append(f"{loss} ({', '.join(worse)})")
        if checked:
            rows.append(
                {
                    **task,
                    "losses checked": checked,
                    "drops": "; ".join(drops) or "none",
                    "holds": bool(drops),
                }
            )
    return _verdict(
        "more training data does not always improve the top-K metric", pd.DataFrame(rows), metric
    )


def backbone_pairing(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: an MLP predictor is best with a ranking loss, a Transformer with a weighted one."""
    data = _single(df)
    want = {"mlp": RANKING, "transformer": WEIGHTED}
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone"]):
        bb = task.get("backbone")
        if bb not in want:
            continue
        means = sub.groupby("loss")[metric].mean()
        best, value = _best(means, metric)
        fams = {loss_family(x) in want[bb] for x in _top(means, metric)}
        rows.append(
            {
                **task,
                "best loss": ", ".join(_top(means, metric)),
                "family": loss_family(best),
                metric: value,
                "expected": " or ".join(want[bb]),
                "holds": fams.pop() if len(fams) == 1 else None,
            }
        )
    return _verdict(
        "MLP pairs best with a ranking loss, Transformer with a weighted loss",
        pd.DataFrame(rows),
        metric,
    )


def _strip_rank(spec: str) -> str | None:
    """``warp(weights=rank)`` -> ``warp``; None when the spec has no rank weights."""
    if "weights=rank" not in spec:
        return None
    base, _, args = spec.partition("(")
    rest = [a.strip() for a in args.rstrip(")").split(",") if a.strip() != "weights=rank"]
    return f"{base}({', '.join(rest)})" if rest else base


def accuracy_weights_beat_rank(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: weights from the true accuracy beat weights from the rank (EW, MAPE, WARP).

    Compares each ``loss(weights=rank)`` with the same loss at its default (accuracy) weights,
    per benchmark and train size.
    """
    pairs = {s: _strip_rank(s) for s in df["loss"].unique()}
    pairs = {r: a for r, a in pairs.items() if a is not None and a in set(df["loss"])}
    rows = []
    for task, sub in _tasks(df, ["benchmark", "backbone", "train_size"]):
        means = sub.groupby("loss")[metric].mean()
        for rank_spec, acc_spec in pairs.items():
            if rank_spec in means and acc_spec in means:
                rows.append(
                    {
                        **task,
                        "loss": acc_spec,
                        "accuracy weights": means[acc_spec],
                        "rank weights": means[rank_spec],
                        "holds": _beats(metric, means[acc_spec], means[rank_spec]),
                    }
                )
    return _verdict(
        "accuracy (ground-truth) weights beat rank weights",
        pd.DataFrame(rows),
        metric,
        unit="cases",
    )


def piecewise_beats_best_single(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: the best piecewise schedule matches or beats the best single loss."""
    data = add_family(df)
    rows = []
    for task, sub in _tasks(data, ["benchmark", "backbone", "train_size"]):
        means = sub.groupby(["family", "loss"])[metric].mean()
        fams = means.index.get_level_values("family")
        pw = means[fams.str.contains("piecewise")]
        single = means[~fams.str.contains("piecewise")]
        if pw.empty or single.empty:
            continue
        (_, pbest), pv = _best(pw, metric)
        (_, sbest), sv = _best(single, metric)
        rows.append(
            {
                **task,
                "best schedule": pbest,
                "schedule": pv,
                "best single": sbest,
                "single": sv,
                "holds": _beats(metric, pv, sv) is not False,  # a tie is a match
            }
        )
    return _verdict(
        "the best piecewise schedule matches or beats the best single loss",
        pd.DataFrame(rows),
        metric,
        unit="cases",
    )


def switch_parts(spec: str) -> dict[str, str]:
    """Warm-up, focus, kind (hard / soft), switch point and what it counts, for a schedule spec.

    ``at`` is the switch as written: ``0.5`` (a fraction of the epochs), ``100`` (the
    training-set size: warm-up while n_train <= 100), ``0.2:0.8`` (a soft blend's span).
    ``switch_on`` is ``epochs`` or ``train size``. Returns {} for a single loss.
    """
    if "~>" in spec:
        warm, rest = spec.split("~>", 1)
        kind = "soft"
    elif "->" in spec:
        warm, rest = spec.split("->", 1)
        kind = "hard"
    else:
        return {}
    focus, _, at = rest.partition("@")
    on = "train size" if at and at.isdigit() else "epochs"
    return {"warmup": warm, "focus": focus, "kind": kind, "at": at, "switch_on": on}


def schedules_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of schedules with warm-up, focus, kind, switch point columns (see
    `switch_parts`), ``pair`` (``warmup->focus``) and ``at_value`` (the hard switch point as a
    number; NaN for soft blends)."""
    parts = {s: switch_parts(s) for s in df["loss"].unique()}
    rows = df[df["loss"].map(lambda s: bool(parts[s]))].copy()
    for key in ("warmup", "focus", "kind", "at", "switch_on"):
        rows[key] = rows["loss"].map(lambda s, k=key: parts[s][k])
    rows["pair"] = rows["warmup"] + "->" + rows["focus"]
    hard = rows["kind"] == "hard"
    rows["at_value"] = pd.to_numeric(rows["at"].where(hard), errors="coerce")
    return rows


def soft_vs_hard(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Does a soft switch (``a~>b``) beat the best hard switch of the same pair?"""
    sched = schedules_frame(df)
    rows = []
    for task, sub in _tasks(sched, ["benchmark", "backbone", "train_size", "pair"]):
        means = sub.groupby(["kind", "loss"])[metric].mean()
        kinds = means.index.get_level_values("kind")
        if not ((kinds == "soft").any() and (kinds == "hard").any()):
            continue
        (_, soft_spec), sv = _best(means[kinds == "soft"], metric)
        (_, hbest), hv = _best(means[kinds == "hard"], metric)
        rows.append(
            {
                **task,
                "soft switch": soft_spec,
                "soft": sv,
                "best hard": hbest,
                "hard": hv,
                "holds": _beats(metric, sv, hv),
            }
        )
    return _verdict(
        "a soft switch beats the best hard switch of the same pair",
        pd.DataFrame(rows),
        metric,
        unit="cases",
    )


def best_threshold(df: pd.DataFrame, metric: str = "precision_at_0.5") -> pd.DataFrame:
    """Per task, pair and kind of switch point: the hard switch with the best seed mean."""
    sched = schedules_frame(df)
    sched = sched[sched["kind"] == "hard"]
    rows = []
    for task, sub in _tasks(sched, ["benchmark", "backbone", "train_size", "pair", "switch_on"]):
        means = sub.groupby("at")[metric].mean()
        at, value = _best(means, metric)
        rows.append({**task, "best switch": at, metric: value, "switches tried": len(means)})
    return pd.DataFrame(rows)


def _verdict(claim: str, details: pd.DataFrame, metric: str, unit: str = "tasks") -> Verdict:
    """Count the rows that hold; rows whose ``holds`` is None are ties, left out of the total."""
    if details.empty:
        return Verdict(claim, 0, 0, details, metric, unit)
    details = details.copy()
    tied = details["holds"].isna()
    details["holds"] = details["holds"].map({True: "yes", False: "no"}).fillna("tie")
    held = int((details["holds"] == "yes").sum())
    return Verdict(claim, held, int((~tied).sum()), details, metric, unit, int(tied.sum()))


def summary_table(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """One line per verdict: claim, metric, holds, total, fraction."""
    return pd.DataFrame(
        [
            {
                "claim": v.claim,
                "metric": v.metric,
                "holds": v.holds,
                "tasks": v.total,
                "fraction": round(v.fraction, 3) if v.total else np.nan,
            }
            for v in verdicts
        ]
    )


def with_task(df: pd.DataFrame, cols: Sequence[str] = ("benchmark", "train_size")) -> pd.DataFrame:
    """A copy with a ``task`` column naming each (benchmark, train size) panel."""
    out = df.sort_values(list(cols), kind="stable")  # panels in benchmark, size order
    parts = [out[c].astype(str) if c != "train_size" else "n=" + out[c].astype(str) for c in cols]
    task = parts[0]
    for p in parts[1:]:
        task = task + ", " + p
    out["task"] = task
    return out


def weights_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of weighted losses with ``base`` (spec without rank weights), ``weights`` and
    ``task`` columns, for accuracy-vs-rank comparisons."""
    out = with_task(df)
    out["base"] = out["loss"].map(lambda s: _strip_rank(s) or s)
    out["weights"] = np.where(out["loss"].str.contains("weights=rank"), "rank", "accuracy")
    return out


# ----------------------------------------------------------------------------- search


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
    final error of ``ours`` is at most the other's.
    """
    df = results if isinstance(results, pd.DataFrame) else pd.DataFrame(list(results))
    df = df.assign(strategy=df["strategy"].astype(str))
    better = _better(metric)
    rows = []
    for task, sub in _tasks(df, ["benchmark", "budget", "signal"]):
        means = sub.groupby("strategy")[metric].mean()
        if ours not in means:
            continue
        for other, value in means.drop(ours).items():
            mine = means[ours]
            rows.append(
                {
                    **task,
                    "versus": other,
                    ours: mine,
                    "other": value,
                    "holds": mine == value or better(mine, value),
                }
            )
    verdict = _verdict(
        f"{ours} search ends with a test error at most the other strategy's",
        pd.DataFrame(rows),
        metric,
    )
    verdict.unit = "comparisons"
    return verdict
