"""End to end in a browser: JupyterLab on 127.0.0.1, the explorer notebook in headless Chromium
with every non-local request blocked; change a widget, press Train, and check that the chart
and the metrics were redrawn. Leaves a screenshot in outputs/explorer.png."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOT = ROOT / "outputs" / "explorer.png"
TINY = {
    "benchmark": "analognas-baseline",
    "train_size": 20,
    "epochs": 3,
    "hyperparameters": {"hidden": 16, "layers": 2, "head_hidden": 16},
}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The explorer's chart as drawn: its title text and a digest of its marks (SVG or canvas).
CHART_JS = """() => {
  const el = document.querySelector('.pwlkit-explorer .vega-embed');
  if (!el) return null;
  const canvas = el.querySelector('canvas');
  const svg = el.querySelector('svg');
  if (canvas && canvas.width > 0) {
    return {title: null, marks: canvas.toDataURL()};  // canvas: no text to read
  }
  if (!svg || !svg.querySelector('path, circle')) return null;
  const title = Array.from(svg.querySelectorAll('.role-title text, text'))
    .map(t => t.textContent).join(' | ');
  const marks = svg.innerHTML;
  return {title: title, marks: marks.length + ':' + marks.slice(-2000)};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server with the explorer (tiny parameters) in a private root folder."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian chromium not installed (apt-get install chromium); CI installs it")
    pytest.importorskip("playwright.sync_api")
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(ROOT / "notebooks" / "explorer.ipynb"))
    nbformat.write(parameterize_notebook(nb, TINY), tmp_path / "explorer.ipynb")
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port, token = _free_port(), "pwlkit-test-token"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp_path}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {k: v for k, v in os.environ.items() if k != "PWLKIT_CHART_MODE"}
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start: " + (tmp_path / "lab.log").read_text())
                time.sleep(0.3)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_explorer_trains_and_redraws_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    url, token = lab
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 1500}).new_page()
        page.route("**/*", route)
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text[:300]}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        try:
            _drive(page, url, token)
        except Exception:
            SHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOT.with_name("explorer-failure.png")), full_page=True)
            print("\n".join(c for c in console if not c.startswith("debug")))
            raise
        finally:
            browser.close()
    assert not [u for u in blocked if "vega" in u or "jsdelivr" in u or "unpkg" in u], blocked


def _drive(page, url: str, token: str) -> None:
    """Open the explorer, run it, change the seed, train again, check the redraw."""
    if True:
        page.goto(f"{url}/lab/tree/explorer.ipynb?reset&token={token}")
        page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=90_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

        panel = page.locator(".pwlkit-explorer")
        metrics = panel.locator(".pwlkit-metrics")
        metrics.wait_for(timeout=120_000)
        page.wait_for_function(f"({CHART_JS})() !== null", timeout=120_000)
        before_metrics = metrics.inner_text()
        before_chart = page.evaluate(CHART_JS)
        assert "run 1" in before_metrics and "tau" in before_metrics
        if before_chart["title"] is not None:
            assert "seed 0" in before_chart["title"]

        seed = panel.locator(".widget-dropdown", has_text="seed").locator("select")
        seed.select_option(label="3")
        panel.locator("button", has_text="Train").click()
        page.wait_for_function(
            "document.querySelector('.pwlkit-explorer .pwlkit-metrics')?.innerText"
            ".includes('run 2')",
            timeout=120_000,
        )
        page.wait_for_function(
            f"(old) => {{ const now = ({CHART_JS})(); return now && now.marks !== old; }}",
            arg=before_chart["marks"],
            timeout=60_000,
        )
        after_chart = page.evaluate(CHART_JS)
        if after_chart["title"] is not None:
            assert "seed 3" in after_chart["title"], after_chart["title"]
        after_metrics = metrics.inner_text()
        assert after_metrics != before_metrics
        status = panel.locator(".widget-html").first.inner_text()
        assert "run 2" in status and "seed 3" in status
        assert "Runs this session" in panel.inner_text()  # the history table appeared
        assert not page.locator("text=Error loading script").count()
        SHOT.parent.mkdir(exist_ok=True)
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOT), full_page=True)
