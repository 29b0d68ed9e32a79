"""A grid notebook's set-up in one call, for studies and searches alike: the parameters cell
names the grid, this loads it, computes what is not stored, reads the results and says what
it did.

`pwlkit.study.run_notebook_study` and `pwlkit.search.run_notebook_search` are this runner with
their kind's loader, run and read functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .fields import notebook_keys
from .gridfile import GridKind


def grid_parameters(names: Mapping[str, Any], kind: GridKind) -> dict[str, Any]:
    """The grid-file keys of ``kind`` among a notebook's names, old key names included (see
    `pwlkit.runs.fields.notebook_keys`)."""
    return notebook_keys(names, kind.accepted_keys)


def run_notebook_grid(
    names: Mapping[str, Any],
    kind: GridKind,
    load: Callable[[dict[str, Any]], Any],
    run: Callable[..., Any],
    read: Callable[[Any, Any], pd.DataFrame],
    describe: Callable[[pd.DataFrame], str],
) -> tuple[Any, pd.DataFrame]:
    """Load the grid a notebook's parameters describe, compute what is not stored, read it.

    Args:
        names: the notebook's ``globals()``: the grid keys of its parameters cell, plus
            ``executor``, ``workers`` and ``data_dir`` for how the grid runs.
        kind: the grid's kind (its keys).
        load: the kind's loader (`pwlkit.study.load_study`, ...).
        run: runs the loaded grid: ``run(grid, executor=, workers=, data_dir=, progress=)``,
            returns the run record.
        read: ``read(grid, data_dir)``: the stored results, one row per cell.
        describe: the one-line summary of the results.

    Returns:
        The loaded grid and its results. The run record and the summary are printed, so the
        executed notebook shows what was computed.
    """
    data_dir = names.get("data_dir")
    grid = load(grid_parameters(names, kind))
    print(
        run(
            grid,
            executor=names.get("executor", "local"),
            workers=names.get("workers"),
            data_dir=data_dir,
            progress=False,
        )
    )
    results = read(grid, data_dir)
    print(describe(results))
    return grid, results
