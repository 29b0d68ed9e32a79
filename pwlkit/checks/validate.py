"""Checking values against declared constraints, one value or a whole mapping (see
`pwlkit.checks`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .constraints import AnyOf, BadParameter, as_constraint, did_you_mean


def cli_option(key: str) -> str:
    """The command-line spelling of a parameter: ``train_size`` -> ``--train-size``."""
    return "--" + key.replace("_", "-")


def read_value(text: str) -> Any:
    """A command-line value for a declared check: JSON (``3``, ``0.5``, ``true``) when it reads
    as such, else the text itself, so a bad value reaches the constraint, whose message is one
    line, rather than argparse's usage error.

    Example:
        >>> read_value("3"), read_value("2.5"), read_value("abc")
        (3, 2.5, 'abc')
    """
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def split_list(text: str) -> list:
    """Comma-separated command-line values (``"1, 5,10"``) as a list for a `ListOf` check,
    each read by `read_value`.

    Example:
        >>> split_list("1, 5,0.5,x")
        [1, 5, 0.5, 'x']
    """
    return [read_value(item) for item in text.split(",") if item.strip()]


def check(name: str, value: Any, constraint: Any, *, error: type[Exception] = BadParameter):
    """``value`` in canonical form if it passes ``constraint``; else ``error`` (a
    `BadParameter` by default) naming ``name``, the value and what is valid."""
    return as_constraint(constraint).validate(name, value, error)


def check_params(
    values: Mapping[str, Any],
    constraints: Mapping[str, Any],
    *,
    names: Mapping[str, str] | Callable[[str], str] | None = None,
    error: type[Exception] = BadParameter,
    skip_none: bool = False,
) -> dict[str, Any]:
    """Check every value of ``values`` against its declared constraint; return them canonical.

    Args:
        values: parameter name -> value.
        constraints: parameter name -> constraint declaration (see `as_constraint`); every
            key of ``values`` must have one.
        names: how the user typed each parameter (a mapping, or a function such as
            `cli_option`); missing names are the keys themselves.
        error: the exception type raised (a `BadParameter` subclass, e.g. a file's own).
        skip_none: ``None`` means "not given" (command-line options): ``None`` values pass
            unchecked and the messages do not offer ``None``.

    Raises:
        BadParameter: the first value that does not pass (or ``error``).
    """
    undeclared = [k for k in values if k not in constraints]
    if undeclared:
        raise TypeError(f"no constraint declared for {', '.join(map(repr, undeclared))}")
    if names is None:
        label: Callable[[str], str] = str
    elif callable(names):
        label = names
    else:
        label = lambda key: names.get(key, key)
    out: dict[str, Any] = {}
    for key, value in values.items():
        constraint = as_constraint(constraints[key])
        if skip_none:
            if value is None:
                out[key] = None
                continue
            if isinstance(constraint, AnyOf):
                constraint = constraint.without_none()
        out[key] = constraint.validate(label(key), value, error)
    return out


def check_names(
    given: Iterable[Any],
    valid: Iterable[str],
    *,
    what: str = "key",
    where: str = "",
    context: str = "",
    error: type[Exception] = BadParameter,
) -> None:
    """Reject the first of ``given`` that is not in ``valid``: ``"{where}: unknown {what}
    'x'{context} (did you mean 'y'?). Valid {what}s: ..."``."""
    valid = list(valid)
    for name in given:
        if name not in valid:
            prefix = f"{where}: " if where else ""
            raise error(
                f"{prefix}unknown {what} {name!r}{context}{did_you_mean(name, valid)}. "
                f"Valid {what}s: {', '.join(sorted(valid))}"
            )
