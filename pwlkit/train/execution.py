"""How fits run — the device and the worker threads — kept apart from what they compute.

A fit's numbers depend on its data, loss, seed and training settings; where it runs and on how
many workers does not change them (up to floating-point summation order on a GPU). So
execution is one value, resolved once where input enters, passed beside the settings and never
part of a cell id, a job id or a search checkpoint's identity: a study or a search started
with one ``--threads`` / ``--device`` resumes with another and computes nothing twice.

The Python entry points still take ``device`` and ``threads`` among their keyword settings
(``fit_predict(..., device="cuda")``); `split_execution` takes them out there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from ..checks import POSITIVE, check_params
from .device import resolve_device

EXECUTION_KEYS: tuple[str, ...] = ("device", "threads")
"""Keyword settings of the fit functions that say how a fit runs, not what it computes."""

CHECKS: dict[str, Any] = {"threads": [POSITIVE, None], "workers": [POSITIVE, None]}


@dataclass(frozen=True)
class Execution:
    """Where and on how many workers fits run.

    ``device``: a resolved torch device name (``cpu``, ``cuda``, ``cuda:0``). ``threads``:
    workers of one engine call (None: torch's thread count); model groups train one per
    worker, single-threaded (`pwlkit.train.workers`). ``workers``: jobs of a study or search
    run at once (None: the executor's default). ``executor`` and ``scheduler``: where those
    jobs run (`pwlkit.runs.executors`; None: the command's default).
    """

    device: str = "cpu"
    threads: int | None = None
    workers: int | None = None
    executor: str | None = None
    scheduler: str | None = None

    @property
    def torch_device(self) -> torch.device:
        return torch.device(self.device)

    def threads_or_default(self) -> int:
        """The engine's worker count: ``threads``, else torch's thread count."""
        return self.threads or torch.get_num_threads()


def resolve_execution(
    device: str | None = None,
    threads: int | None = None,
    workers: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    *,
    names: Callable[[str], str] = str,
) -> Execution:
    """An `Execution` from user values, checked (``names(key)``: how the user typed a key).

    Raises:
        BadParameter: an unknown or absent device (`pwlkit.train.device.resolve_device`), a
            thread or worker count that is not a positive integer.
    """
    given = check_params({"threads": threads, "workers": workers}, CHECKS, names=names)
    return Execution(
        device=str(resolve_device(device, names("device"))),
        threads=given.get("threads"),
        workers=given.get("workers"),
        executor=executor,
        scheduler=scheduler,
    )


def split_execution(
    settings: Mapping[str, Any], *, names: Callable[[str], str] = str
) -> tuple[dict[str, Any], Execution]:
    """``settings`` without `EXECUTION_KEYS`, and the `Execution` those keys name."""
    rest = {k: v for k, v in settings.items() if k not in EXECUTION_KEYS}
    given = {k: settings[k] for k in EXECUTION_KEYS if k in settings}
    return rest, resolve_execution(**given, names=names)
