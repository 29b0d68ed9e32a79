"""Budgeted architecture search on table-backed spaces: predictor-guided (any loss or PW
schedule), random search and regularized evolution, reported like the PWLNAS paper."""

from .loop import SEARCH_EPOCHS, SIGNALS, SearchConfig, signal_view
from .report import error_of, oracle, summarize_runs
from .run import make_config, run_search, run_searches
from .strategies import PW_PAIRS, PW_SWITCH, Strategy, pw_spec, resolve_strategy

__all__ = [
    "PW_PAIRS",
    "PW_SWITCH",
    "SEARCH_EPOCHS",
    "SIGNALS",
    "SearchConfig",
    "Strategy",
    "error_of",
    "make_config",
    "oracle",
    "pw_spec",
    "resolve_strategy",
    "run_search",
    "run_searches",
    "signal_view",
    "summarize_runs",
]
