"""Architectures as PyG graphs: one `torch_geometric.data.Data` per cell, real nodes only.

Node features are the one-hot operation of each real node (PAD nodes are left out, so cells of
any size need no padding); ``edge_index`` holds every edge of the encoding's adjacency in both
directions (the `Encoding` keeps the symmetrised propagation matrix, so an edge and its reverse
are the same entry). The ``Data`` objects are built once per encoding; `arch_batch` gives the
same batch as ``Batch.from_data_list`` of them (tested) from tensors packed once, with a few
index operations instead of a Python loop over graphs (scoring a 26,206-cell space was about
5x faster).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import torch

from .encoding import Encoding

if TYPE_CHECKING:  # torch_geometric takes seconds to import: only where graphs are built
    from torch_geometric.data import Batch, Data

_GRAPHS: weakref.WeakKeyDictionary[Encoding, list[Data]] = weakref.WeakKeyDictionary()
_PACKED: weakref.WeakKeyDictionary[Encoding, tuple] = weakref.WeakKeyDictionary()


def arch_graphs(enc: Encoding) -> list[Data]:
    """One ``Data(x [n_real, num_ops], edge_index [2, E])`` per architecture, cached."""
    graphs = _GRAPHS.get(enc)
    if graphs is None:
        from torch_geometric.data import Data

        ops, mask, adj = enc.ops.cpu(), enc.node_mask.cpu(), enc.adj.cpu()
        eye = torch.eye(enc.n_nodes, dtype=torch.bool)
        graphs = []
        for k in range(enc.num_archs):
            real = mask[k]
            x = torch.nn.functional.one_hot(ops[k][real], enc.num_ops).float()
            link = (adj[k] != 0) & ~eye
            edge_index = link[real][:, real].nonzero().t().contiguous()
            graphs.append(Data(x=x, edge_index=edge_index))
        _GRAPHS[enc] = graphs
    return graphs


def _packed(enc: Encoding) -> tuple:
    """Every graph's nodes and edges concatenated, with per-graph offsets, on ``enc.device``."""
    packed = _PACKED.get(enc)
    if packed is None:
        graphs = arch_graphs(enc)
        nodes = torch.tensor([0] + [g.num_nodes for g in graphs]).cumsum(0)
        edges = torch.tensor([0] + [g.edge_index.shape[1] for g in graphs]).cumsum(0)
        x = torch.cat([g.x for g in graphs])
        edge_index = torch.cat([g.edge_index for g in graphs], dim=1)
        packed = tuple(t.to(enc.device) for t in (nodes, edges, x, edge_index))
        _PACKED[enc] = packed
    return packed


def _ranges(starts: torch.Tensor, counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenated ``range(starts[i], starts[i] + counts[i])`` and the owner ``i`` of each."""
    owner = torch.repeat_interleave(torch.arange(len(counts), device=counts.device), counts)
    first = counts.cumsum(0) - counts
    within = torch.arange(int(counts.sum()), device=counts.device) - first[owner]
    return starts[owner] + within, owner


def arch_batch(enc: Encoding, rows: torch.Tensor) -> Batch:
    """A `torch_geometric.data.Batch` of the graphs of architecture ``rows`` ``[B]``, on the
    encoding's device (``batch`` maps each node to its position in ``rows``)."""
    nodes, edges, x_all, edge_all = _packed(enc)
    rows = rows.to(nodes.device)
    n_count = nodes[rows + 1] - nodes[rows]
    node_idx, batch = _ranges(nodes[rows], n_count)
    edge_idx, edge_owner = _ranges(edges[rows], edges[rows + 1] - edges[rows])
    offset = n_count.cumsum(0) - n_count
    edge_index = edge_all[:, edge_idx] + offset[edge_owner]
    ptr = torch.cat([offset, n_count.sum().view(1)])
    from torch_geometric.data import Batch

    return Batch(x=x_all[node_idx], edge_index=edge_index, batch=batch, ptr=ptr)
