"""The explorer: pick a benchmark, loss or schedule, train size, backbone and seed; train; look.

`Explorer` is a small ipywidgets panel over `pwlkit.train.fit_predict`: the Train button fits
one predictor on a random sample of the space, scores every architecture, and redraws the
predicted-vs-true chart, the metrics and the predictor's top-K list in place (an ``Output``
widget), keeping a history of the runs of the session for comparison. The predicted top-K
and the status line take the loss's colour from `pwlkit.palette`, as on every chart.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML, display

from . import palette, viz
from .metrics import evaluate, flatten_metrics, metric_label

#: Spec examples offered next to the single losses in the loss box (any valid spec is accepted).
SCHEDULE_EXAMPLES = ("hr->mape@0.5", "hr~>mape", "listmle->warp@0.5", "mse->ew@0.5", "auto")
TRAIN_SIZES = (10, 20, 50, 100, 200, 500, 1000)


@dataclass
class ExplorerRun:
    """One training run of the explorer and what it scored."""

    benchmark: str
    loss: str
    train_size: int
    backbone: str
    seed: int
    epochs: int | None
    seconds: float
    train_idx: np.ndarray
    pred: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """Settings and flat metrics as one table row."""
        return {
            "benchmark": self.benchmark,
            "loss": self.loss,
            "train_size": self.train_size,
            "backbone": self.backbone,
            "seed": self.seed,
            **self.metrics,
            "seconds": round(self.seconds, 2),
        }


#: What the panel opens on: AnalogNAS-Bench is embedded (no data folder), and HR on 500 of its
#: 15,625 cells at 100 epochs ranks the space at Kendall tau 0.80 (seed 0, measured on the
#: 2-core development machine in about 6 s): a predictor worth looking at, trained quickly.
DEFAULTS = {"benchmark": "analognas-baseline", "loss": "hr", "train_size": 500, "epochs": 100}


def available_benchmarks(data_dir: str | None = None) -> list[str]:
    """Benchmarks whose data is here (embedded ones always are)."""
    from pwlkit.benchmarks import is_available, list_benchmarks

    return [s.name for s in list_benchmarks() if is_available(s.name, data_dir)]


class Explorer:
    """Widgets to train one predictor at a time and see it on the whole space.

    Args:
        benchmark, loss, train_size, backbone, seed: the initial choices.
        epochs: training epochs (None: the engine's default, 300).
        benchmarks: choices offered (default: every benchmark available here).
        train_sizes, seeds: choices offered.
        top_k: length of the top-K list and the highlighted points.
        data_dir: folder of benchmark tables, for the file-backed benchmarks.
        hparams: extra training settings for `pwlkit.train.fit_predict` (e.g. ``lr``).
        device: where the predictor trains: ``cpu`` (default) or ``cuda`` (offered in the
            panel when torch sees a GPU).
    """

    def __init__(
        self,
        benchmark: str = DEFAULTS["benchmark"],
        loss: str = DEFAULTS["loss"],
        train_size: int = DEFAULTS["train_size"],
        backbone: str = "gcn",
        seed: int = 0,
        *,
        epochs: int | None = DEFAULTS["epochs"],
        benchmarks: Sequence[str] | None = None,
        train_sizes: Sequence[int] = TRAIN_SIZES,
        seeds: Sequence[int] = tuple(range(10)),
        top_k: int = 10,
        data_dir: str | None = None,
        hparams: dict[str, Any] | None = None,
        device: str = "cpu",
    ) -> None:
        import torch

        from pwlkit.losses import LOSS_NAMES
        from pwlkit.train import BACKBONES

        self.data_dir = data_dir
        self.epochs = epochs
        self.hparams = dict(hparams or {})
        self.k = top_k
        choices = list(benchmarks) if benchmarks else available_benchmarks(data_dir)
        if benchmark not in choices:
            raise ValueError(
                f"benchmark {benchmark!r} is not available; choose one of {', '.join(choices)}"
            )
        sizes = sorted({*train_sizes, int(train_size)})
        seed_opts = sorted({*seeds, int(seed)})
        self.runs: list[ExplorerRun] = []
        self._cache: dict[str, Any] = {}

        style = {"description_width": "90px"}
        self.benchmark = w.Dropdown(
            options=choices, value=benchmark, description="benchmark", style=style
        )
        self.loss = w.Combobox(
            options=[*LOSS_NAMES, *SCHEDULE_EXAMPLES],
            value=loss,
            description="loss",
            placeholder="a loss, schedule or selection, e.g. hr->mape@0.5, auto",
            ensure_option=False,
            style=style,
        )
        self.train_size = w.Dropdown(
            options=sizes, value=int(train_size), description="train size", style=style
        )
        self.backbone = w.Dropdown(
            options=list(BACKBONES), value=backbone, description="backbone", style=style
        )
        self.seed = w.Dropdown(options=seed_opts, value=int(seed), description="seed", style=style)
        devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
        if device not in devices:
            raise ValueError(f"device {device!r} is not available; choose one of {devices}")
        self.device = w.Dropdown(options=devices, value=device, description="device", style=style)
        self.button = w.Button(description="Train", button_style="primary", icon="play")
        self.status = w.HTML(value="<i>pick settings and press Train</i>")
        self.output = w.Output()
        self.chart_box = w.Box()  # holds one live chart widget, redrawn in place
        self._live_chart = None
        self.button.on_click(lambda _: self.train())
        controls = w.HBox(
            [
                w.VBox([self.benchmark, self.loss, self.train_size]),
                w.VBox([self.backbone, self.seed, self.device, w.HBox([self.button])]),
            ]
        )
        self.panel = w.VBox([controls, self.status, self.chart_box, self.output])
        self.panel.add_class("pwlkit-explorer")

    # ------------------------------------------------------------------------- actions

    def _load(self, name: str):
        if name not in self._cache:
            from pwlkit.benchmarks import load_benchmark

            self._cache[name] = load_benchmark(name, self.data_dir)
        return self._cache[name]

    def settings(self) -> dict[str, Any]:
        """The current widget choices."""
        return {
            "benchmark": self.benchmark.value,
            "loss": self.loss.value.strip(),
            "train_size": int(self.train_size.value),
            "backbone": self.backbone.value,
            "seed": int(self.seed.value),
            "device": self.device.value,
        }

    def train(self) -> ExplorerRun | None:
        """Fit with the current settings, then redraw chart, metrics and top-K in place.

        Bad input (an unknown loss spec, a train size above the space) is shown in the status
        line instead of raising, so the panel stays usable.
        """
        from pwlkit.losses import parse_spec
        from pwlkit.train import fit_predict, sample_train

        s = self.settings()
        self.button.disabled = True
        self.status.value = f"<i>training {html.escape(self._describe(s))} ...</i>"
        try:
            spec = parse_spec(s["loss"])  # any spec fit_predict takes, selections included
            loss = spec.name
            bench = self._load(s["benchmark"])
            start = time.perf_counter()
            idx = sample_train(bench, s["train_size"], s["seed"])
            pred = fit_predict(
                bench,
                idx,
                loss=spec,
                backbone=s["backbone"],
                epochs=self.epochs,
                seed=s["seed"],
                **{**self.hparams, "device": s["device"]},
            )
            seconds = time.perf_counter() - start
        except (ValueError, KeyError) as exc:
            msg = exc.args[0] if exc.args else exc
            self.status.value = f"<span style='color:#b3261e'>error: {html.escape(str(msg))}</span>"
            return None
        finally:
            self.button.disabled = False
        metrics = flatten_metrics(evaluate(pred, bench.val))
        run = ExplorerRun(
            bench.name,
            loss,
            s["train_size"],
            s["backbone"],
            s["seed"],
            self.epochs,
            seconds,
            idx,
            np.asarray(pred),
            metrics,
        )
        self.runs.append(run)
        swatch = f"<span style='color:{palette.colour(loss)}'>&#9632;</span>"
        self.status.value = (
            f"<b>run {len(self.runs)}</b>: {swatch} {html.escape(self._describe(s, loss))} "
            f"trained in {seconds:.1f} s; tau = {metrics.get('tau', float('nan')):.3f}"
        )
        if viz.chart_mode() != "report":
            # A batch run (papermill) has no live view, and its executor stalls on rich
            # outputs routed into an Output widget: the report shows runs with `show()`.
            self._redraw(run)
        return run

    def _redraw(self, run: ExplorerRun) -> None:
        """Update the panel in place: the chart widget gets the new spec, tables are redrawn."""
        chart = self.chart(run)
        live = viz.chart_mode() == "interactive"
        if live and self._live_chart is None:
            self._live_chart = alt.JupyterChart(chart, embed_options={"renderer": "canvas"})
            self.chart_box.children = (self._live_chart,)
        elif live:
            self._live_chart.chart = chart
        with self.output:
            self.output.clear_output(wait=True)
            if not live:
                display(chart)
            self._tables(run)

    @staticmethod
    def _describe(s: dict[str, Any], loss: str | None = None) -> str:
        return (
            f"{s['backbone']} with {loss or s['loss']} on {s['train_size']} architectures of "
            f"{s['benchmark']} (seed {s['seed']})"
        )

    # ------------------------------------------------------------------------- views

    def chart(self, run: ExplorerRun | None = None):
        """Predicted vs true over the whole space for ``run`` (default: the last one)."""
        run = run or self._last()
        bench = self._load(run.benchmark)
        return viz.pred_vs_true(
            bench.val,
            run.pred,
            train_idx=run.train_idx,
            top_k=self.k,
            arch=bench.arch,
            true_label=f"true {bench.metric}",
            loss=run.loss,
            title=f"{run.loss} | n={run.train_size} | {run.backbone} | seed {run.seed}",
        )

    def metrics_table(self, run: ExplorerRun | None = None) -> pd.DataFrame:
        """The run's whole-space metrics (tau, Spearman, Precision@T, N@K) as one row."""
        run = run or self._last()
        row = {metric_label(k): v for k, v in run.metrics.items()}
        return pd.DataFrame([row], index=[f"run {self.runs.index(run) + 1}"])

    def top_k(self, run: ExplorerRun | None = None) -> pd.DataFrame:
        """The predictor's top-K architectures with their true value and rank."""
        run = run or self._last()
        bench = self._load(run.benchmark)
        return viz.top_k_table(run.pred, bench.val, arch=bench.arch, test=bench.test, k=self.k)

    def history(self) -> pd.DataFrame:
        """Every run of this session, newest first, for comparing settings."""
        rows = [{metric_label(k): v for k, v in r.row().items()} for r in self.runs]
        return pd.DataFrame(rows, index=[f"run {i + 1}" for i in range(len(rows))]).iloc[::-1]

    def show(self, run: ExplorerRun | None = None) -> None:
        """Display chart, metrics, top-K and history as plain outputs (e.g. for the report)."""
        run = run or self._last()
        display(self.chart(run))
        self._tables(run)

    def _tables(self, run: ExplorerRun) -> None:
        display(HTML("<h4>Metrics over the whole space</h4>"))
        display(HTML(f"<div class='pwlkit-metrics'>{_table(self.metrics_table(run))}</div>"))
        display(HTML(f"<h4>Predicted top-{self.k}</h4>"))
        display(HTML(f"<div class='pwlkit-topk'>{_table(self.top_k(run))}</div>"))
        if len(self.runs) > 1:
            display(HTML("<h4>Runs this session</h4>"))
            display(HTML(f"<div class='pwlkit-history'>{_table(self.history())}</div>"))

    def _last(self) -> ExplorerRun:
        if not self.runs:
            raise ValueError("no run yet: press Train (or call .train()) first")
        return self.runs[-1]

    def _ipython_display_(self) -> None:
        display(self.panel)


def _table(df: pd.DataFrame) -> str:
    return df.to_html(float_format=lambda v: f"{v:.4g}", border=0)
