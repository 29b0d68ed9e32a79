"""Constraint types of the declarative checks, and the error they raise (see `pwlkit.checks`)."""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

MAX_SEED = 2**32 - 1
"""Largest seed: the range every random generator used here takes (torch's ``manual_seed``
takes up to 2**64 - 1, numpy's ``default_rng`` any size; 2**32 - 1 also fits every store
column and JSON reader)."""


class BadParameter(ValueError):
    """A value its parameter does not accept. ``str(exc)`` is one line: the parameter as the
    user typed it, the bad value and what is valid."""


class Constraint:
    """What one parameter accepts; subclasses define `accepts` and `describe`."""

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        """What is valid, as a noun phrase: ``"an integer >= 1"``."""
        raise NotImplementedError

    def canonical(self, value: Any) -> Any:
        """The accepted value in the form the code uses (Python int, float, stripped text)."""
        return value

    def hint(self, value: Any) -> str:
        """Extra words after the message for a rejected value (" (did you mean 'x'?)")."""
        return ""

    def problem(self, name: str, value: Any) -> str:
        """The one-line message for a rejected value."""
        return f"{name} must be {self.describe()}, got {value!r}{self.hint(value)}"

    def validate(self, name: str, value: Any, error: type[Exception]) -> Any:
        if not self.accepts(value):
            raise error(self.problem(name, value))
        return self.canonical(value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.describe()}>"


class Interval(Constraint):
    """Integers (``kind=int``) or finite numbers (``kind=float``) between ``low`` and ``high``
    (``None``: unbounded); ``closed`` is "both", "left", "right" or "neither". ``noun``
    replaces "integer" / "number" in the message ("a percent in (0, 100]"); ``note`` follows
    the rejected value, for a bound the reader cannot guess ("(the table has 18 rows)")."""

    def __init__(
        self,
        kind: type,
        low: float | None,
        high: float | None,
        *,
        closed: str = "both",
        noun: str | None = None,
        note: str = "",
    ) -> None:
        if kind not in (int, float):
            raise TypeError(f"Interval kind must be int or float, got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be one of both, left, right, neither, got {closed!r}")
        self.kind, self.low, self.high, self.closed, self.noun = kind, low, high, closed, noun
        self.note = note

    def hint(self, value: Any) -> str:
        return f" ({self.note})" if self.note else ""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int:
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and not (value >= self.low if left else value > self.low):
            return False
        return self.high is None or (value <= self.high if right else value < self.high)

    def canonical(self, value: Any) -> Any:
        return int(value) if self.kind is int else float(value)

    def describe(self) -> str:
        noun = self.noun or ("integer" if self.kind is int else "number")
        article = "an" if noun[0] in "aeiou" else "a"
        if self.low is not None and self.high is not None:
            lo = "[" if self.closed in ("both", "left") else "("
            hi = "]" if self.closed in ("both", "right") else ")"
            return f"{article} {noun} in {lo}{self.low}, {self.high}{hi}"
        if self.kind is float and self.noun is None:
            noun, article = "finite number", "a"
        if self.low is not None:
            op = ">=" if self.closed in ("both", "left") else ">"
            return f"{article} {noun} {op} {self.low}"
        if self.high is not None:
            op = "<=" if self.closed in ("both", "right") else "<"
            return f"{article} {noun} {op} {self.high}"
        return f"{article} {noun}"


class Options(Constraint):
    """One of ``choices`` (names; or a function returning them, called when first needed, for
    names whose module is slow to import). With ``what`` ("backbone") the message reads
    "unknown backbone 'x'. Valid backbones: ..."; ``plural`` overrides ``what + "s"``."""

    def __init__(
        self,
        choices: Iterable[str] | Callable[[], Iterable[str]],
        *,
        what: str | None = None,
        plural: str | None = None,
    ) -> None:
        self._choices = choices
        self.what = what
        self.plural = plural or (f"{what}s" if what else None)

    @property
    def choices(self) -> tuple[str, ...]:
        if callable(self._choices):
            self._choices = self._choices()
        self._choices = tuple(self._choices)
        return self._choices

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.choices

    def describe(self) -> str:
        return f"one of {', '.join(self.choices)}"

    def hint(self, value: Any) -> str:
        return did_you_mean(value, self.choices)

    def problem(self, name: str, value: Any) -> str:
        if self.what is None:
            return super().problem(name, value)
        where = "" if name == self.what else f"{name}: "
        return (
            f"{where}unknown {self.what} {value!r}{self.hint(value)}. "
            f"Valid {self.plural}: {', '.join(self.choices)}"
        )


