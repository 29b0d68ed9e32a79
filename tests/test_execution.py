"""How fits run is apart from what they compute: a study or a table search started with one
thread count or device resumes with another and computes nothing twice."""

from __future__ import annotations

import pytest

from pwlkit.study import run_study
from pwlkit.train.execution import Execution, resolve_execution, split_execution

pytestmark = pytest.mark.usefixtures("one_thread")


def test_execution_is_taken_out_of_the_settings_and_checked():
    rest, execution = split_execution({"lr": 0.1, "threads": 2, "device": "cpu"})
    assert rest == {"lr": 0.1} and execution == Execution(device="cpu", threads=2)
    with pytest.raises(ValueError, match="threads"):
        resolve_execution(threads=0)
    with pytest.raises(ValueError, match="device"):
        resolve_execution(device="tpu")


def test_a_study_resumes_under_other_threads_and_device_computing_nothing(tmp_path):
    params = {
        "name": "runs-anywhere",
        "benchmarks": ["nbgraph-cora"],
        "losses": ["hr", "mse"],
        "train_sizes": [20],
        "backbones": ["mlp"],
        "seeds": 2,
        "epochs": 2,
        "output_dir": str(tmp_path),
    }
    first = run_study(params, executor="inline", progress=False, threads=1)
    assert first.computed == 4
    again = run_study(params, executor="inline", progress=False, threads=2, device="cpu")
    assert (again.already_done, again.computed) == (4, 0)
    hinted = {**params, "hyperparameters": {"threads": 1}}  # written into the file: the same
    assert run_study(hinted, executor="inline", progress=False).computed == 0


def test_a_table_search_resumes_under_other_threads_and_device_computing_nothing(tmp_path):
    from pwlkit.search import run_search_study

    study = {
        "name": "search-anywhere",
        "benchmarks": ["nbgraph-cora"],
        "strategies": ["hr"],
        "budgets": [12],
        "seeds": 2,
        "n_init": 10,
        "epochs": 2,
        "output_dir": str(tmp_path),
        "hyperparameters": {"threads": 1},
    }
    first = run_search_study(study, executor="inline", progress=False)
    assert first.computed == 2
    other = {**study, "hyperparameters": {"threads": 2}}
    again = run_search_study(other, executor="inline", progress=False, device="cpu")
    assert (again.already_done, again.computed) == (2, 0)
