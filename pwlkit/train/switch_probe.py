"""The probe behind ``warm->focus@auto``: where does the warm-up loss stop helping?

Each job holds out 20% of its sample (`HOLDOUT`), trains the warm-up loss on the rest with the
full run's epochs and learning-rate schedule, and scores the held-out rows every 5% of the
epochs (`CHECK_EVERY`) with `held_out_ndcg`. A job's switch point is the epoch fraction after
its best check; the probe stops once every job has gone `PATIENCE` checks without improving.
All probes of a call train together as one batched model group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..benchmarks.base import Benchmark
from ..checks import BadParameter
from ..losses.selection import CHECK_EVERY, HOLDOUT, PATIENCE, Selection, held_out_ndcg
from .prepare import prepare


def probe_switches(
    benchmark: Benchmark,
    train_sets: Sequence[np.ndarray],
    seeds: Sequence[int],
    switches: Sequence[tuple[int, Selection]],
    fit: dict[str, Any],
) -> list[float]:
    """The switch fraction (0.05 to 1.0, two decimals) of each ``(job, selection)``."""
    jobs = [m for m, _ in switches]
    samples = [np.asarray(train_sets[m]) for m in jobs]
    n = len(samples[0])
    held_n = max(3, round(HOLDOUT * n))
    if n - held_n < 2:
        raise BadParameter(
            f"loss {switches[0][1].name!r}: a sample of {n} is too small to hold out "
            f"{held_n} architectures and still train on 2"
        )
    rows = np.unique(np.concatenate(samples))
    sub = benchmark.rows(rows)
    orders = [np.random.default_rng([int(seeds[m]), 0x5A17]).permutation(n) for m in jobs]
    held = np.stack([np.searchsorted(rows, s[o[:held_n]]) for s, o in zip(samples, orders)])
    train = np.stack([np.searchsorted(rows, s[o[held_n:]]) for s, o in zip(samples, orders)])
    own = ("backbone", "epochs", "signal", "execution", "pretrain_on")
    fit = {"pretrain_on": benchmark, **fit}
    prep = prepare(
        sub,
        list(train),
        [sel.warm for _, sel in switches],
        [int(seeds[m]) for m in jobs],
        **{k: fit[k] for k in own if k in fit},
        settings={k: v for k, v in fit.items() if k not in own},
    )
    sub_truth = sub.values(prep.signal)
    model = prep.model()
    every = max(1, round(CHECK_EVERY * prep.opt.epochs))
    held_t = torch.from_numpy(held).to(prep.device)
    best = np.full(len(jobs), -np.inf)
    best_epoch = np.zeros(len(jobs), dtype=int)
    stale = np.zeros(len(jobs), dtype=int)

    def check(epoch: int) -> bool:
        if (epoch + 1) % every and epoch + 1 != prep.opt.epochs:
            return False
        model.eval()
        with torch.inference_mode():
            scores = model(held_t).cpu().numpy()
        model.train()
        for j in range(len(jobs)):
            score = held_out_ndcg(scores[j], sub_truth[held[j]])
            if score > best[j] + 1e-12:
                best[j], best_epoch[j], stale[j] = score, epoch, 0
            else:
                stale[j] += 1
        return bool((stale >= PATIENCE).all())

    prep.train(model, on_epoch=check)
    return [max(0.05, round((e + 1) / prep.opt.epochs, 2)) for e in best_epoch]
