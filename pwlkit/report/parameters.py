"""What a run is given: a notebook's declared defaults, a parameter file, and the data it needs."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import nbformat

from pwlkit.runs.fields import read_mapping


class RunFiles(Protocol):
    """What a run's parameters are read from (a `pwlkit.report.plan.ReportRun` has both)."""

    notebook: Path
    params_file: Path | None


def read_parameter_file(path: str | Path) -> dict[str, Any]:
    """The mapping in one parameter file; a malformed file names its line and column."""
    return read_mapping(Path(path), "parameter", None, ValueError)


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
    """Keys of study and search-study files, old names still read included (a notebook that
    declares ``runs`` gets None when its file says ``seeds``)."""
    from pwlkit.search.grid import SEARCH_FILES
    from pwlkit.study.schema import STUDY_FILES

    return set(STUDY_FILES.accepted_keys) | set(SEARCH_FILES.accepted_keys)


def run_parameters(
    run: RunFiles, data_dir: str | Path | None, base_dir: str | Path = "."
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
        params.update(read_parameter_file(run.params_file))
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


def skip_reason(need: Sequence[str]) -> str:
    """Why a run was skipped, and how to give it the data it needs."""
    return (
        f"needs data for {', '.join(need)}: set PWLKIT_DATA or pass --data-dir "
        "(see `pwlkit benchmarks`)"
    )
