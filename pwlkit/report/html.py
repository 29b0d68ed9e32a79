"""The offline HTML report: notebook pages whose charts draw with inline JavaScript, and the
index page. Widget outputs, which need a live kernel, are replaced by a note."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .findings_page import PAGE, FindingsPage
from .page import embed_chart_html, page_html, vega_javascript

if TYPE_CHECKING:
    from .plan import ReportPlan

_VEGA_MIME_RE = re.compile(r"^application/vnd\.vega(lite)?\.v\d+\+json$")
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
<script type="text/javascript">
(function () {
{{ resources.pwlkit_vega_js }}
})();
</script>
{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""

_WIDGET_NOTE = "[interactive widget: open the notebook in JupyterLab to use it]"


def inline_charts(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Turn Vega/Vega-Lite outputs into inline-JS HTML and widget views into a short note."""
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data")
            if not data:
                continue
            vega = [k for k in data if _VEGA_MIME_RE.match(k)]
            if vega:
                o["data"] = {"text/html": embed_chart_html(data[vega[0]]), "text/plain": "chart"}
            elif _WIDGET_MIME in data:
                o["data"] = {"text/plain": _WIDGET_NOTE}
    nb.metadata.pop("widgets", None)
    return nb


def notebook_html(nb: nbformat.NotebookNode) -> str:
    """A self-contained HTML page of an executed notebook: charts drawn by inline JavaScript."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"pwlkit_report.html.j2": _TEMPLATE})],
        template_file="pwlkit_report.html.j2",
    )
    body, _ = exporter.from_notebook_node(
        inline_charts(nbformat.from_dict(json.loads(json.dumps(nb)))),
        resources={"pwlkit_vega_js": vega_javascript()},
    )
    return body


_STATUS_COLOUR = {"ok": "#1e7b34", "failed": "#b3261e", "skipped": "#8a6d00", "pending": "#555"}


def _findings_section(found: FindingsPage | None) -> str:
    """The findings first: one figure (verdicts per claim and space), then one line per
    claim, and the pages with the evidence."""
    if found is None:
        return ""
    esc = html.escape
    if found.error:
        return f"<h2>Findings</h2><p class='err'>{esc(found.error)}</p>"
    figure = embed_chart_html(found.overview) if found.overview else ""
    lines = "".join(f"<li>{esc(line)}</li>" for line in found.lines)
    return (
        f"{figure}<h2><a href='{PAGE}'>Findings</a>: the paper's claims on the shipped "
        f"results</h2><p>Paired tests on {found.cells} study cells and {found.runs} search "
        f"runs from {len(found.stores)} stores: <a href='{PAGE}'>forest plots per claim</a> "
        "(every task's paired difference and interval), <a href='losses.html'>which loss wins "
        "where</a> (rank heatmaps per space), <a href='searches.html'>search over time</a> "
        f"(anytime regret, queries to the optimum).</p><ul>{lines}</ul>"
    )


def _skipped_line(runs: list) -> str:
    """Runs skipped for lack of data, in one line at the end of the page."""
    skipped = [r for r in runs if r.status == "skipped"]
    if not skipped:
        return ""
    names = ", ".join(html.escape(r.label) for r in skipped)
    return (
        f"<p class='t'>Skipped here for lack of benchmark data ({len(skipped)}; set "
        f"PWLKIT_DATA or pass --data-dir, see <code>pwlkit benchmarks</code>): {names}.</p>"
    )


def index_html(plan: ReportPlan, found: FindingsPage | None = None) -> str:
    """The report's front page: the findings as one figure, then one row per notebook run
    with status, time, what its data shows and links; skipped runs in one line at the end."""
    runs = plan.runs
    counts = {s: sum(r.status == s for r in runs) for s in ("ok", "failed", "skipped", "pending")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    rows = []
    for r in runs:
        if r.status == "skipped":
            continue
        esc = html.escape
        link = esc(r.label)
        if r.status in ("ok", "failed"):
            link = f'<a href="{esc(r.html_name)}">{esc(r.label)}</a>'
        nb_link = f'<a href="{esc(r.ipynb_name)}">ipynb</a>'
        notes = "".join(f"<li>{esc(v)}</li>" for v in r.verdicts)
        notes = f"<ul>{notes}</ul>" if notes else ""
        err = f'<pre class="err">{esc(r.error)}</pre>' if r.error else ""
        rows.append(
            f"<tr><td>{link}<div class='t'>{esc(r.title)}</div></td>"
            f"<td>{esc(r.notebook.name)}</td>"
            f"<td>{esc(r.params_file.name) if r.params_file else '<i>defaults</i>'}</td>"
            f"<td style='color:{_STATUS_COLOUR.get(r.status, '#000')}'><b>{r.status}</b></td>"
            f"<td>{r.seconds:.1f} s</td><td>{notes}{err}</td><td>{nb_link}</td></tr>"
        )
    extra = ""
    if plan.unmatched:
        names = ", ".join(html.escape(p.name) for p in plan.unmatched)
        extra = f"<p class='t'>Parameter files no notebook uses: {names}</p>"
    scale = " (the findings above rest on the shipped stores, at scale)" if found else ""
    main = f"""{_findings_section(found)}
<h2>Notebook runs</h2>
<p>{len(runs)} notebook runs: {summary}; each answers its question live at report size{scale}.
Generated {time.strftime("%Y-%m-%d %H:%M:%S")}.</p>
<table><tr><th>run</th><th>notebook</th><th>parameters</th><th>status</th><th>time</th>
<th>what the data shows</th><th></th></tr>
{"".join(rows)}
</table>{_skipped_line(runs)}{extra}"""
    charts = bool(found is not None and found.overview)
    return page_html("pwlkit report", "<h1>pwlkit report</h1>", main, charts=charts)


def write_index(plan: ReportPlan, out_dir: str | Path, found: FindingsPage | None = None) -> Path:
    """Write ``index.html`` into ``out_dir`` and return its path."""
    path = Path(out_dir) / "index.html"
    path.write_text(index_html(plan, found), encoding="utf-8")
    return path
