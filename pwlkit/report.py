"""The batch report: run every notebook with papermill, render each to self-contained HTML.

Matching rule (notebook <-> parameter files in ``--params``, default ``parameters/``):

1. A file ``X.yaml`` belongs to the notebook whose name is the longest prefix of ``X`` followed
   by the end of the name or one of ``_ - .``: ``loss_size_nbgraph.yaml`` runs
   ``notebooks/loss_size.ipynb``, ``search_nb201_small.yaml`` runs ``notebooks/search.ipynb``.
2. A notebook may also list glob patterns in its metadata,
   ``{"pwlkit": {"parameters": ["pw_threshold*.yaml"]}}``; a file can serve several notebooks
   this way (their runs share the study's stored results).
3. Each matched file gives one run, its keys passed to papermill as parameters. A notebook
   with no file that can run here (none matched, or all need absent data) runs once with the
   defaults of its ``parameters`` cell, so every notebook is in the report.
4. Files in ``--params`` are report-sized (paper-scale sets live in ``parameters/full/``), except
   ``X.yaml`` when ``X_small.yaml`` sits beside it; ``--sets all`` runs those too.
5. Runs whose ``benchmarks`` need data that is not here are listed as skipped with the reason.
   A failing notebook is recorded with its error; the others still run.

The HTML pages carry the Vega, Vega-Lite and vega-embed libraries inline (from vl-convert), so
the charts draw with no network; widget outputs, which need a live kernel, are replaced by a note.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import html
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .runs.fields import read_mapping
from .viz import CHART_MODE_ENV

#: Notebook metadata key holding extra parameter-file glob patterns.
META_KEY = "pwlkit"
_SEPARATORS = ("_", "-", ".")
_VEGA_MIME_RE = re.compile(r"^application/vnd\.vega(lite)?\.v\d+\+json$")
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Output cells tagged with this are the notebook's computed conclusion, shown on the index.
VERDICT_TAG = "verdict"
#: ``small``: leave out full-size files that have a ``_small`` sibling; ``all``: run them too.
SETS = ("small", "all")


@dataclass
class ReportRun:
    """One notebook execution: what ran, with which parameters, and how it ended."""

    notebook: Path
    params_file: Path | None
    label: str
    status: str = "pending"  # ok | failed | skipped | pending
    error: str = ""
    seconds: float = 0.0
    verdicts: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def html_name(self) -> str:
        return f"{self.label}.html"

    @property
    def ipynb_name(self) -> str:
        return f"{self.label}.ipynb"


@dataclass
class ReportPlan:
    """The runs a report makes, and the parameter files it leaves out (and why)."""

    runs: list[ReportRun]
    unmatched: list[Path]  # no notebook claims them
    excluded: list[Path] = field(default_factory=list)  # full-size: a *_small sibling stands in


# ----------------------------------------------------------------------------- matching


def _claims(nb_stem: str, yaml_stem: str) -> bool:
    if yaml_stem == nb_stem:
        return True
    return yaml_stem.startswith(nb_stem) and yaml_stem[len(nb_stem)] in _SEPARATORS


def _extra_patterns(notebook: Path) -> list[str]:
    meta = nbformat.read(notebook, as_version=4).metadata.get(META_KEY, {}) or {}
    pats = meta.get("parameters", [])
    return [pats] if isinstance(pats, str) else list(pats)


def has_small_version(path: Path, files: Sequence[Path]) -> bool:
    """True when ``X_small.yaml`` (or ``X-small`` / ``X.small``) sits beside ``X.yaml``: the
    small file is the report-sized version, ``X.yaml`` the full-size one."""
    names = {f.stem for f in files}
    return any(f"{path.stem}{sep}small" in names for sep in _SEPARATORS)


def _load_yaml(path: Path) -> dict[str, Any]:
    return read_mapping(path, "parameter", None, ValueError)


def plan_report(
    notebooks_dir: str | Path = "notebooks",
    params_dir: str | Path | None = "parameters",
    only: Sequence[str] | None = None,
    sets: str = "small",
    data_dir: str | Path | None = None,
) -> ReportPlan:
    """Pair every notebook with its parameter files (see the module docstring for the rule).

    Runs whose benchmarks have no data under ``data_dir`` (or the usual search path) come back
    already marked ``skipped``. ``sets="all"`` also keeps full-size files that have a small
    sibling.
    """
    if sets not in SETS:
        raise ValueError(f"unknown parameter sets {sets!r}; choose one of {', '.join(SETS)}")
    nb_dir = Path(notebooks_dir)
    if not nb_dir.is_dir():
        raise FileNotFoundError(f"notebook folder {str(nb_dir)!r} not found")
    notebooks = sorted(p for p in nb_dir.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {str(nb_dir)!r}")
    yamls: list[Path] = []
    if params_dir is not None:
        pdir = Path(params_dir)
        if not pdir.is_dir():
            raise FileNotFoundError(
                f"parameter folder {str(pdir)!r} not found (give --params DIR, or omit it)"
            )
        yamls = sorted([*pdir.glob("*.yaml"), *pdir.glob("*.yml")])
    excluded = [y for y in yamls if sets == "small" and has_small_version(y, yamls)]
    usable = [y for y in yamls if y not in excluded]

    claimed: dict[Path, list[tuple[Path, Path, str]]] = {nb: [] for nb in notebooks}
    used: set[Path] = set()
    for y in usable:
        by_name = [nb for nb in notebooks if _claims(nb.stem, y.stem)]
        if by_name:
            nb = max(by_name, key=lambda n: len(n.stem))
            claimed[nb].append((nb, y, y.stem))
            used.add(y)
    for nb in notebooks:
        for pat in _extra_patterns(nb):
            for y in usable:
                if fnmatch.fnmatch(y.name, pat) and all(y != c[1] for c in claimed[nb]):
                    claimed[nb].append((nb, y, f"{nb.stem}-{y.stem}"))
                    used.add(y)

    runs: list[ReportRun] = []
    for nb in notebooks:
        mine = [ReportRun(n, y, label) for n, y, label in sorted(claimed[nb], key=str)]
        for run in mine:
            need = missing_data(_load_yaml(run.params_file), data_dir)
            if need:
                run.status, run.error = "skipped", _skip_reason(need)
        if all(r.status == "skipped" for r in mine):  # none, or none runnable here
            runs.append(ReportRun(nb, None, nb.stem))
        runs += mine
    if only:
        wanted = set(only)
        unknown = wanted - {r.label for r in runs} - {r.notebook.stem for r in runs}
        if unknown:
            raise ValueError(
                f"--only {', '.join(sorted(unknown))}: no such notebook or run; "
                f"choose from {', '.join(sorted({r.label for r in runs}))}"
            )
        runs = [r for r in runs if r.label in wanted or r.notebook.stem in wanted]
    return ReportPlan(runs, [y for y in usable if y not in used], excluded)


def _skip_reason(need: Sequence[str]) -> str:
    return (
        f"needs data for {', '.join(need)}: set PWLKIT_DATA or pass --data-dir "
        "(see `pwlkit benchmarks`)"
    )


# ----------------------------------------------------------------------------- parameters


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """Names and default values of a notebook's ``parameters`` cell.

    Read with `ast` (papermill's own reader skips values holding ``=``, such as
    ``"ew(weights=rank)"``); a default that is not a literal comes back as its source text.
    """
    nb = nbformat.read(notebook, as_version=4)
    cell = next(
        (
            c
            for c in nb.cells
            if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])
        ),
        None,
    )
    if cell is None:
        return {}
    out: dict[str, Any] = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                value = ast.get_source_segment(cell.source, node.value)
            for t in targets:
                if isinstance(t, ast.Name):
                    out[t.id] = value
    return out


def _schema_keys() -> set[str]:
    """Keys of study and search-study files (`pwlkit.study.KEYS`, `pwlkit.search.study.KEYS`)."""
    from pwlkit.search.study import KEYS as SEARCH_KEYS
    from pwlkit.study import KEYS as STUDY_KEYS

    return set(STUDY_KEYS) | set(SEARCH_KEYS)


def run_parameters(
    run: ReportRun, data_dir: str | Path | None, base_dir: str | Path = "."
) -> dict[str, Any]:
    """The papermill parameters of one run.

    A parameter file's keys are passed as they are; study-file keys it leaves out are passed as
    ``None`` (the library's default), so the file means what it means to ``pwlkit study`` /
    ``pwlkit search`` and not the notebook's own quick defaults. Relative ``output_dir`` /
    ``data_dir`` in a file are read from ``base_dir`` (where `pwlkit report` runs), not from
    the notebook folder papermill executes in. ``data_dir`` (``--data-dir``) is passed when
    given.
    """
    params: dict[str, Any] = {}
    declared = notebook_parameters(run.notebook)
    if run.params_file is not None:
        params.update(_load_yaml(run.params_file))
        for key in (set(declared) & _schema_keys()) - set(params) - {"output_dir", "data_dir"}:
            params[key] = None
    for key in ("output_dir", "data_dir"):
        if isinstance(params.get(key), str) and not Path(params[key]).is_absolute():
            params[key] = str((Path(base_dir) / params[key]).resolve())
    if data_dir is not None and "data_dir" in declared:
        params["data_dir"] = str(Path(data_dir).resolve())
    return params


def missing_data(params: dict[str, Any], data_dir: str | Path | None) -> list[str]:
    """Benchmarks named in ``params`` whose data is not found (empty when all are here)."""
    from pwlkit.benchmarks import is_available

    names: list[str] = []
    for key in ("benchmarks", "benchmark"):
        val = params.get(key)
        names += [val] if isinstance(val, str) else list(val or [])
    where = data_dir if data_dir is not None else params.get("data_dir")
    out = []
    for name in names:
        try:
            ok = is_available(name, where)
        except KeyError:
            ok = True  # an unknown name: let the notebook report it as an error
        if not ok:
            out.append(name)
    return out


# ----------------------------------------------------------------------------- execution


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
    start = time.perf_counter()
    with _batch_settings():
        return _execute(
            run, out_dir, data_dir, base_dir, kernel_name, cell_timeout, extra_parameters, start
        )


@contextlib.contextmanager
def _batch_settings():
    """Kernels started inside render charts for the report; papermill's parameter-cell parser
    stays quiet (it warns on values holding "="). Re-entrant: an outer block keeps control, so
    runs in parallel threads never see the settings restored under them."""
    if os.environ.get(CHART_MODE_ENV) == "report" and _BATCH:
        yield
        return
    old = os.environ.get(CHART_MODE_ENV)
    pm_log = logging.getLogger("papermill")
    pm_level = pm_log.level
    os.environ[CHART_MODE_ENV] = "report"
    pm_log.setLevel(logging.ERROR)
    _BATCH.append(True)
    try:
        yield
    finally:
        _BATCH.pop()
        pm_log.setLevel(pm_level)
        if old is None:
            os.environ.pop(CHART_MODE_ENV, None)
        else:
            os.environ[CHART_MODE_ENV] = old


_BATCH: list[bool] = []


def _execute(
    run: ReportRun,
    out_dir: Path,
    data_dir: str | Path | None,
    base_dir: str | Path,
    kernel_name: str,
    cell_timeout: int | None,
    extra_parameters: dict[str, Any] | None,
    start: float,
) -> ReportRun:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    params = run_parameters(run, data_dir, base_dir)
    params.update(extra_parameters or {})
    need = missing_data(params, data_dir)
    if need:
        run.status, run.error = "skipped", _skip_reason(need)
        return run
    out_nb = out_dir / run.ipynb_name
    try:
        papermill.execute_notebook(
            str(run.notebook),
            str(out_nb),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(run.notebook.parent),
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
        nb = nbformat.read(out_nb, as_version=4)
        run.title = _first_heading(nb)
        run.verdicts = _verdicts(nb)
        try:
            (out_dir / run.html_name).write_text(notebook_html(nb), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - a rendering bug must not hide the result
            run.error = (run.error + "; " if run.error else "") + f"HTML export failed: {exc}"
            if run.status == "ok":
                run.status = "failed"
    return run


def run_report(
    notebooks_dir: str | Path = "notebooks",
    params_dir: str | Path | None = "parameters",
    out_dir: str | Path = "outputs/report",
    data_dir: str | Path | None = None,
    *,
    only: Sequence[str] | None = None,
    sets: str = "small",
    kernel_name: str = "python3",
    cell_timeout: int | None = 1800,
    overrides: Mapping[str, dict[str, Any]] | None = None,
    jobs: int = 1,
    log: Callable[[str], None] = print,
) -> ReportPlan:
    """Run every planned notebook, render each to HTML, and write ``out_dir/index.html``.

    ``data_dir`` defaults to ``$PWLKIT_DATA``. ``overrides`` maps a notebook name to
    parameters that replace those of all its runs (the tests use it for tiny grids). ``jobs``
    notebooks run at once (runs writing the same study wait for each other). Returns the plan
    with every run's outcome, failed ones included.
    """
    if data_dir is None and os.environ.get("PWLKIT_DATA"):
        data_dir = os.environ["PWLKIT_DATA"]
    plan = plan_report(notebooks_dir, params_dir, only, sets, data_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = Path.cwd()
    write_index(plan, out)
    lock = threading.Lock()
    count = iter(range(1, len(plan.runs) + 1))

    def do(run: ReportRun) -> None:
        src = run.params_file.name if run.params_file else "notebook defaults"
        with lock:
            log(f"[{next(count)}/{len(plan.runs)}] {run.label} ({run.notebook.name}, {src}) ...")
        if run.status == "skipped":
            with lock:
                log(f"    {run.label}: skipped - {run.error}")
            return
        extra = (overrides or {}).get(run.notebook.stem)
        execute_run(
            run,
            out,
            data_dir,
            base_dir=base,
            kernel_name=kernel_name,
            cell_timeout=cell_timeout,
            extra_parameters=extra,
        )
        detail = f" - {run.error}" if run.error else ""
        with lock:
            log(f"    {run.label}: {run.status} in {run.seconds:.1f} s{detail}")
            write_index(plan, out)  # keep the index current as runs finish

    chains = _chains(plan.runs, overrides, data_dir, base)
    with _batch_settings(), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for fut in [pool.submit(lambda c=c: [do(r) for r in c]) for c in chains]:
            fut.result()
    write_index(plan, out)
    return plan


def _chains(runs, overrides, data_dir, base) -> list[list[ReportRun]]:
    """Runs grouped by the study they write (its ``name``), in plan order: a group runs one
    run after the other, so two runs never train the same study's cells at once."""
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
    return list(groups.values())


# ----------------------------------------------------------------------------- HTML


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


def vega_javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert; no network needed)."""
    import vl_convert as vlc

    from .viz import alt

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


_BUNDLE: list[str] = []


def notebook_html(nb: nbformat.NotebookNode) -> str:
    """A self-contained HTML page of an executed notebook: charts drawn by inline JavaScript."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if not _BUNDLE:
        _BUNDLE.append(vega_javascript())
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"pwlkit_report.html.j2": _TEMPLATE})],
        template_file="pwlkit_report.html.j2",
    )
    body, _ = exporter.from_notebook_node(
        inline_charts(nbformat.from_dict(json.loads(json.dumps(nb)))),
        resources={"pwlkit_vega_js": _BUNDLE[0]},
    )
    return body


