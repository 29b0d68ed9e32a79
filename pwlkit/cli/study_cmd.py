"""`pwlkit study run|status|summary|verify FILE`: run a study grid, see how far it is,
summarise it, check that its stored jobs reproduce."""

from __future__ import annotations

import argparse
import json
import math
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    from pwlkit.cli import add_device_option

    parser = subparsers.add_parser(
        "study",
        help="run a study grid (resumable), show its progress, summarise its results",
        description="Studies are YAML files in parameters/ (see README, Studies).",
    )
    sub = parser.add_subparsers(dest="study_command", required=True, metavar="ACTION")

    run = sub.add_parser("run", help="run every cell not stored yet")
    run.add_argument("file", help="study file (YAML)")
    run.add_argument(
        "--executor",
        default="local",
        help="inline: this process; local: process pool (default); dask: Dask cluster",
    )
    run.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address (implies dask)")
    run.add_argument("--workers", type=int, metavar="N", help="worker processes (default: cores)")
    run.add_argument("--threads", type=int, metavar="T", help="torch threads per worker")
    run.add_argument("--data-dir", metavar="D", help="folder holding the benchmark tables")
    run.add_argument("--retries", type=int, default=2, help="retries of a job whose worker died")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_option(run)
    run.set_defaults(func=_run, kept=_kept)

    status = sub.add_parser("status", help="cells done / total")
    status.add_argument("file", help="study file (YAML)")
    status.set_defaults(func=_status)

    summary = sub.add_parser("summary", help="mean, std and 95%% CI per group")
    summary.add_argument("file", help="study file (YAML)")
    summary.add_argument("--json", action="store_true", help="print JSON records")
    summary.add_argument(
        "--by",
        default=None,
        help="comma-separated grouping columns (default: benchmark,backbone,train_size,loss)",
    )
    summary.add_argument(
        "--metrics", default=None, help="comma-separated metric columns (default: all)"
    )
    summary.set_defaults(func=_summary)

    verify = sub.add_parser(
        "verify", help="re-run stored jobs picked at random and compare their metrics"
    )
    verify.add_argument("file", help="study file (YAML) or store folder")
    verify.add_argument("--jobs", type=int, default=2, help="jobs to re-run (default 2)")
    verify.add_argument(
        "--max-cost",
        type=float,
        default=2e6,
        help="pick only jobs of train size x epochs x cells at most this (default 2e6)",
    )
    verify.add_argument("--seed", type=int, default=None, help="seed of the pick")
    verify.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads of the re-run (default 1, as each worker of a 2-worker study run)",
    )
    verify.add_argument("--data-dir", metavar="D", help="folder holding the benchmark tables")
    verify.set_defaults(func=_verify)


def _run(args: argparse.Namespace) -> int:
    from pwlkit.cli import DATA_DIR, check_device, check_options
    from pwlkit.runs.executors import ALIASES, PARAMS
    from pwlkit.study import run_study

    check_options(
        {
            "executor": ALIASES.get(args.executor, args.executor),
            "workers": args.workers,
            "threads": args.threads,
            "retries": args.retries,
            "data_dir": args.data_dir,
        },
        {**PARAMS, "data_dir": DATA_DIR},
    )
    device = check_device(args.device)
    report = run_study(
        args.file,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        data_dir=args.data_dir,
        threads=args.threads,
        retries=args.retries,
        progress=not args.no_progress,
        device=device,
    )
    print(report)
    return 0 if report.ok else 1


def _kept(args: argparse.Namespace) -> str:
    """What a stopped ``study run`` keeps (`pwlkit.cli.main` says it)."""
    return "finished jobs are stored; run the same command again to resume"


def _status(args: argparse.Namespace) -> int:
    from pwlkit.study import study_status

    print(study_status(args.file))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pwlkit.study import load_study
    from pwlkit.study.verify import verify_store

    store = Path(args.file)
    if store.is_file():
        store = load_study(store).store_dir
    checks = verify_store(
        store,
        jobs=args.jobs,
        max_cost=args.max_cost,
        seed=args.seed,
        data_dir=args.data_dir,
        threads=args.threads,
    )
    for check in checks:
        print(check)
    return 0 if all(c.ok for c in checks) else 1


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _summary(args: argparse.Namespace) -> int:
    from pwlkit.study import load_results, load_study, summarize

    study = load_study(args.file)
    df = load_results(study)
    by, metrics = _split(args.by), _split(args.metrics)
    _check_columns(df, {"--by": (args.by, by), "--metrics": (args.metrics, metrics)})
    rc = _warn_incomplete(args.file, df, study.num_cells)
    table = summarize(df, by=by, metrics=metrics)
    if args.json:
        records = [
            {k: _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")
        ]
        print(json.dumps(records, indent=1))
        return rc
    if table.empty:
        print("no results stored yet: run `pwlkit study run FILE` first")
        return rc
    by = [
        c
        for c in table.columns
        if c not in ("metric", "n", "mean", "std", "ci", "ci_low", "ci_high")
    ]
    table = table.assign(
        value=[
            f"{m:.4g}" + ("" if math.isnan(c) else f" ± {c:.2g}")
            for m, c in zip(table["mean"], table["ci"])
        ]
    )
    wide = table.pivot_table(
        index=by, columns="metric", values="value", aggfunc="first", sort=False
    )
    wide = wide[[m for m in dict.fromkeys(table["metric"])]]
    n = table.groupby(by, sort=False)["n"].max()
    wide.insert(0, "n", n)
    print(f"mean ± 95% CI half width over seeds ({len(df)} cells)")
    print(wide.to_string())
    return rc


def _check_columns(df, options: dict[str, tuple[str | None, list[str] | None]]) -> None:
    """``--by`` and ``--metrics`` name columns the results have, before anything prints."""
    from pwlkit.checks import check_names
    from pwlkit.cli import UserError
    from pwlkit.metrics import is_metric_column
    from pwlkit.study.results import group_columns

    valid = {
        "--by": ("column", group_columns(df)),
        "--metrics": ("metric column", [c for c in df.columns if is_metric_column(c)]),
    }
    for option, (text, names) in options.items():
        what, choices = valid[option]
        if text is not None and not names:
            raise UserError(
                f"{option} {text!r} names no {what}. Valid {what}s: {', '.join(sorted(choices))}"
            )
        check_names(names or [], choices, what=what, where=option, error=UserError)


def _warn_incomplete(file: str, df, total: int) -> int:
    """One stderr line per stored part that could not be used, then what is missing; exit
    status 1 then (the summary still prints, over the cells that were read). The same rule as
    ``pwlkit findings`` and ``pwlkit study verify``."""
    skipped = df.attrs.get("skipped_parts", [])
    if not skipped:
        return 0
    missing = (
        f"{total - len(df)} of {total} cells are missing: run `pwlkit study run {file}` again "
        "to recompute them"
    )
    for i, part in enumerate(skipped):
        tail = f"; {missing}" if i == len(skipped) - 1 else ""
        print(
            f"pwlkit study: warning: stored part {part['part']} could not be used: "
            f"{part['why']}{tail}",
            file=sys.stderr,
        )
    return 1


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
