"""The batch report: run every notebook with papermill, render each to self-contained HTML.

Matching rule (notebook <-> parameter files in ``--params``, default ``parameters/``):

1. A file ``X.yaml`` belongs to the notebook whose name is the longest prefix of ``X`` followed
   by the end of the name or one of ``_ - .``: ``loss_size_analognas.yaml`` runs
   ``notebooks/loss_size.ipynb``, ``search_nb201.yaml`` runs ``notebooks/search.ipynb``.
2. A notebook may also list glob patterns in its metadata,
   ``{"pwlkit": {"parameters": ["pw_threshold*.yaml"]}}``; a file can serve several notebooks
   this way (their runs share the study's stored results).
3. Each matched file gives one run, its keys passed to papermill as parameters. A notebook
   with no file that can run here (none matched, or all need absent data) runs once with the
   defaults of its ``parameters`` cell, so every notebook is in the report.
4. One folder is one set of sizes: ``parameters/`` (the default) is report-sized, minutes on
   2 cores; ``parameters/full/`` holds the paper-scale sets under the same names (give
   ``--params parameters/full``). Subfolders of ``--params`` are not read.
5. Runs whose ``benchmarks`` need data that is not here are listed as skipped with the reason.
   A failing notebook is recorded with its error; the others still run.

Modules: `plan` (which notebook runs with which file), `parameters` (what a run is given),
`execute` (one papermill run), `build` (the whole report), `html` (the notebook pages and the
index, which opens with one figure of the findings and ends with the skipped runs in one
line), `page` (the shell of the report's own pages; the Vega libraries come inline from
vl-convert, so the charts draw with no network), and the pages on the shipped stores:
`findings_page` (a forest plot per claim), `wins_page` (which loss wins where: rank
heatmaps), `search_page` (anytime regret, queries to the optimum).
"""

from .build import run_report
from .execute import VERDICT_TAG, batch_settings, execute_run
from .html import (
    embed_chart_html,
    index_html,
    inline_charts,
    notebook_html,
    vega_javascript,
    write_index,
)
from .parameters import missing_data, notebook_parameters, read_parameter_file, run_parameters
from .plan import META_KEY, ReportPlan, ReportRun, plan_report

__all__ = [
    "META_KEY",
    "VERDICT_TAG",
    "ReportPlan",
    "ReportRun",
    "batch_settings",
    "embed_chart_html",
    "execute_run",
    "index_html",
    "inline_charts",
    "missing_data",
    "notebook_html",
    "notebook_parameters",
    "plan_report",
    "read_parameter_file",
    "run_parameters",
    "run_report",
    "vega_javascript",
    "write_index",
]
