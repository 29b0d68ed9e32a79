"""GCN predictor (Neural Predictor / NASLib shape), batched over independent models.

Operations are one-hot node features; each layer is a `torch_geometric.nn.DenseGCNConv`
applied to the forward and to the reverse adjacency with shared weights and averaged, i.e.
``relu(P @ X @ W + b)`` with ``P`` the averaged normalised propagation matrix precomputed in
`encoding.gcn_propagation` (tests check the equality against ``DenseGCNConv``). Node features
are mean-pooled over real nodes and an MLP head gives one score per architecture.
"""

from __future__ import annotations

import torch

from .encoding import Encoding
from .layers import BatchedBias, BatchedLinear, BatchedModule, affine


class GCN(BatchedModule):
    """``n_models`` GCN predictors: ``forward(idx[M, B]) -> scores[M, B]``.

    Args:
        encoding: the space's `Encoding`.
        n_models: number of independent models held in the batched weights.
        hidden: width of every graph-convolution layer (NASLib: 144).
        layers: number of graph-convolution layers (NASLib: 4).
        head_hidden: width of the MLP head's hidden layer (NASLib: 128).
    """

    def __init__(
        self,
        encoding: Encoding,
        n_models: int = 1,
        *,
        hidden: int = 144,
        layers: int = 4,
        head_hidden: int = 128,
    ) -> None:
        super().__init__(n_models)
        if layers < 1 or hidden < 1 or head_hidden < 1:
            raise ValueError("gcn: hidden, layers and head_hidden must be >= 1")
        self.enc = encoding
        self.hidden, self.n_layers = hidden, layers
        # First layer on one-hot operations: multiplies the precomputed ``P @ X``.
        self.embed = BatchedLinear(n_models, encoding.num_ops, hidden, bias=False, init="glorot")
        self.convs = torch.nn.ModuleList(
            BatchedLinear(n_models, hidden, hidden, bias=False, init="glorot")
            for _ in range(layers - 1)
        )
        self.biases = torch.nn.ModuleList(
            BatchedBias(n_models, 1, 1, hidden) for _ in range(layers)
        )
        self.head1 = BatchedLinear(n_models, hidden, head_hidden)
        self.head2 = BatchedLinear(n_models, head_hidden, 1)
        if encoding.shared_graph:
            self._prop = encoding.adj[0]
            self._pool = encoding.pool[:1].unsqueeze(0)  # [1, 1, n]

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        m, b = idx.shape
        h, pool, prop_shape = self._layers(idx, self.enc.prop_ops[idx])
        pooled = torch.bmm(pool, h.view(prop_shape)).view(m, b, self.hidden)
        hidden = torch.baddbmm(self.head1.bias, pooled, self.head1.weight).relu_()
        return affine(self.head2.bias, hidden, self.head2.weight).view(m, b)

    def node_states(
        self, idx: torch.Tensor, onehot: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``([M, B, n, hidden] node states, [M, B, hidden] pooled)`` before the head, from the
        architectures' operations or from ``onehot`` ``[M, B, n, num_ops]`` standing in for
        them (a zero row: an operation hidden from the model, as pretraining masks it)."""
        m, b = idx.shape
        px = self.enc.prop_ops[idx] if onehot is None else self._propagate(idx, onehot)
        h, pool, prop_shape = self._layers(idx, px)
        pooled = torch.bmm(pool, h.view(prop_shape)).view(m, b, self.hidden)
        n = px.shape[2]
        if self.enc.shared_graph:
            nodes = h.view(m, n, b, self.hidden).transpose(1, 2)
        else:
            nodes = h.view(m, b, n, self.hidden)
        return nodes, pooled

    def _propagate(self, idx: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        prop = self.enc.adj[0] if self.enc.shared_graph else self.enc.adj[idx]
        return torch.matmul(prop, onehot)

    def _layers(self, idx: torch.Tensor, px: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The graph-convolution stack on the propagated first-layer input ``px``
        ``[M, B, n, K]``: node states in the layout the products use, the pooling weights and
        the propagation view."""
        m, b = idx.shape
        enc, h_dim = self.enc, self.hidden
        n, k = px.shape[2], px.shape[3]
        # Each layer is relu(P @ H @ W + bias), propagated first: the bias then broadcasts
        # over rows inside the weight product (baddbmm), and the relu is in place. Activations
        # stay 3-D so each product is one call on views.
        if enc.shared_graph:
            # Node-major [M, n*B, H]: the weight product sees rows (node, cell); viewed as
            # [M, n, B*H], propagation is one [n, n] @ [n, B*H] product.
            prop = self._prop.expand(m, n, n)
            rows, prop_shape = (m, n * b, h_dim), (m, n, b * h_dim)
            px = px.transpose(1, 2).reshape(m, n * b, k)
            pool = self._pool.expand(m, 1, n)
        else:
            # Cell-major [M, B*n, H], viewed as [M*B, n, H] for per-cell propagation.
            prop = enc.adj[idx].view(m * b, n, n)
            rows, prop_shape = (m, b * n, h_dim), (m * b, n, h_dim)
            px = px.reshape(m, b * n, k)
            pool = enc.pool[idx].view(m * b, 1, n)
        h = torch.baddbmm(self.biases[0].weight.view(m, 1, h_dim), px, self.embed.weight).relu_()
        for conv, bias in zip(self.convs, self.biases[1:]):
            u = torch.bmm(prop, h.view(prop_shape)).view(rows)
            h = torch.baddbmm(bias.weight.view(m, 1, h_dim), u, conv.weight).relu_()
        return h, pool, prop_shape

    def output_layer(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head2.weight[m], self.head2.bias[m]

    def flops_per_arch(self) -> dict[str, int]:
        """Multiply-add FLOPs (x2) per architecture of one forward pass of one model, and of
        one training step (forward + backward).

        Only dense products that actually run are counted: the first layer on the precomputed
        ``P @ X`` (no input gradient), convolutions, propagation, pooling and head; products
        with a constant matrix (propagation, pooling) need no weight gradient.
        """
        n, h, hh = self.enc.n_nodes, self.hidden, self.head1.out_features
        first = 2 * n * self.enc.num_ops * h
        conv = (self.n_layers - 1) * 2 * n * h * h
        prop = (self.n_layers - 1) * 2 * n * n * h
        pool = 2 * n * h
        head = 2 * h * hh + 2 * hh
        forward = first + conv + prop + pool + head
        return {"forward": forward, "train": forward + first + 2 * conv + prop + pool + 2 * head}
