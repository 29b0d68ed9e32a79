"""The device option: CPU by default and bit-identical to not giving it, ``auto`` picks what
torch sees, a GPU that is not there is a one-line error before any work, and the device never
changes a stored cell's id."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pwlkit.benchmarks import load_benchmark
from pwlkit.checks import BadParameter
from pwlkit.cli import main
from pwlkit.predictors import encode
from pwlkit.study import expand_cells, load_study, run_study
from pwlkit.train import fit_predict, sample_train
from pwlkit.train.device import resolve_device

NO_GPU = not torch.cuda.is_available()
needs_no_gpu = pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")


def test_cpu_and_auto_resolve_here():
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("CPU") == torch.device("cpu")
    assert resolve_device("auto").type == ("cpu" if NO_GPU else "cuda")


@pytest.mark.parametrize("bad", ["gpu", "tpu", "cuda:x", "mps"])
def test_unknown_devices_name_the_valid_ones(bad):
    with pytest.raises(BadParameter, match=r"device must be one of cpu, cuda, cuda:N or auto"):
        resolve_device(bad)


@needs_no_gpu
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(BadParameter, match=r"--device 'cuda': no CUDA device here.*use --device"):
        resolve_device("cuda", "--device")


def test_device_cpu_is_bit_identical_to_the_default():
    bench = load_benchmark("nbgraph-cora")
    idx = sample_train(bench, 40, 0)
    default = fit_predict(bench, idx, "hr", epochs=4, seed=1)
    cpu = fit_predict(bench, idx, "hr", epochs=4, seed=1, device="cpu")
    auto = fit_predict(bench, idx, "listmle", epochs=4, seed=1, device="auto")
    assert np.array_equal(default, cpu) and np.isfinite(auto).all()


def test_an_encoding_on_its_own_device_is_itself():
    enc = encode(load_benchmark("nbgraph-cora"))
    assert enc.to("cpu") is enc and enc.device == torch.device("cpu")


STUDY = {
    "name": "dev",
    "benchmarks": ["nbgraph-cora"],
    "losses": ["hr"],
    "train_sizes": [12],
    "seeds": 1,
    "epochs": 2,
}


def test_the_device_is_not_part_of_a_cell_id(tmp_path):
    plain = load_study({**STUDY, "output_dir": str(tmp_path)})
    on_cpu = load_study(
        {**STUDY, "output_dir": str(tmp_path), "hyperparameters": {"device": "cpu"}}
    )
    assert [c.cell_id for c in expand_cells(plain)] == [c.cell_id for c in expand_cells(on_cpu)]


@needs_no_gpu
@pytest.mark.parametrize(
    "argv",
    [
        ["fit", "--benchmark", "nbgraph-cora", "--train-size", "20", "--device", "cuda"],
        [
            "search",
            "--benchmark",
            "nbgraph-cora",
            "--strategy",
            "hr",
            "--budget",
            "20",
            "--device",
            "cuda",
        ],
    ],
)
def test_cli_cuda_without_a_gpu_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--device 'cuda': no CUDA device here" in err


@needs_no_gpu
def test_a_study_on_a_missing_gpu_fails_before_any_work(tmp_path):
    def no_fit(*args, **kwargs):
        raise AssertionError("a fit started")

    with pytest.raises(BadParameter, match="no CUDA device"):
        run_study(
            {**STUDY, "output_dir": str(tmp_path)}, executor="inline", fit_fn=no_fit, device="cuda"
        )
    assert not (tmp_path / "dev").exists() or not list((tmp_path / "dev").rglob("part-*"))