class Text(Constraint):
    """Non-empty text; the canonical value is stripped of surrounding blanks."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def canonical(self, value: Any) -> Any:
        return value.strip()

    def describe(self) -> str:
        return "a name (non-empty text)"


class Pattern(Constraint):
    """Text matching the regular expression ``regex`` (``description`` says it in words)."""

    def __init__(self, regex: str, description: str) -> None:
        self.regex, self.description = re.compile(regex), description

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and self.regex.fullmatch(value) is not None

    def describe(self) -> str:
        return self.description


class Folder(Constraint):
    """A folder path: one that exists (``exists=True``), or one that exists or can be made
    (nothing on the way to it is a file)."""

    def __init__(self, *, exists: bool = False) -> None:
        self.exists = exists

    def accepts(self, value: Any) -> bool:
        return self._problem(value) is None

    def _problem(self, value: Any) -> str | None:
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            return "not a path"
        path = Path(value)
        if path.is_dir():
            return None
        if path.exists():
            return "it is a file"
        if self.exists:
            return "no such folder"
        for parent in path.parents:
            if parent.exists():
                return None if parent.is_dir() else f"{str(parent)!r} is a file"
        return None

    def hint(self, value: Any) -> str:
        return f" ({self._problem(value)})"

    def describe(self) -> str:
        return "an existing folder" if self.exists else "a folder (existing or new)"


class ListOf(Constraint):
    """A non-empty list (or tuple; a lone value is a list of one) whose items all pass
    ``item``, none twice (``unique``). The canonical value is a tuple of canonical items."""

    def __init__(self, item: Any, *, unique: bool = True) -> None:
        self.item, self.unique = as_constraint(item), unique

    @staticmethod
    def _items(value: Any) -> list:
        return list(value) if isinstance(value, (list, tuple)) else [value]

    def accepts(self, value: Any) -> bool:
        items = self._items(value)
        if not items or not all(self.item.accepts(v) for v in items):
            return False
        return not self.unique or not _repeats(self.item.canonical(v) for v in items)

    def describe(self) -> str:
        return f"a list of {self.item.describe()}" + (", none twice" if self.unique else "")

    def validate(self, name: str, value: Any, error: type[Exception]) -> Any:
        items = self._items(value)
        if not items:
            raise error(f"{name} must list at least one value, got {value!r}")
        out = tuple(self.item.validate(name, v, error) for v in items)
        repeat = _repeats(out) if self.unique else []
        if repeat:
            raise error(f"{name}: {repeat[0]!r} is listed twice")
        return out


_TYPE_WORDS = {str: "text", dict: "a mapping", bool: "true or false", list: "a list"}


class _Type(Constraint):
    def __init__(self, kind: type | tuple[type, ...]) -> None:
        self.kind = kind

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.kind)

    def describe(self) -> str:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return " or ".join(_TYPE_WORDS.get(k, f"a {k.__name__}") for k in kinds)


NONE_WORDS = ("None", "none", "null")
"""Text read as ``None`` where a constraint allows ``None``: a command line (``--set
max_models=None``) or a YAML file (``None`` is text there) can only give it as text, and the
message offers "None"."""


def _none_word(value: Any) -> bool:
    return isinstance(value, str) and value.strip() in NONE_WORDS


class _NoneValue(Constraint):
    def accepts(self, value: Any) -> bool:
        return value is None or _none_word(value)

    def canonical(self, value: Any) -> Any:
        return None

    def describe(self) -> str:
        return "None"


class AnyOf(Constraint):
    """A value any one of several constraints accepts (a list in a declaration)."""

    def __init__(self, members: list) -> None:
        self.members = [as_constraint(m) for m in members]

    def accepts(self, value: Any) -> bool:
        return any(m.accepts(value) for m in self.members)

    def canonical(self, value: Any) -> Any:
        if _none_word(value) and any(isinstance(m, _NoneValue) for m in self.members):
            return None  # "None" is None here, even where text would pass too
        return next(m for m in self.members if m.accepts(value)).canonical(value)

    def describe(self) -> str:
        return " or ".join(m.describe() for m in self.members)

    def without_none(self) -> Constraint:
        rest = [m for m in self.members if not isinstance(m, _NoneValue)]
        return rest[0] if len(rest) == 1 else AnyOf(rest)


def as_constraint(spec: Any) -> Constraint:
    """A `Constraint` from a declaration: a constraint, ``None``, a type, or a list of those."""
    if isinstance(spec, Constraint):
        return spec
    if spec is None:
        return _NoneValue()
    if isinstance(spec, type) or (
        isinstance(spec, tuple) and spec and all(isinstance(k, type) for k in spec)
    ):
        return _Type(spec)
    if isinstance(spec, list) and spec:
        return AnyOf(spec) if len(spec) > 1 else as_constraint(spec[0])
    raise TypeError(f"not a constraint: {spec!r}")


SEED = Interval(int, 0, MAX_SEED)
"""A random seed."""

POSITIVE = Interval(int, 1, None)
"""A count of at least one: epochs, sizes, budgets, workers."""

NON_NEGATIVE = Interval(int, 0, None)
"""A count that may be zero: retries."""


def did_you_mean(word: Any, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices`` to ``word``, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _repeats(items: Iterable[Any]) -> list:
    """The first item listed twice, as a list of one (empty: none twice)."""
    seen: list = []
    for item in items:
        if item in seen:
            return [item]
        seen.append(item)
    return []
