"""pwlkit: loss functions for predictor-based neural architecture search, studied end to end."""

from .estimator import Predictor

__version__ = "0.1.0"
__all__ = ["Predictor"]
