"""The whole report: plan, run the notebooks (some at once), keep ``index.html`` current."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .execute import batch_settings, execute_in_batch
from .findings_page import FindingsPage, build_findings_page
from .html import write_index
from .parameters import notebook_parameters, run_parameters
from .plan import ReportPlan, ReportRun, plan_report
from .search_page import build_search_page
from .wins_page import build_wins_page


def run_report(
    notebooks_dir: str | Path = "notebooks",
    params_dir: str | Path | None = "parameters",
    out_dir: str | Path = "outputs/report",
    data_dir: str | Path | None = None,
    *,
    only: Sequence[str] | None = None,
    kernel_name: str = "python3",
    cell_timeout: int | None = 1800,
    overrides: Mapping[str, dict[str, Any]] | None = None,
    jobs: int = 1,
    findings_from: str | Path | None = "results",
    log: Callable[[str], None] = print,
) -> ReportPlan:
    """Run every planned notebook, render each to HTML, and write ``out_dir/index.html``.

    ``data_dir`` defaults to ``$PWLKIT_DATA``. ``overrides`` maps a notebook name to
    parameters that replace those of all its runs (the tests use it for tiny grids). ``jobs``
    notebooks run at once (a study's first run trains it alone; the runs that read it follow).
    ``findings_from``: the folder of result stores the findings pages are built from
    (``findings.html``: the claims, whose verdicts are the index's first figure;
    ``losses.html``: which loss wins where; ``searches.html``: search over time), built in
    a thread beside the notebooks; None leaves them out. Returns the plan with every run's
    outcome, failed ones included, and the findings page in ``plan.findings``.
    """
    if data_dir is None and os.environ.get("PWLKIT_DATA"):
        data_dir = os.environ["PWLKIT_DATA"]
    plan = plan_report(notebooks_dir, params_dir, only, data_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = Path.cwd()
    lock = threading.Lock()
    # The pages on the shipped stores are built beside the notebooks: they need one core for
    # a while, the notebooks' training leaves one free between and around its grids.
    side = ThreadPoolExecutor(max_workers=1)
    pages = None
    if findings_from is not None:
        pages = side.submit(_shipped_pages, out, findings_from, data_dir, log, lock)

    def found() -> FindingsPage | None:
        return pages.result() if pages is not None and pages.done() else None

    write_index(plan, out, None)
    count = iter(range(1, len(plan.runs) + 1))

    def do(run: ReportRun) -> None:
        src = run.params_file.name if run.params_file else "notebook defaults"
        with lock:
            log(f"[{next(count)}/{len(plan.runs)}] {run.label} ({run.notebook.name}, {src}) ...")
        if run.status == "skipped":
            with lock:
                log(f"    {run.label}: skipped - {run.error}")
            return
        execute_in_batch(
            run,
            out,
            data_dir,
            base_dir=base,
            kernel_name=kernel_name,
            cell_timeout=cell_timeout,
            extra_parameters=(overrides or {}).get(run.notebook.stem),
        )
        detail = f" - {run.error}" if run.error else ""
        with lock:
            log(f"    {run.label}: {run.status} in {run.seconds:.1f} s{detail}")
            write_index(plan, out, found())  # keep the index current as runs finish

    groups = _groups(plan.runs, overrides, data_dir, base)
    try:
        with batch_settings():
            _run_groups(groups, do, jobs)
        done = pages.result() if pages is not None else None
    finally:
        side.shutdown(wait=True)
    write_index(plan, out, done)
    plan.findings = done
    return plan


def _shipped_pages(
    out: Path,
    studies: str | Path,
    data_dir: str | Path | None,
    log: Callable[[str], None],
    lock: threading.Lock,
) -> FindingsPage:
    """The pages on the stores under ``studies``: findings, which loss wins where, search."""
    start = time.perf_counter()
    found = build_findings_page(out, studies, data_dir)
    build_wins_page(out, found.study)
    build_search_page(out, found.search, data_dir)
    with lock:
        log(
            f"findings: {len(found.lines)} claims from {len(found.stores)} stores in "
            f"{studies} ({time.perf_counter() - start:.1f} s)"
        )
    return found


def _groups(
    runs: list[ReportRun],
    overrides: Mapping[str, dict[str, Any]] | None,
    data_dir: str | Path | None,
    base: Path,
) -> list[list[ReportRun]]:
    """Runs grouped by the study they write (its ``name``), in plan order, the groups with the
    most runs first: a study several notebooks read trains first, so its readers are not left
    for the end while the other slots run out of work."""
    groups: dict[str, list[ReportRun]] = {}
    for run in runs:
        key = run.label
        if run.status != "skipped":
            params = {
                **notebook_parameters(run.notebook),
                **run_parameters(run, data_dir, base),
                **((overrides or {}).get(run.notebook.stem) or {}),
            }
            key = str(params.get("name") or run.label)
        groups.setdefault(key, []).append(run)
    return sorted(groups.values(), key=len, reverse=True)


def _run_groups(groups: list[list[ReportRun]], do: Callable[[ReportRun], None], jobs: int) -> None:
    """Run every group on ``jobs`` threads. A group's first run trains the study's cells; once
    it is ok the others only read the store, so they become ready together and may run at
    once. After a failed first run the next one trains what is missing, alone, so two runs
    never train the same study's cells at once."""
    ready: deque[tuple[ReportRun, list[ReportRun]]] = deque((g[0], g[1:]) for g in groups if g)
    left = sum(len(g) for g in groups)
    errors: list[BaseException] = []
    cond = threading.Condition()

    def worker() -> None:
        nonlocal left
        while True:
            with cond:
                while not ready and left > 0 and not errors:
                    cond.wait()
                if not ready or errors:
                    return
                run, rest = ready.popleft()
            try:
                do(run)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                with cond:
                    errors.append(exc)
                    cond.notify_all()
                return
            with cond:
                if rest and run.status == "ok":
                    ready.extend((r, []) for r in rest)
                elif rest:
                    ready.append((rest[0], rest[1:]))
                left -= 1
                cond.notify_all()

    threads = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
