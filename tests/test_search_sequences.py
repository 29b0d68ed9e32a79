"""Fixed query sequences: the search loops must keep asking for the same architectures.

Stored searches (`outputs/searches`, `results/`) are only comparable while a seed queries the
same rows, so `tests/data/search_sequences.json` holds the query order of small searches:
table searches (`search_queries`, three seeds in lockstep) on the toy benchmark and on
NB201 CIFAR-10, and `open_search` on the NB201 and DARTS spaces with a hash-based ``evaluate``
(failures and a constant ``evaluate`` included). Guided cases train real predictors for a few
epochs on one CPU thread, the setting the file was written with.

Rewrite the file, only when a change of the sequences is intended, with
``python tests/test_search_sequences.py``.

A guided case trains predictors, whose last bits depend on the machine kind (the file's
``machine``, `pwlkit.train.device.kernel_fingerprint`): on another kind its random first
``n_init`` queries must still match and the whole sequence must repeat within the run, but
the predictor-chosen rest is not compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest

from pwlkit.search import make_config, open_search, resolve_strategy, signal_view
from pwlkit.search.loop import search_queries
from pwlkit.search.toy import make_toy_benchmark
from pwlkit.train.device import kernel_fingerprint

FIXTURE = Path(__file__).resolve().parent / "data" / "search_sequences.json"
SEEDS = [0, 1, 2]
EPOCHS = {"epochs": 5}

TABLE_CASES = {
    "toy/random": ("toy", "random", 30, {}),
    "toy/evolution": ("toy", "evolution", 30, {"population": 10}),
    "toy/pw": ("toy", "pw", 30, EPOCHS),
    "nb201/random": ("nb201-cifar10", "random", 40, {}),
    "nb201/evolution": ("nb201-cifar10", "evolution", 40, {}),
    "nb201/hr": ("nb201-cifar10", "hr", 40, EPOCHS),
    "nb201/pw": ("nb201-cifar10", "pw", 40, EPOCHS),
    "nb201/auto": ("nb201-cifar10", "auto(candidates=hr|mse)", 30, EPOCHS),
}
"""name -> (benchmark, strategy, budget, `SearchConfig` overrides), run on `SEEDS`."""

OPEN_CASES = {
    "nb201/random": ("nb201", "score", "random", 30, {}),
    "nb201/evolution": ("nb201", "score", "evolution", 30, {"population": 10}),
    "nb201/pw": ("nb201", "score", "pw", 30, EPOCHS),
    "darts/random": ("darts", "score", "random", 30, {}),
    "darts/evolution": ("darts", "score", "evolution", 30, {"population": 10}),
    "darts/hr": ("darts", "score", "hr", 30, EPOCHS),
    "darts/evolution-flaky": ("darts", "flaky", "evolution", 30, {"population": 10}),
    "darts/pw-flaky": ("darts", "flaky", "pw", 30, EPOCHS),
    "darts/auto": ("darts", "score", "auto(candidates=hr|mse)", 20, {"top_k": 5, **EPOCHS}),
    "darts/auto-constant": ("darts", "constant", "auto(candidates=hr|mse)", 20, {"top_k": 5}),
}
"""name -> (space, evaluate, strategy, budget, `SearchConfig` overrides), seed 1."""

pytestmark = pytest.mark.usefixtures("one_thread")


def _unit(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def score(arch: str) -> float:
    """Per-position token weights plus noise: a fixed number per architecture string."""
    tokens = re.findall(r"\w+", arch)
    return sum(_unit(f"{p}:{t}") for p, t in enumerate(tokens)) + _unit("noise:" + arch)


def flaky(arch: str) -> float:
    if _unit("fail:" + arch) < 0.2:
        raise RuntimeError("training diverged")
    return score(arch)


def constant(arch: str) -> float:
    return 1.0


EVALUATE = {"score": score, "flaky": flaky, "constant": constant}


def _digest(arch: str) -> str:
    return hashlib.sha256(arch.encode()).hexdigest()[:16]


def table_case(name: str, data_dir: Path | None) -> dict:
    from pwlkit.benchmarks import load_benchmark

    bench_name, strategy, budget, overrides = TABLE_CASES[name]
    if bench_name == "toy":
        bench = make_toy_benchmark(n_edges=5, n_ops=4, seed=0)
    else:
        bench = load_benchmark(bench_name, data_dir=data_dir)
    chosen: list[list[str]] = [[] for _ in SEEDS]
    orders = search_queries(
        signal_view(bench, "val"),
        resolve_strategy(strategy, bench),
        budget,
        SEEDS,
        make_config(**overrides),
        chosen=chosen,
    )
    return {"queried": [[int(i) for i in o] for o in orders], "chosen_losses": chosen}


def open_case(name: str) -> dict:
    space, evaluate, strategy, budget, overrides = OPEN_CASES[name]
    result = open_search(space, EVALUATE[evaluate], budget, strategy, seed=1, **overrides)
    return {
        "archs": [_digest(a) for a in result.archs],
        "scores": result.scores,
        "failed": [_digest(a) for a in result.failed],
        "chosen_losses": result.chosen_losses,
    }


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads(FIXTURE.read_text())


def _same_machine(stored: dict, strategy: str) -> bool:
    """True where the stored sequence must repeat whole: no predictor, or the same kind."""
    return strategy in ("random", "evolution") or stored["machine"] == kernel_fingerprint()


@pytest.mark.parametrize("name", list(TABLE_CASES))
def test_table_search_queries_the_stored_rows(name, stored, request):
    data_dir = None
    if TABLE_CASES[name][0] != "toy":
        data_dir = request.getfixturevalue("shared_data")
    got, want = table_case(name, data_dir), stored["table"][name]
    if _same_machine(stored, TABLE_CASES[name][1]):
        assert got == want
        return
    n_init = make_config(**TABLE_CASES[name][3]).n_init
    assert [q[:n_init] for q in got["queried"]] == [q[:n_init] for q in want["queried"]]
    assert table_case(name, data_dir) == got


@pytest.mark.parametrize("name", list(OPEN_CASES))
def test_open_search_queries_the_stored_architectures(name, stored):
    got, want = open_case(name), stored["open"][name]
    if _same_machine(stored, OPEN_CASES[name][2]):
        assert got == want
        return
    n_init = make_config(**OPEN_CASES[name][4]).n_init
    assert got["archs"][:n_init] == want["archs"][:n_init]
    assert open_case(name) == got


def record(data_dir: Path) -> None:
    """Write `FIXTURE` from the current code (one thread, as the tests run)."""
    import torch

    torch.set_num_threads(1)
    out = {
        "table": {name: table_case(name, data_dir) for name in TABLE_CASES},
        "open": {name: open_case(name) for name in OPEN_CASES},
    }
    parts = [f'"machine": {json.dumps(kernel_fingerprint())}']
    for part, cases in out.items():  # one line per case: a changed case is one changed line
        body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in cases.items())
        parts.append(f"{json.dumps(part)}: {{\n{body}\n}}")
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text("{" + ",\n".join(parts) + "}\n")


if __name__ == "__main__":
    os.environ.setdefault("PWLKIT_CACHE", tempfile.mkdtemp(prefix="pwlkit-cache-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import SHARED_DATA

    record(SHARED_DATA)
