"""A study notebook's set-up in one call: its parameters cell names the grid; this runs it.

>>> study, df = run_notebook_study(globals())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pwlkit.runs.notebook import grid_parameters, run_notebook_grid

from .driver import run_study
from .results import load_results
from .schema import STUDY_FILES, Study, load_study


def study_parameters(names: Mapping[str, Any]) -> dict[str, Any]:
    """The study keys among a notebook's names (`pwlkit.runs.notebook.grid_parameters`)."""
    return grid_parameters(names, STUDY_FILES)


def run_notebook_study(names: Mapping[str, Any]) -> tuple[Study, pd.DataFrame]:
    """Load the study a notebook's parameters describe, train what is not stored, read it
    (`pwlkit.runs.notebook.run_notebook_grid`).

    Args:
        names: the notebook's ``globals()``: the study keys of its parameters cell, plus
            ``executor``, ``workers`` and ``data_dir`` for how the grid runs.

    Returns:
        The `Study` and its results (`load_results`). The run record and a one-line summary of
        the results are printed, so the executed notebook shows what was trained.
    """
    return run_notebook_grid(
        names,
        STUDY_FILES,
        load_study,
        run_study,
        lambda study, data_dir: load_results(study),
        _describe,
    )


def _describe(df: pd.DataFrame) -> str:
    return (
        f"{len(df)} trained predictors: {df.benchmark.nunique()} benchmark(s), "
        f"{df.loss.nunique()} loss(es), train sizes {sorted(df.train_size.unique().tolist())}, "
        f"{df.seed.nunique()} seed(s)"
    )
