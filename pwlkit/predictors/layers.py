"""Layers that hold the weights of many independent models in one tensor.

A layer for ``M`` models stores ``weight[M, in, out]`` and runs all models with one batched
matrix product, so training 32 predictors costs about as many Python calls as training one.
Each model's slice is initialised from that model's own seed (`BatchedModule.reset`), so a
model's weights never depend on which other models share the batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F


def affine(bias: torch.Tensor | None, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``x[m] @ weight[m] + bias[m]`` for ``[M, rows, in]`` inputs, the same bits for a model
    whatever ``M`` is.

    A batched product of one matrix with one output column runs another kernel than the same
    product inside a batch of two or more (a matrix-vector product), and its last bits differ;
    over hundreds of epochs that difference grows until a model trained alone scores the
    space differently from the same model trained beside others. So a lone model's
    one-column products run as a batch of two views of it (the second's result is dropped, its
    gradient is zero): a fit's numbers then depend on its own cell only.
    """
    if x.shape[0] == 1 and weight.shape[-1] == 1:
        x, weight = x.expand(2, *x.shape[1:]), weight.expand(2, *weight.shape[1:])
        if bias is not None:
            bias = bias.expand(2, *bias.shape[1:])
        return affine(bias, x, weight)[:1]
    if bias is None:
        return torch.bmm(x, weight)
    return torch.baddbmm(bias, x, weight)


def _uniform(shape: Sequence[int], bound: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


class BatchedModule(nn.Module):
    """Base of every batched model: ``n_models`` copies, seeded one by one.

    ``stacks``: whether a group of models runs as one batched step (True for the stacked
    backbones); `pwlkit.train.fit_predict_many` trains backbones that do not in groups of one.
    """

    stacks: bool = True

    def __init__(self, n_models: int) -> None:
        super().__init__()
        self.n_models = int(n_models)

    def fit_flops(self, epochs: int, n_train: int, num_archs: int) -> int:
        """Model FLOPs of one model's fit: ``epochs`` passes over ``n_train`` training
        architectures, then scoring ``num_archs`` (from the backbone's ``flops_per_arch``)."""
        flops = self.flops_per_arch()
        return epochs * n_train * flops["train"] + num_archs * flops["forward"]

    def model_parameters(self, m: int) -> dict[str, torch.Tensor]:
        """Model ``m``'s parameters by name, as views (row ``m`` of each stacked weight), so
        one model's weights can be read or overwritten without touching the others."""
        return {name: param[m] for name, param in self.named_parameters()}

    def output_layer(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Weight and bias of model ``m``'s last layer, the affine map that gives its score
        (views: scaling both and shifting the bias scales and shifts the scores).

        Raises:
            NotImplementedError: the backbone has no such layer to expose.
        """
        raise NotImplementedError(
            f"{type(self).__name__} exposes no last linear layer; the switch option refit "
            "needs one (gcn, gin, mlp and transformer have it)"
        )

    @torch.no_grad()
    def reset(self, seeds: Sequence[int]) -> None:
        """Initialise model ``m`` from ``torch.Generator().manual_seed(seeds[m])`` only."""
        if len(seeds) != self.n_models:
            raise ValueError(f"need {self.n_models} seeds, got {len(seeds)}")
        for m, seed in enumerate(seeds):
            gen = torch.Generator().manual_seed(int(seed))
            for module in self.modules():
                init = getattr(module, "init_model", None)
                if init is not None:
                    init(m, gen)


class BatchedLinear(nn.Module):
    """``y[m] = x[m] @ weight[m] + bias[m]`` for inputs ``[M, ..., in]``.

    ``init="torch"`` draws like `torch.nn.Linear` (uniform, bound 1/sqrt(in));
    ``init="glorot"`` draws the weight like PyG's ``glorot`` and zeroes the bias, as
    `torch_geometric.nn.DenseGCNConv` does.
    """

    def __init__(
        self,
        n_models: int,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        init: str = "torch",
    ) -> None:
        super().__init__()
        self.in_features, self.out_features, self.init = in_features, out_features, init
        self.weight = nn.Parameter(torch.empty(n_models, in_features, out_features))
        self.bias = nn.Parameter(torch.empty(n_models, 1, out_features)) if bias else None

    def init_model(self, m: int, gen: torch.Generator) -> None:
        fan_in, fan_out = self.in_features, self.out_features
        if self.init == "glorot":
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            self.weight[m] = _uniform((fan_in, fan_out), bound, gen)
            if self.bias is not None:
                self.bias[m] = 0.0
        else:
            bound = 1.0 / math.sqrt(fan_in)
            self.weight[m] = _uniform((fan_in, fan_out), bound, gen)
            if self.bias is not None:
                self.bias[m] = _uniform((1, fan_out), bound, gen)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.shape[0]
        out = affine(self.bias, x.reshape(m, -1, self.in_features), self.weight)
        return out.view(*x.shape[:-1], self.out_features)


class BatchedEmbedding(nn.Module):
    """Per-model lookup table ``weight[M, num, dim]``: ``out[m, ...] = weight[m, idx[m, ...]]``.

    A linear layer applied to one-hot vectors is exactly this lookup, at a fraction of the cost.
    """

    def __init__(self, n_models: int, num: int, dim: int, *, init: str = "glorot") -> None:
        super().__init__()
        self.num, self.dim, self.init = num, dim, init
        self.weight = nn.Parameter(torch.empty(n_models, num, dim))

    def init_model(self, m: int, gen: torch.Generator) -> None:
        if self.init == "glorot":
            bound = math.sqrt(6.0 / (self.num + self.dim))
        else:
            bound = 1.0 / math.sqrt(self.num)
        self.weight[m] = _uniform((self.num, self.dim), bound, gen)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        m = idx.shape[0]
        offset = torch.arange(m, device=idx.device).view(m, *([1] * (idx.dim() - 1))) * self.num
        return F.embedding(idx + offset, self.weight.view(m * self.num, self.dim))


class BatchedBias(nn.Module):
    """A per-model bias or learned vector ``[M, *shape]`` (zero or small-uniform start)."""

    def __init__(self, n_models: int, *shape: int, std: float = 0.0) -> None:
        super().__init__()
        self.std = std
        self.weight = nn.Parameter(torch.zeros(n_models, *shape))

    def init_model(self, m: int, gen: torch.Generator) -> None:
        if self.std:
            self.weight[m] = torch.randn(self.weight.shape[1:], generator=gen) * self.std
        else:
            self.weight[m] = 0.0
