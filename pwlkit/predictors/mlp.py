"""MLP predictor on the flat encoding (one-hot operations + upper-triangular adjacency).

The "AP (MLP)" style backbone: no message passing, so it learns the graph only through the
adjacency bits; batched over independent models like every backbone.
"""

from __future__ import annotations

import itertools

import torch
from torch.nn import functional as F

from .encoding import Encoding
from .layers import BatchedLinear, BatchedModule


class MLP(BatchedModule):
    """``n_models`` MLPs: ``forward(idx[M, B]) -> scores[M, B]``.

    Args:
        encoding: the space's `Encoding` (uses ``encoding.flat``).
        n_models: number of independent models held in the batched weights.
        hidden: width of every hidden layer.
        layers: number of hidden layers.
    """

    def __init__(
        self, encoding: Encoding, n_models: int = 1, *, hidden: int = 256, layers: int = 3
    ) -> None:
        super().__init__(n_models)
        if layers < 1 or hidden < 1:
            raise ValueError("mlp: hidden and layers must be >= 1")
        self.enc = encoding
        widths = [encoding.flat.shape[1]] + [hidden] * layers
        self.hidden_layers = torch.nn.ModuleList(
            BatchedLinear(n_models, a, b) for a, b in itertools.pairwise(widths)
        )
        self.out = BatchedLinear(n_models, hidden, 1)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        h = self.enc.flat[idx]  # [M, B, F]
        for layer in self.hidden_layers:
            h = F.relu(layer(h))
        return self.out(h).squeeze(-1)

    def output_layer(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.out.weight[m], self.out.bias[m]

    def flops_per_arch(self) -> dict[str, int]:
        """Multiply-add FLOPs (x2) per architecture of one forward pass of one model, and of
        one training step (forward + backward; the input layer needs no input gradient)."""
        per = [2 * lin.in_features * lin.out_features for lin in self.hidden_layers]
        per.append(2 * self.out.in_features)
        forward = sum(per)
        return {"forward": forward, "train": forward + per[0] + 2 * sum(per[1:])}
