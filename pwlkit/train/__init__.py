"""Train performance predictors and score whole search spaces.

``sample_train(benchmark, n, seed)`` draws a training set; ``fit_predict`` trains one predictor
and returns a score for every architecture; ``fit_predict_many`` trains many at once on stacked
weights (the fast path for grids and searches). Defaults: `TRAIN_DEFAULTS`, `ENGINE_DEFAULTS`,
`pwlkit.predictors.ARCH_PARAMS`.
"""

from .api import SIGNALS, fit_ensembles, fit_predict, fit_predict_many
from .config import BACKBONES, ENGINE_DEFAULTS, HYPERPARAMETERS, TRAIN_DEFAULTS
from .own_model import fit_module
from .sampling import SAMPLINGS, sample_train

__all__ = [
    "BACKBONES",
    "ENGINE_DEFAULTS",
    "HYPERPARAMETERS",
    "SAMPLINGS",
    "SIGNALS",
    "TRAIN_DEFAULTS",
    "fit_ensembles",
    "fit_module",
    "fit_predict",
    "fit_predict_many",
    "sample_train",
]
