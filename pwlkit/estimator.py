"""`Predictor`: a performance predictor for a user's own architectures, scikit-learn style.

``Predictor(space="nb201").fit(archs, y).predict(new_archs)`` trains one predictor with
pwlkit's engine (`pwlkit.train.models.fit_models`, the same steps as `fit_predict`) on
architectures the user measured, and scores any others. ``archs`` is a list of architecture
strings of ``space`` (encoded by `pwlkit.spaces`) or an ``(ops, adj)`` pair of arrays; ``y`` is
any higher-is-better score (min-max scaled inside, as the engine does).

Conventions: ``__init__`` only stores its arguments; `fit` returns ``self``; fitted state ends
in ``_``; `score` is one float (Kendall tau), `metrics` the full set; `get_params` /
`set_params` / ``__sklearn_tags__`` make ``sklearn.base.clone``, ``cross_val_score`` and
``GridSearchCV`` work (scikit-learn is imported only when it asks for the tags). `save` /
`load` keep weights, settings and the encoding spec in a ``torch.save``'d plain dict, read back
with ``weights_only=True``.

`NASLibPredictor` wraps it in NASLib's ``fit(xtrain, ytrain)`` / ``query(xtest)`` interface.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .checks import BadParameter
from .spaces import Space, get_space

FORMAT = "pwlkit.Predictor"
VERSION = 1
DEFAULT_LOSS = "neuralndcg"
"""`Predictor`'s and ``pwlkit fit``'s loss when none is given: NeuralNDCG, the loss a user can
trust to find the top. Chosen leave-one-space-out on the shipped loss grids (each space's
default from the other spaces' tasks only), it is within one standard error of each task's
hindsight-best loss on P@0.5% in 28 of the 36 (task, size) cases, HR in 11; it ranks the whole
space worse than HR (Kendall tau 0.125 lower on average): pass ``loss="hr"`` for that. The
evidence and the command that gives it are in docs/own-space.md."""

_FIXED = ("space", "backbone", "loss", "epochs", "seed", "device")
_FITTED = ("spec_", "weights_", "chosen_loss_", "space_name_")
_SAVED_KEYS = ("params", "spec", "encoding", "chosen_loss", "weights")


class NotFittedError(RuntimeError):
    """A `Predictor` used before `Predictor.fit` (or `Predictor.load`)."""


def _nonfinite_weight(weights: dict[str, Any]) -> str | None:
    """The name of the first weight holding a NaN or infinity (a diverged model), else None."""
    import torch

    for name, value in weights.items():
        if torch.is_tensor(value) and value.is_floating_point() and not torch.isfinite(value).all():
            return name
    return None


class Predictor:
    """Train a performance predictor on measured architectures and score others.

    Args:
        space: a space name (`pwlkit.spaces.SPACES`) or `Space`, needed for arch strings;
            None when ``archs`` are always ``(ops, adj)`` arrays.
        backbone: ``gcn``, ``gin``, ``mlp`` or ``transformer``.
        loss: any loss, schedule or selection spec (``hr``, ``hr->mape``, ``auto``, ...);
            default ``neuralndcg`` (`DEFAULT_LOSS`: the most often near the best on P@0.5%;
            ``hr`` for whole-space ranking).
        epochs: training epochs (None: the backbone's default).
        seed: seeds the weights, the epoch shuffles and the loss's draws.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        **settings: training and backbone settings of `fit_predict` (``lr``, ``batch_size``,
            ``hidden``, ...), checked at `fit`.

    Fitted attributes: ``spec_`` (`pwlkit.train.models.ModelSpec`), ``weights_`` (state
    dict), ``chosen_loss_`` (the loss trained; what ``auto`` chose), ``space_name_``.

    scikit-learn: ``clone``, ``cross_val_score`` and ``GridSearchCV`` (e.g. over ``loss``)
    work with ``archs`` as a list of strings, scored by `score` (Kendall tau). scikit-learn's
    ``check_estimator`` does not apply: its checks fit numeric 2-D arrays of random floats,
    and an architecture here is a string of a space (or an integer ``(ops, adj)`` graph
    encoding). Told so by the tags (no 2-D input), it skips them and only checks that the
    estimator clones; tagged as taking 2-D arrays, its checks stop at the input.
    """

    def __init__(
        self,
        space: str | Space | None = None,
        backbone: str = "gcn",
        loss: str = DEFAULT_LOSS,
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

    def __sklearn_tags__(self) -> Any:
        """What scikit-learn's meta-estimators read: a regressor (continuous ``y``) whose
        ``X`` is a 1-D list of architecture strings, not a numeric 2-D array."""
        from sklearn.utils import InputTags, RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type="regressor",
            target_tags=TargetTags(required=True),
            regressor_tags=RegressorTags(),
            input_tags=InputTags(one_d_array=True, two_d_array=False, string=True),
        )

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted means holding trained weights (`fit` or `load`)."""
        return hasattr(self, "weights_")

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

    def _forget(self) -> None:
        """Drop the fitted state, so a failed or diverged refit never leaves an earlier model
        to predict or be saved."""
        for name in _FITTED:
            self.__dict__.pop(name, None)

    def fit(self, archs: Any, y: Any) -> Predictor:
        """Train on ``archs`` (strings of ``space`` or an ``(ops, adj)`` pair) with scores ``y``
        (higher is better); returns ``self``. A fit that fails leaves the estimator unfitted.

        Raises:
            ValueError: malformed architectures (named), ``y`` of another length, NaN or
                constant ``y``, fewer than 2 architectures, bad settings (BadParameter).
            pwlkit.train.engine.TrainingDiverged: the loss or the weights stopped being finite
                (a ``FloatingPointError`` naming the ``lr`` to lower); nothing is kept.
        """
        from .train.models import encoded_benchmark, fit_models

        self._forget()
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
        """Refuse an unfitted estimator, and one whose weights are not finite (a diverged
        model must neither predict nor be saved)."""
        from .train.engine import TrainingDiverged

        if not hasattr(self, "weights_"):
            raise NotFittedError(
                "this Predictor is not fitted yet: call fit first (or Predictor.load a saved one)"
            )
        name = _nonfinite_weight(self.weights_)
        if name is not None:
            raise TrainingDiverged(
                f"this Predictor's weight {name!r} is not finite (a diverged model): it cannot "
                "predict or be saved; fit it again with a lower lr"
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

    def _predict_against(self, archs: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """The predictions of ``archs`` and ``y`` as float64, after checking their lengths."""
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        pred = self.predict(archs)
        if len(y) != len(pred):
            raise ValueError(f"y has {len(y)} values for {len(pred)} architectures")
        return pred, y

    def score(self, archs: Any, y: Any) -> float:
        """Kendall tau (tau-b, `pwlkit.metrics.kendall_tau`) of the predictions of ``archs``
        against ``y``: one float in [-1, 1], higher is better, so scikit-learn's
        ``cross_val_score`` and ``GridSearchCV`` rank predictors by it with no ``scoring=``.
        Every other metric is in `metrics`.

        Raises:
            NotFittedError: before `fit`.
            ValueError: ``y`` of another length, NaN in ``y``, fewer than 2 architectures.
        """
        from .metrics import kendall_tau

        return float(kendall_tau(*self._predict_against(archs, y)))

    def metrics(
        self,
        archs: Any,
        y: Any,
        ts: Any = None,
        ks: Any = None,
    ) -> dict[str, Any]:
        """`pwlkit.metrics.evaluate` of the predictions against ``y``: ``{"tau", "spearman",
        "precision_at": {t: ...}, "n_at_k": {k: ...}}``.

        Args:
            ts: Precision@T percentages (None: 0.5, 1, 5, 10).
            ks: N@K cut-offs (None: those of 1, 5, 10, 50 that fit ``len(y)``).

        Raises:
            NotFittedError: before `fit`.
            ValueError: ``y`` of another length, a bad ``t`` or ``k``.
        """
        from .metrics import evaluate

        return evaluate(*self._predict_against(archs, y), ts=ts, ks=ks)

    # --- saving ----------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write weights, settings and the encoding spec (space name, op vocabulary, node
        count) to ``path`` as a ``torch.save``'d plain dict; returns the path.

        Raises:
            NotFittedError: before `fit`.
            TrainingDiverged: weights that are not finite (nothing is written).
            BadParameter: ``path`` is an existing folder, or its folder does not exist.
        """
        import torch

        self._check_fitted()
        path = Path(path)
        if path.is_dir():
            raise BadParameter(
                f"Predictor.save: path {str(path)!r} is an existing folder; give a file path, "
                f"e.g. {str(path / 'predictor.pt')!r}"
            )
        if not path.parent.is_dir():
            raise BadParameter(
                f"Predictor.save: path {str(path)!r} is in a folder that does not exist "
                f"({str(path.parent)!r}); create it first"
            )
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
        torch.save(data, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Predictor:
        """A fitted `Predictor` from a file `save` wrote; it predicts bit-identically.

        The file is read with ``weights_only=True``: anything else (a pickled object, a text
        file, random bytes) is refused, never run.

        Raises:
            BadParameter: ``path`` is a folder, or not a pwlkit Predictor file (one line
                saying which: unreadable as plain values, another kind of torch file, another
                format version, missing fields, or weights that are not finite).
            FileNotFoundError: no file at ``path``.
        """
        import torch

        from .train.models import ModelSpec

        path = Path(path)
        where = f"Predictor.load: {str(path)!r}"
        if path.is_dir():
            raise BadParameter(f"{where} is a folder, not a pwlkit Predictor file")
        try:
            with warnings.catch_warnings():  # torch's notes on odd pickle protocols
                warnings.simplefilter("ignore")
                data = torch.load(path, map_location="cpu", weights_only=True)
        except OSError:
            raise
        # random bytes fail in any way, and torch's own text suggests an unsafe load: one line
        except Exception as exc:  # noqa: BLE001
            raise BadParameter(
                f"{where} is not a pwlkit Predictor file (it does not load as a torch file of "
                f"plain values: {type(exc).__name__}); give a file written by Predictor.save"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            kind = f"a dict without format {FORMAT!r}" if isinstance(data, dict) else None
            kind = kind or f"a torch file of {type(data).__name__}"
            raise BadParameter(
                f"{where} is not a pwlkit Predictor file ({kind}); give a file written by "
                "Predictor.save"
            )
        if data.get("version") != VERSION:
            raise BadParameter(
                f"{where}: pwlkit Predictor file of format version {data.get('version')!r}; "
                f"this pwlkit reads version {VERSION}"
            )
        try:
            missing = [k for k in _SAVED_KEYS if k not in data]
            if missing:
                raise KeyError(missing[0])
            est = cls(**data["params"])
            est.spec_ = ModelSpec.from_dict(data["spec"])
            est.weights_ = dict(data["weights"])
            est.chosen_loss_ = str(data["chosen_loss"])
            est.space_name_ = data["encoding"]["space"]
        except KeyError as exc:
            raise BadParameter(
                f"{where} is a damaged pwlkit Predictor file (field {exc.args[0]!r} missing); "
                "save the predictor again"
            ) from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise BadParameter(
                f"{where} is a damaged pwlkit Predictor file (a malformed field: "
                f"{type(exc).__name__}); save the predictor again"
            ) from None
        name = _nonfinite_weight(est.weights_)
        if name is not None:
            raise BadParameter(
                f"{where} holds a diverged model (weight {name!r} is not finite); fit with a "
                "lower lr and save again"
            )
        return est


class NASLibPredictor:
    """NASLib's predictor interface over `Predictor`: ``fit(xtrain, ytrain)``, ``query(xtest)``.

    ``xtrain`` / ``xtest`` are architecture strings of ``space`` (turn NASLib graphs into them
    first, e.g. an NB201 graph's cell string) or ``(ops, adj)`` pairs; ``ytrain`` accuracies.
    ``**params`` go to `Predictor`, with its defaults (loss `DEFAULT_LOSS`); its errors pass through,
    a diverged fit included.

    Example:
        >>> p = NASLibPredictor("nb201", epochs=2)
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
