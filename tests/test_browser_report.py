"""The report as a reader sees it: built over the shipped results (the findings pages and one
notebook run that trains nothing), opened in headless Chromium with the network off.
Screenshots of the index, the findings page and the notebook page are kept under
outputs/screenshots/; the embedded Vega-Lite specs must show one colour per loss on every
page and at most eight coloured series per panel, and the findings page must open with a
chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pwlkit import palette
from pwlkit.viz.checks import most_series, series_colours

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "outputs" / "screenshots"
NOTEBOOK = "beyond_paper"  # reads the shipped stores, trains nothing
PAGES = ("index.html", "findings.html", "losses.html", "searches.html", f"{NOTEBOOK}.html")

# one xdist worker builds the shared report for this file and test_findings_page
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("shipped_report")]

# Every chart of a page drawn (a canvas or an SVG with marks), none failed.
DRAWN_JS = """() => Array.from(document.querySelectorAll('.pwlkit-chart')).map(el => {
  if (el.textContent.startsWith('chart error')) return 'error: ' + el.textContent;
  const c = el.querySelector('canvas'), s = el.querySelector('svg');
  return (c && c.width > 0) || (s && s.querySelector('path, rect')) ? 'drawn' : 'empty';
})"""
# What the findings page shows first: the first element of the first section of <main>.
FIRST_JS = """() => {
  const main = document.querySelector('main');
  const first = main && main.firstElementChild && main.firstElementChild.firstElementChild;
  if (!first) return null;
  const chart = first.matches('.pwlkit-chart') ? first : first.querySelector('.pwlkit-chart');
  return {cls: first.className, chart: !!chart && !!chart.querySelector('canvas, svg')};
}"""


@pytest.fixture(scope="module")
def report(shipped_report):
    """The report over the shipped results: findings pages and one notebook (`conftest`)."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian chromium not installed (apt-get install chromium); CI installs it")
    pytest.importorskip("playwright.sync_api")
    return shipped_report[0]


def specs(page: Path) -> list[dict]:
    """The Vega-Lite specs a page embeds (`pwlkit.report.page.embed_chart_html`)."""
    text, found, mark = page.read_text(encoding="utf-8"), [], "window.vegaEmbed(el, "
    decoder = json.JSONDecoder()
    start = text.find(mark)
    while start >= 0:
        spec, _ = decoder.raw_decode(text, start + len(mark))
        found.append(spec)
        start = text.find(mark, start + len(mark))
    return found


def test_pages_draw_offline_with_one_colour_per_loss_and_eight_series_a_panel(report):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    seen: dict[str, dict[str, set[str]]] = {}  # loss -> page -> colours drawn
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        blocked: list[str] = []

        def route(r):
            if r.request.url.startswith("file:"):
                return r.continue_()
            blocked.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        for name in PAGES:
            page.goto((report / name).as_uri())
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.pwlkit-chart'))"
                ".every(el => el.querySelector('canvas, svg') || el.textContent)",
                timeout=60_000,
            )
            drawn = page.evaluate(DRAWN_JS)
            assert drawn and set(drawn) == {"drawn"}, (name, drawn)
            if name == "findings.html":
                first = page.evaluate(FIRST_JS)
                assert first and first["chart"], first
            if name in ("index.html", "findings.html", f"{NOTEBOOK}.html"):
                stem = "notebook" if name.startswith(NOTEBOOK) else name.removesuffix(".html")
                if stem == "notebook":  # its first chart, not its set-up cells
                    page.locator(".pwlkit-chart").first.scroll_into_view_if_needed()
                page.screenshot(path=str(SHOTS / f"report-{stem}.png"))
            for spec in specs(report / name):
                assert most_series(spec) <= palette.MAX_SERIES, (name, spec.get("title"))
                for field, colours in series_colours(spec).items():
                    if field in palette.SPEC_COLUMNS:
                        for loss, colour in colours.items():
                            seen.setdefault(loss, {}).setdefault(name, set()).add(colour)
        browser.close()
    assert not blocked, blocked  # nothing was fetched from the network
    for loss, pages in seen.items():
        assert set().union(*pages.values()) == {palette.colour(loss)}, (loss, pages)
    # the losses of the paper appear on several pages, each in its one colour
    assert {"mse", "hr", "warp", "mape"} <= set(seen)
    assert max(len(pages) for pages in seen.values()) >= 2
    assert all((SHOTS / f"report-{s}.png").stat().st_size > 10_000 for s in ("index", "findings"))
