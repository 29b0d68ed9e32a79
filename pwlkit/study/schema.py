"""Study files: the YAML schema, checked in full before any fit starts.

A study file holds the same keys a notebook's ``parameters`` cell takes, so a notebook and
``pwlkit study run`` describe one grid the same way. Every problem is reported with the file,
the key and the valid choices, because a typo found after an hour of fits costs that hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pwlkit.benchmarks.base import SIGNALS
from pwlkit.runs.fields import (
    check_keys,
    folder_name,
    int_list,
    int_value,
    num_list,
    read_mapping,
    seed_list,
    setting_map,
    str_list,
)

DEFAULT_TS: tuple[float, ...] = (0.5, 1.0, 5.0, 10.0)
DEFAULT_KS: tuple[int, ...] = (1, 5, 10, 50)
DEFAULT_OUTPUT_DIR = "outputs/studies"
DEFAULT_CELLS_PER_JOB = 16

_RESERVED = ("benchmark", "train_sets", "losses", "seeds", "backbone", "epochs", "signal")
"""Engine arguments a study sets through keys of its own, never through ``hyperparameters``."""

KEYS: dict[str, str] = {
    "name": "study name; results go to <output_dir>/<name>/ (letters, digits, _ . -)",
    "description": "free text shown by `pwlkit study status`",
    "benchmarks": "benchmark names (see `pwlkit benchmarks`)",
    "losses": "loss or schedule specs: mse, hr(margin=0.2), hr->mape@0.5, hr~>mape, ...",
    "train_sizes": "numbers of training architectures (integers >= 2)",
    "backbones": "predictor backbones (default [gcn])",
    "seeds": "a count n (seeds 0..n-1) or a list of integer seeds",
    "epochs": "training epochs of every predictor",
    "ts": "Precision@T values, percent of the space (default [0.5, 1, 5, 10])",
    "ks": "N@K values (default [1, 5, 10, 50])",
    "output_dir": f"folder holding study stores (default {DEFAULT_OUTPUT_DIR})",
    "signal": "what predictors train on and are scored against: val (default) or test",
    "hyperparameters": "extra training settings passed to the engine, e.g. {lr: 0.001}",
    "cells_per_job": f"fits trained together in one batched job (default {DEFAULT_CELLS_PER_JOB})",
    "data_dir": "folder with benchmark tables (overridden by --data-dir)",
}
REQUIRED = ("name", "benchmarks", "losses", "train_sizes", "seeds", "epochs")


class StudyError(ValueError):
    """A study file or parameter dict that cannot be run; the message says where and why."""


@dataclass(frozen=True, eq=False)
class Study:
    """A validated study: the grid of fits and where its results live.

    Losses are stored as canonical spec strings (``schedule.name``) so that two spellings of
    one loss give the same cells.
    """

    name: str
    benchmarks: tuple[str, ...]
    losses: tuple[str, ...]
    train_sizes: tuple[int, ...]
    backbones: tuple[str, ...]
    seeds: tuple[int, ...]
    epochs: int
    ts: tuple[float, ...] = DEFAULT_TS
    ks: tuple[int, ...] = DEFAULT_KS
    output_dir: Path = Path(DEFAULT_OUTPUT_DIR)
    signal: str = "val"
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    cells_per_job: int = DEFAULT_CELLS_PER_JOB
    data_dir: str | None = None
    description: str = ""
    source: str = "<dict>"

    @property
    def store_dir(self) -> Path:
        """Folder of this study's results store."""
        return Path(self.output_dir) / self.name

    @property
    def num_cells(self) -> int:
        return (
            len(self.benchmarks)
            * len(self.losses)
            * len(self.train_sizes)
            * len(self.backbones)
            * len(self.seeds)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML/JSON-ready parameters (what a notebook's parameters cell holds)."""
        return {
            "name": self.name,
            "description": self.description,
            "benchmarks": list(self.benchmarks),
            "losses": list(self.losses),
            "train_sizes": list(self.train_sizes),
            "backbones": list(self.backbones),
            "seeds": list(self.seeds),
            "epochs": self.epochs,
            "ts": list(self.ts),
            "ks": list(self.ks),
            "output_dir": str(self.output_dir),
            "signal": self.signal,
            "hyperparameters": dict(self.hyperparameters),
            "cells_per_job": self.cells_per_job,
            "data_dir": self.data_dir,
        }


def load_study(source: str | Path | Mapping[str, Any] | Study) -> Study:
    """Read and validate a study file (or a notebook's parameter dict) before any work starts.

    Raises:
        StudyError: malformed YAML, unknown or missing keys, unknown benchmark / loss /
            backbone, bad numbers. The message names the file, the key and the valid choices.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(source, Study):
        return source
    if isinstance(source, Mapping):
        return _from_mapping(dict(source), "<parameters>")
    path = Path(source)
    return _from_mapping(read_mapping(path, "study", list(KEYS), StudyError), str(path))


def _from_mapping(raw: dict[str, Any], src: str) -> Study:
    def fail(key: str, msg: str) -> StudyError:
        return StudyError(f"{src}: key {key!r}: {msg}")

    check_keys(raw, KEYS, REQUIRED, src, StudyError)

    name = folder_name(raw["name"], "name", fail)

    benchmarks = str_list(raw["benchmarks"], "benchmarks", fail)
    _check_benchmarks(benchmarks, fail)
    losses = _canonical_losses(str_list(raw["losses"], "losses", fail), fail)
    train_sizes = int_list(raw["train_sizes"], "train_sizes", fail, minimum=2)
    backbones = str_list(raw.get("backbones") or ["gcn"], "backbones", fail)
    _check_backbones(backbones, fail)
    seeds = seed_list(raw["seeds"], "seeds", fail)
    epochs = int_value(raw["epochs"], "epochs", fail, minimum=1)
    ts = tuple(float(t) for t in num_list(raw.get("ts", DEFAULT_TS), "ts", fail))
    if any(not 0 < t <= 100 for t in ts):
        raise fail("ts", f"{list(ts)}: Precision@T values are percents in (0, 100]")
    ks = int_list(raw.get("ks", DEFAULT_KS), "ks", fail, minimum=1)
    signal = raw.get("signal", "val")
    if signal not in SIGNALS:
        raise fail("signal", f"{signal!r} is not one of {', '.join(SIGNALS)}")
    hparams = setting_map(raw.get("hyperparameters") or {}, "hyperparameters", fail, _RESERVED)
    _check_engine_settings(backbones, epochs, hparams, fail)
    cells_per_job = int_value(
        raw.get("cells_per_job", DEFAULT_CELLS_PER_JOB), "cells_per_job", fail, minimum=1
    )
    output_dir = raw.get("output_dir") or DEFAULT_OUTPUT_DIR
    if not isinstance(output_dir, (str, Path)):
        raise fail("output_dir", f"{output_dir!r} must be a folder path")
    data_dir = raw.get("data_dir")
    if data_dir is not None and not isinstance(data_dir, (str, Path)):
        raise fail("data_dir", f"{data_dir!r} must be a folder path")
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise fail("description", "must be text")
    return Study(
        name=name,
        benchmarks=benchmarks,
        losses=losses,
        train_sizes=train_sizes,
        backbones=backbones,
        seeds=seeds,
        epochs=epochs,
        ts=ts,
        ks=ks,
        output_dir=Path(output_dir),
        signal=signal,
        hyperparameters=hparams,
        cells_per_job=cells_per_job,
        data_dir=str(data_dir) if data_dir is not None else None,
        description=description,
        source=src,
    )


# ----------------------------------------------------------------------------- value checks


def _check_benchmarks(names: tuple[str, ...], fail) -> None:
    from pwlkit.benchmarks import list_benchmarks

    valid = [spec.name for spec in list_benchmarks()]
    for name in names:
        if name not in valid:
            import difflib

            close = difflib.get_close_matches(name, valid, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise fail("benchmarks", f"unknown benchmark {name!r}.{hint} Valid: {', '.join(valid)}")


def _check_backbones(names: tuple[str, ...], fail) -> None:
    from pwlkit.train import BACKBONES

    for name in names:
        if name not in BACKBONES:
            raise fail("backbones", f"unknown backbone {name!r}. Valid: {', '.join(BACKBONES)}")


def _canonical_losses(specs: tuple[str, ...], fail) -> tuple[str, ...]:
    from pwlkit.losses import parse_loss

    out: list[str] = []
    first_spelling: dict[str, str] = {}
    for spec in specs:
        try:
            canonical = parse_loss(spec).name
        except (ValueError, KeyError, TypeError) as exc:
            msg = exc.args[0] if exc.args else exc
            raise fail("losses", f"{spec!r}: {msg}") from None
        if canonical in first_spelling:
            raise fail(
                "losses",
                f"{spec!r} and {first_spelling[canonical]!r} are the same loss ({canonical})",
            )
        first_spelling[canonical] = spec
        out.append(canonical)
    return tuple(out)


def _check_engine_settings(
    backbones: tuple[str, ...], epochs: int, hparams: dict[str, Any], fail
) -> None:
    """Reject settings the training engine does not take for some backbone of the study."""
    from pwlkit.train.config import resolve

    for backbone in backbones:
        try:
            resolve(backbone, epochs, dict(hparams))
        except (ValueError, TypeError) as exc:
            raise fail("hyperparameters", str(exc.args[0] if exc.args else exc)) from None
