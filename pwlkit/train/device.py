"""Where predictors train and score: ``"cpu"`` (the default), ``"cuda"`` (``"cuda:N"``) or
``"auto"`` (the first GPU when torch sees one, else the CPU).

A GPU runs the same engine code as the CPU: one batched step for a whole group of models, with
many more models per group (`GPU_MAX_GROUP`), groups one after another on the device, and the
scores copied back. Results match the CPU's up to floating-point summation order (fp32
products; TF32 stays off as in torch's defaults), so stores do not keep them apart.
"""

from __future__ import annotations

import torch

from ..checks import BadParameter

DEVICES = ("cpu", "cuda", "auto")

GPU_MAX_GROUP = 256
"""Models trained together in one group on a GPU (the CPU stacks 2-8: see
`pwlkit.train.config.GROUP_STEP_FLOPS`); a GCN group of 256 at batch 128 holds about 0.6 GB of
activations."""


def resolve_device(device: str | torch.device | None, option: str = "device") -> torch.device:
    """The torch device for ``device``; a GPU that is not there is a clear error.

    Raises:
        BadParameter: an unknown name (valid: cpu, cuda, cuda:N, auto), or a CUDA device on a
            machine where torch sees none.
    """
    if device is None:
        return torch.device("cpu")
    text = str(device).strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(text)
    except (RuntimeError, ValueError):
        resolved = None
    if resolved is None or resolved.type not in ("cpu", "cuda"):
        raise BadParameter(
            f"{option} must be one of cpu, cuda, cuda:N or auto, got {str(device)!r}"
        )
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            build = "a CPU-only build" if torch.version.cuda is None else "no visible GPU"
            raise BadParameter(
                f"{option} {str(device)!r}: no CUDA device here (torch {torch.__version__}, "
                f"{build}); use {option} cpu or auto"
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise BadParameter(
                f"{option} {str(device)!r}: only {torch.cuda.device_count()} CUDA device(s) here"
            )
    return resolved


def kernel_fingerprint(device: str | torch.device = "cpu") -> str:
    """What decides the last bits of a fit's products on ``device``: on a CPU the architecture,
    the vendor and the vector unit torch dispatches to (an Intel Xeon with AVX-512 and an AMD
    EPYC with AVX2 round differently); on a GPU its name; and the torch version. Fits repeat
    bit for bit only between equal fingerprints (`pwlkit study verify` reads it)."""
    import platform

    device = torch.device(device)
    if device.type == "cuda":
        where = f"cuda {torch.cuda.get_device_name(device)}"
    else:
        where = (
            f"cpu {platform.machine()} {_cpu_vendor()} {torch.backends.cpu.get_cpu_capability()}"
        )
    return f"{where} torch {torch.__version__}"


def _cpu_vendor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"
