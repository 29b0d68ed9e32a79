"""GIN predictor (NPENAS shape) built from PyG layers, for ``n_models`` independent models.

Each model is ``layers`` `torch_geometric.nn.GINConv` layers, each with a 2-layer MLP
(``Linear -> ReLU -> Linear``) and a ReLU after it, on one-hot operations of real nodes only;
node features are sum- or mean-pooled per graph (`global_add_pool` / `global_mean_pool`) and
an MLP head gives one score per architecture. Defaults: 3 layers of width 64, sum pooling
(GIN's injective readout), head 64 -> 1. No batch normalisation, so a model's score of a
cell never depends on the other cells of its batch.

Unlike the GCN, the models are not stacked into batched weights: they are a
`torch.nn.ModuleList` of independent GINs run one after another in ``forward``, so a group of
``M`` models costs about ``M`` single steps (`fit_predict_many` trains gin groups of one model
unless ``max_models`` is given).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
from torch import nn

from .encoding import Encoding
from .graphs import arch_batch, arch_graphs
from .layers import BatchedModule

POOLS = {"sum": "global_add_pool", "mean": "global_mean_pool"}
"""Pooling per graph: the `torch_geometric.nn` function of each name (imported with the first
GIN built: torch_geometric takes seconds to import, and most fits never need it)."""


class _GIN(nn.Module):
    """One GIN: ``forward(batch) -> [num_graphs]`` scores."""

    def __init__(self, num_ops: int, hidden: int, layers: int, head_hidden: int, pool: str):
        super().__init__()
        import torch_geometric.nn as pyg

        dims = [num_ops] + [hidden] * layers
        self.convs = nn.ModuleList(
            pyg.GINConv(nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, b)))
            for a, b in itertools.pairwise(dims)
        )
        self.pool = getattr(pyg, POOLS[pool])
        self.head = nn.Sequential(
            nn.Linear(hidden, head_hidden), nn.ReLU(), nn.Linear(head_hidden, 1)
        )

    def forward(self, batch) -> torch.Tensor:
        pooled = self.pool(
            self.embed(batch.x, batch.edge_index), batch.batch, size=batch.num_graphs
        )
        return self.head(pooled).view(-1)

    def embed(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Node states ``[nodes, hidden]`` after the GIN layers (before pooling and head)."""
        for conv in self.convs:
            x = conv(x, edge_index).relu()
        return x


class GIN(BatchedModule):
    """``n_models`` GIN predictors: ``forward(idx[M, B]) -> scores[M, B]``.

    Args:
        encoding: the space's `Encoding`.
        n_models: number of independent GINs.
        hidden: width of every GIN layer and its MLP (default 64).
        layers: number of GIN layers (default 3).
        head_hidden: width of the head's hidden layer (default 64).
        pool: ``"sum"`` (default) or ``"mean"`` over each cell's real nodes.
    """

    stacks = False

    def __init__(
        self,
        encoding: Encoding,
        n_models: int = 1,
        *,
        hidden: int = 64,
        layers: int = 3,
        head_hidden: int = 64,
        pool: str = "sum",
    ) -> None:
        super().__init__(n_models)
        if layers < 1 or hidden < 1 or head_hidden < 1:
            raise ValueError("gin: hidden, layers and head_hidden must be >= 1")
        if pool not in POOLS:
            raise ValueError(f"gin: unknown pool {pool!r}. Valid pools: {', '.join(POOLS)}")
        self.enc, self.hidden, self.n_layers, self.head_hidden = (
            encoding,
            hidden,
            layers,
            head_hidden,
        )
        self.nets = nn.ModuleList(
            _GIN(encoding.num_ops, hidden, layers, head_hidden, pool) for _ in range(n_models)
        )
        arch_graphs(encoding)

    @torch.no_grad()
    def reset(self, seeds: Sequence[int]) -> None:
        """Initialise model ``m`` from ``torch.Generator().manual_seed(seeds[m])`` only.

        Every `torch.nn.Linear` is drawn as its ``reset_parameters()`` draws (weight and bias
        uniform in +-1/sqrt(fan_in)), but from the model's own generator, not torch's global
        one: groups may be initialised in parallel threads.
        """
        if len(seeds) != self.n_models:
            raise ValueError(f"need {self.n_models} seeds, got {len(seeds)}")
        for net, seed in zip(self.nets, seeds):
            gen = torch.Generator().manual_seed(int(seed))
            for sub in net.modules():
                if isinstance(sub, nn.Linear):
                    bound = 1.0 / math.sqrt(sub.in_features)
                    sub.weight.copy_(torch.rand(sub.weight.shape, generator=gen) * 2 - 1)
                    sub.weight.mul_(bound)
                    sub.bias.copy_((torch.rand(sub.bias.shape, generator=gen) * 2 - 1) * bound)

    def output_layer(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        last = self.nets[m].head[-1]
        return last.weight, last.bias

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return torch.stack([net(arch_batch(self.enc, rows)) for net, rows in zip(self.nets, idx)])

    def model_parameters(self, m: int) -> dict[str, torch.Tensor]:
        """Model ``m``'s parameters by name: those of its own GIN (the models are not stacked,
        so the names are the same for every ``m``)."""
        return dict(self.nets[m].named_parameters())

    def node_states(
        self, idx: torch.Tensor, onehot: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``([M, B, n, hidden] node states, [M, B, hidden] pooled)`` before the head, as
        pretraining reads them (`pwlkit.train.pretrain`): from the cells' operations or from
        ``onehot`` ``[M, B, n, num_ops]`` standing in for them (a zero row: an operation
        hidden from the model). Absent node slots hold zero states."""
        enc = self.enc
        nodes, pooled = [], []
        for m, (net, rows) in enumerate(zip(self.nets, idx)):
            batch = arch_batch(enc, rows)
            real = enc.node_mask[rows]  # [B, n]; its True entries are the batch's nodes, in order
            x = batch.x if onehot is None else onehot[m][real]
            h = net.embed(x, batch.edge_index)
            pooled.append(net.pool(h, batch.batch, size=len(rows)))
            dense = h.new_zeros(len(rows), enc.n_nodes, h.shape[-1])
            dense[real] = h
            nodes.append(dense)
        return torch.stack(nodes), torch.stack(pooled)

    def flops_per_arch(self) -> dict[str, int]:
        """Approximate FLOPs (multiply-adds x2) per architecture of one model, as if every cell
        had all ``n`` node slots real and the aggregation were a dense ``[n, n]`` product: the
        GIN MLPs, the aggregation, the pooling and the head; training counts 3x the forward."""
        n, h, hh, k = self.enc.n_nodes, self.hidden, self.head_hidden, self.enc.num_ops
        mlps = 2 * n * (k * h + h * h) + (self.n_layers - 1) * 2 * n * 2 * h * h
        agg = 2 * n * (k + (self.n_layers - 1) * h) * n
        forward = mlps + agg + 2 * n * h + 2 * h * hh + 2 * hh
        return {"forward": forward, "train": 3 * forward}
