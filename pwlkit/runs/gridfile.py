"""Grid files: the YAML file (or parameter dict) behind `pwlkit study` and `pwlkit search
--study`, read and checked in one place.

Both kinds of grid share keys (`SHARED_KEYS`: name, description, benchmarks, seeds,
hyperparameters, output_dir, data_dir); they are read and checked here, once, so a key means
the same in a study file and a search-study file. A kind (`GridKind`) declares only its own
keys and their checks; `read_grid` returns the shared values and the checked own values, and
the kind's loader (`pwlkit.study.load_study`, `pwlkit.search.load_search_study`) adds the
checks that need more than one key. Every problem is one `GridFileError` naming the file, the
key and what is valid, before any work starts: a typo found after an hour of fits costs that
hour.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pwlkit.checks import BadParameter, Folder, check_params

from .fields import (
    FOLDER_NAME,
    NAMES,
    check_keys,
    key_names,
    read_mapping,
    seed_list,
    setting_map,
)

MAPPING_SOURCE = "<parameters>"
"""How messages name a grid given as a dict (a notebook's parameters) rather than a file."""


class GridFileError(BadParameter):
    """A grid file or parameter dict that cannot be run; the message says where and why."""


def _shared_keys(output_dir: str) -> dict[str, str]:
    return {
        "name": "grid name; results go to <output_dir>/<name>/ (letters, digits, _ . -)",
        "description": "free text",
        "benchmarks": "benchmark names (see `pwlkit benchmarks`)",
        "seeds": "a count n (seeds 0..n-1) or a list of integer seeds",
        "hyperparameters": "extra training settings passed to the engine, e.g. {lr: 0.001}",
        "output_dir": f"folder holding the stores (default {output_dir})",
        "data_dir": "folder with benchmark tables, user tables (graph-<name>, darts-<name>) "
        "included (overridden by --data-dir)",
    }


SHARED_KEYS: tuple[str, ...] = tuple(_shared_keys(""))
"""Keys every grid file has, whatever its kind."""

_SHARED_CHECKS: dict[str, Any] = {
    "name": FOLDER_NAME,
    "description": str,
    "benchmarks": NAMES,
    "output_dir": Folder(),
    "data_dir": Folder(),
}
"""What the shared keys accept; ``seeds`` and ``hyperparameters`` have checks of their own,
benchmark names are looked up."""


@dataclass(frozen=True)
class GridKind:
    """What one kind of grid file declares on top of the shared keys.

    Attributes:
        what: how messages call the file ("study", "search study").
        keys: its own keys and what each means.
        checks: what each own key accepts (`pwlkit.checks` constraints).
        required: own keys the file must set (``name``, ``benchmarks`` and ``seeds`` are
            always required).
        output_dir: the default folder of its stores.
        reserved: engine settings the kind sets through keys of its own, never through
            ``hyperparameters``.
        renamed: old key -> its new name; the old key is still read, with a note on stderr.
    """

    what: str
    keys: Mapping[str, str]
    checks: Mapping[str, Any]
    required: tuple[str, ...]
    output_dir: str
    reserved: tuple[str, ...] = ()
    renamed: Mapping[str, str] = field(default_factory=dict)

    @property
    def all_keys(self) -> dict[str, str]:
        """Every key of this kind's files (shared and own) with its meaning."""
        shared = _shared_keys(self.output_dir)
        head = ("name", "description", "benchmarks")
        return {
            **{k: shared[k] for k in head},
            **self.keys,
            **{k: v for k, v in shared.items() if k not in head},
        }

    @property
    def accepted_keys(self) -> tuple[str, ...]:
        """The keys a file or a notebook may set: every key, and the old names still read."""
        return (*self.all_keys, *self.renamed)


@dataclass(frozen=True)
class GridFile:
    """A grid file's shared keys, checked, and its own keys' values (checked by the kind's
    ``checks``; a key left out or set to None is absent from ``own``)."""

    source: str
    name: str
    description: str
    benchmarks: tuple[str, ...]
    seeds: tuple[int, ...]
    hyperparameters: dict[str, Any]
    output_dir: Path
    data_dir: str | None
    own: dict[str, Any]
    given_as: Mapping[str, str] = field(default_factory=dict)

    def names(self, key: str) -> str:
        """How messages name ``key``: the file and the key as the file spells it."""
        return _namer(self.source, self.given_as)(key)

    def fail(self, key: str, message: str) -> GridFileError:
        """The error for a bad value of ``key`` (``raise grid.fail("losses", "...")``)."""
        return GridFileError(f"{self.names(key)}: {message}")


def read_grid(source: str | Path | Mapping[str, Any], kind: GridKind) -> GridFile:
    """Read a grid file (or a parameter dict) of ``kind`` and check its keys.

    Raises:
        GridFileError: malformed YAML, unknown or missing keys, an old key given with its new
            name, unknown benchmarks, bad values; one line naming the file, the key and what
            is valid.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(source, Mapping):
        raw, src = dict(source), MAPPING_SOURCE
    else:
        raw = read_mapping(Path(source), kind.what, list(kind.all_keys), GridFileError)
        src = str(source)
    given_as = _apply_renames(raw, kind, src)
    names = _namer(src, given_as)
    check_keys(
        raw,
        kind.all_keys,
        ("name", "benchmarks", *kind.required, "seeds"),
        src,
        GridFileError,
    )
    checks = {**_SHARED_CHECKS, **kind.checks}
    given = {k: v for k, v in raw.items() if k in checks and v is not None}
    values = check_params(given, checks, names=names, error=GridFileError, skip_none=True)
    _check_benchmarks(values["benchmarks"], names("benchmarks"))
    seeds = seed_list(raw["seeds"], names("seeds"), GridFileError)
    hparams = setting_map(
        raw.get("hyperparameters") or {}, names("hyperparameters"), GridFileError, kind.reserved
    )
    data_dir = values.get("data_dir")
    return GridFile(
        source=src,
        name=values["name"],
        description=values.get("description", ""),
        benchmarks=values["benchmarks"],
        seeds=seeds,
        hyperparameters=hparams,
        output_dir=Path(values.get("output_dir", kind.output_dir)),
        data_dir=str(data_dir) if data_dir is not None else None,
        own={k: v for k, v in values.items() if k in kind.checks},
        given_as=given_as,
    )


def _namer(src: str, given_as: Mapping[str, str]) -> Callable[[str], str]:
    """How messages name a key of ``src``: as the file spells it (an old name, if it used one)."""
    plain = key_names(src)
    return lambda key: plain(given_as.get(key, key))


def _apply_renames(raw: dict[str, Any], kind: GridKind, src: str) -> dict[str, str]:
    """Move old keys to their new names in ``raw``, with a one-line note each; returns new key
    -> old key, so messages name the key as the file spells it."""
    given_as: dict[str, str] = {}
    for old, new in kind.renamed.items():
        if raw.get(old) is None:  # left out, or set to None: not given, as for any key
            raw.pop(old, None)
            continue
        if raw.get(new) is not None:
            raise GridFileError(
                f"{src}: keys {old!r} and {new!r} are both set; {old!r} is the old name of "
                f"{new!r}: keep {new!r} only"
            )
        warnings.warn(
            f"{src}: key {old!r} is now called {new!r}; rename it ({old!r} still works)",
            FutureWarning,
            stacklevel=4,
        )
        raw[new] = raw.pop(old)
        given_as[new] = old
    return given_as


def _check_benchmarks(names: tuple[str, ...], where: str) -> None:
    """Registered names, and user-table names (``graph-<name>``, ``darts-<name>``) by their
    form only: the table is looked for when the grid runs, in its ``data_dir`` or
    ``--data-dir``, which a file read here cannot know about."""
    from pwlkit.benchmarks import get_spec

    for name in names:
        try:
            get_spec(name)
        except KeyError as exc:
            raise GridFileError(f"{where}: {exc.args[0] if exc.args else exc}") from None
