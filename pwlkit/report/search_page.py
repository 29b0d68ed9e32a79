"""Search over time: the report page of anytime regret curves and the queries-to-optimum
table, as NASLib and the NAS-Bench papers report searches (`pwlkit.claims.anytime`)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from .page import chart_html, collapsed, page_html

PAGE = "searches.html"


def _table_html(table: Any) -> str:
    """One (benchmark, signal)'s rows: strategies, then the oracle line."""
    cols = [c for c in table.columns if c not in ("benchmark", "signal")]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    rows = []
    for r in table[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, r):
            missing = isinstance(v, float) and math.isnan(v)
            if missing:
                text = "-"
            elif c.startswith("at optimum"):
                text = f"{v:.0%}"
            elif c == "median queries":
                text = "not reached" if math.isinf(v) else f"{v:.0f}"
            elif isinstance(v, float):
                text = f"{v:.3g}"
            else:
                text = html.escape(str(v))
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def search_html(search: Any, data_dir: str | Path | None = None) -> str:
    """The page's body: regret curves per signal, then one table per (benchmark, signal)."""
    from pwlkit.claims.anytime import queries_to_optimum, references, regret_curves
    from pwlkit.viz import regret_lines

    refs = references(search, data_dir)
    curves = regret_curves(search, refs)
    curves["task"] = curves["benchmark"]
    start = 10  # the random start every strategy shares (n_init) tells nothing apart
    parts = []
    for signal, part in curves.groupby("signal", sort=False):
        title = f"Anytime regret, searches on the {signal} signal"
        parts.append(chart_html(regret_lines(part, start=start, title=title)))
    table = queries_to_optimum(search, refs)
    sources = sorted(set(refs["source"]))
    note = (
        "<p>Regret: test error of the architecture a search would deploy (the best by its "
        "signal among those queried) minus the space's best test error, after every query; "
        "mean over runs with a 95% percentile bootstrap band over runs, log axis, from query "
        f"{start} (the random start all strategies share). Global best and oracle line from: "
        f"{html.escape(', '.join(sources))}. The table: median queries until a run reports the "
        "global optimum (not reached: fewer than half the runs get there), the share of runs "
        "at the optimum and the mean regret at each budget, and the oracle line (the best "
        "architecture by the signal, the floor of any search on it).</p>"
    )
    tables = []
    for i, ((bench, signal), part) in enumerate(table.groupby(["benchmark", "signal"])):
        summary = f"queries to the optimum: {bench}, {signal} signal"
        tables.append(collapsed(summary, _table_html(part), open_=i == 0))
    return (
        "".join(parts[:1])
        + note
        + "".join(parts[1:])
        + "<h2>Queries to the optimum</h2>"
        + "".join(tables)
    )


def build_search_page(out_dir: str | Path, search: Any, data_dir: str | Path | None = None) -> Path:
    """Write ``out_dir/searches.html`` from a search frame (`pwlkit.claims.load_stores`)."""
    header = (
        "<nav><a href='index.html'>back to the report</a> · <a href='findings.html'>findings"
        "</a> · <a href='losses.html'>which loss wins where</a></nav>"
        "<h1>Search: regret against queries</h1>"
    )
    if search is None or not len(search):
        body = "<p class='note'>No search store.</p>"
    else:
        body = search_html(search, data_dir)
    path = Path(out_dir) / PAGE
    path.write_text(page_html("pwlkit: search over time", header, body), encoding="utf-8")
    return path
