"""The report's findings page: the paper's claims answered on the shipped result stores.

The notebooks of a report run small grids live; the findings come from the stores computed
once at scale (``results/``), so the first thing a reader sees rests on the most runs. The page
opens with a forest plot per claim, as meta-analyses draw them (each task's mean paired
difference with its bootstrap interval, coloured by verdict, a line at zero, tasks grouped by
space); each claim's table of paired evidence follows, collapsed; then the questions beyond the
paper, and how the page was computed. The stores are loaded once here and handed to the other
pages built on them (`pwlkit.report.wins_page`, `pwlkit.report.search_page`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .page import chart_html, collapsed, page_html

PAGE = "findings.html"
_VERDICT_COLOUR = {"holds": "#1e7b34", "contradicted": "#b3261e", "inconclusive": "#555"}


@dataclass
class FindingsPage:
    """What the findings page was built from: the claims' summary lines and the stores, and
    (for the other pages and the index) the loaded frames, the findings and the first figure."""

    lines: list[str] = field(default_factory=list)
    beyond: list[str] = field(default_factory=list)
    """Summary lines of the questions beyond the paper (`pwlkit.claims.goals`)."""
    stores: list[str] = field(default_factory=list)
    cells: int = 0
    runs: int = 0
    error: str | None = None
    found: list[Any] = field(default_factory=list, repr=False)
    """The paper's claims as `pwlkit.claims.Finding` objects."""
    extra: list[Any] = field(default_factory=list, repr=False)
    study: Any = field(default=None, repr=False)
    """The study frame of the stores (None without one)."""
    search: Any = field(default=None, repr=False)
    overview: dict | None = field(default=None, repr=False)
    """Vega-Lite spec of the verdicts per claim and space (the index's first figure)."""


def build_findings_page(
    out_dir: str | Path, studies: str | Path = "results", data_dir: str | Path | None = None
) -> FindingsPage:
    """Test every claim on the stores under ``studies`` and write ``out_dir/findings.html``.

    Never raises for missing or unreadable stores: the page then says what is missing.
    """
    from pwlkit.claims import find_stores, findings, load_stores
    from pwlkit.claims.goals import beyond_the_paper

    root = Path(studies)
    page = FindingsPage()
    stores = find_stores(root) if root.is_dir() else []
    page.stores = [str(s) for s in stores]
    if not stores:
        page.error = f"no result stores under {root}: nothing to test the claims on"
    else:
        skipped: list[str] = []
        study, search = load_stores(root, data_dir, warn=skipped.append)
        page.study, page.search = study, search
        page.cells = 0 if study is None else len(study)
        page.runs = 0 if search is None else len(search)
        if study is None and search is None:
            page.error = f"no store under {root} could be read: " + "; ".join(skipped)
        else:
            page.found = findings(study, search)
            page.lines = [f.summary() for f in page.found]
            if study is not None:
                page.extra = beyond_the_paper(study)
                page.beyond = [f.summary() for f in page.extra]
            page.overview = _overview(page.found)
    path = Path(out_dir) / PAGE
    path.write_text(findings_html(page.found, page, page.extra), encoding="utf-8")
    return page


def _overview(found: Sequence[Any]) -> dict | None:
    """The first figure's spec: tasks per verdict, claim and space."""
    from pwlkit.claims.overview import verdict_counts
    from pwlkit.viz import verdict_overview

    counts = verdict_counts(found)
    return verdict_overview(counts).to_dict() if len(counts) else None


def _forest(finding: Any) -> str:
    """A claim's forest plot, titled with its summary line ('' when it has no task)."""
    from pwlkit.claims.overview import forest_frame, short_claim
    from pwlkit.viz import alt, forest_plot

    frame = forest_frame(finding)
    if frame.empty:
        return ""
    counts = finding.summary().split(": ", 1)[-1]
    title = alt.TitleParams(
        short_claim(finding),
        subtitle=[f"{counts}; each row a task (dot: mean paired difference, line: 95% interval)"],
        anchor="start",
    )
    return chart_html(forest_plot(frame, finding.metric, title=title), scroll=len(frame) > 55)


