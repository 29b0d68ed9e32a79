"""Search a space no table holds: the user's ``evaluate(arch) -> float`` scores what is queried.

`open_search` runs the loops of the table-backed search (`pwlkit.search.loop`) with another
candidate source and another way of scoring: candidates come from a `pwlkit.spaces.Space`'s
sampler and mutations (`pwlkit.search.candidates.SpaceCandidates`) instead of a table's rows,
and each queried architecture is scored by calling ``evaluate`` (a real training run, a
surrogate, a table lookup) with its canonical string (`pwlkit.search.checkpoint.Evaluations`).
Higher is better.

- ``random``: fresh samples, ``top_k`` per round.
- ``evolution``: regularized evolution (Real et al. 2019) with the space's ``mutate``.
- a loss, schedule or selection spec, or ``pw`` (the space's PW pair switched at
  `PW_SWITCH`): NPENAS-style. ``n_init`` random architectures, then each round a predictor
  (`pwlkit.train.fit_predict_many`, `SEARCH_HPARAMS`) trains on every evaluated
  architecture, scores a pool of ``pool_size`` unevaluated mutations of the best so far (its
  neighbours, then theirs, then fresh samples when those run dry) and the top ``top_k`` are
  evaluated.
- ``bananas``, ``npenas``, ``gp``, ``pw+``: the named methods
  (`pwlkit.search.strategies.NAMED`), the same loop with their surrogate, acquisition and
  pool (mutations of the ``pool_parents`` best, a ``pool_random`` share of fresh samples).

Every run is deterministic for a seed, given the scores ``evaluate`` returns. An evaluation
that raises is, with ``on_error="record"``, kept in ``failed`` (and the checkpoint) and does
not count against the budget; that architecture is never asked for again. A return that is not
a finite number (a bool, a string, None, NaN, infinity) is such a failure too. A search stops
with `SearchStopped` once as many evaluations failed as the budget. `pwlkit.search.checkpoint`
describes the checkpoint file and how a rerun resumes.

``parallel=N`` starts spawned worker processes, which import the script that started the
search: a script must call `open_search` under ``if __name__ == "__main__":``. A call at the
top level of a script is refused before any work, and a worker that imports such a script
stops with that one line instead of starting a search of its own.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import multiprocessing
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pwlkit.checks import SEED, BadParameter, Options, check
from pwlkit.losses.pw_pairs import PW_DEFAULT_PAIR, PW_PAIRS
from pwlkit.spaces import Space, get_space

from .api import make_config
from .budget import check_budget
from .candidates import SpaceCandidates
from .checkpoint import MAIN_GUARD, Checkpoint, Evaluations, submitter
from .loop import ACQUISITION_FIELDS, SearchConfig, configure, run_strategy, used_options
from .strategies import PW_SWITCH, Strategy, check_strategy, resolve_named

ON_ERROR = ("record", "raise")


@dataclass
class SearchResult:
    """What `open_search` found.

    Attributes:
        archs, scores: the successfully evaluated architectures and their scores, in query
            order (``len(archs)`` is the budget once a search completes).
        best_arch, best_score: the best of them (the earlier query on a tie).
        failed: architecture -> error text, for evaluations that raised or returned no finite
            number, in query order.
        strategy: the spec as given; ``loss`` what a guided strategy trained with (``pw``
            resolved, e.g. ``hr->mape@20``; empty for random, evolution and gp).
        seed, space, budget: the search's arguments (``space`` by name).
        chosen_losses: the loss a selection (``auto``) chose in each round; empty otherwise.
        reused: evaluations read back from the checkpoint instead of calling ``evaluate``.
    """

    archs: list[str]
    scores: list[float]
    best_arch: str
    best_score: float
    failed: dict[str, str]
    strategy: str
    loss: str
    seed: int
    space: str
    budget: int
    chosen_losses: list[str] = field(default_factory=list)
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain values (what ``pwlkit search --json`` prints)."""
        return dataclasses.asdict(self)


def resolve_space_strategy(spec: str, space: Space, members: int | None = None) -> Strategy:
    """A strategy spec resolved for a space: ``pw`` is the space's PW pair
    (`pwlkit.losses.pw_pairs.PW_PAIRS`) switched at `PW_SWITCH` (``pw+`` an ensemble of it,
    ``members`` its size); unknown specs raise `BadParameter` with the closest valid one."""
    warm, focus = PW_PAIRS.get(space.name, PW_DEFAULT_PAIR)
    pw = f"{warm}->{focus}@{PW_SWITCH}"
    return resolve_named(check_strategy(spec), str(spec).strip(), pw, members)


def header_config(strategy: Strategy, config: SearchConfig) -> dict[str, Any]:
    """A configured search's options as its checkpoint header holds them: the acquisition and
    pool options only where the strategy uses them away from the paper's search
    (`pwlkit.search.loop.used_options`), so checkpoints written before they existed resume."""
    plain = {k: v for k, v in dataclasses.asdict(config).items() if k not in ACQUISITION_FIELDS}
    return {**plain, **used_options(strategy, config)}


def _check_checkpoint(checkpoint: str | Path | None) -> Path | None:
    if checkpoint is None:
        return None
    path = Path(checkpoint)
    if path.is_dir():
        raise BadParameter(f"checkpoint {str(path)!r} is a folder: give a file path")
    if not path.parent.is_dir():
        raise BadParameter(
            f"checkpoint {str(path)!r}: its folder {str(path.parent)!r} does not exist"
        )
    return path


