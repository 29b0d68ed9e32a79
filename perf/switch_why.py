"""Why hr->mape@0.5 loses at N = 469: tables from the two switch_why stores, and what the
focus loss meets at the switch.

``tables`` (default) reads ``results/studies/switch_why_nb201*`` (no training) and prints the
Markdown tables of docs/findings.md: mean (sd) per loss, paired differences (positive: the row's
loss is better) against ``hr->mape@0.5``, MAPE and HR, and the effect of each switch option
with the others held fixed; two-sided Wilcoxon over the 10 seeds.

``scale`` trains ``hr->mape@0.5(refit)`` on seeds 0-9 (N = 469, GCN, 300 epochs) up to the
switch and prints, per seed, the least-squares map ``y ~ a p + c`` of the training targets on
HR's scores, the share of positive residuals ``p - y`` and MAPE on the training sample before
and after the refit (about 1.5 minutes on one core).

``adam`` trains ``hr->mape@0.5``, ``hr->mape@0.5(refit)`` and ``hr`` on seeds 0-4 to step 800
(the switch is step 600: 4 mini-batches per epoch) and prints the RMS of Adam's step
``m_hat / (sqrt(v_hat) + eps)`` in units of the learning rate over weights with ``v > 0``, and
``||g|| / ||sqrt(v_hat)||``, the step's gradient against the moments before it (about 1.5
minutes).

    python perf/switch_why.py [tables|scale|adam] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FILES = ("switch_why_nb201.yaml", "switch_why_nb201_adam.yaml")
S = "hr->mape@0.5"
ORDER = (
    "hr",
    "mape",
    S,
    f"{S}(refit)",
    f"{S}(restart)",
    f"{S}(reset_adam)",
    f"{S}(refit,restart)",
    f"{S}(refit,reset_adam)",
    f"{S}(restart,reset_adam)",
    f"{S}(refit,restart,reset_adam)",
    "mape->mape@0.5(restart)",
    "hr->mape@469",
    "hr->mape@468",
)
EFFECTS = (
    ("refit", f"{S}(refit)", S),
    ("refit given restart", f"{S}(refit,restart)", f"{S}(restart)"),
    ("refit given reset_adam", f"{S}(refit,reset_adam)", f"{S}(reset_adam)"),
    (
        "refit given restart,reset_adam",
        f"{S}(refit,restart,reset_adam)",
        f"{S}(restart,reset_adam)",
    ),
    ("restart", f"{S}(restart)", S),
    ("restart given refit", f"{S}(refit,restart)", f"{S}(refit)"),
    ("restart given reset_adam", f"{S}(restart,reset_adam)", f"{S}(reset_adam)"),
    ("restart given refit,reset_adam", f"{S}(refit,restart,reset_adam)", f"{S}(refit,reset_adam)"),
    ("restart on MAPE alone", "mape->mape@0.5(restart)", "mape"),
    ("reset_adam", f"{S}(reset_adam)", S),
    ("reset_adam given refit", f"{S}(refit,reset_adam)", f"{S}(refit)"),
    ("reset_adam given restart", f"{S}(restart,reset_adam)", f"{S}(restart)"),
    ("reset_adam given refit,restart", f"{S}(refit,restart,reset_adam)", f"{S}(refit,restart)"),
)
METRICS = ("precision_at_0.5", "tau", "n_at_10")


def _diffs(piv: dict, a: str, b: str) -> str:
    from pwlkit.claims import paired_test

    cells = []
    for m in METRICS:
        r = paired_test(piv[m][a].values, piv[m][b].values, m)
        diff = f"{r.mean_diff:+.1f}" if m == "n_at_10" else f"{r.mean_diff:+.3f}"
        cells += [diff, f"{r.p_value:.2g}"]
    return " | ".join(cells) + f" | {r.n} |"


def tables() -> None:
    from pwlkit.study import load_results

    df = pd.concat([load_results(ROOT / "parameters" / "switch_why" / f) for f in FILES])
    piv = {m: df.pivot_table(index="seed", columns="loss", values=m) for m in (*METRICS,)}
    print("| loss | P@0.5% | tau | N@10 mean (median) |\n|---|---|---|---|")
    for loss in ORDER:
        p, t, n = (piv[m][loss] for m in METRICS)
        print(
            f"| `{loss}` | {p.mean():.3f} ({p.std():.3f}) | {t.mean():.3f} ({t.std():.3f}) "
            f"| {n.mean():.1f} ({np.median(n):g}) |"
        )
    for base in (S, "mape", "hr"):
        print(f"\nagainst `{base}` (positive: the row's loss is better)")
        print("| loss | P@0.5% | p | tau | p | N@10 | p | n |\n|---|---|---|---|---|---|---|---|")
        for loss in ORDER:
            if loss != base:
                print(f"| `{loss}` | " + _diffs(piv, loss, base))
    print("\neffect of one option, the others fixed")
    print("| effect | with | without | P@0.5% | p | tau | p | N@10 | p | n |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, a, b in EFFECTS:
        print(f"| {name} | `{a}` | `{b}` | " + _diffs(piv, a, b))
    for a, b in (("hr->mape@469", "hr"), ("hr->mape@468", "mape")):
        cols = [c for c in df.columns if c.startswith(("tau", "spearman", "precision", "n_at"))]
        rows = [df[df["loss"] == x].sort_values("seed")[cols].to_numpy() for x in (a, b)]
        print(f"{a} equals {b} on every metric of every seed: {np.array_equal(*rows)}")


class _Stop(Exception):
    pass


def scale(data_dir: str | None) -> None:
    import torch

    from pwlkit.benchmarks import load_benchmark
    from pwlkit.losses import make_loss
    from pwlkit.train import at_switch, fit_predict_many, sample_train

    mape, refit, seen = make_loss("mape"), at_switch.refit_output, []

    def record(model, rows, train_idx, targets):
        with torch.no_grad():
            before = model(train_idx)
        a, c = refit(model, rows, train_idx, targets)
        with torch.no_grad():
            after = model(train_idx)
        r = rows[0]
        share = float((before[r] - targets[r] > 0).float().mean())
        seen.append(
            (float(a[0]), float(c[0]), share, float(mape(before[r], targets[r])))
            + (float(mape(after[r], targets[r])),)
        )
        raise _Stop

    at_switch.refit_output = record
    bench = load_benchmark("nb201-cifar10", data_dir=data_dir)
    for s in range(10):
        try:
            fit_predict_many(bench, [sample_train(bench, 469, s)], [f"{S}(refit)"], [s], threads=1)
        except _Stop:
            pass
    print("| seed | a | c | share p > y | MAPE before | MAPE after |\n|---|---|---|---|---|---|")
    for s, row in enumerate(seen):
        print(f"| {s} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    print("| mean | " + " | ".join(f"{v:.3f}" for v in np.array(seen).mean(0)) + " |")


def adam(data_dir: str | None) -> None:
    import torch

    from pwlkit.benchmarks import load_benchmark
    from pwlkit.train import engine, fit_predict_many, sample_train

    watch = (596, 599, 600, 601, 604, 610, 650, 700, 799)
    rec: dict = {}
    state: dict = {}

    def step(self, loss, lr):
        grads = list(torch.autograd.grad(loss, self.params))
        k = int(self.steps[0])
        if k >= 800:
            raise _Stop
        if k in watch and k > 0:
            g = torch.cat([x.flatten() for x in grads])
            sv = torch.cat([(v / (1 - 0.999**k)).sqrt().flatten() for v in self.exp_avg_sqs])
            state["ratio"] = float(g.norm() / sv.norm())
        self.apply(grads, lr)
        if k in watch:
            n = k + 1
            m = torch.cat([x.flatten() for x in self.exp_avgs]) / (1 - 0.9**n)
            v = torch.cat([x.flatten() for x in self.exp_avg_sqs]) / (1 - 0.999**n)
            live = v > 0
            u = m[live] / (v[live].sqrt() + 1e-8)
            rms = float(u.pow(2).mean().sqrt())
            rec.setdefault(state["key"], {})[k] = (rms, state.get("ratio", float("nan")))

    engine.FusedAdam.step = step
    bench = load_benchmark("nb201-cifar10", data_dir=data_dir)
    specs = (S, f"{S}(refit)", "hr")
    for s in range(5):
        for spec in specs:
            state["key"] = (spec, s)
            try:
                fit_predict_many(bench, [sample_train(bench, 469, s)], [spec], [s], threads=1)
            except _Stop:
                pass
    print("| loss | quantity | " + " | ".join(f"step {k}" for k in watch) + " |")
    print("|---|---|" + "---|" * len(watch))
    for spec in specs:
        rows = np.array([[rec[(spec, s)][k] for k in watch] for s in range(5)]).mean(0)
        print(f"| `{spec}` | step RMS / lr | " + " | ".join(f"{x:.3f}" for x in rows[:, 0]) + " |")
        print(f"| `{spec}` | g / sqrt(v) | " + " | ".join(f"{x:.2f}" for x in rows[:, 1]) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", nargs="?", default="tables", choices=("tables", "scale", "adam"))
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    if args.what == "tables":
        tables()
    elif args.what == "scale":
        scale(args.data_dir)
    else:
        adam(args.data_dir)


if __name__ == "__main__":
    main()
