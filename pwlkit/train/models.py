"""Trained predictors kept as weights: fit with the engine, then score architectures never seen.

`fit_predict_many` scores the rows of the benchmark it trained on. `fit_models` runs the same
steps (the loss selections, `pwlkit.train.prepare.prepare`, `Prepared.model`,
`Prepared.train`) and returns the trained batched model instead of its scores.
A backbone reads the `Encoding` it was built with, so `predict_encoded` scores new
architectures by building their encoding (same operation vocabulary, same node count; smaller
graphs are padded with PAD) and a model of the same shape on it holding the trained weights.
A `ModelSpec` is what that rebuild needs besides the weights; it travels as a plain dict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from ..benchmarks.base import PAD, Benchmark
from ..benchmarks.live import prune_dead
from ..losses import Spec
from ..predictors import Encoding, build_encoding, build_predictor
from ..predictors.layers import BatchedModule
from . import engine
from .selection import prepare_specs
from .workers import run_single_threaded


@dataclass(frozen=True)
class ModelSpec:
    """How to rebuild a trained batched model: backbone, its settings, model count, and the
    encoding it reads (operation vocabulary ``op_names``, ``n_nodes`` node slots, and the
    ``prune`` setting it was trained with: new cells are pruned the same way)."""

    backbone: str
    arch: dict[str, Any]
    n_models: int
    op_names: tuple[str, ...]
    n_nodes: int
    prune: str = "none"

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values only (loadable by ``torch.load(..., weights_only=True)``)."""
        out = asdict(self)
        out["op_names"] = list(self.op_names)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        return cls(
            backbone=str(data["backbone"]),
            arch=dict(data["arch"]),
            n_models=int(data["n_models"]),
            op_names=tuple(data["op_names"]),
            n_nodes=int(data["n_nodes"]),
            prune=str(data.get("prune", "none")),
        )


@dataclass(frozen=True)
class FittedModels:
    """What `fit_models` returns: the trained model (on ``encoding``, the training benchmark's),
    its `ModelSpec`, and the loss each model trained with (a selection such as ``auto``
    resolved to the loss it chose)."""

    model: BatchedModule
    encoding: Encoding
    spec: ModelSpec
    losses: list[str]

    def weights(self) -> dict[str, torch.Tensor]:
        """The trained weights on the CPU (a detached copy of the state dict)."""
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}


def fit_models(
    benchmark: Benchmark,
    train_sets: Sequence[Sequence[int] | np.ndarray],
    losses: Sequence[str | Spec],
    seeds: Sequence[int],
    backbone: str = "gcn",
    epochs: int | None = None,
    signal: str = "val",
    **hparams: Any,
) -> FittedModels:
    """Train ``M`` predictors on rows of ``benchmark`` as `fit_predict_many` does and return them.

    Arguments and checks are those of `fit_predict_many`; all ``M`` models train in one batched
    group (``max_models`` is not used) on one thread (CPU) or on the device. Model ``m`` trains
    exactly as job ``m`` of `fit_predict_many` with the same arguments.

    Returns:
        `FittedModels`: the model, the encoding it was trained on, its `ModelSpec` and the
        losses trained.
    """
    prep = prepare_specs(
        benchmark,
        train_sets,
        losses,
        seeds,
        backbone=backbone,
        epochs=epochs,
        signal=signal,
        hparams=hparams,
    )
    model = prep.model()
    if prep.device.type == "cpu":
        run_single_threaded([lambda: prep.train(model)], 1)
    else:
        prep.train(model)
    engine.check_finite_weights(model, prep.opt)
    spec = ModelSpec(
        backbone,
        prep.full_arch,
        len(seeds),
        tuple(benchmark.op_names),
        prep.encoding().n_nodes,
        prep.prune,
    )
    return FittedModels(model, prep.encoding(), spec, [s.name for s in prep.schedules])


