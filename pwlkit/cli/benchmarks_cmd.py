"""``pwlkit benchmarks`` (the catalogue, with what is available here) and ``pwlkit info NAME``."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``benchmarks`` and ``info`` sub-commands."""
    p = subparsers.add_parser(
        "benchmarks", help="list every benchmark, whether its data is here, and its source"
    )
    p.add_argument(
        "--data-dir",
        help="folder with benchmark files (default: PWLKIT_DATA, then the user data folder)",
    )
    p.set_defaults(func=run_benchmarks)

    p = subparsers.add_parser("info", help="summary of one benchmark (loads it)")
    p.add_argument("name", help="benchmark name, e.g. nb201-cifar10 (see `pwlkit benchmarks`)")
    p.add_argument("--data-dir", help="folder with benchmark files")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=run_info)


def _check_data_dir(args: argparse.Namespace) -> None:
    from pwlkit.cli import DATA_DIR, check_options

    check_options({"data_dir": args.data_dir}, {"data_dir": DATA_DIR})


def _missing(spec, data_dir: str | None) -> str:
    """Why a benchmark has no data here: no file, or a file without it (a TransNAS task table
    lacking the task's column)."""
    from pwlkit.benchmarks.datadir import find_file

    found = find_file(spec.files, data_dir) if spec.files else None
    if found is not None and spec.lacks is not None and spec.lacks(found):
        return f"missing ({spec.lacks(found)})"
    return f"missing ({', '.join(spec.files[:2])}...)"


def run_benchmarks(args: argparse.Namespace) -> int:
    from pwlkit.benchmarks import cache_dir, families, find_source, list_benchmarks, search_dirs

    _check_data_dir(args)
    specs = list_benchmarks(args.data_dir)
    width = max(len(s.name) for s in specs)
    print(f"{'name':<{width}}  data  source / description")
    n_here = 0
    for spec in specs:
        source = find_source(spec.name, args.data_dir)
        n_here += source is not None
        where = source if source is not None else _missing(spec, args.data_dir)
        print(f"{spec.name:<{width}}  {'yes' if source else 'no ':<4}  {where}")
        print(f"{'':<{width}}        {spec.description}")
    for fam in families():
        print(
            f"{fam.pattern:<{width}}  -     {fam.description} (any table named "
            f"{fam.pattern}.csv/.parquet in a data folder)"
        )
    print(f"\n{n_here} of {len(specs)} benchmarks have their data here.")
    print("Data folders searched: " + ", ".join(str(d) for d in search_dirs(args.data_dir)))
    print(f"Cache: {cache_dir()}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from pwlkit.benchmarks import load_benchmark

    _check_data_dir(args)
    info = load_benchmark(args.name, args.data_dir).info()
    if args.json:
        print(json.dumps(info))
        return 0
    for key, value in info.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v}")
        else:
            print(f"{key}: {value}")
    return 0
