"""`pwlkit search`: budgeted searches on a benchmark, reported like the paper's search tables,
or (``--space`` with ``--evaluate MODULE:FUNCTION``) one search of a space scored by the user's
own function (`pwlkit.search.open_search`)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import warnings

from pwlkit.search.cells import DEFAULT_RUNS_PER_JOB
from pwlkit.search.driver import DEFAULT_OUTPUT_DIR
from pwlkit.search.loop import CONFIG_OPTIONS


def register(subparsers) -> None:
    from pwlkit.cli import add_device_option

    p = subparsers.add_parser(
        "search",
        help="run budgeted searches (predictor-guided, random, evolution) and report test error",
        description=(
            "Run R searches of B queries each and print the mean and std of the final test "
            "error, the mean best-so-far curve, the fraction of runs that found the global "
            "best, and the oracle line (test error of the best architecture by the signal). "
            "STRATEGY is random, evolution, pw (the paper's loss pair for the space), a named "
            "method (bananas, npenas, gp, pw+), or any loss / schedule spec (mse, mape, lr, hr, "
            "warp, hr->mape@20, ens(mape)x5, ...). Runs are stored "
            "and reused: run the same command again to resume. With --space and --evaluate "
            "MODULE:FUNCTION, one search of the space instead, each queried architecture "
            "scored by FUNCTION(arch) -> float (higher is better); --checkpoint makes it "
            "resumable."
        ),
    )
    p.add_argument("--benchmark", help="benchmark name (see `pwlkit benchmarks`)")
    p.add_argument("--space", help="search this space with --evaluate instead of a benchmark")
    p.add_argument(
        "--evaluate",
        help="MODULE:FUNCTION scoring an architecture string (with --space; the current "
        "folder is on the import path)",
    )
    p.add_argument("--seed", type=int, help="seed of the --space search (default 0)")
    p.add_argument(
        "--checkpoint", help="JSON-lines file of the --space search's evaluations (resumable)"
    )
    p.add_argument(
        "--parallel", type=int, help="worker processes evaluating a round's queries (--space)"
    )
    p.add_argument(
        "--on-error",
        choices=("record", "raise"),
        default="record",
        help="an evaluation that raises: record it and go on (default), or stop (--space)",
    )
    p.add_argument(
        "--strategy",
        help="random | evolution | pw | bananas | npenas | gp | pw+ | a loss or schedule spec "
        "(--space: pw)",
    )
    p.add_argument("--budget", type=int, help="architectures each run may query")
    p.add_argument("--runs", type=int, default=30, help="independent runs (default 30)")
    p.add_argument("--first-seed", type=int, default=0, help="seed of the first run")
    p.add_argument(
        "--signal",
        choices=("val", "test"),
        default="val",
        help="what the search reads: val (default; reports test) or test (the protocol under "
        "which the paper's NB201 numbers are reachable)",
    )
    p.add_argument("--study", help="run a search study file instead (parameters/search_*.yaml)")
    p.add_argument("--data-dir", help="folder with benchmark tables")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--executor",
        default="local",
        help="local (default: a process pool, one single-threaded worker per core), inline "
        "(this process) or dask",
    )
    p.add_argument("--workers", type=int, help="worker processes (local / dask)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler")
    p.add_argument(
        "--output-dir",
        default=DEFAULT_OUTPUT_DIR,
        help=f"where runs are stored (default {DEFAULT_OUTPUT_DIR}/<benchmark>)",
    )
    p.add_argument("--no-store", action="store_true", help="store nothing, reuse nothing")
    p.add_argument(
        "--runs-per-job",
        type=int,
        default=DEFAULT_RUNS_PER_JOB,
        help=f"seeds run in lockstep per job (default {DEFAULT_RUNS_PER_JOB})",
    )
    p.add_argument("--n-init", type=int, help="random initial architectures (default 10)")
    p.add_argument("--pool-size", type=int, help="candidates scored per round (default 100)")
    p.add_argument("--top-k", type=int, help="queries per round (default 10)")
    p.add_argument("--epochs", type=int, help="predictor epochs per round")
    p.add_argument("--backbone", help="predictor backbone: gcn (default), mlp, transformer")
    p.add_argument("--population", type=int, help="evolution population (default 20)")
    p.add_argument("--sample", type=int, help="evolution tournament size (default 5)")
    p.add_argument(
        "--acquisition",
        help="mean | ucb | ei | its: how a round picks its queries (default: the strategy's; "
        "ucb, ei and its need an ens(...) loss or gp)",
    )
    p.add_argument("--beta", type=float, help="ucb's weight of the spread (default 0.5)")
    p.add_argument(
        "--pool-parents", type=int, help="best architectures the pool mutates (default 1)"
    )
    p.add_argument(
        "--pool-random", type=float, help="share of the pool drawn at random (default 0)"
    )
    p.add_argument("--members", type=int, help="ensemble size of bananas and pw+ (default 5)")
    p.add_argument("--wl-iterations", type=int, help="WL iterations of gp (default 2)")
    p.add_argument(
        "--pretrain",
        help="pretrain the predictors on the space's cells: none, masked, flow, masked+flow",
    )
    p.add_argument(
        "--prune",
        help="the predictors read cells with their dead operations pruned (dead) or as "
        "stored (none, the default)",
    )
    add_device_option(p)
    p.set_defaults(func=run, kept=_kept)


def _kept(args: argparse.Namespace) -> str:
    """What a stopped search keeps (`pwlkit.cli.main` says it)."""
    again = "run the same command again to resume"
    if args.space is not None:
        if args.checkpoint is None:
            return "nothing is kept (--checkpoint FILE makes a --space search resumable)"
        return f"every finished evaluation is in {args.checkpoint}; {again}"
    if args.study is not None:
        return f"finished search runs are stored; {again}"
    if args.no_store:
        return "nothing is kept (--no-store)"
    where = os.path.join(args.output_dir, args.benchmark or "")
    return f"finished search runs are stored in {where}; {again}"


def _check_run_options(args: argparse.Namespace) -> None:
    """The options a search and a search study share, before any benchmark is loaded."""
    from pwlkit.cli import DATA_DIR, check_device, check_options
    from pwlkit.runs.executors import ALIASES, PARAMS

    check_options(
        {
            "executor": ALIASES.get(args.executor, args.executor),
            "workers": args.workers,
            "data_dir": args.data_dir,
        },
        {**PARAMS, "data_dir": DATA_DIR},
    )
    args.device = check_device(args.device)


def run(args: argparse.Namespace) -> int:
    from pwlkit.checks import cli_option
    from pwlkit.cli import CommandFailed, UserError

    _check_run_options(args)
    if args.study:
        if args.space is not None:
            raise UserError("--study and --space cannot be combined: give one of them")
        return _run_study(args)
    if args.benchmark is not None and args.space is not None:
        raise UserError(
            "--benchmark and --space are exclusive: --benchmark searches a table, --space "
            "searches a space scored by --evaluate"
        )
    if args.benchmark is None and args.space is None:
        raise UserError(
            "give --benchmark NAME (search a table) or --space NAME with --evaluate "
            "MODULE:FUNCTION (search a space with your own evaluation), or --study FILE"
        )
    if args.space is not None:
        return _run_open(args)
    for flag in ("evaluate", "checkpoint", "parallel", "seed"):
        if getattr(args, flag) is not None:
            raise UserError(f"--{flag} goes with --space, not --benchmark")
    missing = [f"--{k}" for k in ("benchmark", "strategy", "budget") if getattr(args, k) is None]
    if missing:
        raise UserError(f"missing {', '.join(missing)} (or give --study FILE)")
    from pwlkit.cli import check_options
    from pwlkit.search.api import OPTIONS, make_config
    from pwlkit.search.budget import check_budget
    from pwlkit.search.loop import configure
    from pwlkit.search.strategies import check_strategy, strategy_kind
    from pwlkit.search.summary import check_search_args, summarize_search

    check_search_args(
        {
            "budget": args.budget,
            "runs": args.runs,
            "first_seed": args.first_seed,
            "runs_per_job": args.runs_per_job,
            "output_dir": None if args.no_store else args.output_dir,
        },
        names=cli_option,
        skip_none=True,
    )
    options = _search_options(args)
    check_options(options, OPTIONS)
    config = make_config(**options)
    strategy = check_strategy(args.strategy, "--strategy", first_fit=config.n_init)
    configure(strategy, config, names=cli_option)
    check_budget(args.budget, strategy_kind(strategy), config)  # the space's size: once loaded
    try:
        summary = summarize_search(
            args.benchmark,
            args.strategy,
            args.budget,
            args.runs,
            args.signal,
            first_seed=args.first_seed,
            data_dir=args.data_dir,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            output_dir=None if args.no_store else args.output_dir,
            runs_per_job=args.runs_per_job,
            progress=not args.json,
            device=args.device,
            **options,
        )
    except RuntimeError as exc:
        if not str(exc).startswith("search runs failed"):  # summarize_search's failed jobs
            raise
        raise CommandFailed(str(exc)) from None
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_summary(summary))
    return 0


def _search_options(args: argparse.Namespace) -> dict:
    """The search options given on the command line (`pwlkit.search.api.OPTIONS`);
    ``--pretrain`` and ``--prune`` are predictor settings (checked by the engine)."""
    options = {k: getattr(args, k) for k in CONFIG_OPTIONS if getattr(args, k) is not None}
    settings = {k: getattr(args, k) for k in ("pretrain", "prune") if getattr(args, k) is not None}
    if settings:
        options["hparams"] = settings
    return options


def load_function(spec: str, option: str = "--evaluate"):
    """The function ``MODULE:FUNCTION`` names, imported with the current folder on the path.

    Raises:
        UserError: a malformed spec, a module that cannot be imported, or a missing or
            non-callable attribute; the message names ``option``.
    """
    from pwlkit.cli import UserError

    module_name, sep, func_name = str(spec).partition(":")
    if not sep or not module_name or not func_name:
        raise UserError(f"{option} must be MODULE:FUNCTION (e.g. my_module:evaluate), got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or module_name.startswith(f"{exc.name}."):
            raise UserError(
                f"{option}: no module named {module_name!r} (looked in the current folder "
                "and on sys.path)"
            ) from None
        raise UserError(f"{option}: importing {module_name!r} failed: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any error of the user's module, in one line
        raise UserError(
            f"{option}: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    func = getattr(module, func_name, None)
    if func is None:
        public = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise UserError(
            f"{option}: module {module_name!r} has no function {func_name!r}"
            + (f" (it has: {', '.join(public)})" if public else "")
        )
    if not callable(func):
        raise UserError(f"{option}: {spec} is a {type(func).__name__}, not a function")
    return func


def _run_open(args: argparse.Namespace) -> int:
    """``--space``: one `open_search` with the user's ``--evaluate``."""
    from pwlkit.cli import UserError, check_options
    from pwlkit.search.api import OPTIONS
    from pwlkit.search.open_search import open_search

    if args.evaluate is None:
        raise UserError("--space needs --evaluate MODULE:FUNCTION (how to score an architecture)")
    if args.budget is None:
        raise UserError("missing --budget")
    options = _search_options(args)
    check_options(options, OPTIONS)
    if args.device is not None:
        options["hparams"] = {**options.get("hparams", {}), "device": args.device}
    evaluate = load_function(args.evaluate)
    result = open_search(
        args.space,
        evaluate,
        args.budget,
        strategy=args.strategy or "pw",
        seed=0 if args.seed is None else args.seed,
        checkpoint=args.checkpoint,
        on_error=args.on_error,
        parallel=args.parallel,
        **options,
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    label = result.strategy + (f" ({result.loss})" if _shows_loss(result.strategy) else "")
    print(
        f"search on space {result.space}: strategy {label}, budget {result.budget}, "
        f"seed {result.seed}"
    )
    print(f"  best score {result.best_score:.6g}: {result.best_arch}")
    stored = f"; {result.reused} read back from checkpoint {args.checkpoint}"
    print(
        f"  {len(result.archs)} evaluated, {len(result.failed)} failed"
        + (stored if args.checkpoint else "")
    )
    return 0


def _shows_loss(strategy: str) -> bool:
    """Whether a strategy's label adds its resolved loss: ``pw`` and the named methods that
    train predictors."""
    return strategy in ("pw", "bananas", "npenas", "pw+")


def format_summary(s: dict) -> str:
    """The text report of one search command."""
    label = s["strategy"] + (f" ({s['loss']})" if _shows_loss(s["strategy"]) else "")
    n = s["n_runs"]
    found = round(s["found_best_fraction"] * n)
    curve = s["curve"]
    marks = sorted({min(len(curve), q) for q in (10, 20, 30, 50, 75, 100, 150, len(curve))})
    lines = [
        (
            f"search on {s['benchmark']}: strategy {label}, budget {s['budget']}, {n} runs "
            f"(seeds {s['seeds'][0]}..{s['seeds'][1]}), signal {s['signal']}"
        ),
        (
            f"  {s['error']}: {s['mean_test_error']:.3f} ± {s['std_test_error']:.3f} "
            "(mean ± std over runs)"
        ),
        (
            f"  found the global best (test error {s['global_best_test_error']:.3f}): "
            f"{found}/{n} runs ({s['found_best_fraction']:.2f})"
        ),
        (
            f"  oracle (best architecture by {s['signal']} in the whole space): test error "
            f"{s['oracle_test_error']:.3f}"
        ),
        "  best-so-far test error (mean over runs): "
        + ", ".join(f"{q}: {curve[q - 1]:.3f}" for q in marks),
        *(
            ["  note: this benchmark has one metric only (test is a copy of val)"]
            if s.get("test_is_val")
            else []
        ),
        f"  {s['computed_runs']} runs computed, {s['reused_runs']} reused, "
        f"{s['seconds']:.1f} s" + (f"; stored in {s['store']}" if s["store"] else ""),
    ]
    return "\n".join(lines)


def _run_study(args: argparse.Namespace) -> int:
    from pwlkit.search.grid import load_search_results, load_search_study, run_search_study
    from pwlkit.search.summary import paper_table, summarize_rows

    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", FutureWarning)
        study = load_search_study(args.study)
    _say(notes)
    report = run_search_study(
        study,
        args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        data_dir=args.data_dir,
        progress=not args.json,
        device=args.device,
    )
    summary = summarize_rows(
        load_search_results(study, args.data_dir), args.data_dir or study.data_dir
    )
    if args.json:
        print(json.dumps({"report": str(report), "summary": summary.to_dict("records")}, indent=2))
    else:
        print(report)
        for budget in study.budgets:
            print(f"\nbudget {budget}: test error, mean ± std over {len(study.seeds)} runs")
            print(paper_table(summary, budget).to_string())
    return 0 if report.ok else 1


def _say(notes: list[warnings.WarningMessage]) -> None:
    """A search-study file's notes (an old key name) as one ``pwlkit search: warning:`` line
    each; other warnings go on as Python shows them."""
    from pwlkit.cli import warn

    for note in notes:
        if issubclass(note.category, FutureWarning):
            warn("search", str(note.message))
        else:
            warnings.showwarning(note.message, note.category, note.filename, note.lineno)
