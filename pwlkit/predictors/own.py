"""A user's own ``torch.nn.Module`` as a predictor the engine can train.

`OwnModel` wraps one module (``n_models = 1``) so that `pwlkit.train.engine.train` fits it
with any loss or schedule unchanged. The module sees the encoded batch of architectures in one
of two input kinds:

- ``inputs="dense"``: ``module(ops, adj, node_mask)`` with ``ops [B, n]`` int64 operation
  indices (PAD nodes hold 0), ``adj [B, n, n]`` float32 (the encoding's normalised
  propagation matrix) and ``node_mask [B, n]`` bool (True on real nodes);
- ``inputs="pyg"``: ``module(batch)`` with a `torch_geometric.data.Batch` of the B graphs
  (``x``: one-hot operations of real nodes only, ``edge_index``, ``batch``; see
  `pwlkit.predictors.graphs`).

It must return ``[B]`` or ``[B, 1]`` scores (higher = better).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .encoding import Encoding
from .graphs import arch_batch, arch_graphs
from .layers import BatchedModule

INPUTS = ("dense", "pyg")
"""The input kinds a user module can take."""


class OwnModel(BatchedModule):
    """One user module as a batched predictor: ``forward(idx[1, B]) -> scores[1, B]``.

    Args:
        encoding: the space's `Encoding`.
        module: the user's module (trained in place).
        inputs: ``"dense"`` or ``"pyg"`` (see the module docstring).
    """

    def __init__(self, encoding: Encoding, module: nn.Module, inputs: str = "dense") -> None:
        super().__init__(1)
        if inputs not in INPUTS:
            raise ValueError(f"unknown inputs {inputs!r}. Valid inputs: {', '.join(INPUTS)}")
        if not isinstance(module, nn.Module):
            raise TypeError(f"the model must be a torch.nn.Module, got {type(module).__name__}")
        if not any(p.requires_grad for p in module.parameters()):
            raise ValueError("the model has no trainable parameters")
        self.enc, self.module, self.inputs = encoding, module, inputs
        if inputs == "pyg":
            arch_graphs(encoding)  # built once, here, not inside the first step

    @torch.no_grad()
    def reset(self, seeds: Sequence[int]) -> None:
        """Seed torch with ``seeds[0]`` and call ``reset_parameters()`` on every submodule
        that has one, so a fit from the same seed repeats exactly."""
        if len(seeds) != 1:
            raise ValueError(f"need 1 seed, got {len(seeds)}")
        torch.manual_seed(int(seeds[0]))
        for sub in self.module.modules():
            init = getattr(sub, "reset_parameters", None)
            if callable(init):
                init()

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        rows = idx[0]
        b = rows.shape[0]
        if self.inputs == "dense":
            enc = self.enc
            out = self.module(enc.ops[rows], enc.adj[rows], enc.node_mask[rows])
        else:
            out = self.module(arch_batch(self.enc, rows))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) not in {(b,), (b, 1)}:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"the model must return [B] or [B, 1] scores for a batch of B = {b} "
                f"architectures, got {shape}"
            )
        return out.reshape(1, b)

    def flops_per_arch(self) -> dict[str, int]:
        """Unknown for a user module: zeros."""
        return {"forward": 0, "train": 0}
