"""The ``gp`` strategy's surrogate: a Gaussian process with the Weisfeiler-Lehman kernel.

As NAS-BOWL (Ru et al., ICLR 2021), standing in for NASBOT's optimal-transport distance
between networks: the kernel of two cells is the dot product of their WL subtree counts
(`pwlkit.search.wl`), each cell's counts scaled to unit length (the normalised WL kernel, so
large cells do not dominate), times a fitted amplitude, plus fitted white noise. The GP is
scikit-learn's `GaussianProcessRegressor` (targets standardised, kernel hyperparameters by
maximum marginal likelihood with its L-BFGS-B optimizer), not a solver of pwlkit's own:

    ConstantKernel * DotProduct(sigma_0=0, fixed) + WhiteKernel

Example:
    >>> import numpy as np
    >>> x = np.eye(3)
    >>> post = gp_posterior(x[:2], np.array([1.0, 0.0]), x)
    >>> bool(post.mean[0] > post.mean[1]), bool(post.std[2] > post.std[0])
    (True, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Posterior:
    """A GP's belief about a round's candidates: ``mean`` and ``std`` ``[P]``, and
    ``incumbent``, the highest posterior mean among the training architectures."""

    mean: np.ndarray
    std: np.ndarray
    incumbent: float


def unit_rows(features: np.ndarray) -> np.ndarray:
    """Each row scaled to unit Euclidean length (a zero row stays zero)."""
    features = np.asarray(features, dtype=np.float64)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.where(norms > 0, norms, 1.0)


def wl_kernel():
    """The kernel: amplitude x (normalised WL kernel = dot product of unit-length counts)
    + white noise, with the bounds the marginal likelihood is maximised within."""
    from sklearn.gaussian_process.kernels import ConstantKernel, DotProduct, WhiteKernel

    return ConstantKernel(1.0, (1e-3, 1e3)) * DotProduct(
        sigma_0=0.0, sigma_0_bounds="fixed"
    ) + WhiteKernel(1e-2, (1e-6, 1e1))


def gp_posterior(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, seed: int = 0
) -> Posterior:
    """Fit the GP on ``train_x`` ``[n, F]`` (WL counts) and ``train_y`` ``[n]`` (higher is
    better) and give its posterior at ``test_x`` ``[P, F]`` (the same columns).

    Deterministic for the same inputs (``seed`` seeds scikit-learn's optimizer restarts, of
    which there are none by default). A hyperparameter at its bound is no error: the
    optimizer's convergence warnings are silenced.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor

    gp = GaussianProcessRegressor(wl_kernel(), normalize_y=True, random_state=int(seed))
    train = unit_rows(train_x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(train, np.asarray(train_y, dtype=np.float64))
    mean, std = gp.predict(unit_rows(test_x), return_std=True)
    incumbent = float(np.max(gp.predict(train)))
    return Posterior(np.asarray(mean, dtype=np.float64), np.asarray(std, np.float64), incumbent)
