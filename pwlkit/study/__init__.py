"""Studies: grids of fits (benchmark x loss x train size x backbone x seed), run resumably.

>>> from pwlkit.study import load_study, run_study, load_results, summarize
>>> study = load_study("parameters/loss_size_nbgraph.yaml")     # doctest: +SKIP
>>> run_study(study, executor="local")                         # doctest: +SKIP
>>> summarize(load_results(study), by=["train_size", "loss"])  # doctest: +SKIP
"""

from .cells import RESULT_FORMAT, Cell, Job, expand_cells, group_jobs
from .executors import EXECUTORS
from .results import load_results, summarize
from .run import RunReport, StudyStatus, run_study, study_jobs, study_status
from .schema import KEYS, Study, StudyError, load_study
from .store import ResultStore

__all__ = [
    "EXECUTORS",
    "KEYS",
    "RESULT_FORMAT",
    "Cell",
    "Job",
    "ResultStore",
    "RunReport",
    "Study",
    "StudyError",
    "StudyStatus",
    "expand_cells",
    "group_jobs",
    "load_results",
    "load_study",
    "run_study",
    "study_jobs",
    "study_status",
    "summarize",
]
