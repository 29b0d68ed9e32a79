"""Open-ended benchmark families read from user tables: ``<prefix><name>.parquet`` / ``.csv``
in the data folders (``darts-<name>``, ``graph-<name>``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .base import Benchmark
from .datadir import search_dirs
from .loading import Source, file_spec
from .registry import BenchmarkSpec, Family

Reader = Callable[[Path, str], dict[str, Benchmark]]


def table_family(
    prefix: str, kind: str, describe: str, read: Reader, fmt: str, get_from: str
) -> Family:
    """A `Family` whose member ``<prefix><name>`` loads ``<prefix><name>.parquet`` (preferred)
    or ``.csv`` with ``read(path, name)``; ``kind`` names it in messages (e.g. ``"DARTS"``)."""
    name_re = re.compile(rf"^{re.escape(prefix)}[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$")
    family = prefix.rstrip("-")

    def resolve(name: str) -> BenchmarkSpec:
        if not name_re.match(name):
            raise KeyError(
                f"bad {kind} benchmark name {name!r}: use {prefix}<name> with letters, digits, "
                f"'_', '.', '-' (it loads {prefix}<name>.csv or .parquet from the data folders)"
            )

        def load(path: Path) -> dict[str, Benchmark]:
            return read(path, name)

        return file_spec(
            name,
            family,
            f"{describe} {name}.csv/.parquet",
            [Source(f"{name}.parquet", load, fmt), Source(f"{name}.csv", load, fmt)],
            get_from,
        )

    def discover(data_dir: Path | None) -> list[str]:
        names = set()
        for folder in search_dirs(data_dir):
            if folder.is_dir():
                for f in folder.glob(f"{prefix}*"):
                    if f.suffix in (".csv", ".parquet") and name_re.match(f.stem):
                        names.add(f.stem)
        return sorted(names)

    return Family(prefix, f"{prefix}<name>", describe, resolve, discover)
