"""Claims about loss schedules: piecewise against single losses, soft against hard switches,
and where a hard switch works best."""

from __future__ import annotations

import pandas as pd

from .compare import best, compare_tasks, duel, tasks
from .frames import add_family, schedules_frame
from .specs import SWITCHES
from .verdict import Verdict

CASE = ("benchmark", "backbone", "train_size")


def piecewise_beats_best_single(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Paper: the best piecewise schedule matches or beats the best single loss."""

    def judge(sub: pd.DataFrame, task: dict):
        means = sub.groupby(["family", "loss"])[metric].mean()
        switch = means.index.get_level_values("family").isin(SWITCHES)
        fight = duel(means[switch], means[~switch], metric)
        if fight is None:
            return None
        pbest, pv, sbest, sv, holds = fight
        return {
            "best schedule": pbest,
            "schedule": pv,
            "best single": sbest,
            "single": sv,
            "holds": holds is not False,  # a tie is a match
        }

    return compare_tasks(
        "the best piecewise schedule matches or beats the best single loss",
        add_family(df),
        metric,
        CASE,
        judge,
        unit="cases",
    )


def soft_vs_hard(df: pd.DataFrame, metric: str = "precision_at_0.5") -> Verdict:
    """Does a soft switch (``a~>b``) beat the best hard switch of the same pair?"""

    def judge(sub: pd.DataFrame, task: dict):
        means = sub.groupby(["kind", "loss"])[metric].mean()
        kinds = means.index.get_level_values("kind")
        fight = duel(means[kinds == "soft"], means[kinds == "hard"], metric)
        if fight is None:
            return None
        soft_spec, sv, hbest, hv, holds = fight
        return {
            "soft switch": soft_spec,
            "soft": sv,
            "best hard": hbest,
            "hard": hv,
            "holds": holds,
        }

    return compare_tasks(
        "a soft switch beats the best hard switch of the same pair",
        schedules_frame(df),
        metric,
        (*CASE, "pair"),
        judge,
        unit="cases",
    )


def best_threshold(df: pd.DataFrame, metric: str = "precision_at_0.5") -> pd.DataFrame:
    """Per task, pair and kind of switch point: the hard switch with the best seed mean (a
    switch with options is a switch of its own: ``0.5(refit)`` next to ``0.5``)."""
    sched = schedules_frame(df)
    sched = sched[sched["kind"] == "hard"]
    opts = sched["options"].map(lambda o: f"({o})" if o else "")
    sched = sched.assign(switch=sched["at"] + opts)
    rows = []
    for task, sub in tasks(sched, (*CASE, "pair", "switch_on")):
        means = sub.groupby("switch")[metric].mean()
        at, value = best(means, metric)
        rows.append({**task, "best switch": at, metric: value, "switches tried": len(means)})
    return pd.DataFrame(rows)