def _table(finding: Any) -> str:
    from pwlkit.claims.evidence import format_evidence

    esc = html.escape
    rows = []
    for t in finding.tasks:
        colour = _VERDICT_COLOUR.get(t["verdict"], "#000")
        rows.append(
            f"<tr><td>{esc(str(t['task']))}</td>"
            f"<td style='color:{colour}'><b>{esc(t['verdict'])}</b></td>"
            f"<td>{esc(str(t['a']))}</td><td>{esc(str(t['b']))}</td>"
            f"<td>{format_evidence(t.get('mean_diff'), '+.4f')}</td>"
            f"<td>[{format_evidence(t.get('diff_lo'), '+.4f')}, "
            f"{format_evidence(t.get('diff_hi'), '+.4f')}]</td>"
            f"<td>{format_evidence(t.get('p_value'), '.3g')}</td>"
            f"<td>{format_evidence(t.get('p_holm'), '.3g')}</td><td>{t['n']}</td></tr>"
        )
    return (
        "<table><tr><th>task</th><th>verdict</th><th>a (claimed better)</th><th>b</th>"
        "<th>mean paired diff</th><th>95% bootstrap interval</th><th>Wilcoxon p</th>"
        "<th>Holm p</th><th>n seeds</th></tr>" + "".join(rows) + "</table>"
    )


def _claim_block(finding: Any) -> str:
    """Forest plot first, then what the paper says, then the evidence table, collapsed."""
    esc = html.escape
    paper = f"<p class='paper'>Paper: {esc(finding.paper)}</p>" if finding.paper else ""
    note = f"<p class='note'>{esc(finding.note)}</p>" if finding.note else ""
    if not finding.tasks:
        return f"<h2>{esc(finding.summary())}</h2>{paper}{note}"
    table = collapsed(f"the {len(finding.tasks)} tasks: paired evidence", _table(finding))
    return (
        f"<section>{_forest(finding)}<p>{esc(finding.summary())}</p>{paper}{note}{table}</section>"
    )


def _blocks(found: Sequence[Any]) -> str:
    """Claims with tasks first (each opens with its chart), untestable ones after."""
    tested = [f for f in found if f.tasks]
    return "".join(_claim_block(f) for f in [*tested, *[f for f in found if not f.tasks]])


def findings_html(found: Sequence[Any], page: FindingsPage, beyond: Sequence[Any] = ()) -> str:
    """The page: a forest plot per claim (each claim's table collapsed below it), the
    questions beyond the paper that the stores can answer, then how it was computed."""
    esc = html.escape
    body = f"<p class='err'>{esc(page.error)}</p>" if page.error else _blocks(found)
    if beyond:
        body += (
            "<h1>Beyond the paper</h1><p>The NDCG losses, the adaptive switch and "
            "<code>auto</code>, with the same statistics.</p>" + _blocks(beyond)
        )
    stores = "".join(f"<li><code>{esc(s)}</code></li>" for s in page.stores)
    method = f"""<h1>How this page is computed</h1>
<p>Each claim is compared inside every task (benchmark, train size, backbone), paired by
seed: the losses of one seed share its training sample. Mean paired difference (positive when
side a, the side the claim favours, is better) with its 95% percentile bootstrap interval over
the seeds, two-sided Wilcoxon signed-rank p-value, Holm's correction across the tasks of one
claim on one benchmark, alpha 0.05: a task <b>holds</b> when significant in the claimed
direction, is <b>contradicted</b> when significant the other way, and is <b>inconclusive</b>
otherwise. Computed from {page.cells} study cells and {page.runs} search runs in
{len(page.stores)} stores.</p>{collapsed("the stores", f"<ul>{stores}</ul>")}"""
    header = (
        "<nav><a href='index.html'>back to the report</a> · "
        "<a href='losses.html'>which loss wins where</a> · "
        "<a href='searches.html'>search over time</a></nav>"
        "<h1>Findings: the paper's claims on the shipped results</h1>"
    )
    return page_html("pwlkit findings", header, body + method, charts=bool(found))
