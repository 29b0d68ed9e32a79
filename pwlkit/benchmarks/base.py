"""The `Benchmark` container: one whole search space, encoded once, shared by every backbone.

Every loader returns the same shape of data so that predictors, metrics, studies and search
never need to know which benchmark they run on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PAD = -1
"""Operation index of an absent node (spaces whose cells have fewer nodes than the maximum)."""

SIGNALS = ("val", "test")
"""The accuracy columns of a benchmark a predictor or a search can read."""


@dataclass(frozen=True, eq=False)
class Benchmark:
    """A whole search space with its measured accuracies.

    Attributes:
        name: registry name, e.g. ``"nb201-cifar10"``.
        space: the search space family, e.g. ``"nb201"``; spaces share encodings.
        arch: ``[N]`` canonical architecture strings (object array of ``str``).
        ops: ``[N, n_nodes]`` int16 operation index per node into ``op_names``; ``PAD`` (-1)
            marks an absent node.
        adj: ``[N, n_nodes, n_nodes]`` uint8 adjacency, ``adj[k, i, j] = 1`` for an edge i -> j.
        op_names: names of the operations indexed by ``ops``.
        val: ``[N]`` float64 search signal (what a predictor is trained on).
        test: ``[N]`` float64 reported metric (what a search reports).
        test_is_val: True when the benchmark has one metric only, so ``test`` is ``val``.
        metric: what ``val``/``test`` measure and in which unit; higher is always better.
        source: the file or package the data came from.
        notes: free-form facts about this benchmark (split, epochs, subset...).
    """

    name: str
    space: str
    arch: np.ndarray
    ops: np.ndarray
    adj: np.ndarray
    op_names: tuple[str, ...]
    val: np.ndarray
    test: np.ndarray
    test_is_val: bool = False
    metric: str = "accuracy (%)"
    source: str = ""
    notes: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.arch)
        for attr in ("ops", "adj", "val", "test"):
            if len(getattr(self, attr)) != n:
                raise ValueError(
                    f"benchmark {self.name!r}: {attr} has {len(getattr(self, attr))} rows, "
                    f"arch has {n}"
                )
        if self.adj.shape[1:] != (self.n_nodes, self.n_nodes):
            raise ValueError(f"benchmark {self.name!r}: adj must be [N, n_nodes, n_nodes]")

    def __len__(self) -> int:
        return len(self.arch)

    def __repr__(self) -> str:
        return (
            f"Benchmark({self.name!r}, num_archs={self.num_archs}, n_nodes={self.n_nodes}, "
            f"ops={len(self.op_names)}, best_test={self.best_test:.4g})"
        )

    @property
    def num_archs(self) -> int:
        return len(self.arch)

    @property
    def n_nodes(self) -> int:
        return int(self.ops.shape[1])

    @property
    def num_ops(self) -> int:
        return len(self.op_names)

    @property
    def best_val(self) -> float:
        return float(np.max(self.val))

    @property
    def best_test(self) -> float:
        return float(np.max(self.test))

    @property
    def best_arch(self) -> str:
        """The architecture with the best ``test`` value (the global best a search aims at)."""
        return str(self.arch[int(np.argmax(self.test))])

    def values(self, signal: str) -> np.ndarray:
        """``[N]`` float64 values of a signal: ``val`` (what predictors train on in the paper's
        protocol) or ``test``. The one place a signal name picks a column.

        Raises:
            ValueError: a signal other than `SIGNALS`.
        """
        if signal == "val":
            return np.asarray(self.val, dtype=np.float64)
        if signal == "test":
            return np.asarray(self.test, dtype=np.float64)
        raise ValueError(f"unknown signal {signal!r}. Valid signals: {', '.join(SIGNALS)}")

    def rows(self, rows: np.ndarray) -> Benchmark:
        """The architectures ``rows`` (in that order) as a benchmark of their own: a predictor
        scores a cell the same whatever the other rows, so fitting on a sub-table and scoring it
        costs only those rows."""
        import dataclasses

        return dataclasses.replace(
            self,
            arch=self.arch[rows],
            ops=self.ops[rows],
            adj=self.adj[rows],
            val=self.val[rows],
            test=self.test[rows],
        )

    def index_of(self, arch: str) -> int:
        """Row of an architecture string; raises KeyError naming the string if absent."""
        lookup = self.__dict__.get("_index")
        if lookup is None:
            lookup = {str(a): i for i, a in enumerate(self.arch)}
            object.__setattr__(self, "_index", lookup)
        try:
            return lookup[arch]
        except KeyError:
            raise KeyError(f"architecture {arch!r} is not in benchmark {self.name!r}") from None

    def info(self) -> dict:
        """JSON-ready summary (what ``pwlkit info`` prints)."""
        best = int(np.argmax(self.test))
        return {
            "name": self.name,
            "space": self.space,
            "num_archs": self.num_archs,
            "n_nodes": self.n_nodes,
            "op_names": list(self.op_names),
            "metric": self.metric,
            "best_val": self.best_val,
            "best_test": self.best_test,
            "best_arch": self.best_arch,
            "best_arch_val": float(self.val[best]),
            "test_of_best_val": float(self.test[int(np.argmax(self.val))]),
            "test_is_val": self.test_is_val,
            "source": self.source,
            "notes": self.notes,
        }
