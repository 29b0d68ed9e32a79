"""Predictor backbones, all batched over independent models and fed by one shared encoding.

``build_predictor(name, encoding, n_models, **arch)`` returns a `BatchedModule` whose
``forward(idx[M, B])`` scores architecture rows ``idx`` with each of its ``M`` models.
"""

from __future__ import annotations

from typing import Any

from .encoding import Encoding, build_encoding, encode, gcn_propagation
from .gcn import GCN
from .gin import GIN
from .layers import BatchedLinear, BatchedModule
from .mlp import MLP
from .transformer import Transformer

PREDICTORS: dict[str, type[BatchedModule]] = {
    "gcn": GCN,
    "gin": GIN,
    "mlp": MLP,
    "transformer": Transformer,
}
"""Backbone name -> class."""

ARCH_PARAMS: dict[str, dict[str, Any]] = {
    "gcn": {"hidden": 144, "layers": 4, "head_hidden": 128},
    "gin": {"hidden": 64, "layers": 3, "head_hidden": 64, "pool": "sum"},
    "mlp": {"hidden": 256, "layers": 3},
    "transformer": {"dim": 64, "heads": 4, "layers": 2, "ffn": 128},
}
"""Each backbone's architecture settings and their defaults."""


def build_predictor(name: str, encoding: Encoding, n_models: int = 1, **arch: Any) -> BatchedModule:
    """An uninitialised batched predictor (call ``.reset(seeds)``); bad names list choices."""
    if name not in PREDICTORS:
        raise ValueError(f"unknown backbone {name!r}. Valid backbones: {', '.join(PREDICTORS)}")
    unknown = set(arch) - set(ARCH_PARAMS[name])
    if unknown:
        raise ValueError(
            f"backbone {name!r} has no setting {', '.join(sorted(unknown))}. "
            f"Valid: {', '.join(ARCH_PARAMS[name])}"
        )
    return PREDICTORS[name](encoding, n_models, **{**ARCH_PARAMS[name], **arch})


__all__ = [
    "ARCH_PARAMS",
    "GCN",
    "GIN",
    "MLP",
    "PREDICTORS",
    "BatchedLinear",
    "BatchedModule",
    "Encoding",
    "Transformer",
    "build_encoding",
    "build_predictor",
    "encode",
    "gcn_propagation",
]
