"""The paper's claims about single losses: which family leads at which train size, and how.

Each check takes the tidy frame of `pwlkit.study.load_results`, averages over seeds and decides
per task (benchmark x backbone, or x train size where the claim is about that) with
`compare_tasks`; the verdict text is computed from the data, never written in advance.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .compare import agree, beats, best, compare_tasks, duel, leaders
from .frames import accuracy_twin, add_family, single_losses, spellings
from .specs import RANKING, WEIGHTED, loss_family, weights_of
from .verdict import Verdict

PANEL = ("benchmark", "backbone")
CASE = ("benchmark", "backbone", "train_size")


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

    def judge(sub: pd.DataFrame, task: dict):
        n = sub["train_size"].max() if size == "largest" else sub["train_size"].min()
        means = sub[sub["train_size"] == n].groupby("loss")[metric].mean()
        if means.empty:
            return None
        top = leaders(means, metric)
        return {
            "train_size": n,
            "best loss": ", ".join(top),
            "family": ", ".join(sorted({loss_family(x) for x in top})),
            metric: best(means, metric)[1],
            "holds": agree(loss_family(x) in winners for x in top),
        }

    text = claim or f"best loss at the {size} train size is {' or '.join(winners)}"
    return compare_tasks(text, single_losses(df), metric, PANEL, judge)


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

    def judge(sub: pd.DataFrame, task: dict):
        n = sub["train_size"].min()
        means = sub[sub["train_size"] == n].groupby(["family", "loss"])[metric].mean()
        fams = means.index.get_level_values("family")
        fight = duel(means[fams.isin(RANKING)], means[fams.isin(WEIGHTED)], metric)
        if fight is None:
            return None
        rbest, rv, wbest, wv, holds = fight
        return {
            "train_size": n,
            "best ranking": rbest,
            "ranking": rv,
            "best weighted": wbest,
            "weighted": wv,
            "holds": holds,
        }

    return compare_tasks(
        "ranking losses beat weighted losses at the smallest train size",
        single_losses(df),
        metric,
        PANEL,
        judge,
    )


def mse_worst_at_top(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: MSE has the worst Precision@0.5 of the losses (averaged over train sizes)."""

    def judge(sub: pd.DataFrame, task: dict):
        means = sub.groupby("loss")[metric].mean()
        if "mse" not in means or len(means) < 2:
            return None
        worst, value = best(means, metric, worst=True)
        bottom = leaders(means, metric, worst=True)
        return {
            "mse": means["mse"],
            "worst loss": worst,
            "worst": value,
            "holds": worst == "mse" if len(bottom) == 1 else None,
        }

    return compare_tasks(
        "MSE is the worst loss at identifying top architectures",
        single_losses(df),
        metric,
        PANEL,
        judge,
    )


def hybrid_below_best_single(df: pd.DataFrame, metric: str = "tau") -> Verdict:
    """Paper: the hybrid MSE+SR does worse than the best single-objective loss."""

    def judge(sub: pd.DataFrame, task: dict):
        means = sub.groupby("loss")[metric].mean()
        if "mse+sr" not in means or len(means) < 2:
            return None
        other, value = best(means.drop("mse+sr"), metric)
        return {
            "mse+sr": means["mse+sr"],
            "best single": other,
            "best": value,
            "holds": beats(metric, value, means["mse+sr"]),
        }

    return compare_tasks(
        "MSE+SR is below the best single loss",
        single_losses(df),
        metric,
        CASE,
        judge,
        unit="cases",
    )


def more_data_not_always_better(
    df: pd.DataFrame,
    metric: str = "precision_at_0.5",
    families: Sequence[str] = ("regression", *RANKING),
) -> Verdict:
    """Paper: top-K metrics of regression / ranking losses can get worse with more data.

    Per task, the claim holds when at least one such loss has a worse seed-mean top-K metric
    at some train size than at the next smaller one. ``drops`` lists those losses.
    """
    data = add_family(df)
    data = data[data["family"].isin(families)]

    def judge(sub: pd.DataFrame, task: dict):
        drops, checked = [], 0
        for loss, ls in sub.groupby("loss"):
            curve = ls.groupby("train_size")[metric].mean().sort_index()
            if len(curve) < 2:
                continue
            checked += 1
            vals, sizes = curve.to_numpy(), curve.index.to_numpy()
            worse = [
                f"{sizes[i - 1]}->{sizes[i]}"
                for i in range(1, len(vals))
                if beats(metric, vals[i - 1], vals[i])
            ]
            if worse:
                drops.append(f"{loss} ({', '.join(worse)})")
        if not checked:
            return None
        return {
            "losses checked": checked,
            "drops": "; ".join(drops) or "none",
            "holds": bool(drops),
        }

    return compare_tasks(
        "more training data does not always improve the top-K metric", data, metric, PANEL, judge
    )


def backbone_pairing(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: an MLP predictor is best with a ranking loss, a Transformer with a weighted one."""
    want = {"mlp": RANKING, "transformer": WEIGHTED}

    def judge(sub: pd.DataFrame, task: dict):
        expected = want.get(task.get("backbone"))
        if expected is None:
            return None
        means = sub.groupby("loss")[metric].mean()
        first, value = best(means, metric)
        top = leaders(means, metric)
        return {
            "best loss": ", ".join(top),
            "family": loss_family(first),
            metric: value,
            "expected": " or ".join(expected),
            "holds": agree(loss_family(x) in expected for x in top),
        }

    return compare_tasks(
        "MLP pairs best with a ranking loss, Transformer with a weighted loss",
        single_losses(df),
        metric,
        PANEL,
        judge,
    )


def accuracy_weights_beat_rank(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: weights from the true accuracy beat weights from the rank (EW, MAPE, WARP).

    Compares each ``loss(weights=rank)`` with the same loss at accuracy weights (its other
    hyperparameters equal), per benchmark, backbone and train size.
    """
    specs = df["loss"].unique()
    spelled = spellings(specs)
    pairs = {s: accuracy_twin(s, spelled) for s in specs if weights_of(s) == "rank"}
    pairs = {rank: acc for rank, acc in pairs.items() if acc in set(specs)}

    def judge(sub: pd.DataFrame, task: dict):
        means = sub.groupby("loss")[metric].mean()
        return [
            {
                "loss": acc,
                "accuracy weights": means[acc],
                "rank weights": means[rank],
                "holds": beats(metric, means[acc], means[rank]),
            }
            for rank, acc in pairs.items()
            if rank in means and acc in means
        ]

    return compare_tasks(
        "accuracy (ground-truth) weights beat rank weights", df, metric, CASE, judge, unit="cases"
    )
