"""Study files: the keys a study adds to a grid file, checked in full before any fit starts.

A study file holds the same keys a notebook's ``parameters`` cell takes, so a notebook and
``pwlkit study run`` describe one grid the same way. The keys every grid file has (name,
benchmarks, seeds, hyperparameters, ...) are read by `pwlkit.runs.gridfile`; this module
declares the study's own (losses, train sizes, backbones, ...) and the checks that need
several keys (a selection's folds against the train sizes, engine settings per backbone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pwlkit.benchmarks.base import SIGNALS
from pwlkit.checks import (
    POSITIVE,
    Interval,
    ListOf,
    Options,
    check_params,
)
from pwlkit.metrics import DEFAULT_KS  # one list of default cut-offs, with `evaluate`'s
from pwlkit.runs.fields import NAMES, key_names
from pwlkit.runs.gridfile import MAPPING_SOURCE, GridFile, GridFileError, GridKind, read_grid

DEFAULT_TS: tuple[float, ...] = (0.5, 1.0, 5.0, 10.0)
DEFAULT_OUTPUT_DIR = "outputs/studies"
DEFAULT_CELLS_PER_JOB = 16

STUDY_FILES = GridKind(
    what="study",
    keys={
        "losses": "loss or schedule specs: mse, hr(margin=0.2), hr->mape@0.5, hr~>mape, ...",
        "train_sizes": "numbers of training architectures (integers >= 2)",
        "backbones": "predictor backbones (default [gcn])",
        "epochs": "training epochs of every predictor",
        "ts": "Precision@T values, percent of the space (default [0.5, 1, 5, 10])",
        "ks": "N@K values (default [1, 5, 10, 50])",
        "signal": "what predictors train on and are scored against: val (default) or test",
        "cells_per_job": "fits trained together in one batched job "
        f"(default {DEFAULT_CELLS_PER_JOB})",
        "axes": "engine settings that take several values, each an axis of the grid, e.g. "
        "{pretrain: [none, flow]} (default: none)",
        "samplings": "how training samples are drawn, an axis of the grid: random (default), "
        "diverse, stratified (`pwlkit.train.SAMPLINGS`)",
    },
    checks={
        "losses": NAMES,
        "train_sizes": ListOf(Interval(int, 2, None)),
        "backbones": ListOf(Options(lambda: _backbones(), what="backbone")),
        "epochs": POSITIVE,
        "ts": ListOf(Interval(float, 0, 100, closed="right", noun="percent")),
        "ks": ListOf(POSITIVE),
        "signal": Options(SIGNALS, what="signal"),
        "cells_per_job": POSITIVE,
        "samplings": ListOf(Options(lambda: _samplings(), what="sampling")),
        "axes": dict,
    },
    required=("losses", "train_sizes", "epochs"),
    output_dir=DEFAULT_OUTPUT_DIR,
    reserved=("benchmark", "train_sets", "losses", "seeds", "backbone", "epochs", "signal"),
)
"""A study file's own keys (`pwlkit.runs.gridfile` reads the shared ones): what each means,
what it accepts (loss names are parsed), and the engine arguments a study sets through keys
of its own, never through ``hyperparameters``."""

KEYS: dict[str, str] = STUDY_FILES.all_keys
"""Every key of a study file, shared ones included, with what it means."""

StudyError = GridFileError
"""The error of a study file: `pwlkit.runs.gridfile.GridFileError` (one error type for every
grid file); this name stays for code written before the two kinds shared a reader."""


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
    source: str = MAPPING_SOURCE
    axes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    """Engine settings with several values: every combination is a grid point."""
    samplings: tuple[str, ...] = ("random",)

    def axis_points(self) -> list[dict[str, Any]]:
        """Every combination of the `axes` values (one empty point without axes)."""
        points: list[dict[str, Any]] = [{}]
        for key, values in self.axes.items():
            points = [{**p, key: v} for p in points for v in values]
        return points

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
            * len(self.axis_points())
            * len(self.samplings)
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
            "axes": {k: list(v) for k, v in self.axes.items()},
            "samplings": list(self.samplings),
        }


def load_study(source: str | Path | Mapping[str, Any] | Study) -> Study:
    """Read and validate a study file (or a notebook's parameter dict) before any work starts.

    Raises:
        GridFileError: (also named `StudyError`) malformed YAML, unknown or missing keys, unknown
            benchmark / loss / backbone, bad numbers. The message names the file, the key and
            the valid choices.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(source, Study):
        return source
    grid = read_grid(source, STUDY_FILES)
    own = grid.own
    losses = _canonical_losses(own["losses"], grid)
    _check_selection_sizes(losses, own["train_sizes"], grid)
    backbones = own.get("backbones", ("gcn",))
    axes = _axes(own.get("axes") or {}, grid)
    _check_engine_settings(backbones, own["epochs"], grid, axes)
    return Study(
        name=grid.name,
        benchmarks=grid.benchmarks,
        losses=losses,
        train_sizes=own["train_sizes"],
        backbones=backbones,
        seeds=grid.seeds,
        epochs=own["epochs"],
        ts=own.get("ts", DEFAULT_TS),
        ks=own.get("ks", DEFAULT_KS),
        output_dir=grid.output_dir,
        signal=own.get("signal", "val"),
        hyperparameters=grid.hyperparameters,
        cells_per_job=own.get("cells_per_job", DEFAULT_CELLS_PER_JOB),
        data_dir=grid.data_dir,
        description=grid.description,
        source=grid.source,
        axes=axes,
        samplings=own.get("samplings", ("random",)),
    )


# ----------------------------------------------------------------------------- value checks


def check_cutoffs(study: Study, name: str, num_archs: int) -> None:
    """The study's N@K cut-offs (``ks``) fit benchmark ``name`` of ``num_archs``
    architectures. Called once the benchmark is loaded, before any fit: a cut-off past the
    space would fail every job after its training.

    Raises:
        GridFileError: one line naming the file, the key, the cut-off and the space's size.
    """
    note = f"benchmark {name!r} has {num_archs} architectures"
    if tuple(study.ks) == DEFAULT_KS:
        note += f"; ks defaults to {list(DEFAULT_KS)}: set ks to cut-offs that fit"
    check_params(
        {"ks": study.ks},
        {"ks": ListOf(Interval(int, 1, num_archs, note=note))},
        names=key_names(study.source),
        error=GridFileError,
    )


def _backbones() -> tuple[str, ...]:
    from pwlkit.train import BACKBONES  # imports torch: only when a study is read

    return BACKBONES


def _canonical_losses(specs: tuple[str, ...], grid: GridFile) -> tuple[str, ...]:
    from pwlkit.losses import spec_name

    out: list[str] = []
    first_spelling: dict[str, str] = {}
    for spec in specs:
        try:
            canonical = spec_name(spec)
        except (ValueError, KeyError, TypeError) as exc:
            msg = exc.args[0] if exc.args else exc
            raise grid.fail("losses", f"{spec!r}: {msg}") from None
        if canonical in first_spelling:
            raise grid.fail(
                "losses",
                f"{spec!r} and {first_spelling[canonical]!r} are the same loss ({canonical})",
            )
        first_spelling[canonical] = spec
        out.append(canonical)
    return tuple(out)


def _check_selection_sizes(losses: tuple[str, ...], sizes: tuple[int, ...], grid: GridFile) -> None:
    """Every selection's folds fit every train size (`auto(folds=K)` needs K folds of a sample)."""
    from pwlkit.losses import parse_spec

    for spec in losses:
        try:
            parse_spec(spec).check_sample_sizes(sizes)
        except ValueError as exc:
            raise grid.fail("losses", str(exc)) from None


def _check_engine_settings(
    backbones: tuple[str, ...], epochs: int, grid: GridFile, axes: Mapping[str, tuple]
) -> None:
    """Reject settings the training engine does not take for some backbone of the study, at
    every point of the axes."""
    from pwlkit.train.config import resolve

    points: list[dict[str, Any]] = [{}]
    for key, values in axes.items():
        points = [{**p, key: v} for p in points for v in values]
    for backbone in backbones:
        for point in points:
            key = "axes" if point else "hyperparameters"
            try:
                resolve(backbone, epochs, {**dict(grid.hyperparameters), **point})
            except (ValueError, TypeError) as exc:
                raise grid.fail(key, str(exc.args[0] if exc.args else exc)) from None


def _axes(raw: Any, grid: GridFile) -> dict[str, tuple[Any, ...]]:
    """``{setting: [values]}``: settings of the engine, none also fixed in
    ``hyperparameters``, each with a non-empty list of distinct values."""
    if not isinstance(raw, Mapping):
        raise grid.fail("axes", f"expected a mapping of setting -> list of values, got {raw!r}")
    out: dict[str, tuple[Any, ...]] = {}
    for key, values in raw.items():
        if key in grid.hyperparameters:
            raise grid.fail("axes", f"{key!r} is also fixed in hyperparameters; keep one")
        if key in STUDY_FILES.reserved:
            raise grid.fail("axes", f"{key!r} has a key of its own in a study file")
        if not isinstance(values, list) or not values:
            raise grid.fail("axes", f"{key}: expected a non-empty list of values, got {values!r}")
        if len({repr(v) for v in values}) != len(values):
            raise grid.fail("axes", f"{key}: a value is given twice in {values!r}")
        out[str(key)] = tuple(values)
    return out


def _samplings() -> tuple[str, ...]:
    from pwlkit.train import SAMPLINGS

    return SAMPLINGS
