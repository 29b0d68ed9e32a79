"""A study notebook's set-up in one call: its parameters cell names the grid; this runs it.

>>> study, df = run_notebook_study(globals())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .driver import run_study
from .results import load_results
from .schema import KEYS, Study, load_study


def study_parameters(names: Mapping[str, Any]) -> dict[str, Any]:
    """The study-file keys among a notebook's names, without ``data_dir`` (a run setting).

    A key set to ``None`` is left out, so the library default applies: that is how a parameter
    file run by `pwlkit report` means the same as it does to `pwlkit study`.
    """
    return {k: names[k] for k in KEYS if k != "data_dir" and names.get(k) is not None}


def run_notebook_study(names: Mapping[str, Any]) -> tuple[Study, pd.DataFrame]:
    """Load the study a notebook's parameters describe, train what is not stored, read it.

    Args:
        names: the notebook's ``globals()``: the study keys of its parameters cell, plus
            ``executor``, ``workers`` and ``data_dir`` for how the grid runs.

    Returns:
        The `Study` and its results (`load_results`). The run record and a one-line summary of
        the results are printed, so the executed notebook shows what was trained.
    """
    study = load_study(study_parameters(names))
    print(
        run_study(
            study,
            executor=names.get("executor", "local"),
            workers=names.get("workers"),
            data_dir=names.get("data_dir"),
            progress=False,
        )
    )
    df = load_results(study)
    print(
        f"{len(df)} trained predictors: {df.benchmark.nunique()} benchmark(s), "
        f"{df.loss.nunique()} loss(es), train sizes {sorted(df.train_size.unique().tolist())}, "
        f"{df.seed.nunique()} seed(s)"
    )
    return study, df
