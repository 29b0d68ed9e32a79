"""The pieces grid files are checked with: the YAML mapping, its keys, typed values.

Every error names the file, the key and what would be accepted, so a typo in a parameter set
fails before any work starts. Values are checked with `pwlkit.checks` constraints, named
``"<file>: key '<key>'"`` (`key_names`); the caller passes its error type
(`pwlkit.runs.gridfile.GridFileError` for grid files, `ValueError` for the report's parameter
files).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pwlkit.checks import POSITIVE, SEED, ListOf, Pattern, Text, check, did_you_mean

_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

FOLDER_NAME = Pattern(
    r"[A-Za-z0-9][A-Za-z0-9_.-]*", "a folder name (letters, digits, '_', '.', '-')"
)
"""A name that is safe as a results folder."""

NAMES = ListOf(Text())
"""Non-empty names, stripped, none twice (a single name is a list of one)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (plain YAML keeps the
    last one silently)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    line = first_line.get(key)
                except TypeError:  # an unhashable key: YAML itself reports it
                    continue
                if line is not None:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key {key!r} appears twice (first on line {line}); keep one",
                        key_node.start_mark,
                    )
                first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_mapping(path: Path, what: str, keys: Sequence[str] | None, error: type[Exception]) -> dict:
    """The YAML mapping in ``path`` (``keys``: the valid ones, for the message; None: any);
    bad YAML, and a key written twice, name the line and column; text that is not UTF-8
    names the file and the first bad byte."""
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.yaml"))
        shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
        inside = f"its YAML files: {shown}" if found else "it holds no .yaml file"
        raise error(f"{what} file {str(path)!r} is a folder; give a {what} file ({inside})")
    if not path.is_file():
        raise FileNotFoundError(f"{what} file {str(path)!r} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # a binary file, or text saved in another encoding
        raise error(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
            f"{exc.start}); save the {what} file as UTF-8 YAML"
        ) from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
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
        hints = [f"{k!r}{did_you_mean(k, keys)}" for k in unknown]
        raise error(f"{src}: unknown key(s) {', '.join(hints)}. Valid keys: {', '.join(keys)}")
    missing = [k for k in required if raw.get(k) is None]
    if missing:
        raise error(
            f"{src}: missing required key(s) {', '.join(repr(k) for k in missing)} "
            f"({'; '.join(f'{k}: {keys[k]}' for k in missing)})"
        )


def key_names(src: str) -> Callable[[str], str]:
    """How errors name a key of the file ``src``: ``"<src>: key 'epochs'"``."""
    return lambda key: f"{src}: key {key!r}"


def seed_list(value: Any, name: str, error: type[Exception]) -> tuple[int, ...]:
    """A count ``n`` (seeds 0..n-1) or a list of distinct seeds (`pwlkit.checks.SEED`)."""
    if isinstance(value, (list, tuple)):
        return check(name, value, ListOf(SEED), error=error)
    if isinstance(value, int) and not isinstance(value, bool):
        return tuple(range(check(name, value, POSITIVE, error=error)))
    raise error(f"{name}: {value!r}: give a count (e.g. 30) or a list of integer seeds")


def setting_map(
    value: Any, name: str, error: type[Exception], reserved: Sequence[str]
) -> dict[str, Any]:
    """Engine settings ``{name: number | text | bool | None}`` in canonical order (ids do not
    depend on the order in the file); numbers YAML 1.1 reads as text (``1e-3``) become floats.
    Names in ``reserved`` are set through keys of their own. Values are checked by the engine
    (`pwlkit.train.config.resolve`)."""
    if not isinstance(value, Mapping):
        raise error(f"{name}: {value!r} must be a mapping such as {{lr: 0.001}}")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k.isidentifier():
            raise error(f"{name}: {k!r} is not a setting name")
        if k in reserved:
            raise error(f"{name}: {k!r} is a study key of its own, set it there")
        if isinstance(v, str) and _NUMBER_RE.match(v.strip()):
            v = float(v)  # YAML 1.1 reads 1e-3 as text
        if not (v is None or isinstance(v, (bool, int, float, str))):
            raise error(f"{name}: {k}: {v!r} must be a number, text or true/false")
        out[k] = v
    return json.loads(json.dumps(out, sort_keys=True))


def notebook_keys(names: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The parameter-file keys among a notebook's names, without ``data_dir`` (a run setting).

    A key set to ``None`` is left out, so the library default applies: that is how a parameter
    file run by `pwlkit report` means the same as it does to `pwlkit study` / `pwlkit search`.
    """
    return {k: names[k] for k in keys if k != "data_dir" and names.get(k) is not None}
