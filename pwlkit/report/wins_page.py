"""Which loss wins where: the report page of rank heatmaps, as benchmark papers draw them.

Per space and train size, each loss's mean rank among all losses of the shipped loss grids
(``losses_*`` stores; one rank per seed of each task, 1 = best), the best of each column
outlined and the losses significantly behind it marked (`pwlkit.claims.ranks`); then the
same for the backbone grids (``backbone_*``), per backbone.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .page import chart_html, collapsed, page_html

PAGE = "losses.html"
#: Store-name prefixes of the grids each figure ranks (one grid per space; the other
#: stores add losses to some tasks only, which would leave ranks out of different totals).
LOSS_GRIDS = ("losses_",)
BACKBONE_GRIDS = ("backbone_",)
#: The metrics ranked: the paper's top-K metric, then the whole-space ranking.
METRICS = ("precision_at_0.5", "tau")


def _grids(study: Any, prefixes: tuple[str, ...]) -> Any:
    if study is None:
        return None
    if "study" not in study.columns:
        return study
    part = study[study["study"].astype(str).str.startswith(prefixes)]
    return part if len(part) else None


def _rank_table_html(table: Any, by: list[str]) -> str:
    """The numbers behind a heatmap: mean rank, and the test against the column's best."""
    from pwlkit.claims.evidence import format_evidence

    rows = []
    for r in table.sort_values([*by, "mean_rank"]).itertuples(index=False):
        d = r._asdict()
        key = " ".join(str(d[c]) for c in by)
        mark = "best" if d["best"] else ("behind" if d["behind"] else "")
        rows.append(
            f"<tr><td>{html.escape(key)}</td><td>{html.escape(d['loss'])}</td>"
            f"<td>{d['mean_rank']:.2f}</td><td>{d['losses']}</td><td>{d['blocks']}</td>"
            f"<td>{format_evidence(d['p_holm'], '.3g')}</td><td>{mark}</td></tr>"
        )
    head = (
        "<tr><th>column</th><th>loss</th><th>mean rank</th><th>losses ranked</th>"
        "<th>seeds x tasks</th><th>Holm p vs best</th><th></th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def wins_html(study: Any) -> str:
    """The page's body: heatmaps per metric over the loss grids, then the backbone grids."""
    from pwlkit.claims.ranks import rank_table
    from pwlkit.viz import rank_heatmap

    parts = []
    losses = _grids(study, LOSS_GRIDS)
    backbones = _grids(study, BACKBONE_GRIDS)
    for metric in METRICS:
        if losses is not None and metric in losses.columns:
            table = rank_table(losses, metric)
            parts.append(chart_html(rank_heatmap(table, metric)))
            parts.append(collapsed("the numbers", _rank_table_html(table, ["space", "train_size"])))
    if backbones is not None:
        metric = METRICS[0]
        table = rank_table(backbones, metric, by=("space", "backbone", "train_size"))
        table["panel"] = table["space"] + ", " + table["backbone"]
        title = f"Backbone grids: mean rank of each loss by {metric} per backbone (1 = best)"
        parts.append("<h2>Per backbone (the backbone x loss grids)</h2>")
        parts.append(chart_html(rank_heatmap(table, metric, facet="panel", title=title)))
        parts.append(collapsed("the numbers", _rank_table_html(table, ["panel", "train_size"])))
    if not parts:
        return "<p class='note'>No loss grid among these stores.</p>"
    note = (
        "<p>Each seed of each task (benchmark, backbone, train size) ranks the losses of its "
        "grid, 1 = best, ties sharing their mean rank; a cell is the mean over seeds and the "
        "space's tasks. Ranks are scale-free, so tasks measured on different scales average "
        "fairly (as in benchmark papers' rank tables). Outlined: the column's best loss; red "
        "triangle: significantly behind it (paired Wilcoxon signed-rank test on the per-seed "
        "ranks, Holm across the column's losses, alpha 0.05).</p>"
    )
    return parts[0] + note + "".join(parts[1:])


def build_wins_page(out_dir: str | Path, study: Any) -> Path:
    """Write ``out_dir/losses.html`` from a study frame (`pwlkit.claims.load_stores`)."""
    header = (
        "<nav><a href='index.html'>back to the report</a> · <a href='findings.html'>findings"
        "</a> · <a href='searches.html'>search over time</a></nav>"
        "<h1>Which loss wins where</h1>"
    )
    body = wins_html(study) if study is not None else "<p class='note'>No study store.</p>"
    path = Path(out_dir) / PAGE
    path.write_text(page_html("pwlkit: which loss wins where", header, body), encoding="utf-8")
    return path
