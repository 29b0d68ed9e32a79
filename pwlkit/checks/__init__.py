"""Declarative checks of user input, made once where it enters: a CLI option, a study or
search-study key, an API argument. Deeper code trusts what passed.

A parameter's constraint is declared once, as data, next to the code that owns the
parameter; every entry point that takes the parameter checks it against that declaration:

- ``Interval(int, 1, None)``: integers >= 1 (``True`` is not an integer here; numpy integers
  are, and come back as Python ints);
- ``Interval(float, 0, 1, closed="right")``: finite numbers in (0, 1] (integers are accepted
  and come back as floats; NaN and infinities never pass);
- ``Options(("gcn", "mlp"), what="backbone")``: one of a set of names, with a "did you mean"
  for a near miss;
- ``ListOf(constraint)``: a non-empty list whose items all pass, none twice (a lone value is a
  list of one);
- ``Text()`` (non-empty text, stripped), ``Pattern(regex, description)``, ``Folder()`` (a
  folder that exists or can be made) and ``Folder(exists=True)``;
- ``None`` (the value ``None``, also written as the text ``None``, ``none`` or ``null``: a
  command line or a YAML file can only give it as text), a type (``isinstance``), or a list
  of constraints (any one may pass).

``check(name, value, constraint)`` returns the value in canonical form or raises
`BadParameter`; ``check_params(values, constraints, names=...)`` checks a mapping of values,
naming each one as the user typed it (``names=cli_option`` names ``train_size``
``--train-size``); ``check_names`` rejects unknown names with the closest valid one;
``read_value`` and ``split_list`` read a command-line value (or a comma-separated list of
them) for a check.

Every error is a `BadParameter`, a `ValueError` whose message is one line: the parameter as the
user typed it, the bad value, and what is valid.

Example:
    >>> check("--epochs", 3, Interval(int, 1, None))
    3
    >>> check("--seed", -1, SEED)
    Traceback (most recent call last):
    ...
    pwlkit.checks.BadParameter: --seed must be an integer in [0, 4294967295], got -1
    >>> check("--backbone", "gnc", Options(("gcn", "mlp", "transformer"), what="backbone"))
    Traceback (most recent call last):
    ...
    pwlkit.checks.BadParameter: --backbone: unknown backbone 'gnc' (did you mean 'gcn'?). Valid backbones: gcn, mlp, transformer
    >>> check_params({"lr_min_ratio": 5}, {"lr_min_ratio": Interval(float, 0, 1)},
    ...              names=lambda key: f"--set {key}")
    Traceback (most recent call last):
    ...
    pwlkit.checks.BadParameter: --set lr_min_ratio must be a number in [0, 1], got 5
"""

from .constraints import (
    MAX_SEED,
    NON_NEGATIVE,
    POSITIVE,
    SEED,
    BadParameter,
    Constraint,
    Folder,
    Interval,
    ListOf,
    Options,
    Pattern,
    Text,
    as_constraint,
    did_you_mean,
)
from .validate import check, check_names, check_params, cli_option, read_value, split_list

BadParameter.__module__ = __name__  # shown as pwlkit.checks.BadParameter

__all__ = [
    "MAX_SEED",
    "NON_NEGATIVE",
    "POSITIVE",
    "SEED",
    "BadParameter",
    "Constraint",
    "Folder",
    "Interval",
    "ListOf",
    "Options",
    "Pattern",
    "Text",
    "as_constraint",
    "check",
    "check_names",
    "check_params",
    "cli_option",
    "did_you_mean",
    "read_value",
    "split_list",
]
