"""`fit_module`: train a user's own ``torch.nn.Module`` as a predictor and score the space.

The module goes through the same engine as the built-in backbones (`engine.train`, any loss
or schedule, the same targets, shuffles and learning-rate schedule), wrapped in
`pwlkit.predictors.own.OwnModel`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from torch import nn

from ..benchmarks.base import Benchmark
from ..checks import check, check_names
from ..predictors.own import INPUTS, OwnModel
from . import engine
from .api import PARAMS
from .prepare import prepare

SETTINGS = ("batch_size", "lr", "weight_decay", "lr_min_ratio", "device", "train_dtype")
"""The training settings `fit_module` takes in ``**settings`` (defaults: the GCN's, see
`pwlkit.train.config.TRAIN_DEFAULTS`)."""


def fit_module(
    module_factory: Callable[[], nn.Module],
    benchmark: Benchmark,
    train_idx: Sequence[int] | np.ndarray,
    loss: str = "hr",
    epochs: int | None = None,
    seed: int = 0,
    inputs: str = "dense",
    signal: str = "val",
    **settings: Any,
) -> np.ndarray:
    """Train a fresh module on ``train_idx`` and score every architecture, as `fit_predict`.

    Args:
        module_factory: a zero-argument callable returning a new, untrained module (e.g. the
            module's class, or a ``lambda``). A factory rather than a module: every fit starts
            from a fresh module, so the same call repeats exactly and never continues from
            weights (or optimizer-visible state) left by an earlier fit.
        benchmark: the search space with its accuracies.
        train_idx: rows of ``benchmark`` to train on.
        loss: a loss spec for `pwlkit.losses.parse_loss` (e.g. ``"hr"``, ``"hr->mape@0.5"``).
        epochs: training epochs (None: 300, the GCN's default).
        seed: seeds torch before the module's ``reset_parameters()``, the epoch shuffles and
            the loss's random draws.
        inputs: ``"dense"``: the module is called as ``module(ops [B, n] long, adj [B, n, n]
            float, node_mask [B, n] bool)``; ``"pyg"``: as ``module(batch)`` with a
            `torch_geometric.data.Batch` of the B graphs (one-hot operations of real nodes,
            ``edge_index``, ``batch``). It returns ``[B]`` or ``[B, 1]`` scores.
        signal: ``"val"`` or ``"test"``, the benchmark column trained on.
        **settings: ``batch_size``, ``lr``, ``weight_decay``, ``lr_min_ratio``, ``device``,
            ``train_dtype``.

    Returns:
        ``[num_archs]`` float64 predicted scores (higher = better).

    Raises:
        BadParameter: an unknown setting, signal or seed, a value out of range.
        ValueError: unknown ``inputs``, bad indices or targets, an unknown loss, a module
            without parameters or returning scores of the wrong shape.
        TypeError: ``module_factory`` does not return a ``torch.nn.Module``.
    """
    check("seed", seed, PARAMS["seed"])
    check("signal", signal, PARAMS["signal"])
    check_names(settings, set(SETTINGS), what="setting", context=" for fit_module")
    if inputs not in INPUTS:
        raise ValueError(f"unknown inputs {inputs!r}. Valid inputs: {', '.join(INPUTS)}")
    if not callable(module_factory):
        raise TypeError("module_factory must be a zero-argument callable returning a module")
    prep = prepare(
        benchmark, [train_idx], [loss], [seed], epochs=epochs, signal=signal, settings=settings
    )
    model = OwnModel(prep.encoding(), module_factory(), inputs)
    model.reset([seed])
    model.to(prep.device)
    prep.train(model)
    scores = engine.predict_all(model, benchmark.num_archs).numpy().astype(np.float64)
    engine.check_finite_scores(scores, prep.opt)
    return scores[0]
