"""A search notebook's set-up in one call: its parameters cell names the grid; this runs it.

>>> study, final = run_notebook_search(globals())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pwlkit.runs.fields import notebook_keys

from .study import KEYS, SearchStudy, load_search_results, load_search_study, run_search_study


def search_parameters(names: Mapping[str, Any]) -> dict[str, Any]:
    """The search-study keys among a notebook's names (see `pwlkit.runs.fields.notebook_keys`)."""
    return notebook_keys(names, KEYS)


def run_notebook_search(names: Mapping[str, Any]) -> tuple[SearchStudy, pd.DataFrame]:
    """Load the search study a notebook's parameters describe, run what is not stored, read it.

    Args:
        names: the notebook's ``globals()``: the search-study keys of its parameters cell,
            plus ``executor``, ``workers`` and ``data_dir`` for how the grid runs.

    Returns:
        The `SearchStudy` and one row per search (`load_search_results`, with ``strategy`` as
        text). The run record and a one-line summary are printed.
    """
    data_dir = names.get("data_dir")
    study = load_search_study(search_parameters(names))
    print(
        run_search_study(
            study,
            executor=names.get("executor", "local"),
            workers=names.get("workers"),
            data_dir=data_dir,
            progress=False,
        )
    )
    final = load_search_results(study, data_dir)
    final["strategy"] = final["strategy"].astype(str)
    print(
        f"{len(final)} searches: {final.benchmark.nunique()} benchmark(s), "
        f"{final.strategy.nunique()} strategies, budgets {sorted(final.budget.unique().tolist())}, "
        f"{final.seed.nunique()} run(s) each"
    )
    return study, final
