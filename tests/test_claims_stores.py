"""`load_stores`: the claims see float32 training only; bfloat16 cells are left out, said once."""

from __future__ import annotations

from pwlkit.claims import load_stores
from pwlkit.study import run_study

TINY = {
    "benchmarks": ["nbgraph-cora"],
    "losses": ["hr", "mape"],
    "train_sizes": [12],
    "backbones": ["mlp"],
    "seeds": 2,
    "epochs": 2,
}


def test_bfloat16_cells_are_left_out_of_the_claims_with_one_warning(tmp_path):
    root = tmp_path / "studies"
    for name, hparams in (("f32", {}), ("bf16", {"train_dtype": "bfloat16"})):
        params = {**TINY, "name": name, "output_dir": str(root), "hyperparameters": hparams}
        assert run_study(params, executor="inline", progress=False, threads=1).ok
    said: list[str] = []
    studies, searches = load_stores(root, warn=said.append)
    assert searches is None
    assert len(studies) == 4 and set(studies["hparams"]) == {"{}"}
    assert len(said) == 1 and "bf16" in said[0] and "4 cells" in said[0], said
