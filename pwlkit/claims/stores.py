"""Every study and search store under a folder, loaded for the claims.

A store is a folder holding ``results/part-*.parquet`` (a study store also has its
``study.yaml``); `load_stores` finds them all (shipped ones under ``results/``, or a run's
``outputs/``), tells studies from searches by their columns and concatenates each kind, so
`pwlkit.claims.findings` sees one frame per kind. A store that cannot be read is skipped with
one warning, never fatal: the other stores still answer.

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


def float32_cells(df: pd.DataFrame) -> pd.Series:
    """True for cells trained at the default ``train_dtype`` (float32); their ``hparams``
    column is the canonical JSON of the settings a study set."""
    if df.empty or "hparams" not in df.columns:
        return pd.Series(True, index=df.index)
    from pwlkit.train.config import ENGINE_DEFAULTS

    default = ENGINE_DEFAULTS["train_dtype"]
    dtypes = {h: json.loads(h).get("train_dtype", default) for h in df["hparams"].unique()}
    return df["hparams"].map(dtypes).eq(default)


def load_search_store(store: Path, data_dir: str | Path | None, warn: Warn = _warn) -> pd.DataFrame:
    """The store's runs of its search study's settings when a study.yaml names them and the
    benchmarks (needed to list those cells) load here; every stored run otherwise."""
    from pwlkit.runs.store import ResultStore
    from pwlkit.search import load_search_results
    from pwlkit.search.job import ROW_COLUMNS

    if (store / "study.yaml").is_file():
        try:
            return load_search_results(_parameters(store), data_dir)
        except (FileNotFoundError, ValueError) as exc:
            warn(f"{store}: every stored run is used ({exc})")
    df = ResultStore(store).read(required=ROW_COLUMNS)
    runs = ["benchmark", "strategy", "signal", "budget", "seed"]
    if not df.empty and df.duplicated(runs).any():
        warn(f"{store} holds runs of several settings of one search; all are used")
    return df


def load_stores(
    root: str | Path, data_dir: str | Path | None = None, warn: Warn = _warn
) -> tuple[pd.DataFrame | None, ...]:
    """The study frames and the search frames under ``root``, each kind concatenated (None
    where there is none); a store that cannot be read is skipped with a warning."""
    studies, searches = [], []
    for store in find_stores(Path(root)):
        search = is_search_store(store)
        try:
            df = load_search_store(store, data_dir, warn) if search else load_study_store(store)
        except (OSError, ValueError, KeyError) as exc:
            warn(f"{store} skipped: {exc}")
            continue
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
