"""The shell of the report's own pages (index, findings, which loss wins where, search): one
inline copy of Vega, Vega-Lite and vega-embed, and charts drawn from their specs, so every page
draws offline."""

from __future__ import annotations

import functools
import html
import json
from typing import Any

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

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 84em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1em; }
th, td { border-bottom: 1px solid #ddd; padding: .35em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } h2 { font-size: 1.1em; margin-top: 1.8em; }
.paper { color: #555; } .note { color: #8a6d00; } .err { color: #b3261e; }
.t { color: #666; font-size: .9em; } nav { margin-bottom: 1em; }
pre.err, p.err { white-space: pre-wrap; margin: 0; }
ul { margin: 0; padding-left: 1.2em; }
details { margin: .4em 0 1.2em; } summary { cursor: pointer; color: #0b57d0; }
.scroll { max-height: 42em; overflow: auto; border: 1px solid #eee; padding: .3em; }
.pwlkit-chart { margin: .4em 0; }
"""


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


def chart_html(chart: Any, scroll: bool = False) -> str:
    """An altair chart as an embedded snippet; ``scroll`` boxes a tall one (a forest plot of
    hundreds of tasks) so the page stays readable."""
    from pwlkit.viz import alt

    with alt.data_transformers.disable_max_rows():  # whole curves and spaces, not a sample
        snippet = embed_chart_html(chart.to_dict())
    return f"<div class='scroll'>{snippet}</div>" if scroll else snippet


def collapsed(summary: str, body: str, open_: bool = False) -> str:
    """A long table behind a ``<details>`` line (open with ``open_``)."""
    flag = " open" if open_ else ""
    return f"<details{flag}><summary>{html.escape(summary)}</summary>{body}</details>"


def page_html(title: str, header: str, main: str, charts: bool = True) -> str:
    """A whole page: ``header`` (navigation, title) then ``main``; the Vega libraries inline
    when the page has ``charts``."""
    script = f"<script type='text/javascript'>{vega_javascript()}</script>" if charts else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style>{script}</head><body>
<header>{header}</header>
<main>{main}</main>
</body></html>
"""
