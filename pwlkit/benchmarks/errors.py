"""The errors a benchmark load raises, each naming the problem and the fix."""

from __future__ import annotations

from .datadir import DataNotFoundError


class DataFormatError(ValueError):
    """A source file exists but is not in the expected format (corrupt, wrong columns...)."""


class PackageNotInstalledError(FileNotFoundError):
    """An embedded benchmark's package is not installed."""


__all__ = ["DataFormatError", "DataNotFoundError", "PackageNotInstalledError"]
