"""Checks shared by study and search-study files: the YAML mapping, its keys, typed values.

Every error names the file, the key and what would be accepted, so a typo in a parameter set
fails before any work starts. ``fail(key, message)`` callbacks build the caller's own error
type (`StudyError` for studies, `ValueError` for search studies).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

Fail = Callable[[str, str], Exception]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def read_mapping(path: Path, what: str, keys: Sequence[str] | None, error: type[Exception]) -> dict:
    """The YAML mapping in ``path`` (``keys``: the valid ones, for the message; None: any);
    bad YAML names its line and column."""
    if not path.is_file():
        raise FileNotFoundError(f"{what} file {str(path)!r} not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}: not valid YAML{where}: {problem}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        expected = f"keys ({', '.join(keys)})" if keys else "names to values"
        raise error(
            f"{path}: a {what} file must be a mapping of {expected}, got {type(raw).__name__}"
        )
    return raw


def check_keys(
    raw: Mapping[str, Any],
    keys: Mapping[str, str],
    required: Sequence[str],
    src: str,
    error: type[Exception],
) -> None:
    """Unknown keys (with the closest valid one) and missing required keys (with their use)."""
    unknown = [k for k in raw if k not in keys]
    if unknown:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(str(k), list(keys), n=1)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise error(f"{src}: unknown key(s) {', '.join(hints)}. Valid keys: {', '.join(keys)}")
    missing = [k for k in required if raw.get(k) is None]
    if missing:
        raise error(
            f"{src}: missing required key(s) {', '.join(repr(k) for k in missing)} "
            f"({'; '.join(f'{k}: {keys[k]}' for k in missing)})"
        )


def folder_name(value: Any, key: str, fail: Fail) -> str:
    """A name that is safe as a results folder: letters, digits, '_', '.', '-'."""
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise fail(key, f"{value!r} must be letters, digits, '_', '.', '-' (a folder name)")
    return value


def as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def no_duplicates(items: tuple, key: str, fail: Fail) -> None:
    seen = set()
    for item in items:
        if item in seen:
            raise fail(key, f"{item!r} is listed twice")
        seen.add(item)


def str_list(value: Any, key: str, fail: Fail) -> tuple[str, ...]:
    """Non-empty names, stripped, none twice (a single name is a list of one)."""
    items = as_list(value)
    if not items:
        raise fail(key, "must list at least one value")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise fail(key, f"{item!r} is not a name (expected text)")
    out = tuple(item.strip() for item in items)
    no_duplicates(out, key, fail)
    return out


def int_value(value: Any, key: str, fail: Fail, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(key, f"{value!r} is not an integer")
    if value < minimum:
        raise fail(key, f"{value} must be an integer >= {minimum}")
    return int(value)


def int_list(value: Any, key: str, fail: Fail, minimum: int) -> tuple[int, ...]:
    items = as_list(value)
    if not items:
        raise fail(key, "must list at least one value")
    out = tuple(int_value(v, key, fail, minimum) for v in items)
    no_duplicates(out, key, fail)
    return out


def num_list(value: Any, key: str, fail: Fail) -> tuple[float, ...]:
    items = as_list(value)
    if not items:
        raise fail(key, "must list at least one value")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise fail(key, f"{v!r} is not a number")
    out = tuple(items)
    no_duplicates(tuple(float(v) for v in out), key, fail)
    return out


def seed_list(value: Any, key: str, fail: Fail) -> tuple[int, ...]:
    """A count ``n`` (seeds 0..n-1) or a list of distinct non-negative integer seeds."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise fail(key, f"a count must be an integer >= 1, got {value}")
        return tuple(range(value))
    if isinstance(value, (list, tuple)):
        return int_list(value, key, fail, minimum=0)
    raise fail(key, f"{value!r}: give a count (e.g. 30) or a list of integers")


def setting_map(value: Any, key: str, fail: Fail, reserved: Sequence[str]) -> dict[str, Any]:
    """Engine settings ``{name: number | text | bool | None}`` in canonical order (ids do not
    depend on the order in the file); numbers YAML 1.1 reads as text (``1e-3``) become floats.
    Names in ``reserved`` are set through keys of their own."""
    if not isinstance(value, Mapping):
        raise fail(key, f"{value!r} must be a mapping such as {{lr: 0.001}}")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k.isidentifier():
            raise fail(key, f"{k!r} is not a setting name")
        if k in reserved:
            raise fail(key, f"{k!r} is a study key of its own, set it there")
        if isinstance(v, str) and _NUMBER_RE.match(v.strip()):
            v = float(v)  # YAML 1.1 reads 1e-3 as text
        if not (v is None or isinstance(v, (bool, int, float, str))):
            raise fail(key, f"{k}: {v!r} must be a number, text or true/false")
        out[k] = v
    return json.loads(json.dumps(out, sort_keys=True))
