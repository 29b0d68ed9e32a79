"""`pwlkit report`: run every notebook with its parameter files and build the HTML report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pwlkit.cli import UserError

DESCRIPTION = (
    "Execute every notebook with each matching parameter file (X.yaml belongs to the notebook "
    "whose name is the longest prefix of X followed by the end or _ - ., or to notebooks that "
    "list a matching glob in their metadata; a notebook with no file that can run here uses its "
    "own defaults), render each to self-contained HTML and write OUT/index.html. Runs whose "
    "benchmarks have no data here are skipped; a failing notebook is reported and the others "
    "still run. Exit status 1 when a notebook failed."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    from pwlkit.checks import read_value

    p = subparsers.add_parser(
        "report",
        help="run the notebooks with papermill and write an HTML report",
        description=DESCRIPTION,
    )
    p.add_argument(
        "--params",
        default="parameters",
        metavar="DIR",
        help="folder of parameter files, each one run (default: parameters, report-sized; "
        "parameters/full holds the paper-scale sets under the same names). A folder, not a "
        "file: the rule pairs every notebook with its files; pick runs with --only",
    )
    p.add_argument(
        "--no-params",
        action="store_true",
        help="ignore parameter files: run each notebook once with its defaults",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="D",
        help="folder of benchmark tables (default: $PWLKIT_DATA)",
    )
    p.add_argument(
        "--out",
        default="outputs/report",
        metavar="DIR",
        help="where executed notebooks, HTML pages and index.html go",
    )
    p.add_argument(
        "--notebooks",
        default="notebooks",
        metavar="DIR",
        help="folder of notebooks (default: notebooks)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=None,
        help="run only these notebooks or runs (names without .ipynb / .yaml; --list shows them)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="notebooks run at once (default 1; each also uses the cores its study asks for)",
    )
    p.add_argument(
        "--findings",
        default="results",
        metavar="DIR",
        help="folder of result stores whose findings open the report (default: results, the "
        "shipped stores)",
    )
    p.add_argument("--no-findings", action="store_true", help="leave the findings page out")
    p.add_argument("--list", action="store_true", help="print the planned runs and stop")
    p.add_argument(
        "--cell-timeout",
        type=read_value,
        default=1800,
        metavar="S",
        help="seconds one cell may run before its notebook fails (default 1800)",
    )
    p.set_defaults(func=run, kept=_kept)


def _kept(args: argparse.Namespace) -> str | None:
    """What a stopped report keeps (`pwlkit.cli.main` says it): the index lists the notebook
    runs finished so far, and the studies they ran keep their finished jobs."""
    if args.list:
        return None
    return (
        f"notebook runs finished so far are in {Path(args.out) / 'index.html'}, and the "
        "studies they ran keep their finished jobs; run the same command again to go on"
    )


def _check_folder(option: str, value: str, expected: str) -> None:
    path = Path(value)
    if not path.is_dir():
        what = "is a file" if path.is_file() else "not found"
        raise UserError(f"{option} {value!r}: {what}; expected {expected}")


def run(args: argparse.Namespace) -> int:
    from pwlkit import report
    from pwlkit.checks import POSITIVE
    from pwlkit.cli import check_options

    check_options({"cell_timeout": args.cell_timeout}, {"cell_timeout": POSITIVE})
    params = None if args.no_params else args.params
    if args.jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {args.jobs}")
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise UserError(f"--data-dir {args.data_dir!r} is not a folder")
    _check_folder("--notebooks", args.notebooks, "a folder of notebooks (*.ipynb)")
    if not args.no_findings:
        _check_folder("--findings", args.findings, "a folder of result stores, e.g. results")
    if params is not None:
        _check_folder(
            "--params",
            params,
            "a folder of parameter files, e.g. parameters or parameters/full "
            "(to run one file's notebook, give its folder and --only NAME; --list shows names)",
        )
    data_dir = args.data_dir or os.environ.get("PWLKIT_DATA")
    try:  # the plan reads every parameter file and checks --only: errors in the user's input
        plan = report.plan_report(args.notebooks, params, args.only, data_dir)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    if args.list:
        for r in plan.runs:
            src = r.params_file.name if r.params_file else "(notebook defaults)"
            skip = f"  [skipped: {r.error}]" if r.status == "skipped" else ""
            print(f"{r.label:36s} {r.notebook.name:26s} {src}{skip}")
        for y in plan.unmatched:
            print(f"{'(no notebook)':36s} {'':26s} {y.name}")
        return 0
    plan = report.run_report(
        args.notebooks,
        params,
        args.out,
        args.data_dir,
        only=args.only,
        cell_timeout=args.cell_timeout,
        jobs=args.jobs,
        findings_from=None if args.no_findings else args.findings,
    )
    counts = {s: sum(r.status == s for r in plan.runs) for s in ("ok", "failed", "skipped")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    print(f"report: {Path(args.out) / 'index.html'} - {summary}")
    return 1 if counts["failed"] else 0
