"""Every study and search store under a folder, loaded for the claims.

A store is a folder holding ``results/part-*.parquet`` (a study store also has its
``study.yaml``); `load_stores` finds them all (shipped ones under ``results/``, or a run's
``outputs/``), tells studies from searches by their columns and concatenates each kind, so
`pwlkit.claims.findings` sees one frame per kind. A store that cannot be read is skipped with
one warning, never fatal: the other stores still answer. A stored part that cannot be used
(damaged, or another layout) is named in one line of its own, as `pwlkit study summary` names
them, because the findings then rest on fewer cells than the store holds; so are stored cells
outside the grid of the store's study.yaml (another grid written under the same name, or
earlier settings), which the findings leave out.

The claims compare losses under one training precision: cells trained with bfloat16 products
(the ``train_dtype`` setting, a speed option compared with float32 on the Performance page) are
left out of the study frame, with one warning per store that had any.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

Warn = Callable[[str], None]


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


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
    and ``name`` pointing at this very folder; a damaged file is a one-line `ValueError`
    naming it."""
    from pwlkit.runs.fields import read_mapping

    raw = read_mapping(store / "study.yaml", "study", None, ValueError)
    return {**raw, "name": store.name, "output_dir": str(store.parent)}


def load_study_store(store: Path) -> pd.DataFrame:
    """The cells of the store's study.yaml (a study store always has one); ``attrs`` as
    `pwlkit.study.load_results` sets them (``skipped_parts``, ``other_cells``)."""
    from pwlkit.study import load_results

    if not (store / "study.yaml").is_file():
        raise FileNotFoundError(f"no study.yaml in {store}")
    return load_results(_parameters(store))


COMPARED_DTYPE = "float32"
"""The training precision the claims compare (``train_dtype``, `pwlkit.train.TRAIN_DTYPES`)."""


def float32_cells(df: pd.DataFrame) -> pd.Series:
    """True for cells trained in float32, the precision the claims compare: their ``hparams``
    column is the canonical JSON of the settings a study set, and a cell that names no
    ``train_dtype`` was trained in float32 (every store before the setting existed, and the
    engine's default since)."""
    if df.empty or "hparams" not in df.columns:
        return pd.Series(True, index=df.index)
    default = COMPARED_DTYPE
    dtypes = {h: json.loads(h).get("train_dtype", default) for h in df["hparams"].unique()}
    return df["hparams"].map(dtypes).eq(default)


def load_search_store(store: Path, data_dir: str | Path | None, warn: Warn = _warn) -> pd.DataFrame:
    """The store's runs of its search study's settings when a study.yaml names them and the
    benchmarks (needed to list those cells) load here; every stored run otherwise.
    ``attrs["skipped_parts"]`` lists the stored parts that could not be used, as
    `pwlkit.study.load_results` does."""
    from pwlkit.runs.store import ResultStore
    from pwlkit.search import load_search_results
    from pwlkit.search.job import ROW_COLUMNS

    if (store / "study.yaml").is_file():
        try:
            df = _labelled(load_search_results(_parameters(store), data_dir))
        except (FileNotFoundError, ValueError) as exc:
            warn(f"{store}: every stored run is used ({exc})")
        else:
            reader = ResultStore(store)
            reader.done_ids()  # one column per part: finds the parts that cannot be read
            df.attrs["skipped_parts"] = _skipped(reader)
            return df
    reader = ResultStore(store)
    df = _labelled(reader.read(required=ROW_COLUMNS))
    runs = ["benchmark", "strategy", "signal", "budget", "seed"]
    if not df.empty and df.duplicated(runs).any():
        warn(f"{store} holds runs of several settings of one search; all are used")
    df.attrs["skipped_parts"] = _skipped(reader)
    return df


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    """Runs with their strategy named as `pwlkit.search.run_label` names it (the spec, plus the
    predictor settings it sets beyond its defaults)."""
    from pwlkit.search import run_label

    if df.empty or "settings" not in df.columns or "strategy" not in df.columns:
        return df
    labels = {
        (strategy, text): run_label(str(strategy), json.loads(text) if text else {})
        for strategy, text in df[["strategy", "settings"]].drop_duplicates().itertuples(index=False)
    }
    strategy = [labels[key] for key in zip(df["strategy"], df["settings"])]
    return df.assign(strategy=strategy)


def _skipped(reader) -> list[dict[str, str]]:
    """The parts a `ResultStore` read left out, in the form `load_results` gives them."""
    return [{"part": str(part), "why": why} for part, why in reader.skipped]


def _one_line(text: object) -> str:
    """A warning is one line, whatever the reader's exception put in its message."""
    return " ".join(str(text).split())


def load_stores(
    root: str | Path,
    data_dir: str | Path | None = None,
    warn: Warn = _warn,
    damaged: Warn | None = None,
) -> tuple[pd.DataFrame | None, ...]:
    """The study frames and the search frames under ``root``, each kind concatenated (None
    where there is none).

    A store that cannot be read is skipped, and every stored part that cannot be used is left
    out, each said in one line to ``damaged`` (default: ``warn``): results are missing from the
    frames then, so a command can say so in its exit status. Other notes go to ``warn``.
    """
    damaged = damaged or warn
    studies, searches = [], []
    for store in find_stores(Path(root)):
        search = is_search_store(store)
        try:
            df = load_search_store(store, data_dir, warn) if search else load_study_store(store)
        except (OSError, ValueError, KeyError) as exc:
            why = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            damaged(f"{store} skipped: {_one_line(why)}")
            continue
        for skipped in df.attrs.get("skipped_parts", []):
            damaged(
                f"{skipped['part']}: stored part left out ({_one_line(skipped['why'])}); its "
                "cells are missing here: run its study again to recompute them"
            )
        other = df.attrs.get("other_cells", 0)
        if other:
            warn(
                f"{store}: {other} stored cells are not in the grid of its study.yaml (another "
                "grid written under the same study name, or earlier settings); they are left "
                "out: give each grid a name of its own"
            )
        if not search:
            kept = float32_cells(df)
            if not kept.all():
                warn(
                    f"{store}: {int((~kept).sum())} cells trained with train_dtype other than "
                    "float32 left out (the claims compare float32 training)"
                )
                df = df[kept]
        if not df.empty:
            (searches if search else studies).append(df)
    return tuple(
        pd.concat(frames, ignore_index=True) if frames else None for frames in (studies, searches)
    )
