"""One notebook run with papermill: parameters in, executed notebook and its HTML page out."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat

from pwlkit.viz import CHART_MODE_ENV

from .html import notebook_html
from .parameters import missing_data, run_parameters, skip_reason
from .plan import ReportRun

#: Output cells tagged with this are the notebook's computed conclusion, shown on the index.
VERDICT_TAG = "verdict"


@contextlib.contextmanager
def batch_settings() -> Iterator[None]:
    """Kernels started inside render charts for the report; papermill's parameter-cell parser
    stays quiet (it warns on values holding "="). Enter it once around all runs of a batch:
    runs in parallel threads must not see the settings restored under them."""
    old = os.environ.get(CHART_MODE_ENV)
    pm_log = logging.getLogger("papermill")
    pm_level = pm_log.level
    os.environ[CHART_MODE_ENV] = "report"
    pm_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        pm_log.setLevel(pm_level)
        if old is None:
            os.environ.pop(CHART_MODE_ENV, None)
        else:
            os.environ[CHART_MODE_ENV] = old


def execute_run(
    run: ReportRun,
    out_dir: Path,
    data_dir: str | Path | None = None,
    *,
    base_dir: str | Path = ".",
    kernel_name: str = "python3",
    cell_timeout: int | None = 1800,
    extra_parameters: dict[str, Any] | None = None,
) -> ReportRun:
    """Execute one notebook into ``out_dir/<label>.ipynb`` and render ``<label>.html``.

    Never raises for a notebook error: the run is marked ``failed`` with the error, and the
    partial notebook (with its traceback) is still rendered.
    """
    with batch_settings():
        return execute_in_batch(
            run,
            out_dir,
            data_dir,
            base_dir=base_dir,
            kernel_name=kernel_name,
            cell_timeout=cell_timeout,
            extra_parameters=extra_parameters,
        )


def execute_in_batch(
    run: ReportRun,
    out_dir: Path,
    data_dir: str | Path | None,
    *,
    base_dir: str | Path,
    kernel_name: str,
    cell_timeout: int | None,
    extra_parameters: dict[str, Any] | None,
) -> ReportRun:
    """`execute_run` for a caller already inside `batch_settings` (the report's thread pool)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    params = run_parameters(run, data_dir, base_dir)
    params.update(extra_parameters or {})
    need = missing_data(params, data_dir)
    if need:
        run.status, run.error = "skipped", skip_reason(need)
        return run
    out_nb = out_dir / run.ipynb_name
    try:
        papermill.execute_notebook(
            str(run.notebook),
            str(out_nb),
            parameters=params,
            kernel_name=kernel_name,
            # the kernel's folder, not papermill's cwd=: that chdir()s the whole process, which
            # the report's threads share (two runs at once left it in a notebook folder)
            resources={"metadata": {"path": str(run.notebook.parent.resolve())}},
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=cell_timeout,
            start_timeout=180,  # a kernel importing torch on a busy machine can be slow
        )
        run.status = "ok"
    except PapermillExecutionError as exc:
        run.status, run.error = "failed", f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # noqa: BLE001 - kernel death, timeout, bad file: record, go on
        run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"
    run.seconds = time.perf_counter() - start
    if out_nb.is_file():
        _record_outcome(run, nbformat.read(out_nb, as_version=4), out_dir)
    return run


def _record_outcome(run: ReportRun, nb: nbformat.NotebookNode, out_dir: Path) -> None:
    """Title and verdicts of an executed notebook onto its run, and its HTML page to disk."""
    run.title = _first_heading(nb)
    run.verdicts = _verdicts(nb)
    try:
        (out_dir / run.html_name).write_text(notebook_html(nb), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - a rendering bug must not hide the result
        run.error = (run.error + "; " if run.error else "") + f"HTML export failed: {exc}"
        if run.status == "ok":
            run.status = "failed"


def _first_heading(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def _verdicts(nb: nbformat.NotebookNode) -> list[str]:
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code" or VERDICT_TAG not in cell.metadata.get("tags", []):
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                out += [s for s in o.get("text", "").splitlines() if s.strip()]
            elif "data" in o:
                data = o["data"]
                text = data.get("text/markdown") or data.get("text/plain") or ""
                out += [s for s in text.splitlines() if s.strip()]
    return out
