"""Transformer predictor (PINAT-like, small): operation tokens, adjacency-masked attention.

Each node is a token (operation embedding + learned node-position embedding). A node attends
only to itself, its predecessors and its successors, so the graph enters through the attention
mask as in PINAT. Pre-norm blocks, mean pooling over real nodes, MLP head; batched over
independent models like every backbone.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .encoding import Encoding
from .layers import BatchedBias, BatchedEmbedding, BatchedLinear, BatchedModule


class Transformer(BatchedModule):
    """``n_models`` transformers: ``forward(idx[M, B]) -> scores[M, B]``.

    Args:
        encoding: the space's `Encoding` (uses ``ops``, ``attn``, ``pool``).
        n_models: number of independent models held in the batched weights.
        dim: token width.
        heads: attention heads (must divide ``dim``).
        layers: number of transformer blocks.
        ffn: hidden width of each block's feed-forward layer.
    """

    def __init__(
        self,
        encoding: Encoding,
        n_models: int = 1,
        *,
        dim: int = 64,
        heads: int = 4,
        layers: int = 2,
        ffn: int = 128,
    ) -> None:
        super().__init__(n_models)
        if dim < 1 or heads < 1 or layers < 1 or ffn < 1:
            raise ValueError("transformer: dim, heads, layers and ffn must be >= 1")
        if dim % heads:
            raise ValueError(f"transformer: heads={heads} must divide dim={dim}")
        self.enc, self.dim, self.heads, self.ffn_dim = encoding, dim, heads, ffn
        self.n_layers = layers
        self.embed = BatchedEmbedding(n_models, encoding.num_ops, dim, init="torch")
        self.position = BatchedBias(n_models, 1, encoding.n_nodes, dim, std=0.02)
        self.qkv = torch.nn.ModuleList(BatchedLinear(n_models, dim, 3 * dim) for _ in range(layers))
        self.proj = torch.nn.ModuleList(BatchedLinear(n_models, dim, dim) for _ in range(layers))
        self.ff1 = torch.nn.ModuleList(BatchedLinear(n_models, dim, ffn) for _ in range(layers))
        self.ff2 = torch.nn.ModuleList(BatchedLinear(n_models, ffn, dim) for _ in range(layers))
        self.head1 = BatchedLinear(n_models, dim, dim)
        self.head2 = BatchedLinear(n_models, dim, 1)
        # Additive attention mask, [key, query]: 0 where allowed, -inf elsewhere (a token always
        # sees itself, so no column is all -inf).
        allowed_t = encoding.attn.transpose(1, 2)
        self._mask_t = torch.zeros(allowed_t.shape).masked_fill_(~allowed_t, float("-inf"))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        _, pooled = self.node_states(idx)
        return self.head2(F.relu(self.head1(pooled))).squeeze(-1)

    def node_states(
        self, idx: torch.Tensor, onehot: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``([M, B, n, dim] token states, [M, B, dim] pooled)`` before the head, from the
        architectures' operations or from ``onehot`` ``[M, B, n, num_ops]`` standing in for
        them (a zero row: an operation hidden from the model, as pretraining masks it)."""
        m, b = idx.shape
        enc, d, nh = self.enc, self.dim, self.heads
        n = enc.n_nodes
        if enc.shared_graph:
            mask_t = self._mask_t[0]  # [n, n], broadcast over models and architectures
            pool = enc.pool[0].expand(m, b, n)
        else:
            mask_t = self._mask_t[idx].view(m * b, 1, n, n)
            pool = enc.pool[idx]
        scale = (d // nh) ** -0.5
        if onehot is None:
            tokens = self.embed(enc.ops[idx])
        else:
            tokens = torch.matmul(onehot.reshape(m, b * n, -1), self.embed.weight).view(m, b, n, d)
        x = tokens + self.position.weight  # [M, B, n, d]
        for qkv, proj, ff1, ff2 in zip(self.qkv, self.proj, self.ff1, self.ff2):
            h = F.layer_norm(x, (d,))
            q, k, v = (
                qkv(h).view(m * b, n, 3, nh, d // nh).permute(2, 0, 3, 1, 4).unbind(0)
            )  # each [M*B, heads, n, d/heads]
            # Plain attention with keys on dim -2: for 8-token cells the softmax over a
            # non-last dim is several times faster on CPU than over the last one (or than the
            # fused attention kernel). scores_t[.., key, query].
            scores_t = torch.baddbmm(
                mask_t.expand(m * b, nh, n, n).reshape(m * b * nh, n, n),
                k.reshape(-1, n, d // nh),
                q.reshape(-1, n, d // nh).transpose(1, 2),
                alpha=scale,
            )
            att = torch.bmm(scores_t.softmax(-2).transpose(1, 2), v.reshape(-1, n, d // nh))
            att = att.view(m * b, nh, n, -1)
            x = x + proj(att.transpose(1, 2).reshape(m, b, n, d))
            x = x + ff2(F.gelu(ff1(F.layer_norm(x, (d,)))))
        x = F.layer_norm(x, (d,))
        pooled = torch.matmul(pool.unsqueeze(-2), x).squeeze(-2)  # [M, B, d]
        return x, pooled

    def output_layer(self, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head2.weight[m], self.head2.bias[m]

    def flops_per_arch(self) -> dict[str, int]:
        """Multiply-add FLOPs (x2) per architecture of one forward pass of one model, and of
        one training step (forward + backward)."""
        n, d, f = self.enc.n_nodes, self.dim, self.ffn_dim
        weights = self.n_layers * (2 * n * d * 3 * d + 2 * n * d * d + 4 * n * d * f)
        attention = self.n_layers * 4 * n * n * d
        head = 2 * d * d + 2 * d
        pool = 2 * n * d
        forward = weights + attention + head + pool
        train = forward + 2 * (weights + attention + head) + pool
        return {"forward": forward, "train": train}
