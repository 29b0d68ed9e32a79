"""Claims about pwlkit's own predictor beyond the paper: pretraining, pruned cells, ensembles,
chosen samples, and the paper's claims asked again of pretrained predictors.

Every claim pairs cells that share their training sample (same benchmark, train size, seed),
so the sample's luck cancels: pretraining against none on the same loss and backbone, pruned
cells against cells as stored, an ensemble of losses against a seed ensemble of the best
single loss with as many members,
diverse samples against random ones (the pairs share the seed, not the sample: the sampling is
what is compared). Side picks among several candidates are leave-one-seed-out, tests are
paired Wilcoxon with Holm per benchmark, as every claim of `pwlkit.claims.findings`.

The settings live in a cell's ``hparams`` (``pretrain``, ``prune``) and its ``sampling`` column
(`pwlkit.claims.protocol`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from .evidence import Finding, duel, finish, label, lacking, seed_table, task_groups, varying
from .protocol import protocol_cells, with_settings
from .specs import ENSEMBLE, loss_family

__all__ = [
    "PREDICTOR_CLAIMS",
    "best_predictor_beats_paper_losses",
    "diverse_beats_random",
    "loss_ensemble_beats_seed_ensemble",
    "paper_claims_when_pretrained",
    "pretraining_beats_none",
    "protocol_cells",
    "pruning_beats_none",
]

TOP = "precision_at_0.5"


def _setting_duels(
    df: pd.DataFrame,
    metric: str,
    column: str,
    sides: Callable[[list[str]], tuple[list[str], list[str]] | None],
    keys: Sequence[str],
) -> list[dict]:
    """One `duel` row per task (``keys``), the candidates being ``column``'s values."""
    show = varying(df, ("backbone", "loss", "pretrain", "prune", "sampling"))
    show = [k for k in show if k in keys and k != column]
    # only tasks where the setting varies can duel (most stores hold one value of it)
    present = [k for k in keys if k in df.columns]
    if present:
        df = df[df.groupby(present, observed=True)[column].transform("nunique") > 1]
    rows = []
    for task, sub in task_groups(df, keys):
        table = seed_table(sub, metric, columns=column)
        chosen = sides([str(c) for c in table.columns])
        if chosen is None:
            continue
        row = duel(table, *chosen, metric)
        if row is not None:
            rows.append({"task": label(task, show), **row, "benchmark": task.get("benchmark")})
    return rows


def pretraining_beats_none(df: pd.DataFrame | None, metric: str = "tau") -> Finding:
    """Pretraining helps: per (benchmark, train size, backbone, loss), the best pretext
    (leave-one-seed-out) against no pretraining, paired by seed."""
    claim = "pretraining beats no pretraining (same loss, backbone and sample)"
    if (why := lacking(df, metric)) is not None:
        return Finding(claim, metric, note=why)
    framed = with_settings(df)
    framed = framed[(framed["sampling"] == "random") & (framed["prune"] == "none")]
    rows = _setting_duels(
        framed,
        metric,
        "pretrain",
        lambda cols: ([c for c in cols if c != "none"], ["none"]) if "none" in cols else None,
        ("benchmark", "backbone", "train_size", "loss"),
    )
    note = None if rows else "no store holds the same cells with and without pretraining"
    return finish(claim, metric, rows, note=note)


def pruning_beats_none(df: pd.DataFrame | None, metric: str = "tau") -> Finding:
    """Pruned cells help: per (benchmark, train size, backbone, loss, pretraining), cells with
    their dead operations pruned (``prune=dead``) against cells as stored, paired by seed."""
    claim = "pruned cells beat cells as stored (same loss, backbone, pretraining and sample)"
    if (why := lacking(df, metric)) is not None:
        return Finding(claim, metric, note=why)
    framed = with_settings(df)
    rows = _setting_duels(
        framed[framed["sampling"] == "random"],
        metric,
        "prune",
        lambda cols: (["dead"], ["none"]) if {"dead", "none"} <= set(cols) else None,
        ("benchmark", "backbone", "train_size", "loss", "pretrain"),
    )
    note = None if rows else "no store holds the same cells pruned and as stored"
    return finish(claim, metric, rows, note=note)


def diverse_beats_random(df: pd.DataFrame | None, metric: str = TOP) -> Finding:
    """Diverse training samples beat random ones: per (benchmark, train size, backbone, loss,
    pretraining), ``diverse`` against ``random``, paired by seed."""
    claim = "diverse training samples beat random ones (same loss, backbone, seed)"
    if (why := lacking(df, metric)) is not None:
        return Finding(claim, metric, note=why)
    rows = _setting_duels(
        with_settings(df),
        metric,
        "sampling",
        lambda cols: (["diverse"], ["random"]) if {"diverse", "random"} <= set(cols) else None,
        ("benchmark", "backbone", "train_size", "loss", "pretrain", "prune"),
    )
    note = None if rows else "no store holds diverse and random samples of the same cells"
    return finish(claim, metric, rows, note=note)


def _members(spec: str) -> tuple[tuple[str, ...], int]:
    from pwlkit.losses import parse_spec

    ens = parse_spec(spec).ensemble
    return tuple(m.name for m in ens.base), ens.repeat  # type: ignore[union-attr]


