"""The answer of a claim check: how often it held, with the evidence per task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Verdict:
    """How often a claim held: ``holds`` of ``total`` tasks, with the per-task evidence."""

    claim: str
    holds: int
    total: int
    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    metric: str = ""
    unit: str = "tasks"
    ties: int = 0  # cases the metric could not separate, left out of ``total``

    @classmethod
    def tally(cls, claim: str, details: pd.DataFrame, metric: str, unit: str = "tasks") -> Verdict:
        """Count the rows of ``details`` that hold; a row whose ``holds`` is None is a tie, left
        out of the total. ``holds`` is rewritten as ``yes`` / ``no`` / ``tie`` for reading."""
        if details.empty:
            return cls(claim, 0, 0, details, metric, unit)
        details = details.copy()
        tied = details["holds"].isna()
        details["holds"] = details["holds"].map({True: "yes", False: "no"}).fillna("tie")
        held = int((details["holds"] == "yes").sum())
        return cls(claim, held, int((~tied).sum()), details, metric, unit, int(tied.sum()))

    @property
    def fraction(self) -> float:
        return self.holds / self.total if self.total else float("nan")

    def __str__(self) -> str:
        tied = f"; {self.ties} tied, left out" if self.ties else ""
        if not self.total:
            unit = self.unit.removesuffix("s")
            why = f"every {unit} is a tie" if self.ties else f"no {unit} has the runs"
            return f"{self.claim}: not testable on these results ({why})"
        on = f"holds on {self.holds} of {self.total} {self.unit}"
        return f"{self.claim}: {on}" + (f" ({self.metric}{tied})" if self.metric else "")

    def _repr_markdown_(self) -> str:
        return f"**{self}**"

    def _repr_html_(self) -> str:
        table = self.details.to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return f"<p><b>{self}</b></p>{table}"


def summary_table(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """One line per verdict: claim, metric, holds, total, fraction."""
    return pd.DataFrame(
        [
            {
                "claim": v.claim,
                "metric": v.metric,
                "holds": v.holds,
                "tasks": v.total,
                "fraction": round(v.fraction, 3) if v.total else np.nan,
            }
            for v in verdicts
        ]
    )
