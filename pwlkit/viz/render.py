"""Where charts render: offline in JupyterLab, or as specs (plus a PNG) for the batch report.

altair's default renderer loads Vega from a CDN and shows "Error loading script" offline;
`setup_charts` picks one that works without a network: JupyterLab's widget renderer with the
Vega libraries shipped by vl-convert, or, for the batch report, a plain Vega-Lite spec (plus a
PNG fallback) that `pwlkit.report` embeds with inline JavaScript.
"""

from __future__ import annotations

import os
from typing import Any

import altair as alt

#: Environment variable read by `setup_charts` when no mode is given (`pwlkit report` sets it).
CHART_MODE_ENV = "PWLKIT_CHART_MODE"
#: The Vega-Lite mime type of altair's specs; `pwlkit.report` turns these outputs into HTML.
VEGALITE_MIME = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
CHART_MODES = ("interactive", "report", "png", "svg")
#: Report-mode charts with at most this many data rows also carry a PNG (for JS-less viewers).
PNG_FALLBACK_MAX_ROWS = 5000


def report_bundle(spec: dict, **_: Any) -> dict:
    """Mime bundle for batch runs: the spec (turned into inline-JS HTML by the report) + PNG."""
    import vl_convert as vlc

    bundle: dict[str, Any] = {VEGALITE_MIME: spec, "text/plain": "<altair chart>"}
    rows = sum(len(v) for v in spec.get("datasets", {}).values() if isinstance(v, list))
    if rows <= PNG_FALLBACK_MAX_ROWS:  # whole-space scatters take seconds to rasterise
        try:
            bundle["image/png"] = vlc.vegalite_to_png(spec, scale=1.0)
        except (ValueError, RuntimeError) as exc:  # a PNG is only a fallback
            bundle["text/plain"] = f"<altair chart; PNG fallback failed: {exc}>"
    return bundle


alt.renderers.register("pwlkit-report", report_bundle)

_STATE: dict[str, str | None] = {"mode": None}


def setup_charts(mode: str | None = None) -> str:
    """Make altair render offline and accept whole search spaces (15k-26k points).

    ``mode``: ``"interactive"`` (JupyterLab: the anywidget renderer with the Vega libraries
    bundled by vl-convert, no CDN), ``"report"`` (batch runs: Vega-Lite spec + PNG, embedded
    with inline JavaScript by `pwlkit.report`), ``"png"`` or ``"svg"`` (static images).
    Default: ``$PWLKIT_CHART_MODE`` or ``"interactive"``. Returns the mode used.
    """
    mode = mode or os.environ.get(CHART_MODE_ENV) or "interactive"
    if mode not in CHART_MODES:
        raise ValueError(f"unknown chart mode {mode!r}; valid modes: {', '.join(CHART_MODES)}")
    _STATE["mode"] = mode
    alt.data_transformers.disable_max_rows()
    if mode == "interactive":
        # Canvas draws whole-space scatters (15k-26k marks) much faster than SVG.
        alt.renderers.enable("jupyter", offline=True, embed_options={"renderer": "canvas"})
        alt.JupyterChart.enable_offline(True)  # also for chart widgets made directly
    elif mode == "report":
        alt.renderers.enable("pwlkit-report")
    else:
        alt.renderers.enable(mode)
    return mode


def chart_mode() -> str | None:
    """The mode `setup_charts` set in this process (None before it runs)."""
    return _STATE["mode"]
