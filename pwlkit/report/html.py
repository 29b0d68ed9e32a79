"""The offline HTML report: notebook pages whose charts draw with inline JavaScript, and the
index page. Widget outputs, which need a live kernel, are replaced by a note."""

from __future__ import annotations

import functools
import html
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from .findings_page import PAGE, FindingsPage

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

_EMBED = """\
<div class="pwlkit-chart"></div>
<script type="text/javascript">
(function () {{
  var el = document.currentScript.previousElementSibling;
  var opts = {{"actions": {{"export": true, "source": false, "compiled": false, "editor": false}}}};
  window.vegaEmbed(el, {spec}, opts).catch(function (e) {{
    el.textContent = "chart error: " + e;
  }});
}})();
</script>
"""

_WIDGET_NOTE = "[interactive widget: open the notebook in JupyterLab to use it]"


@functools.lru_cache(maxsize=1)
def vega_javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert; no network needed).

    Built once per process: every page of a report carries the same few megabytes.
    """
    import vl_convert as vlc

    from pwlkit.viz import alt

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vlc.javascript_bundle(vl_version=major_minor)


def embed_chart_html(spec: dict[str, Any]) -> str:
    """An HTML snippet that draws ``spec`` with the page's inline vega-embed."""
    return _EMBED.format(spec=json.dumps(spec).replace("</", "<\\/"))


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
    """The findings first: one line per claim, linking to the page with the evidence."""
    if found is None:
        return ""
    esc = html.escape
    if found.error:
        return f"<h2>Findings</h2><p class='err'>{esc(found.error)}</p>"
    lines = "".join(f"<li>{esc(line)}</li>" for line in found.lines)
    return (
        f"<h2><a href='{PAGE}'>Findings</a>: the paper's claims on the shipped results</h2>"
        f"<p>Paired tests on {found.cells} study cells and {found.runs} search runs from "
        f"{len(found.stores)} stores; <a href='{PAGE}'>the evidence per task</a>.</p>"
        f"<ul>{lines}</ul><h2>Notebook runs</h2>"
    )


def index_html(plan: ReportPlan, found: FindingsPage | None = None) -> str:
    """The report's front page: the findings, then one row per notebook run with status,
    time, what its data shows and links."""
    runs = plan.runs
    counts = {s: sum(r.status == s for r in runs) for s in ("ok", "failed", "skipped", "pending")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    rows = []
    for r in runs:
        esc = html.escape
        link = esc(r.label)
        if r.status in ("ok", "failed"):
            link = f'<a href="{esc(r.html_name)}">{esc(r.label)}</a>'
        nb_link = f'<a href="{esc(r.ipynb_name)}">ipynb</a>' if r.status != "skipped" else ""
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
        extra = f"<p>Parameter files no notebook uses: {names}</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pwlkit report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .5em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }} .t {{ color: #666; font-size: .9em; }}
pre.err, p.err {{ white-space: pre-wrap; color: #b3261e; margin: 0; }}
ul {{ margin: 0; padding-left: 1.2em; }}
</style></head><body>
<h1>pwlkit report</h1>
{_findings_section(found)}
<p>{len(runs)} notebook runs: {summary}. Generated {time.strftime("%Y-%m-%d %H:%M:%S")}.</p>
<table><tr><th>run</th><th>notebook</th><th>parameters</th><th>status</th><th>time</th>
<th>what the data shows</th><th></th></tr>
{"".join(rows)}
</table>{extra}
</body></html>
"""


def write_index(plan: ReportPlan, out_dir: str | Path, found: FindingsPage | None = None) -> Path:
    """Write ``index.html`` into ``out_dir`` and return its path."""
    path = Path(out_dir) / "index.html"
    path.write_text(index_html(plan, found), encoding="utf-8")
    return path
