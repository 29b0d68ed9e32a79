"""Which loss wins where: each loss's rank among all losses of a task, per seed, averaged per
space and train size, with the losses significantly behind the best marked.

Benchmark papers compare many methods over many tasks by their mean rank (Demsar 2006): a
rank is scale-free, so tasks measured on different scales (tau on NAS-Bench-201, on TransNAS
jigsaw) average fairly. A block is one seed of one task (benchmark, backbone, train size),
where every loss shares the training sample; within it the losses are ranked (1 = best, ties
share the mean rank). Each loss is then compared with the best one of its column (lowest mean
rank) by a paired Wilcoxon signed-rank test over the blocks, Holm across the losses of the
column: a loss is *behind* where the corrected p is below alpha.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pwlkit.metrics import lower_is_better

from .paired import ALPHA, holm, paired_test
from .spaces import space_of

#: One seed of one task: the losses inside a block are ranked against each other.
BLOCK = ("benchmark", "backbone", "train_size", "seed")


def loss_ranks(df: pd.DataFrame, metric: str, block: Sequence[str] = BLOCK) -> pd.DataFrame:
    """Rank of every loss in each block (1 = best by ``metric``, ties averaged): the ``block``
    columns, ``loss``, ``rank``. A loss stored twice in a block counts once (its mean); blocks
    missing a loss that its task has elsewhere are left out, so every rank is out of the same
    number of losses."""
    block = [c for c in block if c in df.columns]
    values = df.assign(_v=pd.to_numeric(df[metric], errors="coerce")).dropna(subset=["_v"])
    means = values.groupby([*block, "loss"], observed=True)["_v"].mean().reset_index()
    task = [c for c in block if c != "seed"]
    per_task = means.groupby(task, observed=True)["loss"].transform("nunique")
    per_block = means.groupby(block, observed=True)["loss"].transform("count")
    means = means[per_block == per_task]
    grouped = means.groupby(block, observed=True)["_v"]
    means["rank"] = grouped.rank(ascending=lower_is_better(metric), method="average")
    return means.drop(columns="_v")


def rank_table(
    df: pd.DataFrame,
    metric: str,
    by: Sequence[str] = ("space", "train_size"),
    block: Sequence[str] = BLOCK,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Mean rank of each loss per ``by`` group (``space`` is derived from the benchmark),
    with the paired test against the group's best loss.

    Returns one row per (group, loss): the ``by`` columns, ``loss``, ``mean_rank``,
    ``losses`` (how many were ranked), ``blocks`` (seeds x tasks), ``best`` (the lowest mean
    rank), ``p_value`` / ``p_holm`` (Wilcoxon against the best on the blocks' ranks, Holm
    across the group's losses; NaN for the best), ``behind`` (significantly worse than the
    best).
    """
    ranks = loss_ranks(df, metric, block)
    if "space" in by and "space" not in ranks.columns:
        ranks["space"] = ranks["benchmark"].map(space_of)
    index = [c for c in block if c in ranks.columns]
    rows = []
    for key, part in ranks.groupby(list(by), observed=True, sort=False):
        table = part.pivot_table(index=index, columns="loss", values="rank", observed=True)
        table = table.dropna(axis=1, how="all").dropna()
        if table.empty:
            continue
        means = table.mean()
        best = str(means.idxmin())
        head = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        tests = {
            loss: paired_test(table[best], table[loss], "rank")
            for loss in table.columns
            if loss != best
        }
        adjusted = dict(zip(tests, holm([t.p_value for t in tests.values()])))
        for loss in table.columns:
            test = tests.get(loss)
            p_holm = adjusted.get(loss, float("nan"))
            rows.append(
                {
                    **head,
                    "loss": str(loss),
                    "mean_rank": float(means[loss]),
                    "losses": int(table.shape[1]),
                    "blocks": int(table.shape[0]),
                    "best": str(loss) == best,
                    "p_value": test.p_value if test else float("nan"),
                    "p_holm": p_holm,
                    "behind": bool(
                        test is not None
                        and np.isfinite(p_holm)
                        and p_holm < alpha
                        and test.mean_diff > 0
                    ),
                }
            )
    columns = [*by, "loss", "mean_rank", "losses", "blocks", "best", "p_value", "p_holm", "behind"]
    return pd.DataFrame(rows, columns=columns)
