"""pwlkit: loss functions for predictor-based neural architecture search, studied end to end."""

__version__ = "0.1.0"
