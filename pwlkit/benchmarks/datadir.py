"""Where benchmark files are looked for, and the error that says so when they are missing.

Lookup order: an explicit ``data_dir`` (only that folder), else every folder in the
``PWLKIT_DATA`` environment variable (an ``os.pathsep``-separated list) followed by the user data
directory (``platformdirs.user_data_dir("pwlkit")``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import platformdirs

ENV_DATA = "PWLKIT_DATA"


class DataNotFoundError(FileNotFoundError):
    """A benchmark's data file is in none of the places looked; the message says where to get it."""

    def __init__(self, name: str, looked: Sequence[Path], files: Sequence[str], get_from: str):
        self.name = name
        self.looked = [Path(p) for p in looked]
        self.files = list(files)
        self.get_from = get_from
        places = "\n".join(f"  - {p}" for p in self.looked) or "  (no folder)"
        accepted = ", ".join(self.files)
        super().__init__(
            f"no data for benchmark {name!r}.\nLooked in:\n{places}\n"
            f"for any of: {accepted}.\nGet them from: {get_from}\n"
            f"Then pass --data-dir / data_dir=FOLDER, or set {ENV_DATA}=FOLDER, or copy them "
            f"into {user_data_dir()}."
        )


def user_data_dir() -> Path:
    """The per-user folder searched last (and the one to copy files into)."""
    return Path(platformdirs.user_data_dir("pwlkit"))


def search_dirs(data_dir: str | Path | None = None) -> list[Path]:
    """The folders searched, in order, for a given explicit ``data_dir`` (or None)."""
    if data_dir is not None:
        return [Path(data_dir).expanduser()]
    dirs = [Path(p).expanduser() for p in os.environ.get(ENV_DATA, "").split(os.pathsep) if p]
    dirs.append(user_data_dir())
    return dirs


def find_file(files: Sequence[str], data_dir: str | Path | None = None) -> Path | None:
    """First existing ``folder/file`` (folders in lookup order, then files in preference order)."""
    for folder in search_dirs(data_dir):
        for fname in files:
            candidate = folder / fname
            if candidate.exists():
                return candidate
    return None


def locate(
    name: str, files: Sequence[str], get_from: str, data_dir: str | Path | None = None
) -> Path:
    """Like `find_file` but raises `DataNotFoundError` naming every place looked."""
    found = find_file(files, data_dir)
    if found is None:
        raise DataNotFoundError(name, search_dirs(data_dir), files, get_from)
    return found
