"""The paper's protocol among stored cells: no pretraining, cells as stored, random samples,
no ensembles.

The paper's claims are tested on its protocol; pwlkit's own settings (pretraining, pruned
cells, chosen samples, ensembles) are compared with it by `pwlkit.claims.predictor`. A cell's
``pretrain`` and ``prune`` live in its ``hparams`` JSON, its ``sampling`` in a column of its
own (rows stored before any existed hold the protocol's value).
"""

from __future__ import annotations

import json

import pandas as pd

from .specs import ENSEMBLE, loss_family


def setting_column(df: pd.DataFrame, key: str, default: str) -> pd.Series:
    """A training setting per cell: its column where the frame has one and the cell a value,
    else read from the cell's ``hparams`` JSON (``default`` where a cell names it nowhere). A
    frame of several stores has the column with gaps where a store wrote the setting only
    into ``hparams``."""
    if "hparams" in df.columns:
        values = {h: str(json.loads(h).get(key, default)) for h in df["hparams"].dropna().unique()}
        named = df["hparams"].map(values).fillna(default)
    else:
        named = pd.Series(default, index=df.index)
    if key in df.columns:
        return df[key].astype(object).where(df[key].notna(), named).astype(str)
    return named


FRAMED_SETTINGS: dict[str, str] = {"pretrain": "none", "prune": "none", "sampling": "random"}
"""The settings `with_settings` gives columns of their own, with the protocol's value."""


def with_settings(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a column per `FRAMED_SETTINGS` key (its protocol value where a cell names
    none), ``pretrain`` and ``prune`` taken out of ``hparams`` (which separates tasks: those
    settings are compared)."""
    out = df.assign(**{k: setting_column(df, k, v) for k, v in FRAMED_SETTINGS.items()})
    if "hparams" in df.columns:
        rest = {
            h: json.dumps(
                {k: v for k, v in json.loads(h).items() if k not in FRAMED_SETTINGS},
                sort_keys=True,
            )
            for h in df["hparams"].dropna().unique()
        }
        out["hparams"] = df["hparams"].map(rest)
    return out


def protocol_cells(df: pd.DataFrame) -> pd.Series:
    """True for cells of the paper's protocol: no pretraining, cells as stored, a random
    sample, no ensemble."""
    if df.empty:
        return pd.Series(True, index=df.index)
    framed = with_settings(df)
    ensemble = df["loss"].map(lambda s: loss_family(s) == ENSEMBLE) if "loss" in df else False
    protocol = pd.Series(True, index=df.index)
    for key, value in FRAMED_SETTINGS.items():
        protocol &= framed[key] == value
    return protocol & ~ensemble