def loss_ensemble_beats_seed_ensemble(df: pd.DataFrame | None, metric: str = TOP) -> Finding:
    """An ensemble of different losses beats a seed ensemble of one loss with as many members
    (equal fits): per task, the best ensemble of distinct losses against the best seed
    ensemble of that size, both picked leave-one-seed-out."""
    claim = "an ensemble of losses beats a seed ensemble of the best single loss (equal fits)"
    if (why := lacking(df, metric)) is not None:
        return Finding(claim, metric, note=why)
    framed = with_settings(df)
    framed = framed[framed["loss"].map(lambda s: loss_family(s) == ENSEMBLE)]

    def sides(cols: list[str]) -> tuple[list[str], list[str]] | None:
        mixed = [c for c in cols if len(set(_members(c)[0])) > 1 and _members(c)[1] == 1]
        seeded = [c for c in cols if len(_members(c)[0]) == 1 and _members(c)[1] > 1]
        size = {len(_members(c)[0]) for c in mixed}
        seeded = [c for c in seeded if _members(c)[1] in size]
        return (mixed, seeded) if mixed and seeded else None

    rows = _setting_duels(
        framed,
        metric,
        "loss",
        sides,
        ("benchmark", "backbone", "train_size", "pretrain", "prune"),
    )
    note = None if rows else "no store holds both ensembles of losses and seed ensembles"
    return finish(claim, metric, rows, note=note)


def paper_claims_when_pretrained(df: pd.DataFrame | None) -> list[Finding]:
    """The paper's loss claims (weighted losses lead with data, ranking losses with little,
    MSE worst at the top) asked of pretrained predictors: the same claims on the cells of each
    pretext, random samples, single losses. The claim names say the pretext."""
    from .findings import mse_worst_at_top, ranking_wins_little_data, weighted_lead_with_data

    if df is None or df.empty:
        return []
    framed = with_settings(df)
    out = []
    for pretext in sorted(set(framed["pretrain"]) - {"none"}):
        cells = framed[
            (framed["pretrain"] == pretext)
            & (framed["sampling"] == "random")
            & (framed["prune"] == "none")
        ]
        for claim in (weighted_lead_with_data, ranking_wins_little_data, mse_worst_at_top):
            found = claim(cells.drop(columns=["pretrain", "prune", "sampling"]))
            found.claim = f"{found.claim} [pretrained: {pretext}]"
            out.append(found)
    return out


def _predictor_label(loss: str, backbone: str, pretrain: str, prune: str = "none") -> str:
    """``ens(hr,mape,listmle) [transformer, flow]``, ``... [transformer, flow, pruned]``;
    ``hr [gcn]`` without pretraining or pruning."""
    settings = [backbone]
    settings += [pretrain] if pretrain != "none" else []
    settings += ["pruned"] if prune == "dead" else []
    return f"{loss} [{', '.join(settings)}]"


def best_predictor_beats_paper_losses(df: pd.DataFrame | None, metric: str = TOP) -> Finding:
    """pwlkit's best predictor beats the paper's: per (benchmark, train size), the best
    pretrained ensemble of losses (any backbone, cells pruned or not) against the best of the
    paper's eight single losses on its plain GCN (cells as stored), both picked
    leave-one-seed-out, paired by seed (cells of different stores share a seed's training
    sample, `pwlkit.train.sample_train`)."""
    from .findings import PAPER_FAMILIES
    from .specs import canonical, is_single

    claim = "pwlkit's best predictor beats the best paper loss (pretrained ensemble vs plain GCN)"
    if (why := lacking(df, metric)) is not None:
        return Finding(claim, metric, note=why)
    framed = with_settings(df)
    framed = framed[framed["sampling"] == "random"]
    backbone = framed["backbone"] if "backbone" in framed else pd.Series("gcn", framed.index)
    ours = framed["loss"].map(lambda s: loss_family(s) == ENSEMBLE) & (framed["pretrain"] != "none")
    paper = (
        framed["loss"].map(
            lambda s: is_single(s) and loss_family(s) in PAPER_FAMILIES and "(" not in canonical(s)
        )
        & (framed["pretrain"] == "none")
        & (framed["prune"] == "none")
        & (backbone == "gcn")
    )
    keep = ours | paper
    cells = framed[keep]
    cells = cells.assign(
        predictor=[
            _predictor_label(str(lo), str(bb), str(pt), str(pr))
            for lo, bb, pt, pr in zip(
                cells["loss"], backbone[keep], cells["pretrain"], cells["prune"]
            )
        ]
    )
    ours_labels = set(cells.loc[ours[keep], "predictor"])
    rows = _setting_duels(
        cells,
        metric,
        "predictor",
        lambda cols: (
            ([c for c in cols if c in ours_labels], [c for c in cols if c not in ours_labels])
            if any(c in ours_labels for c in cols) and any(c not in ours_labels for c in cols)
            else None
        ),
        ("benchmark", "train_size"),
    )
    # a size where the two sides ran on other seeds (stage 2's ensembles on seeds 10-19, the
    # loss grids on 0-9) pairs nothing: not a task of this claim
    rows = [r for r in rows if r["n"] > 0]
    note = None if rows else "no store pairs a pretrained ensemble with the paper's losses"
    return finish(claim, metric, rows, note=note)


PREDICTOR_CLAIMS = (
    pretraining_beats_none,
    pruning_beats_none,
    loss_ensemble_beats_seed_ensemble,
    diverse_beats_random,
    best_predictor_beats_paper_losses,
)
"""pwlkit's claims about its predictor, in the order the findings page shows them."""