def _unguarded_script_line() -> int | None:
    """The line of the running script that calls `open_search` outside ``if __name__ ==
    "__main__":``, or None (guarded, not a script, or unknown). Spawned workers re-run such a
    line, as `multiprocessing.spawn` re-imports the main module: a file run as a script or a
    module run with ``-m`` (a package's ``__main__`` is not re-run)."""
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if main is None or name == "__main__" or str(name).endswith(".__main__"):
        return None
    frame = sys._getframe(1)
    while frame is not None and not (
        frame.f_globals is vars(main) and frame.f_code.co_name == "<module>"
    ):
        frame = frame.f_back
    if frame is None or frame.f_code.co_filename != getattr(main, "__file__", None):
        return None
    try:
        tree = ast.parse(Path(frame.f_code.co_filename).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    line = frame.f_lineno
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and node.lineno <= line <= (node.end_lineno or node.lineno)
            and any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(node.test))
        ):
            return None
    return line


def _check_main_guard(parallel: Any) -> None:
    """A worker process importing a script without the main guard stops here, in one line; a
    script that would make its workers do so is refused before any work."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # multiprocessing's own sign of a spawned process still importing the main module
        raise SystemExit(f"pwlkit open_search in a worker process: {MAIN_GUARD}")
    if isinstance(parallel, (int, np.integer)) and not isinstance(parallel, bool):
        line = _unguarded_script_line()
        if line is not None:
            raise BadParameter(
                f"parallel={int(parallel)}: open_search is called at line {line} of "
                f"{sys.modules['__main__'].__file__} outside the main guard; {MAIN_GUARD}"
            )


def open_search(
    space: str | Space,
    evaluate: Callable[[str], float],
    budget: int,
    strategy: str = "pw",
    seed: int = 0,
    checkpoint: str | Path | None = None,
    *,
    on_error: str = "record",
    parallel: int | Any | None = None,
    **config: Any,
) -> SearchResult:
    """Search ``space`` with ``budget`` successful calls of ``evaluate``.

    Args:
        space: a space name (`pwlkit.spaces.SPACES`) or a `pwlkit.spaces.Space`.
        evaluate: ``evaluate(arch) -> float``, higher is better, called with the space's
            canonical string of each queried architecture.
        budget: successful evaluations to make.
        strategy: ``random``, ``evolution``, ``pw``, a named method (``bananas``,
            ``npenas``, ``gp``, ``pw+``), or any loss, schedule or selection spec (``mse``,
            ``hr->mape@20``, ``auto``, ``ens(mape)x5``) for a guided search.
        seed: seeds the samples, mutations and predictors.
        checkpoint: a JSON-lines file storing each evaluation as it returns; rerunning with the
            same arguments resumes without evaluating anything twice, also on another device
            or thread count (`pwlkit.search.checkpoint`).
        on_error: ``record`` (keep the error in ``failed`` and go on; a failed evaluation does
            not count against the budget) or ``raise`` (stop; the failed evaluation is not
            stored, so a rerun on the checkpoint tries it again).
        parallel: None (one evaluation at a time), a number of worker processes, or a
            ``distributed.Client``: a round's queries (``top_k`` of them) run in parallel.
            ``evaluate`` must then be picklable.
        **config: `SearchConfig` fields (n_init, pool_size, top_k, epochs, backbone,
            population, sample, hparams, acquisition, beta, pool_parents, pool_random,
            members, wl_iterations; unset ones take the strategy's defaults).

    Returns:
        `SearchResult`.

    Raises:
        BadParameter: bad arguments (named), a checkpoint of another search (naming the
            argument that differs) or one in use by another process, ``parallel=N`` called
            outside a script's ``if __name__ == "__main__":``.
        SearchStopped: as many evaluations failed as the budget, or a worker process died
            (a `RuntimeError`).
    """
    _check_main_guard(parallel)
    space = get_space(space)
    if not callable(evaluate):
        raise BadParameter(
            f"evaluate must be a function arch -> score, got {type(evaluate).__name__}"
        )
    seed = check("seed", seed, SEED)
    on_error = check("on_error", on_error, Options(ON_ERROR, what="on_error mode"))
    cfg = configure(check_strategy(strategy), make_config(**config))
    strat = resolve_space_strategy(strategy, space, cfg.members)
    budget = check_budget(budget, strat.kind, cfg, size=space.size, space=f"space {space.name!r}")
    path = _check_checkpoint(checkpoint)
    header = {
        "space": space.name,
        "strategy": check_strategy(strategy),
        "loss": strat.loss,
        "seed": seed,
        "budget": budget,
        "config": header_config(strat, cfg),
    }
    submit, close = submitter(evaluate, parallel)
    chosen: list[str] = []
    finished = False
    try:
        store = Checkpoint(path, header) if path is not None else None
        with store if store is not None else contextlib.nullcontext():
            run = Evaluations(space, budget, on_error, submit, store)
            rng = np.random.default_rng(seed)
            # Random search evaluates top_k a round, so a round's evaluations run in parallel.
            source = SpaceCandidates(space)
            run_strategy(source, strat, [run], [rng], cfg, random_batch=cfg.top_k, chosen=[chosen])
        finished = True
    finally:
        close(finished)  # on an error or an interrupt, do not wait for running evaluations
    best = run.best()
    return SearchResult(
        archs=run.archs,
        scores=run.scores,
        best_arch=run.archs[best],
        best_score=run.scores[best],
        failed=run.failed,
        strategy=strat.spec,
        loss=strat.loss,
        seed=seed,
        space=space.name,
        budget=budget,
        chosen_losses=chosen,
        reused=run.reused,
    )
