"""`pwlkit findings`: the paper's claims answered with paired tests on the stores in a folder."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd

from pwlkit.cli import UserError, warn

DESCRIPTION = (
    "Find every study and search store under DIR (folders holding results/part-*.parquet; "
    "a study store also has its study.yaml), load their results and test each claim of the "
    "paper per task: paired by seed, a two-sided Wilcoxon signed-rank test, Holm's correction "
    "across the tasks of a claim, alpha 0.05. A task holds (significant in the claimed "
    "direction), is contradicted (significant the other way) or is inconclusive. Claims the "
    "stores cannot test say which study they need."
)
STORE_HINT = "a folder holding study or search stores (folders with results/part-*.parquet)"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "findings",
        help="the paper's claims on stored results, with paired tests per task",
        description=DESCRIPTION,
    )
    p.add_argument(
        "--studies",
        default="results",
        metavar="DIR",
        help="folder searched recursively for study and search stores (default: results)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="D",
        help="benchmark tables, to match search runs to their study's current settings "
        "(default: $PWLKIT_DATA; without them every stored run is used)",
    )
    p.add_argument("--json", action="store_true", help="print the findings as a JSON list")
    p.set_defaults(func=run)


def find_stores(root: Path) -> list[Path]:
    """Folders under ``root`` (itself included) holding ``results/part-*.parquet``."""
    found = {p.parent.parent for p in root.rglob("part-*.parquet") if p.parent.name == "results"}
    return sorted(found)


def is_search_store(store: Path) -> bool:
    """A search store's rows have a ``strategy`` column (read from a part's schema)."""
    import pyarrow.parquet as pq

    def columns(part: Path) -> list[str] | None:
        try:
            return pq.read_schema(part).names
        except Exception:  # noqa: BLE001 - a damaged part: ask the next one
            return None

    for part in sorted((store / "results").glob("part-*.parquet")):
        names = columns(part)
        if names is not None:
            return "strategy" in names
    return False


def _parameters(store: Path) -> dict:
    """The store's study.yaml with ``output_dir`` (often relative to where the run started)
    and ``name`` pointing at this very folder."""
    import yaml

    raw = yaml.safe_load((store / "study.yaml").read_text())
    raw = raw if isinstance(raw, dict) else {}  # the loader then names the missing keys
    return {**raw, "name": store.name, "output_dir": str(store.parent)}


def load_study_store(store: Path) -> pd.DataFrame:
    """The cells of the store's study.yaml (a study store always has one)."""
    from pwlkit.study import load_results

    if not (store / "study.yaml").is_file():
        raise FileNotFoundError(f"no study.yaml in {store}")
    return load_results(_parameters(store))


def load_search_store(store: Path, data_dir: str | None) -> pd.DataFrame:
    """The store's runs of its search study's settings when a study.yaml names them and the
    benchmarks (needed to list those cells) load here; every stored run otherwise."""
    from pwlkit.runs.store import ResultStore
    from pwlkit.search import load_search_results
    from pwlkit.search.job import ROW_COLUMNS

    if (store / "study.yaml").is_file():
        try:
            return load_search_results(_parameters(store), data_dir)
        except (FileNotFoundError, ValueError) as exc:
            warn("findings", f"{store}: every stored run is used ({exc})")
    df = ResultStore(store).read(required=ROW_COLUMNS)
    runs = ["benchmark", "strategy", "signal", "budget", "seed"]
    if not df.empty and df.duplicated(runs).any():
        warn("findings", f"{store} holds runs of several settings of one search; all are used")
    return df


def load_stores(root: Path, data_dir: str | None = None) -> tuple[pd.DataFrame | None, ...]:
    """The study frames and the search frames under ``root``, each kind concatenated (None
    where there is none); a store that cannot be read is skipped with a warning."""
    studies, searches = [], []
    for store in find_stores(root):
        search = is_search_store(store)
        try:
            df = load_search_store(store, data_dir) if search else load_study_store(store)
        except (OSError, ValueError, KeyError) as exc:
            warn("findings", f"{store} skipped: {exc}")
            continue
        if not df.empty:
            (searches if search else studies).append(df)
    return tuple(
        pd.concat(frames, ignore_index=True) if frames else None for frames in (studies, searches)
    )


def _number(value, spec: str) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "-" if missing else format(value, spec)


def describe(found) -> list[str]:
    """The text report: one line per claim, then its per-task evidence."""
    lines = []
    for f in found:
        lines.append(f.summary())
        if f.paper:
            lines.append(f"  paper: {f.paper}")
        if f.tasks and f.note:
            lines.append(f"  note: {f.note}")
        for t in f.tasks:
            lines.append(
                f"  {t['task']}: {t['verdict']}, {t['a']} vs {t['b']}, diff "
                f"{_number(t['mean_diff'], '+.4g')}, p {_number(t['p_value'], '.3g')} "
                f"(Holm {_number(t['p_holm'], '.3g')}), n {t['n']}"
            )
    return lines


def run(args: argparse.Namespace) -> int:
    from pwlkit.claims import findings

    root = Path(args.studies)
    if not root.is_dir():
        what = "is a file" if root.is_file() else "not found"
        raise UserError(f"--studies {args.studies!r}: {what}; expected {STORE_HINT}")
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise UserError(f"--data-dir {args.data_dir!r} is not a folder")
    if not find_stores(root):
        raise UserError(f"--studies {args.studies!r}: no stores inside; expected {STORE_HINT}")
    studies, searches = load_stores(root, args.data_dir)
    if studies is None and searches is None:
        raise UserError(f"--studies {args.studies!r}: no store inside could be read")
    found = findings(studies, searches)
    if args.json:
        print(json.dumps([f.to_dict() for f in found], indent=2, allow_nan=False))
    else:
        print("\n".join(describe(found)))
    return 0
