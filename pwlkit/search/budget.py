"""The one budget check of a search: can this strategy spend this budget with this config?

Every way into a search calls it before any query: `run_searches` and `summarize_search` (so
`pwlkit search --benchmark`), `open_search` (`pwlkit search --space`) and search-study files
(`pwlkit search --study`, each budget against each kind of strategy the file lists), so the
relations between ``budget``, ``n_init``, ``top_k``, ``pool_size``, ``population`` and
``sample`` are written down once.
"""

from __future__ import annotations

from collections.abc import Callable

from pwlkit.checks import POSITIVE, BadParameter, check

from .loop import SearchConfig


def check_budget(
    budget: int,
    kind: str,
    config: SearchConfig,
    *,
    size: int | None = None,
    space: str = "",
    names: Callable[[str], str] | None = None,
    error: type[BadParameter] = BadParameter,
) -> int:
    """The budget as an integer, once the strategy ``kind`` can spend it under ``config``.

    Args:
        budget: queries the search may make.
        kind: the strategy's kind, ``"guided"``, ``"evolution"`` or ``"random"``
            (`pwlkit.search.strategies.Strategy.kind`).
        config: the search settings (``n_init``, ``top_k``, ``pool_size``, ``population``,
            ``sample``).
        size: architectures in the space (None: not known yet, e.g. a file whose benchmarks
            are not loaded, or a space without a size).
        space: how messages name the space (``"'nb201-cifar10'"``, ``"space 'darts'"``).
        names: where a value came from, for the message (``"s.yaml: key 'budgets'"``); by
            default the message names nothing more than the parameters.
        error: the error type (a file's own, such as `pwlkit.runs.gridfile.GridFileError`).

    Raises:
        BadParameter: one line naming the limit and the fix (or ``error``).

    Example:
        >>> check_budget(5, "guided", SearchConfig())
        Traceback (most recent call last):
        ...
        pwlkit.checks.BadParameter: budget 5 is smaller than the 10 random initial architectures of a guided search: raise the budget or lower n_init
    """

    def fail(key: str, message: str) -> BadParameter:
        return error(f"{names(key)}: {message}" if names is not None else message)

    budget = check(
        names("budget") if names is not None else "budget", budget, POSITIVE, error=error
    )
    if size is not None and budget > size:
        raise fail(
            "budget",
            f"budget {budget} exceeds the {size} architectures of {space}: use a budget of at "
            f"most {size}",
        )
    if kind == "guided":
        if config.n_init < 2:
            raise fail(
                "n_init", f"n_init must be at least 2 to train a predictor, got {config.n_init}"
            )
        if budget < config.n_init:
            raise fail(
                "budget",
                f"budget {budget} is smaller than the {config.n_init} random initial "
                "architectures of a guided search: raise the budget or lower n_init",
            )
        if not 1 <= config.top_k <= config.pool_size:
            raise fail(
                "top_k",
                f"need 1 <= top_k <= pool_size, got top_k={config.top_k}, "
                f"pool_size={config.pool_size}",
            )
    if kind == "evolution":
        if not 1 <= config.sample <= config.population:
            raise fail(
                "sample",
                f"need 1 <= sample <= population, got sample={config.sample}, "
                f"population={config.population}",
            )
        if budget < config.population:
            raise fail(
                "budget",
                f"budget {budget} is smaller than the evolution population "
                f"{config.population}: raise the budget or lower the population",
            )
    return budget