_STATUS_COLOUR = {"ok": "#1e7b34", "failed": "#b3261e", "skipped": "#8a6d00", "pending": "#555"}


def index_html(plan: ReportPlan) -> str:
    """The report's front page: one row per run with status, time, findings and links."""
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
    if plan.excluded:
        names = ", ".join(html.escape(p.name) for p in plan.excluded)
        extra += (
            f"<p>Full-size parameter files left out of this report: {names} "
            "(<code>pwlkit report --sets all</code> runs them).</p>"
        )
    if plan.unmatched:
        names = ", ".join(html.escape(p.name) for p in plan.unmatched)
        extra += f"<p>Parameter files no notebook uses: {names}</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pwlkit report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .5em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }} .t {{ color: #666; font-size: .9em; }}
pre.err {{ white-space: pre-wrap; color: #b3261e; margin: 0; }}
ul {{ margin: 0; padding-left: 1.2em; }}
</style></head><body>
<h1>pwlkit report</h1>
<p>{len(runs)} notebook runs: {summary}. Generated {time.strftime("%Y-%m-%d %H:%M:%S")}.</p>
<table><tr><th>run</th><th>notebook</th><th>parameters</th><th>status</th><th>time</th>
<th>what the data shows</th><th></th></tr>
{"".join(rows)}
</table>{extra}
</body></html>
"""


def write_index(plan: ReportPlan, out_dir: str | Path) -> Path:
    """Write ``index.html`` into ``out_dir`` and return its path."""
    path = Path(out_dir) / "index.html"
    path.write_text(index_html(plan), encoding="utf-8")
    return path