def encoded_benchmark(
    ops: np.ndarray,
    adj: np.ndarray,
    op_names: Sequence[str],
    n_nodes: int | None = None,
    *,
    y: np.ndarray | None = None,
    archs: Sequence[str] | None = None,
    space: str = "custom",
) -> Benchmark:
    """Encoded architectures as a `Benchmark` (what the backbones read), padded to ``n_nodes``.

    ``y`` fills ``val`` and ``test`` (zeros when None); ``archs`` names the rows (their row
    numbers when None).

    Raises:
        ValueError: shapes that are not ``[n, nodes]`` / ``[n, nodes, nodes]``, more nodes than
            ``n_nodes``, or an operation index outside ``op_names`` (and not PAD).
    """
    ops, adj = np.asarray(ops), np.asarray(adj)
    if ops.ndim != 2 or adj.shape != (*ops.shape, ops.shape[1]):
        raise ValueError(
            f"ops must be [n, nodes] and adj [n, nodes, nodes], got {ops.shape} and {adj.shape}"
        )
    if not np.issubdtype(ops.dtype, np.integer) or not np.isin(adj, (0, 1)).all():
        raise ValueError("ops must be integer operation indices and adj 0/1")
    n, nodes = ops.shape
    n_nodes = nodes if n_nodes is None else int(n_nodes)
    if nodes > n_nodes:
        raise ValueError(f"the architectures have {nodes} node slots, the model reads {n_nodes}")
    bad = (ops != PAD) & ((ops < 0) | (ops >= len(op_names)))
    if bad.any():
        raise ValueError(
            f"operation index {int(ops[bad][0])} is outside the vocabulary of {len(op_names)} "
            f"operations ({', '.join(op_names)}); PAD={PAD} marks an absent node"
        )
    padded_ops = np.full((n, n_nodes), PAD, dtype=np.int16)
    padded_ops[:, :nodes] = ops
    padded_adj = np.zeros((n, n_nodes, n_nodes), dtype=np.uint8)
    padded_adj[:, :nodes, :nodes] = adj
    values = np.zeros(n) if y is None else np.asarray(y, dtype=np.float64)
    names = [str(i) for i in range(n)] if archs is None else [str(a) for a in archs]
    return Benchmark(
        name=f"{space}-archs",
        space=space,
        arch=np.array(names, dtype=object),
        ops=padded_ops,
        adj=padded_adj,
        op_names=tuple(op_names),
        val=values,
        test=values,
        test_is_val=True,
        metric="as given (higher is better)",
        source="architectures given by the caller",
    )


def predict_encoded(
    spec: ModelSpec,
    weights: dict[str, torch.Tensor],
    ops: np.ndarray,
    adj: np.ndarray,
    device: str | torch.device = "cpu",
    workers: int = 1,
) -> np.ndarray:
    """``[M, n]`` float64 scores of ``n`` encoded architectures by the ``M`` trained models.

    ``ops`` / ``adj`` index the same vocabulary as the training encoding (``spec.op_names``);
    graphs with fewer node slots are padded with PAD.

    Raises:
        ValueError: encodings `encoded_benchmark` rejects, or weights of another shape than
            the model this encoding gives (e.g. an MLP whose flat features changed size).
    """
    bench = encoded_benchmark(ops, adj, spec.op_names, spec.n_nodes)
    if spec.prune == "dead":
        bench = prune_dead(bench)
    if not len(bench):
        return np.zeros((spec.n_models, 0))
    device = torch.device(device)
    enc = build_encoding(bench).to(device)
    model = build_predictor(spec.backbone, enc, spec.n_models, **spec.arch)
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise ValueError(
            f"the trained {spec.backbone} weights do not fit a model on these architectures: "
            f"{str(exc).splitlines()[-1].strip()}"
        ) from None
    model.to(device)
    return engine.predict_all(model, len(bench), workers=workers).numpy().astype(np.float64)
