"""On-disk cache of encoded benchmarks (one ``.npz`` per benchmark and source file).

Parsing a table or an official release file and encoding every architecture is done once; later
loads read plain numpy arrays. An entry is keyed by the benchmark name, the source's resolved
path, size and modification time, and `FORMAT_VERSION`, so editing or replacing the source (or
changing the encoding code) makes a fresh entry. Writes are atomic (temporary file +
``os.replace``); an unreadable entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import platformdirs

from .base import Benchmark

ENV_CACHE = "PWLKIT_CACHE"
FORMAT_VERSION = 3
"""Bump when an encoding or a loader changes what it produces: every old entry is then stale."""


def cache_dir() -> Path:
    """``PWLKIT_CACHE`` if set, else ``platformdirs.user_cache_dir("pwlkit")``."""
    env = os.environ.get(ENV_CACHE)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("pwlkit"))


def _fingerprint(source: Path) -> list:
    """What identifies a version of a source file (or a folder of per-architecture files)."""
    st = source.stat()
    if source.is_dir():
        entries = sorted(os.listdir(source))
        newest = max(
            (os.stat(source / e).st_mtime_ns for e in entries[:1] + entries[-1:]), default=0
        )
        return [str(source.resolve()), len(entries), st.st_mtime_ns, newest]
    return [str(source.resolve()), st.st_size, st.st_mtime_ns]


def cache_path(name: str, source: Path) -> Path:
    """The cache file for benchmark ``name`` read from ``source``."""
    key = json.dumps([FORMAT_VERSION, name, _fingerprint(source)])
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.npz"


def read_cached(name: str, source: Path) -> Benchmark | None:
    """The cached benchmark, or None when absent, stale or unreadable (then it is rebuilt)."""
    path = cache_path(name, source)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != FORMAT_VERSION or meta.get("name") != name:
                return None
            return Benchmark(
                name=meta["name"],
                space=meta["space"],
                arch=np.char.decode(z["arch"], "utf-8").astype(object),
                ops=z["ops"],
                adj=z["adj"],
                op_names=tuple(meta["op_names"]),
                val=z["val"],
                test=z["test"],
                test_is_val=bool(meta["test_is_val"]),
                metric=meta["metric"],
                source=meta["source"],
                notes=meta["notes"],
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError):
        return None


def write_cached(bench: Benchmark, source: Path) -> Path | None:
    """Store ``bench`` atomically; returns the path, or None if the cache folder is unwritable."""
    path = cache_path(bench.name, source)
    meta = {
        "format": FORMAT_VERSION,
        "name": bench.name,
        "space": bench.space,
        "op_names": list(bench.op_names),
        "test_is_val": bench.test_is_val,
        "metric": bench.metric,
        "source": bench.source,
        "notes": bench.notes,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{bench.name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    meta=np.array(json.dumps(meta)),
                    arch=np.array([str(a).encode("utf-8") for a in bench.arch]),
                    ops=np.asarray(bench.ops, dtype=np.int16),
                    adj=np.asarray(bench.adj, dtype=np.uint8),
                    val=np.asarray(bench.val, dtype=np.float64),
                    test=np.asarray(bench.test, dtype=np.float64),
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return None
    for old in path.parent.glob(f"{bench.name}-*.npz"):
        rest = old.stem[len(bench.name) + 1 :]
        if old != path and len(rest) == 16 and all(c in "0123456789abcdef" for c in rest):
            old.unlink(missing_ok=True)  # a stale entry of the same benchmark
    return path
