"""The run layer studies and searches share: cells and jobs, the results store, executors
(inline / local pool / Dask), the run loop and its record, per-process benchmark cache,
thread shares, grid files (the keys both kinds share, read and checked once) and the notebook
runner.

Studies (`pwlkit.study`) and searches (`pwlkit.search`) build on this package and never import
each other.
"""

from .benchmark_cache import load_benchmark_cached
from .driver import run_jobs
from .executors import EXECUTORS, iter_outcomes, resolve_executor
from .gridfile import GridFileError
from .jobs import Cell, Job, digest, group_jobs, pending_jobs
from .record import RunRecord, describe_error, store_outcomes
from .store import ResultStore
from .threads import set_task_threads, worker_host

__all__ = [
    "EXECUTORS",
    "Cell",
    "GridFileError",
    "Job",
    "ResultStore",
    "RunRecord",
    "describe_error",
    "digest",
    "group_jobs",
    "iter_outcomes",
    "load_benchmark_cached",
    "pending_jobs",
    "resolve_executor",
    "run_jobs",
    "set_task_threads",
    "store_outcomes",
    "worker_host",
]
