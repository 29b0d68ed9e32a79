"""`pwlkit findings`: the paper's claims answered with paired tests on the stores in a folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pwlkit.claims.evidence import format_evidence
from pwlkit.claims.stores import find_stores, load_stores
from pwlkit.cli import UserError, warn

DESCRIPTION = (
    "Find every study and search store under DIR (folders holding results/part-*.parquet; "
    "a study store also has its study.yaml), load their results and test each claim of the "
    "paper per task: paired by seed, a two-sided Wilcoxon signed-rank test, Holm's correction "
    "across the tasks of a claim on one benchmark, alpha 0.05. A task holds (significant in the claimed "
    "direction), is contradicted (significant the other way) or is inconclusive. Claims the "
    "stores cannot test say which study they need. A stored part or store that cannot be read "
    "is named in a warning line of its own; the findings still print, and the exit status is 1."
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
    p.add_argument(
        "--beyond",
        action="store_true",
        help="also answer the questions beyond the paper (NDCG losses, adaptive switch, auto; "
        "pwlkit.claims.goals), after the paper's claims",
    )
    p.add_argument("--json", action="store_true", help="print the findings as a JSON list")
    p.set_defaults(func=run)


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
            interval = ""
            if t.get("diff_lo") is not None and t.get("diff_hi") is not None:
                lo, hi = (format_evidence(t[k], "+.4g") for k in ("diff_lo", "diff_hi"))
                interval = f" [{lo}, {hi}]" if lo != "-" else ""
            lines.append(
                f"  {t['task']}: {t['verdict']}, {t['a']} vs {t['b']}, diff "
                f"{format_evidence(t['mean_diff'], '+.4g')}{interval}, "
                f"p {format_evidence(t['p_value'], '.3g')} "
                f"(Holm {format_evidence(t['p_holm'], '.3g')}), n {t['n']}"
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
    damage: list[str] = []

    def damaged(message: str) -> None:
        damage.append(message)
        warn("findings", message)

    studies, searches = load_stores(
        root, args.data_dir, warn=lambda message: warn("findings", message), damaged=damaged
    )
    if studies is None and searches is None:
        raise UserError(f"--studies {args.studies!r}: no store inside could be read")
    found = findings(studies, searches)
    if args.beyond and studies is not None:
        from pwlkit.claims.goals import beyond_the_paper

        found += beyond_the_paper(studies)
    if args.json:
        print(json.dumps([f.to_dict() for f in found], indent=2, allow_nan=False))
    else:
        print("\n".join(describe(found)))
    return 1 if damage else 0  # the findings printed rest on fewer cells than were stored
