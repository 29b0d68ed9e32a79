"""Self-supervised pretraining of a backbone on the unlabeled architectures of a space.

The best published predictors at small budgets first learn the space from its architectures
alone (no accuracy needed), then fine-tune on the few they have measured. Two pretext tasks,
alone or together (the ``pretrain`` setting, `PRETEXTS`):

- ``masked``: masked-operation reconstruction, as GMAE-NAS. A share of the nodes
  (`PRETRAIN_SETTINGS` ``mask_ratio``) of each cell have their operation hidden (a zero
  one-hot row); a linear decoder on the node states names the hidden operation
  (cross-entropy over the hidden nodes).
- ``flow``: a graph-level target that needs no training of the cells, in the spirit of FGP's
  flow surrogate: a unit signal propagated forward from the input and backward from the
  output through the cell, blocked by ``none`` operations and absent nodes (`flow_features`, on
  `pwlkit.benchmarks.live.live_flows`).
  From the two flows come the number of live input-to-output paths, the depth of the longest
  live path, and for every operation the number of live paths through nodes of that operation.
  A linear decoder on the pooled state regresses the standardised features.

Pretraining trains the backbone's node layers; the score head (``head1``, ``head2``; the GIN's
``head``) is left out and starts fresh at fine-tuning, which then trains every weight with any
pwlkit loss.
Weights are cached on disk, one file per seed (`cache_folder`), keyed by the space's encoding
(so NB201 CIFAR-10, CIFAR-100 and ImageNet16-120, one space, share them), the backbone and its
settings, the pretext and `PRETRAIN_SETTINGS`; written atomically and under a file lock, so
parallel fits compute each seed once and a killed run leaves no half file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from ..benchmarks.base import Benchmark
from ..benchmarks.live import live_flows
from ..predictors import ARCH_PARAMS, Encoding, build_predictor, encode
from ..predictors.layers import BatchedLinear, BatchedModule
from .config import PRETEXTS, PRETRAINABLE
from .engine import FusedAdam, cosine_lr, flush_denormals

__all__ = ["PRETEXTS", "PRETRAINABLE", "flow_features", "pretrain_models", "pretrained_states"]


PRETRAIN_SETTINGS: dict[str, Any] = {
    "epochs": 20,
    "batch_size": 256,
    "lr": 1e-3,
    "mask_ratio": 0.3,
    "max_archs": 20000,
}
"""Pretraining's own settings: passes over the space, cells per step, Adam learning rate
(cosine-decayed to 0), share of a cell's variable nodes hidden by ``masked``, and at most this
many cells of a larger space (a seeded sample). Chosen before any reported run, on seeds 100+
of NB201 CIFAR-10; part of the cache key."""

PRETRAIN_POOL = 32
"""Pretrained weights per space, backbone and pretext: a fit with seed ``s`` starts from those
of seed ``s % PRETRAIN_POOL``. A search draws a fresh fit seed every round, and an ensemble's
members draw theirs from the job's seed: without a pool each would pretrain anew; with it a
space is pretrained at most 32 times (seeds 0-31 of a study keep their own)."""

HEAD_PREFIX = "head"
"""Parameters with a part of their name starting so (``head1.weight``, ``head.0.bias``) are the
score head: never pretrained."""

FORMAT = 2
"""Version of the cached weights and of how they are computed; part of the cache key (2: the
flow targets count paths from every input of a cell that reads several, as DARTS cells do)."""

ENV_DISABLE = "PWLKIT_PRETRAIN_CACHE"
"""Set to ``off`` to keep pretrained weights in memory only (nothing read or written)."""


def check_backbone(backbone: str, pretext: str) -> None:
    """Refuse a pretext on a backbone pretraining cannot read, before any work."""
    from ..checks import BadParameter

    if pretext != "none" and backbone not in PRETRAINABLE:
        raise BadParameter(
            f"pretrain={pretext!r} needs a backbone whose node states it can read: "
            f"{', '.join(PRETRAINABLE)}; got backbone {backbone!r} (use pretrain=none)"
        )


# ----------------------------------------------------------------------------- flow targets


def flow_features(benchmark: Benchmark) -> np.ndarray:
    """``[N, 2 + num_ops]`` float64 flow features of every cell (before standardising):
    log(1 + live paths), the longest live path's node count, and per operation
    log(1 + live paths through its nodes).

    The flows are `pwlkit.benchmarks.live.live_flows`: the forward flow ``f`` counts live
    paths from the inputs (node 0, and every other real node nothing feeds) to a node, the
    backward flow ``b`` from a node to the output (the last real node); ``f * b`` is the
    paths through a node.
    """
    fwd, bwd, live, source, last = live_flows(benchmark)
    ops = np.asarray(benchmark.ops).astype(np.int64)
    adj = np.asarray(benchmark.adj) != 0
    n_archs, n = ops.shape
    rows = np.arange(n_archs)
    depth = np.where(source, 1.0, -np.inf)  # live nodes on the longest live path to a node
    for _ in range(n):
        reach = np.where(adj, depth[:, :, None], -np.inf).max(axis=1) + 1.0
        depth = np.where(source, 1.0, np.where(live, np.maximum(depth, reach), -np.inf))
    through = fwd * bwd
    paths = fwd[rows, last]
    longest = np.where(paths > 0, depth[rows, last], 0.0)
    per_op = np.zeros((n_archs, benchmark.num_ops))
    for k in range(benchmark.num_ops):
        per_op[:, k] = np.where(ops == k, through, 0.0).sum(axis=1)
    return np.column_stack([np.log1p(paths), longest, np.log1p(per_op)])


def _standardised(features: np.ndarray) -> np.ndarray:
    mean, std = features.mean(axis=0), features.std(axis=0)
    return ((features - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)


# ----------------------------------------------------------------------------- the pretext model


def _variable_slots(enc: Encoding) -> torch.Tensor:
    """``[n]`` bool: node slots whose operation differs between cells (the input and output
    slots never do: hiding them would teach nothing)."""
    ops = torch.where(enc.node_mask, enc.ops, -1)
    return (ops != ops[:1]).any(dim=0)


def _masks(
    rngs: list[np.random.Generator], real: np.ndarray, slots: np.ndarray, ratio: float
) -> np.ndarray:
    """``[M, B, n]`` bool: hidden nodes of model ``m``'s cells ``real[m]`` (``[B, n]``), at
    least one per cell, drawn from model ``m``'s own rng."""
    out = []
    for rng, cells in zip(rngs, real):
        candidates = cells & slots[None, :]
        draw = (rng.random(candidates.shape) < ratio) & candidates
        fallback = np.argmax(rng.random(candidates.shape) * candidates, axis=1)
        none = ~draw.any(axis=1) & candidates.any(axis=1)
        draw[np.nonzero(none)[0], fallback[none]] = True
        out.append(draw)
    return np.stack(out)


