"""Shared fixtures: where the real benchmark tables live, and a private cache per test run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Keep the suite's encoded-benchmark cache away from the user's cache, shared by all tests.
os.environ.setdefault("PWLKIT_CACHE", tempfile.mkdtemp(prefix="pwlkit-test-cache-"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real benchmark tables (`../shared/data`); skip where it is absent."""
    if not (SHARED_DATA / "nb201_merged_15625.csv").is_file():
        pytest.skip(f"real benchmark tables not found at {SHARED_DATA} (CI has them)")
    return SHARED_DATA


@pytest.fixture(scope="module")
def one_thread():
    """Tiny fits: one thread is faster, and far faster on a busy machine (no thread barriers)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
