"""Quality against training epochs: the shipped epochs-curve stores as a table.

Reads the studies ``parameters/epochs/nb201_c10_e{25,50,100,200,300}.yaml`` (their stores are
shipped under results/studies), and prints, per loss and train size, the mean Kendall tau,
P@0.5% and N@10 over the 5 seeds at each epoch count, and for each count below 300 the mean
paired difference to 300 epochs (same seeds, so the same training samples) with the Wilcoxon
signed-rank p-value, over all losses of a train size (n = losses x seeds pairs).

    python perf/epochs_curve.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd
from scipy import stats

from pwlkit.study import load_results

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = (25, 50, 100, 200, 300)
METRICS = {"tau": "tau", "precision_at_0.5": "P@0.5%", "n_at_10": "N@10"}


def load() -> pd.DataFrame:
    os.chdir(ROOT)  # the studies' output_dir (results/studies) is relative to the repository
    frames = []
    for e in EPOCHS:
        df = load_results(ROOT / "parameters" / "epochs" / f"nb201_c10_e{e}.yaml")
        if len(df):
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def paired(df: pd.DataFrame, metric: str, epochs: int) -> dict:
    """Mean difference (epochs - 300) over (loss, seed) pairs per train size, Wilcoxon p."""
    out = {}
    for n, group in df.groupby("train_size"):
        wide = group.pivot_table(index=["loss", "seed"], columns="epochs", values=metric)
        if epochs not in wide or 300 not in wide:
            continue
        both = wide[[epochs, 300]].dropna()
        diff = both[epochs] - both[300]
        p = stats.wilcoxon(diff).pvalue if (diff != 0).any() else 1.0
        out[int(n)] = {"mean_diff": float(diff.mean()), "p_value": float(p), "n": len(diff)}
    return out


def markdown(df: pd.DataFrame, index: bool = True) -> str:
    """A pipe table (pandas' own needs the optional tabulate package)."""
    df = df.reset_index() if index else df
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append(
            "| " + " | ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    df = load()
    means = df.groupby(["train_size", "loss", "epochs"])[list(METRICS)].mean().reset_index()
    tests = {
        m: {e: paired(df, m, e) for e in EPOCHS if e != 300 and e in set(df["epochs"])}
        for m in METRICS
    }
    if args.json:
        print(json.dumps({"means": means.to_dict("records"), "paired_vs_300": tests}))
        return
    for metric, label in METRICS.items():
        print(f"\n### {label}: mean over 5 seeds (rows: train size, loss; columns: epochs)\n")
        wide = means.pivot_table(index=["train_size", "loss"], columns="epochs", values=metric)
        print(markdown(wide.round(3)))
        print(f"\n{label}, paired difference to 300 epochs (all losses, same seeds):\n")
        rows = [
            {"epochs": e, "train_size": n, **v}
            for e, by_n in tests[metric].items()
            for n, v in by_n.items()
        ]
        print(markdown(pd.DataFrame(rows).round(4), index=False))


if __name__ == "__main__":
    main()
