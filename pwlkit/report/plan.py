"""Which notebook runs with which parameter file: the report's plan (rule in `pwlkit.report`)."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .parameters import missing_data, read_parameter_file, skip_reason

#: Notebook metadata key holding extra parameter-file glob patterns.
META_KEY = "pwlkit"
_SEPARATORS = ("_", "-", ".")


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
    """The runs a report makes, and the parameter files no notebook claims."""

    runs: list[ReportRun]
    unmatched: list[Path]
    findings: object | None = None
    """After `run_report`: the `FindingsPage` of the shipped stores (None when left out)."""


def _claims(nb_stem: str, yaml_stem: str) -> bool:
    if yaml_stem == nb_stem:
        return True
    return yaml_stem.startswith(nb_stem) and yaml_stem[len(nb_stem)] in _SEPARATORS


def _extra_patterns(notebook: Path) -> list[str]:
    meta = nbformat.read(notebook, as_version=4).metadata.get(META_KEY, {}) or {}
    pats = meta.get("parameters", [])
    return [pats] if isinstance(pats, str) else list(pats)


def plan_report(
    notebooks_dir: str | Path = "notebooks",
    params_dir: str | Path | None = "parameters",
    only: Sequence[str] | None = None,
    data_dir: str | Path | None = None,
) -> ReportPlan:
    """Pair every notebook with its parameter files (see `pwlkit.report` for the rule).

    Runs whose benchmarks have no data under ``data_dir`` (or the usual search path) come back
    already marked ``skipped``.
    """
    notebooks = _notebooks(Path(notebooks_dir))
    usable = _parameter_files(params_dir)

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
            need = missing_data(read_parameter_file(run.params_file), data_dir)
            if need:
                run.status, run.error = "skipped", skip_reason(need)
        if all(r.status == "skipped" for r in mine):  # none, or none runnable here
            runs.append(ReportRun(nb, None, nb.stem))
        runs += mine
    if only:
        runs = _select(runs, only)
    return ReportPlan(runs, [y for y in usable if y not in used])


def _not_a_folder(path: Path) -> str:
    return "is a file, not a folder" if path.is_file() else "not found"


def _notebooks(nb_dir: Path) -> list[Path]:
    if not nb_dir.is_dir():
        raise FileNotFoundError(f"notebook folder {str(nb_dir)!r} {_not_a_folder(nb_dir)}")
    notebooks = sorted(p for p in nb_dir.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {str(nb_dir)!r}")
    return notebooks


def _parameter_files(params_dir: str | Path | None) -> list[Path]:
    if params_dir is None:
        return []
    pdir = Path(params_dir)
    if not pdir.is_dir():
        raise FileNotFoundError(f"parameter folder {str(pdir)!r} {_not_a_folder(pdir)}")
    return sorted([*pdir.glob("*.yaml"), *pdir.glob("*.yml")])


def _select(runs: list[ReportRun], only: Sequence[str]) -> list[ReportRun]:
    """The runs ``only`` names (run labels or notebook names); an unknown name is an error that
    lists the closest valid ones, since a typo would otherwise run nothing."""
    names = sorted({r.label for r in runs} | {r.notebook.stem for r in runs})
    unknown = [n for n in dict.fromkeys(only) if n not in names]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, names, n=3)
            if close:
                guess = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
                hints.append(f"{name + ': ' if len(unknown) > 1 else ''}did you mean {guess}?")
        raise ValueError(
            f"--only {', '.join(unknown)}: no such notebook or run; "
            + "".join(f"{h} " for h in hints)
            + f"valid names: {', '.join(names)}"
        )
    wanted = set(only)
    return [r for r in runs if r.label in wanted or r.notebook.stem in wanted]