def pretrain_models(
    benchmark: Benchmark,
    backbone: str,
    arch: dict[str, Any],
    pretext: str,
    seeds: Sequence[int],
    device: torch.device | str = "cpu",
    settings: dict[str, Any] | None = None,
) -> BatchedModule:
    """Pretrain ``len(seeds)`` models of ``backbone`` on the cells of ``benchmark`` (their
    accuracies are never read); model ``m`` starts from ``seeds[m]`` exactly as a fit would.

    Returns:
        The batched backbone with pretrained node layers (its score head untouched).
    """
    check_backbone(backbone, pretext)
    if pretext not in PRETEXTS or pretext == "none":
        raise ValueError(f"no pretext {pretext!r} to pretrain on: use one of {PRETEXTS[1:]}")
    cfg = {**PRETRAIN_SETTINGS, **(settings or {})}
    flush_denormals()
    device = torch.device(device)
    enc = encode(benchmark).to(device)
    m_models = len(seeds)
    model = build_predictor(backbone, enc, m_models, **arch)
    model.reset([int(s) for s in seeds])
    model.to(device)
    width = int(getattr(model, "hidden", 0) or model.dim)
    heads = torch.nn.ModuleDict()
    tasks = pretext.split("+")
    if "masked" in tasks:
        heads["masked"] = BatchedLinear(m_models, width, enc.num_ops)
    targets = None
    if "flow" in tasks:
        targets = torch.from_numpy(_standardised(flow_features(benchmark))).to(device)
        heads["flow"] = BatchedLinear(m_models, width, targets.shape[1])
    with torch.no_grad():
        for m, seed in enumerate(seeds):
            gen = torch.Generator().manual_seed(int(seed) * 7919 + 0x9E7)
            for head in heads.values():
                head.init_model(m, gen)
    heads.to(device)

    rngs = [np.random.default_rng([int(s), 0x9E7]) for s in seeds]
    n_archs = benchmark.num_archs
    pool = [
        np.sort(rng.choice(n_archs, size=min(n_archs, int(cfg["max_archs"])), replace=False))
        for rng in rngs
    ]
    batch = min(int(cfg["batch_size"]), len(pool[0]))
    steps_per_epoch = math.ceil(len(pool[0]) / batch)
    total = int(cfg["epochs"]) * steps_per_epoch
    body = [p for name, p in model.named_parameters() if not is_head(name)]
    params = [*body, *heads.parameters()]
    adam = FusedAdam(params, 0.0)
    onehot_all = F.one_hot(enc.ops, enc.num_ops).float() * enc.node_mask.unsqueeze(-1)
    real_all = enc.node_mask.cpu().numpy()
    slots = _variable_slots(enc).cpu().numpy()
    model.train()
    step = 0
    for _epoch in range(int(cfg["epochs"])):
        orders = [rng.permutation(p) for rng, p in zip(rngs, pool)]
        for lo in range(0, len(pool[0]), batch):
            idx_np = np.stack([o[lo : lo + batch] for o in orders])
            idx = torch.from_numpy(idx_np).to(device)
            onehot = onehot_all[idx]
            hidden = None
            if "masked" in heads:
                hidden_np = _masks(rngs, real_all[idx_np], slots, float(cfg["mask_ratio"]))
                hidden = torch.from_numpy(hidden_np).to(device)
                onehot = onehot * (~hidden).unsqueeze(-1)
            nodes, pooled = model.node_states(idx, onehot)
            loss = torch.zeros((), device=device)
            if hidden is not None:
                logits = heads["masked"](nodes)  # [M, B, n, K]
                ce = F.cross_entropy(
                    logits.reshape(-1, enc.num_ops), enc.ops[idx].reshape(-1), reduction="none"
                ).view(hidden.shape)
                per_model = (ce * hidden).sum(dim=(1, 2)) / hidden.sum(dim=(1, 2)).clamp(min=1)
                loss = loss + per_model.sum()
            if targets is not None:
                pred = heads["flow"](pooled)
                loss = loss + (pred - targets[idx]).square().mean(dim=(1, 2)).sum()
            adam.step(loss, cosine_lr(step, total, float(cfg["lr"]), 0.0))
            step += 1
        if not bool(torch.isfinite(loss.detach())):
            raise FloatingPointError(f"pretraining {pretext!r} diverged (loss not finite)")
    model.eval()
    return model


