"""The report's findings page: the paper's claims answered on the shipped result stores.

The notebooks of a report run small grids live; the findings come from the stores computed
once at scale (``results/``), so the first thing a reader sees rests on the most runs. The page
is plain HTML (no script, nothing fetched): one block per claim with its verdict per task and
the paired evidence, and the stores it was computed from.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGE = "findings.html"
_VERDICT_COLOUR = {"holds": "#1e7b34", "contradicted": "#b3261e", "inconclusive": "#555"}


@dataclass
class FindingsPage:
    """What the findings page was built from: the claims' summary lines and the stores."""

    lines: list[str] = field(default_factory=list)
    beyond: list[str] = field(default_factory=list)
    """Summary lines of the questions beyond the paper (`pwlkit.claims.goals`)."""
    stores: list[str] = field(default_factory=list)
    cells: int = 0
    runs: int = 0
    error: str | None = None


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
    found: list[Any] = []
    extra: list[Any] = []
    if not stores:
        page.error = f"no result stores under {root}: nothing to test the claims on"
    else:
        skipped: list[str] = []
        frames = load_stores(root, data_dir, warn=skipped.append)
        study, search = frames
        page.cells = 0 if study is None else len(study)
        page.runs = 0 if search is None else len(search)
        if study is None and search is None:
            page.error = f"no store under {root} could be read: " + "; ".join(skipped)
        else:
            found = findings(study, search)
            page.lines = [f.summary() for f in found]
            if study is not None:
                extra = beyond_the_paper(study)
                page.beyond = [f.summary() for f in extra]
    path = Path(out_dir) / PAGE
    path.write_text(findings_html(found, page, extra), encoding="utf-8")
    return page


def _claim_block(finding: Any) -> str:
    from pwlkit.claims.evidence import format_evidence

    esc = html.escape
    head = f"<h2>{esc(finding.summary())}</h2>"
    paper = f"<p class='paper'>Paper: {esc(finding.paper)}</p>" if finding.paper else ""
    note = f"<p class='note'>{esc(finding.note)}</p>" if finding.note else ""
    if not finding.tasks:
        return head + paper + note
    rows = []
    for t in finding.tasks:
        colour = _VERDICT_COLOUR.get(t["verdict"], "#000")
        rows.append(
            f"<tr><td>{esc(str(t['task']))}</td>"
            f"<td style='color:{colour}'><b>{esc(t['verdict'])}</b></td>"
            f"<td>{esc(str(t['a']))}</td><td>{esc(str(t['b']))}</td>"
            f"<td>{format_evidence(t.get('mean_diff'), '+.4f')}</td>"
            f"<td>{format_evidence(t.get('p_value'), '.3g')}</td>"
            f"<td>{format_evidence(t.get('p_holm'), '.3g')}</td><td>{t['n']}</td></tr>"
        )
    table = (
        "<table><tr><th>task</th><th>verdict</th><th>a (claimed better)</th><th>b</th>"
        "<th>mean paired diff</th><th>Wilcoxon p</th><th>Holm p</th><th>n seeds</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return head + paper + note + table


def findings_html(found: Sequence[Any], page: FindingsPage, beyond: Sequence[Any] = ()) -> str:
    """The page: how it was computed, one block per claim, then the questions beyond the
    paper that the stores can answer."""
    esc = html.escape
    if page.error:
        body = f"<p class='err'>{esc(page.error)}</p>"
    else:
        body = "".join(_claim_block(f) for f in found)
    if beyond:
        body += (
            "<h1>Beyond the paper</h1><p>The NDCG losses, the adaptive switch and "
            "<code>auto</code>, with the same statistics.</p>"
            + "".join(_claim_block(f) for f in beyond)
        )
    stores = "".join(f"<li><code>{esc(s)}</code></li>" for s in page.stores)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pwlkit findings</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .35em; text-align: left; }}
th {{ background: #f3f3f3; }} h2 {{ font-size: 1.05em; margin-top: 1.6em; }}
.paper {{ color: #555; }} .note {{ color: #8a6d00; }} .err {{ color: #b3261e; }}
</style></head><body>
<p><a href="index.html">back to the report</a></p>
<h1>Findings: the paper's claims on the shipped results</h1>
<p>Each claim is compared inside every task (benchmark, train size, backbone), paired by
seed: the losses of one seed share its training sample. Mean paired difference (positive when
side a, the side the claim favours, is better), two-sided Wilcoxon signed-rank p-value, Holm's
correction across the tasks of one claim on one benchmark, alpha 0.05: a task <b>holds</b> when significant in
the claimed direction, is <b>contradicted</b> when significant the other way, and is
<b>inconclusive</b> otherwise. Computed from {page.cells} study cells and {page.runs} search
runs in these stores:</p><ul>{stores}</ul>
{body}
</body></html>
"""
