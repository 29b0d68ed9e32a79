"""Turn readers into registered specs: find the source, use the cache, wrap read errors.

A *reader* takes one source (a file or folder) and returns every benchmark that source provides
(the NB201 table gives six: three datasets x 200/12 epochs), so a large official file is parsed
once and all its benchmarks are cached together.
"""

from __future__ import annotations

import importlib.util
import pickle
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .base import Benchmark
from .cache import read_cached, write_cached
from .datadir import locate
from .errors import DataFormatError, PackageNotInstalledError
from .registry import BenchmarkSpec

Reader = Callable[[Path], dict[str, Benchmark]]


@dataclass(frozen=True)
class Source:
    """One accepted file (or folder) name and the reader for it; ``fmt`` describes the format;
    ``lacks(path)`` says cheaply why the file does not hold the benchmark ("" when it does),
    so a listing does not offer a task whose column the table lacks."""

    file: str
    read: Reader
    fmt: str
    lacks: Callable[[Path], str] | None = None


READ_ERRORS = (
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    EOFError,
    OSError,
    pickle.UnpicklingError,
    zipfile.BadZipFile,
    RuntimeError,
)


def _read_all(name: str, path: Path, read: Reader, fmt: str) -> dict[str, Benchmark]:
    try:
        produced = read(path)
    except DataFormatError:
        raise
    except FileNotFoundError:
        raise
    except READ_ERRORS as exc:
        raise DataFormatError(
            f"cannot read {path} for benchmark {name!r}: {type(exc).__name__}: {exc}. "
            f"Expected {fmt}. Replace the file (or delete it to use another source)."
        ) from exc
    if name not in produced:
        raise DataFormatError(
            f"{path} holds no data for benchmark {name!r} (it provides "
            f"{', '.join(sorted(produced)) or 'nothing'}). Expected {fmt}."
        )
    return produced


MIN_ARCHS = 2
"""Fewest architectures a benchmark may hold: a predictor is trained on at least two and the
metrics rank the space, which one architecture cannot do."""


def _big_enough(bench: Benchmark, path: Path) -> Benchmark:
    if bench.num_archs < MIN_ARCHS:
        raise DataFormatError(
            f"{path}: benchmark {bench.name!r} has {bench.num_archs} architecture(s), too small "
            f"to train and rank: a table needs at least {MIN_ARCHS} different architectures"
        )
    return bench


def load_cached(name: str, path: Path, read: Reader, fmt: str) -> Benchmark:
    """Read ``name`` from the cache for ``path``, else parse ``path`` and cache what it gives;
    a benchmark of fewer than `MIN_ARCHS` architectures is refused either way."""
    cached = read_cached(name, path)
    if cached is not None:
        return _big_enough(cached, path)
    produced = _read_all(name, path, read, fmt)
    for bench in produced.values():
        write_cached(bench, path)
    return _big_enough(produced[name], path)


def file_spec(
    name: str, family: str, description: str, sources: Sequence[Source], get_from: str
) -> BenchmarkSpec:
    """A spec loading ``name`` from the first of ``sources`` found in the data folders."""
    by_file = {s.file: s for s in sources}

    def load(spec: BenchmarkSpec, data_dir: Path | None) -> Benchmark:
        path = locate(spec.name, spec.files, spec.get_from, data_dir)
        src = by_file[path.name]
        return load_cached(spec.name, path, src.read, src.fmt)

    def lacks(path: Path) -> str:
        src = by_file.get(path.name)
        return src.lacks(path) if src is not None and src.lacks is not None else ""

    return BenchmarkSpec(
        name=name,
        family=family,
        description=description,
        load=load,
        files=tuple(s.file for s in sources),
        get_from=get_from,
        lacks=lacks,
    )


def package_file(package: str, relpath: str, pip_name: str) -> Path:
    """Path of a data file inside an installed package; raises if the package is missing."""
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise PackageNotInstalledError(
            f"the package {pip_name!r} (import name {package!r}) is not installed; install it "
            f"with `pip install -c constraints.txt {pip_name}` (it is a pwlkit dependency)."
        )
    path = Path(next(iter(found.submodule_search_locations))) / relpath
    if not path.is_file():
        raise PackageNotInstalledError(
            f"{path} is missing from the installed {pip_name!r}; reinstall it with "
            f"`pip install --force-reinstall -c constraints.txt {pip_name}`."
        )
    return path


def package_spec(
    name: str,
    family: str,
    description: str,
    package: str,
    pip_name: str,
    relpath: str,
    read: Reader,
    fmt: str,
) -> BenchmarkSpec:
    """A spec loading ``name`` from a data file shipped inside an installed package."""

    def load(spec: BenchmarkSpec, data_dir: Path | None) -> Benchmark:
        path = package_file(package, relpath, pip_name)
        return load_cached(spec.name, path, read, fmt)

    return BenchmarkSpec(
        name=name,
        family=family,
        description=description,
        load=load,
        embedded=True,
        package=package,
        get_from=f"the `{pip_name}` package from PyPI (a pwlkit dependency)",
    )


def torch_load_data(path: Path):
    """``torch.load`` of a release file that holds plain data (dicts, lists, numbers).

    Tries the safe ``weights_only`` loader first; files written by old torch versions with other
    picklable types fall back to the full loader (these are the user's own release files).
    """
    import torch  # deferred: only the official .pth readers need torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        return torch.load(path, map_location="cpu", weights_only=False)