def is_head(name: str) -> bool:
    """Whether parameter ``name`` belongs to the score head (`HEAD_PREFIX`)."""
    return any(part.startswith(HEAD_PREFIX) for part in name.split("."))


def encoder_state(model: BatchedModule, m: int) -> dict[str, torch.Tensor]:
    """Model ``m``'s pretrained weights (the score head left out), on the CPU."""
    return {
        name: param.detach().cpu().clone()
        for name, param in model.model_parameters(m).items()
        if not is_head(name)
    }


@torch.no_grad()
def load_encoder(model: BatchedModule, states: Sequence[dict[str, torch.Tensor]]) -> None:
    """Copy pretrained weights into the models of ``model`` (one state per model)."""
    for m, state in enumerate(states):
        params = model.model_parameters(m)
        for name, value in state.items():
            params[name].copy_(value.to(params[name].device))


# ----------------------------------------------------------------------------- the cache


def space_key(benchmark: Benchmark) -> str:
    """A hash of what a pretext reads of a space: its cells' operations and graphs and the
    operation names (so the datasets of one space share their pretrained weights)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(benchmark.op_names)).encode())
    digest.update(np.ascontiguousarray(benchmark.ops).tobytes())
    digest.update(np.ascontiguousarray(np.asarray(benchmark.adj) != 0).tobytes())
    return digest.hexdigest()[:16]


def cache_folder(benchmark: Benchmark, backbone: str, arch: dict[str, Any], pretext: str) -> Path:
    """Where the pretrained weights of this space, backbone, settings and pretext live."""
    from ..benchmarks.cache import cache_dir

    key = {
        "space": space_key(benchmark),
        "backbone": backbone,
        "arch": {**ARCH_PARAMS[backbone], **arch},
        "pretext": pretext,
        "settings": PRETRAIN_SETTINGS,
        "format": FORMAT,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    return cache_dir() / "pretrained" / f"{backbone}-{pretext.replace('+', '_')}-{digest}"


@contextlib.contextmanager
def _locked(folder: Path, seeds: Sequence[int]) -> Iterator[None]:
    """Exclusive locks on the seeds' files across processes, taken in seed order (so two
    callers never wait on each other in a circle); a no-op where ``fcntl`` is absent."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with contextlib.ExitStack() as stack:
        for seed in sorted(seeds):
            handle = stack.enter_context(open(folder / f".lock-{seed}", "w"))
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _read(path: Path) -> dict[str, torch.Tensor] | None:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - an unreadable entry is recomputed
        return None
    ok = isinstance(state, dict) and all(torch.is_tensor(v) for v in state.values())
    return state if ok and all(bool(torch.isfinite(v).all()) for v in state.values()) else None


def _write(path: Path, state: dict[str, torch.Tensor]) -> None:
    fd, tmp = tempfile.mkstemp(prefix="tmp-", suffix=".pt.partial", dir=path.parent)
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def pretrained_states(
    benchmark: Benchmark,
    backbone: str,
    arch: dict[str, Any],
    pretext: str,
    seeds: Sequence[int],
    device: torch.device | str = "cpu",
) -> dict[int, dict[str, torch.Tensor]]:
    """Pretrained weights of every seed, read from the cache or computed (the missing seeds
    together, as one batched model) and written there."""
    seeds = sorted({int(s) for s in seeds})
    if os.environ.get(ENV_DISABLE, "").lower() == "off":
        model = pretrain_models(benchmark, backbone, arch, pretext, seeds, device)
        return {s: encoder_state(model, m) for m, s in enumerate(seeds)}
    folder = cache_folder(benchmark, backbone, arch, pretext)
    with _locked(folder, seeds):
        found = {s: _read(folder / f"seed-{s}.pt") for s in seeds}
        missing = [s for s, state in found.items() if state is None]
        if missing:
            model = pretrain_models(benchmark, backbone, arch, pretext, missing, device)
            for m, s in enumerate(missing):
                found[s] = encoder_state(model, m)
                _write(folder / f"seed-{s}.pt", found[s])
    return found  # type: ignore[return-value]
