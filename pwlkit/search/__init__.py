"""Budgeted architecture search on table-backed spaces: predictor-guided (any loss or PW
schedule), random search and regularized evolution, reported like the PWLNAS paper.

>>> from pwlkit.search import run_search, summarize_search
>>> run_search(benchmark, "pw", budget=100, seed=0)              # doctest: +SKIP
>>> summarize_search("nb201-cifar10", "pw", budget=100, runs=30)   # doctest: +SKIP

Besides the paper's ``pw`` and any loss, the named methods ``bananas`` (an ensemble with
Thompson sampling), ``npenas``, ``gp`` (a Gaussian process with the Weisfeiler-Lehman kernel)
and ``pw+`` are strategies, and the ``acquisition`` option (``mean``, ``ucb``, ``ei``,
``its``) and the pool options (``pool_parents``, ``pool_random``) apply to every guided search:

>>> run_search(benchmark, "bananas", budget=100, seed=0)            # doctest: +SKIP
>>> run_search(benchmark, "ens(mape)x5", 100, acquisition="ucb")    # doctest: +SKIP

`open_search` runs the same strategies on a space no table holds, scoring what it queries
with the user's ``evaluate(arch) -> float``:

>>> open_search("darts", my_evaluate, budget=100, checkpoint="darts.jsonl")  # doctest: +SKIP
"""

from .acquisition import ACQUISITIONS
from .api import make_config, run_search, run_searches
from .checkpoint import CheckpointError, read_checkpoint
from .grid import SearchStudy, load_search_results, load_search_study, run_search_study
from .loop import SEARCH_EPOCHS, SEARCH_HPARAMS, SIGNALS, SearchConfig, run_label, signal_view
from .notebook import run_notebook_search
from .open_search import SearchResult, open_search, resolve_space_strategy
from .outcome import error_of, oracle, summarize_runs
from .strategies import NAMED, PW_PAIRS, PW_SWITCH, Strategy, pw_spec, resolve_strategy
from .summary import paper_table, summarize_rows, summarize_search
from .toy import make_toy_benchmark

__all__ = [
    "ACQUISITIONS",
    "NAMED",
    "PW_PAIRS",
    "PW_SWITCH",
    "SEARCH_EPOCHS",
    "SEARCH_HPARAMS",
    "SIGNALS",
    "CheckpointError",
    "SearchConfig",
    "SearchResult",
    "SearchStudy",
    "Strategy",
    "error_of",
    "load_search_results",
    "load_search_study",
    "make_config",
    "make_toy_benchmark",
    "open_search",
    "oracle",
    "paper_table",
    "pw_spec",
    "read_checkpoint",
    "resolve_space_strategy",
    "resolve_strategy",
    "run_label",
    "run_notebook_search",
    "run_search",
    "run_search_study",
    "run_searches",
    "signal_view",
    "summarize_rows",
    "summarize_runs",
    "summarize_search",
]
