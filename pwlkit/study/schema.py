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
from pwlkit.checks import (
    POSITIVE,
    BadParameter,
    Folder,
    Interval,
    ListOf,
    Options,
    check_params,
)
from pwlkit.metrics import DEFAULT_KS  # one list of default cut-offs, with `evaluate`'s
from pwlkit.runs.fields import (
    FOLDER_NAME,
    NAMES,
    check_keys,
    key_names,
    read_mapping,
    seed_list,
    setting_map,
)

DEFAULT_TS: tuple[float, ...] = (0.5, 1.0, 5.0, 10.0)
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
    "data_dir": "folder with benchmark tables, user tables (graph-<name>, darts-<name>) "
    "included (overridden by --data-dir)",
}
REQUIRED = ("name", "benchmarks", "losses", "train_sizes", "seeds", "epochs")

CHECKS: dict[str, Any] = {
    "name": FOLDER_NAME,
    "description": str,
    "benchmarks": NAMES,
    "losses": NAMES,
    "train_sizes": ListOf(Interval(int, 2, None)),
    "backbones": ListOf(Options(lambda: _backbones(), what="backbone")),
    "epochs": POSITIVE,
    "ts": ListOf(Interval(float, 0, 100, closed="right", noun="percent")),
    "ks": ListOf(POSITIVE),
    "output_dir": Folder(),
    "signal": Options(SIGNALS, what="signal"),
    "cells_per_job": POSITIVE,
    "data_dir": Folder(),
}
"""What each key of a study file accepts (`pwlkit.checks` constraints); ``seeds`` and
``hyperparameters`` have checks of their own; benchmark and loss names are looked up."""


class StudyError(BadParameter):
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

    names = key_names(src)
    check_keys(raw, KEYS, REQUIRED, src, StudyError)
    given = {k: v for k, v in raw.items() if k in CHECKS and v is not None}
    p = check_params(given, CHECKS, names=names, error=StudyError)
    _check_benchmarks(p["benchmarks"], fail)
    losses = _canonical_losses(p["losses"], fail)
    _check_selection_sizes(losses, p["train_sizes"], fail)
    backbones = p.get("backbones", ("gcn",))
    seeds = seed_list(raw["seeds"], names("seeds"), StudyError)
    hparams = setting_map(
        raw.get("hyperparameters") or {}, names("hyperparameters"), StudyError, _RESERVED
    )
    _check_engine_settings(backbones, p["epochs"], hparams, fail)
    data_dir = p.get("data_dir")
    return Study(
        name=p["name"],
        benchmarks=p["benchmarks"],
        losses=losses,
        train_sizes=p["train_sizes"],
        backbones=backbones,
        seeds=seeds,
        epochs=p["epochs"],
        ts=p.get("ts", DEFAULT_TS),
        ks=p.get("ks", DEFAULT_KS),
        output_dir=Path(p.get("output_dir", DEFAULT_OUTPUT_DIR)),
        signal=p.get("signal", "val"),
        hyperparameters=hparams,
        cells_per_job=p.get("cells_per_job", DEFAULT_CELLS_PER_JOB),
        data_dir=str(data_dir) if data_dir is not None else None,
        description=p.get("description", ""),
        source=src,
    )


# ----------------------------------------------------------------------------- value checks


def _check_benchmarks(names: tuple[str, ...], fail) -> None:
    """Registered names, and user-table names (``graph-<name>``, ``darts-<name>``) by their
    form only: the table is looked for when the study runs, in its ``data_dir`` or
    ``--data-dir``, which a study file read here cannot know about."""
    from pwlkit.benchmarks import get_spec

    for name in names:
        try:
            get_spec(name)
        except KeyError as exc:
            raise fail("benchmarks", str(exc.args[0] if exc.args else exc)) from None


def check_cutoffs(study: Study, name: str, num_archs: int) -> None:
    """The study's N@K cut-offs (``ks``) fit benchmark ``name`` of ``num_archs``
    architectures. Called once the benchmark is loaded, before any fit: a cut-off past the
    space would fail every job after its training.

    Raises:
        StudyError: one line naming the file, the key, the cut-off and the space's size.
    """
    note = f"benchmark {name!r} has {num_archs} architectures"
    if tuple(study.ks) == DEFAULT_KS:
        note += f"; ks defaults to {list(DEFAULT_KS)}: set ks to cut-offs that fit"
    check_params(
        {"ks": study.ks},
        {"ks": ListOf(Interval(int, 1, num_archs, note=note))},
        names=key_names(study.source),
        error=StudyError,
    )


def _backbones() -> tuple[str, ...]:
    from pwlkit.train import BACKBONES  # imports torch: only when a study is read

    return BACKBONES


def _canonical_losses(specs: tuple[str, ...], fail) -> tuple[str, ...]:
    from pwlkit.losses import spec_name

    out: list[str] = []
    first_spelling: dict[str, str] = {}
    for spec in specs:
        try:
            canonical = spec_name(spec)
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


def _check_selection_sizes(losses: tuple[str, ...], sizes: tuple[int, ...], fail) -> None:
    """Every selection's folds fit every train size (`auto(folds=K)` needs K folds of a sample)."""
    from pwlkit.losses import parse_spec

    for spec in losses:
        try:
            parse_spec(spec).check_sample_sizes(sizes)
        except ValueError as exc:
            raise fail("losses", str(exc)) from None


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
