"""`Predictor`: a performance predictor for a user's own architectures, scikit-learn style.

``Predictor(space="nb201", loss="hr").fit(archs, y).predict(new_archs)`` trains one predictor
with pwlkit's engine (`pwlkit.train.models.fit_models`, the same steps as `fit_predict`) on
architectures the user measured, and scores any others. ``archs`` is a list of architecture
strings of ``space`` (encoded by `pwlkit.spaces`) or an ``(ops, adj)`` pair of arrays; ``y`` is
any higher-is-better score (min-max scaled inside, as the engine does).

Conventions: ``__init__`` only stores its arguments; `fit` returns ``self``; fitted state ends
in ``_``; `get_params` / `set_params` make ``sklearn.base.clone`` and grid searches work (no
scikit-learn import is needed). `save` / `load` keep weights, settings and the encoding spec
in a ``torch.save``'d plain dict, read back with ``weights_only=True``.

`NASLibPredictor` wraps it in NASLib's ``fit(xtrain, ytrain)`` / ``query(xtest)`` interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .spaces import Space, get_space

FORMAT = "pwlkit.Predictor"
VERSION = 1
_FIXED = ("space", "backbone", "loss", "epochs", "seed", "device")


class NotFittedError(RuntimeError):
    """A `Predictor` used before `Predictor.fit` (or `Predictor.load`)."""


class Predictor:
    """Train a performance predictor on measured architectures and score others.

    Args:
        space: a space name (`pwlkit.spaces.SPACES`) or `Space`, needed for arch strings;
            None when ``archs`` are always ``(ops, adj)`` arrays.
        backbone: ``gcn``, ``mlp`` or ``transformer``.
        loss: any loss, schedule or selection spec (``hr``, ``hr->mape``, ``auto``, ...).
        epochs: training epochs (None: the backbone's default).
        seed: seeds the weights, the epoch shuffles and the loss's draws.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        **settings: training and backbone settings of `fit_predict` (``lr``, ``batch_size``,
            ``hidden``, ...), checked at `fit`.

    Fitted attributes: ``spec_`` (`pwlkit.train.models.ModelSpec`), ``weights_`` (state
    dict), ``chosen_loss_`` (the loss trained; what ``auto`` chose), ``space_name_``.
    """

    def __init__(
        self,
        space: str | Space | None = None,
        backbone: str = "gcn",
        loss: str = "hr->mape",
        epochs: int | None = None,
        seed: int = 0,
        device: str = "cpu",
        **settings: Any,
    ) -> None:
        self.space = space
        self.backbone = backbone
        self.loss = loss
        self.epochs = epochs
        self.seed = seed
        self.device = device
        for key, value in settings.items():
            setattr(self, key, value)

    # --- scikit-learn parameter protocol ---------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in vars(self).items()
            if k not in _FIXED and not k.startswith("_") and not k.endswith("_")
        }

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Every constructor argument, ``**settings`` included (``deep`` has nothing to add)."""
        return {**{k: getattr(self, k) for k in _FIXED}, **self._settings()}

    def set_params(self, **params: Any) -> Predictor:
        """Set constructor arguments or settings; returns ``self``.

        Raises:
            ValueError: a name that is neither an argument nor a setting (`HYPERPARAMETERS`).
        """
        from .checks import check_names
        from .train.config import HYPERPARAMETERS

        check_names(params, [*_FIXED, *HYPERPARAMETERS], what="parameter", where="Predictor")
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = Predictor().get_params()
        shown = [
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if k not in defaults or defaults[k] != v
        ]
        return f"Predictor({', '.join(shown)})"

    # --- fitting and scoring ---------------------------------------------------------------------

    def _space(self) -> Space | None:
        return None if self.space is None else get_space(self.space)

    def _arrays(self, archs: Any, space: Space | None) -> tuple[np.ndarray, np.ndarray, list]:
        """``archs`` as (ops, adj, names): strings through the space, or arrays as given."""
        if hasattr(archs, "ops") and hasattr(archs, "adj"):
            return np.asarray(archs.ops), np.asarray(archs.adj), None
        if (
            isinstance(archs, (tuple, list))
            and len(archs) == 2
            and not isinstance(archs[0], str)
            and np.ndim(archs[0]) == 2
        ):
            return np.asarray(archs[0]), np.asarray(archs[1]), None
        if isinstance(archs, str):
            raise TypeError("archs must be a list of architecture strings, not one string")
        archs = list(archs)
        if space is None:
            raise ValueError(
                "architecture strings need a space: Predictor(space=...) with one of "
                "pwlkit.spaces.SPACES, or pass an (ops, adj) pair of arrays"
            )
        ops, adj = space.encode(archs)
        return ops, adj, archs

    def fit(self, archs: Any, y: Any) -> Predictor:
        """Train on ``archs`` (strings of ``space`` or an ``(ops, adj)`` pair) with scores ``y``
        (higher is better); returns ``self``.

        Raises:
            ValueError: malformed architectures (named), ``y`` of another length, NaN or
                constant ``y``, fewer than 2 architectures, bad settings (BadParameter).
        """
        from .train.models import encoded_benchmark, fit_models

        space = self._space()
        ops, adj, names = self._arrays(archs, space)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if len(y) != len(ops):
            raise ValueError(f"y has {len(y)} values for {len(ops)} architectures")
        if space is not None:
            op_names, n_nodes, space_name = space.op_names, space.n_nodes, space.name
        else:
            n_ops = int(ops.max()) + 1 if ops.size else 1
            op_names, n_nodes, space_name = tuple(f"op{i}" for i in range(n_ops)), None, None
        bench = encoded_benchmark(
            ops, adj, op_names, n_nodes, y=y, archs=names, space=space_name or "custom"
        )
        fitted = fit_models(
            bench,
            [np.arange(len(bench))],
            [self.loss],
            [self.seed],
            backbone=self.backbone,
            epochs=self.epochs,
            device=self.device,
            **self._settings(),
        )
        self.spec_ = fitted.spec
        self.weights_ = fitted.weights()
        self.chosen_loss_ = fitted.losses[0]
        self.space_name_ = space_name
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise NotFittedError(
                "this Predictor is not fitted yet: call fit first (or Predictor.load a saved one)"
            )

    def predict(self, archs: Any) -> np.ndarray:
        """``[n]`` float64 scores (higher = predicted better) of ``archs``.

        Raises:
            NotFittedError: before `fit`.
            ValueError: malformed architectures, or arrays outside the training vocabulary.
        """
        import torch

        from .train.device import resolve_device
        from .train.models import predict_encoded

        self._check_fitted()
        space = None if self.space_name_ is None else get_space(self.space_name_)
        ops, adj, _ = self._arrays(archs, space)
        threads = getattr(self, "threads", None) or torch.get_num_threads()
        device = resolve_device(self.device, "device")
        return predict_encoded(self.spec_, self.weights_, ops, adj, device, threads)[0]

    def score(self, archs: Any, y: Any) -> dict[str, Any]:
        """`pwlkit.metrics.evaluate` of the predictions against ``y``: tau, Spearman,
        Precision@T and N@K (the N@K cut-offs that fit ``len(y)``)."""
        from .metrics import evaluate

        pred = self.predict(archs)
        ks = tuple(k for k in (1, 5, 10, 50) if k <= len(pred)) or (1,)
        return evaluate(pred, np.asarray(y, dtype=np.float64), ks=ks)

    # --- saving ----------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write weights, settings and the encoding spec (space name, op vocabulary, node
        count) to ``path`` as a ``torch.save``'d plain dict; returns the path."""
        import torch

        self._check_fitted()
        params = self.get_params()
        params["space"] = self.space_name_
        data = {
            "format": FORMAT,
            "version": VERSION,
            "params": params,
            "spec": self.spec_.as_dict(),
            "encoding": {
                "space": self.space_name_,
                "op_names": list(self.spec_.op_names),
                "n_nodes": self.spec_.n_nodes,
            },
            "chosen_loss": self.chosen_loss_,
            "weights": self.weights_,
        }
        path = Path(path)
        torch.save(data, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Predictor:
        """A fitted `Predictor` from a file `save` wrote; it predicts bit-identically.

        Raises:
            ValueError: a file that is not a saved Predictor.
        """
        import torch

        from .train.models import ModelSpec

        data = torch.load(Path(path), map_location="cpu", weights_only=True)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a file written by pwlkit.Predictor.save")
        if data.get("version") != VERSION:
            raise ValueError(f"{path}: format version {data.get('version')!r}, need {VERSION}")
        est = cls(**data["params"])
        est.spec_ = ModelSpec.from_dict(data["spec"])
        est.weights_ = dict(data["weights"])
        est.chosen_loss_ = str(data["chosen_loss"])
        est.space_name_ = data["encoding"]["space"]
        return est


class NASLibPredictor:
    """NASLib's predictor interface over `Predictor`: ``fit(xtrain, ytrain)``, ``query(xtest)``.

    ``xtrain`` / ``xtest`` are architecture strings of ``space`` (turn NASLib graphs into them
    first, e.g. an NB201 graph's cell string) or ``(ops, adj)`` pairs; ``ytrain`` accuracies.
    ``**params`` go to `Predictor`.

    Example:
        >>> p = NASLibPredictor("nb201", loss="hr", epochs=2)
        >>> cells = get_space("nb201").sample(8, rng=0)
        >>> p.fit(cells, np.arange(8.0)).query(cells).shape
        (8,)
    """

    def __init__(self, space: str | Space | None = None, **params: Any) -> None:
        self.predictor = Predictor(space=space, **params)

    def fit(self, xtrain: Any, ytrain: Any, train_info: Any = None) -> NASLibPredictor:
        """Train on ``xtrain`` / ``ytrain`` (``train_info`` is not used); returns ``self``."""
        self.predictor.fit(xtrain, ytrain)
        return self

    def query(self, xtest: Any, info: Any = None) -> np.ndarray:
        """Predicted scores of ``xtest`` (``info`` is not used)."""
        return self.predictor.predict(xtest)
