"""A search notebook's set-up in one call: its parameters cell names the grid; this runs it.

>>> study, final = run_notebook_search(globals())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pwlkit.runs.notebook import grid_parameters, run_notebook_grid

from .grid import (
    SEARCH_FILES,
    SearchStudy,
    load_search_results,
    load_search_study,
    run_search_study,
)


def search_parameters(names: Mapping[str, Any]) -> dict[str, Any]:
    """The search-study keys among a notebook's names, the old ``runs`` included
    (`pwlkit.runs.notebook.grid_parameters`)."""
    return grid_parameters(names, SEARCH_FILES)


def run_notebook_search(names: Mapping[str, Any]) -> tuple[SearchStudy, pd.DataFrame]:
    """Load the search study a notebook's parameters describe, run what is not stored, read it
    (`pwlkit.runs.notebook.run_notebook_grid`).

    Args:
        names: the notebook's ``globals()``: the search-study keys of its parameters cell,
            plus ``executor``, ``workers`` and ``data_dir`` for how the grid runs.

    Returns:
        The `SearchStudy` and one row per search (`load_search_results`, with ``strategy`` as
        text). The run record and a one-line summary are printed.
    """
    return run_notebook_grid(
        names, SEARCH_FILES, load_search_study, run_search_study, _read, _describe
    )


def _read(study: SearchStudy, data_dir: Any) -> pd.DataFrame:
    final = load_search_results(study, data_dir)
    final["strategy"] = final["strategy"].astype(str)
    return final


def _describe(final: pd.DataFrame) -> str:
    return (
        f"{len(final)} searches: {final.benchmark.nunique()} benchmark(s), "
        f"{final.strategy.nunique()} strategies, budgets {sorted(final.budget.unique().tolist())}, "
        f"{final.seed.nunique()} run(s) each"
    )
