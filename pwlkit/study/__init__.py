"""Studies: grids of fits (benchmark x loss x train size x backbone x seed), run resumably.

>>> from pwlkit.study import load_study, run_study, load_results, summarize
>>> study = load_study("parameters/loss_size_analognas.yaml")     # doctest: +SKIP
>>> run_study(study, executor="local")                         # doctest: +SKIP
>>> summarize(load_results(study), by=["train_size", "loss"])  # doctest: +SKIP
"""

from pwlkit.runs import EXECUTORS, ResultStore, RunRecord

from .cells import RESULT_FORMAT, FitCell, FitJob, expand_cells, group_fit_jobs, study_jobs
from .driver import StudyStatus, run_study, study_status
from .notebook import run_notebook_study
from .results import load_results, summarize
from .schema import KEYS, Study, StudyError, load_study

__all__ = [
    "EXECUTORS",
    "KEYS",
    "RESULT_FORMAT",
    "FitCell",
    "FitJob",
    "ResultStore",
    "RunRecord",
    "Study",
    "StudyError",
    "StudyStatus",
    "expand_cells",
    "group_fit_jobs",
    "load_results",
    "load_study",
    "run_notebook_study",
    "run_study",
    "study_jobs",
    "study_status",
    "summarize",
]
