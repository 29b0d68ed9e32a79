"""The report's findings page: built from result stores, opening with a forest plot per claim,
first on the index (as one figure), never fatal."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from pwlkit.report.findings_page import PAGE, build_findings_page
from pwlkit.report.html import index_html
from pwlkit.report.plan import ReportPlan

RESULTS = Path(__file__).resolve().parents[1] / "results"

# one xdist worker builds the shared report for this file and test_browser_report
pytestmark = pytest.mark.xdist_group("shipped_report")


@pytest.fixture(scope="module")
def shipped_page(shipped_report):
    """The findings page over the shipped stores (built once a session, with the report)."""
    out, plan = shipped_report
    return out, plan.findings


def test_page_tests_the_claims_on_the_shipped_stores(shipped_page):
    tmp_path, page = shipped_page
    assert page.error is None and page.cells > 0 and page.stores
    assert len(page.lines) >= 8
    text = (tmp_path / PAGE).read_text()
    for line in page.lines:
        assert html.escape(line) in text
    assert "Wilcoxon" in text
    main = text.split("<main>", 1)[1]
    # a forest plot per claim before any table, and the tables collapsed
    assert main.lstrip().startswith("<section>") and "pwlkit-chart" in main[:300]
    assert main.index("pwlkit-chart") < main.index("<table")
    assert main.count("<details>") >= len([f for f in page.found if f.tasks])
    assert not re.search(r"<script[^>]+src=", text)  # the Vega libraries are inline
    assert page.beyond  # the shipped NB201 grids hold the NDCG losses beside WARP and MAPE
    for line in page.beyond:
        assert html.escape(line) in text


def test_index_opens_with_the_findings(shipped_page):
    _, page = shipped_page
    index = index_html(ReportPlan(runs=[], unmatched=[]), page)
    assert page.overview is not None
    assert index.split("<main>", 1)[1].lstrip().startswith('<div class="pwlkit-chart">')
    assert index.index("Findings") < index.index("notebook runs")
    assert f"href='{PAGE}'" in index
    assert html.escape(page.lines[0]) in index
    assert "Findings" not in index_html(ReportPlan(runs=[], unmatched=[]))


def test_missing_or_unreadable_stores_are_said_not_raised(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    page = build_findings_page(out, tmp_path / "absent")
    assert page.error.startswith("no result stores under")
    assert page.error in (out / PAGE).read_text()
    bad = tmp_path / "stores" / "broken" / "results"
    bad.mkdir(parents=True)
    (bad / "part-0.parquet").write_bytes(b"not parquet")
    page = build_findings_page(out, tmp_path / "stores")
    assert page.error.startswith("no store under") and "broken" in page.error


def test_the_notebook_on_shipped_results_runs_in_the_report_and_answers(shipped_report):
    out, plan = shipped_report
    (run,) = plan.runs
    assert run.label == "beyond_paper" and run.status == "ok" and run.verdicts
    assert (out / run.html_name).read_text().count('class="pwlkit-chart"') >= 1


def test_the_shared_report_tests_run_in_one_xdist_group(request):
    """Under ``--dist loadgroup`` (make test) this file and the browser test share one worker,
    so the report over the shipped stores is built once: a pytest that drops the group
    suffix (pytest-xdist#1386) would build it once per worker."""
    if not getattr(request.config.option, "loadgroup", False):  # set on xdist's workers
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@shipped_report"), request.node.nodeid
