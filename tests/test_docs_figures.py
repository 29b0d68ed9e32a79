"""Figures quoted in the docs, recomputed from the stores shipped under results/.

`FIGURES` is the sample: per figure, the page, the section it sits in, a regex whose one group
captures the figure (it must match exactly once in that section) and a function computing it
from the shipped stores. A number is compared at the rounding the page prints it with (0.792
stands for anything from 0.7915 to 0.7925), a word (a loss name) exactly. Editing a figure, or a
store it comes from, without the other fails here.

The stores are read as parquet with pandas (no training, no torch): each is first checked to
hold exactly the cells of its ``study.yaml`` grid, once each, so a store that lost cells or kept
rows of an earlier setting fails loudly instead of shifting a mean.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "results" / "studies"
GRID_KEYS = ("benchmarks", "losses", "train_sizes", "backbones", "seeds")
PAPER_LOSSES = ("mse", "hr", "lr", "mse+sr", "listmle", "ew", "mape", "warp")
"""The paper's eight single losses (no NDCG loss, no schedule)."""
P05 = "precision_at_0.5"


# --- the stores -------------------------------------------------------------------------------


@functools.cache
def store(name: str) -> pd.DataFrame:
    """Every stored cell of ``results/studies/<name>``, checked against its study's grid."""
    folder = STUDIES / name
    study = yaml.safe_load((folder / "study.yaml").read_text())
    parts = sorted((folder / "results").glob("part-*.parquet"))
    df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    grid = len(study.get("samplings") or ["random"])
    for key in GRID_KEYS:
        grid *= len(study[key])
    for values in (study.get("axes") or {}).values():
        grid *= len(values)
    df["pretrain"] = [json.loads(h).get("pretrain", "none") for h in df["hparams"]]
    assert df["cell_id"].is_unique and len(df) == grid, (
        f"{name}: {len(df)} stored rows, its study.yaml grid has {grid} cells"
    )
    return df


def cells(name: str, **where: object) -> pd.DataFrame:
    """The cells of a store whose columns equal the given values."""
    df = store(name)
    for column, value in where.items():
        df = df[df[column] == value]
    assert not df.empty, f"{name}: no cell with {where}"
    return df


def mean(name: str, metric: str, **where: object) -> float:
    return float(cells(name, **where)[metric].mean())


def std(name: str, metric: str, **where: object) -> float:
    return float(cells(name, **where)[metric].std())


def loss_means(name: str, metric: str, losses=None, **where: object) -> pd.Series:
    """Mean of ``metric`` per loss over the selected cells (only ``losses`` if given)."""
    df = cells(name, **where)
    if losses is not None:
        df = df[df["loss"].isin(losses)]
    return df.groupby("loss")[metric].mean()


def bf16_minus_f32_tau() -> pd.Series:
    """Paired tau differences, bfloat16 minus float32, on the same (loss, size, seed) sample."""
    keys = ["benchmark", "loss", "train_size", "seed"]
    bf16 = store("dtype_bf16_nb201_cifar10")[[*keys, "tau"]]
    f32 = store("losses_nb201_cifar10")[[*keys, "tau"]]
    pairs = bf16.merge(f32, on=keys, suffixes=("_bf16", "_f32"))
    return pairs["tau_bf16"] - pairs["tau_f32"]


def transformer_best_on_c100_and_in16() -> str:
    """The paper loss with the Transformer's best tau at N = 469 on both CIFAR-100 and IN16."""
    best = {
        loss_means(
            f"backbone_nb201_{d}", "tau", PAPER_LOSSES, backbone="transformer", train_size=469
        )
        .idxmax()
        .upper()
        for d in ("cifar100", "imagenet16")
    }
    assert len(best) == 1, best
    return best.pop()


# --- the sample -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    what: str
    page: str
    """Path from the repository root."""
    section: str | None
    """Heading (without the #s) whose text holds the figure; None: the whole page."""
    pattern: str
    """Regex with one group: the figure as the page prints it."""
    compute: Callable[[], float | str]


def row_cell(caption: str | None, row: str, column: int) -> str:
    """Regex of cell ``column`` (0 is the row's label) of the row labelled ``row`` in the table
    right after the line holding ``caption`` and a blank line (None: any table in the text)."""
    before = r"[^|\n]*\|" * (column - 1)
    cell = rf"\| {re.escape(row)} \|{before} \**([-+]?[\d.]+)\** \|"
    if caption is None:
        return "^" + cell
    return rf"{re.escape(caption)}[^\n]*\n\n(?:\|[^\n]*\n)*?" + cell


C10 = "Every loss on NB201 CIFAR-10, 10 seeds"
IN16 = "Every loss on NB201 ImageNet16-120, 10 seeds"
EVERY_LOSS = "Every loss at N = 469 (NB201 CIFAR-10)"
GOALS = "Where the goals beyond the paper stand"
STAGE1 = "The predictor, stage 1: pretraining x loss x backbone on NB201 CIFAR-10, 10 seeds"
S1 = "predictor_stage1_nb201_cifar10"
S1M = "predictor_stage1_masked_nb201_cifar10"
STAGE3 = "The predictor, stage 3: flow pretraining on the other spaces, 10 seeds"
S3 = "predictor_stage3_pretrain_spaces"
STAGE4 = "The predictor, stage 4: top-K precision on the three NB201 datasets, 10 seeds"

FIGURES = [
    # docs/results.md
    Figure(
        "C10 P@0.5% of hr at N=469",
        "docs/results.md",
        C10,
        row_cell("Precision@0.5% (the top 79", "`hr`", 3),
        lambda: mean("losses_nb201_cifar10", P05, loss="hr", train_size=469),
    ),
    Figure(
        "C10 tau of listmle at N=1563",
        "docs/results.md",
        C10,
        row_cell("Kendall tau, mean over 10 seeds:", "`listmle`", 5),
        lambda: mean("losses_nb201_cifar10", "tau", loss="listmle", train_size=1563),
    ),
    Figure(
        "C10 best tau at N=469, sd",
        "docs/results.md",
        C10,
        r"GCN \+ HR, tau 0\.\d+ \+- (0\.\d+) \(10 seeds\)",
        lambda: std("losses_nb201_cifar10", "tau", loss="hr", train_size=469),
    ),
    Figure(
        "auto tau at N=1563 on C10",
        "docs/results.md",
        "`auto` on NB201 CIFAR-10 at all five train sizes, 10 seeds",
        row_cell(None, "1,563", 4),
        lambda: mean("auto_nb201_cifar10", "tau", train_size=1563),
    ),
    Figure(
        "IN16 second-best tau at N=469 (the table that replaced a pasted dict)",
        "docs/results.md",
        IN16,
        r"^\| 469 \| `hr` [\d.]+ \+- [\d.]+ \| `listmle` ([\d.]+) \+- [\d.]+ \|",
        lambda: mean("losses_nb201_imagenet16", "tau", loss="listmle", train_size=469),
    ),
    Figure(
        "IN16 best loss by tau at N=1563",
        "docs/results.md",
        IN16,
        r"^\| 1,563 \| `([\w+>@.-]+)` [\d.]+ \+-",
        lambda: loss_means("losses_nb201_imagenet16", "tau", train_size=1563).idxmax(),
    ),
    Figure(
        "TransNAS segmentsemantic N=41 P@0.5% of hr",
        "docs/results.md",
        "Every loss on the seven TransNAS-Bench-101 micro tasks, 10 seeds",
        row_cell("4,096, `ceil(0.5% of N)`", "segmentsemantic N=41", 2),
        lambda: mean(
            "losses_tnb101_micro",
            P05,
            benchmark="tnb101-micro-segmentsemantic",
            loss="hr",
            train_size=41,
        ),
    ),
    Figure(
        "auto_tnb101_micro cells (N = 41 and 205)",
        "docs/results.md",
        "`auto` on the other spaces, 10 seeds",
        r"\| `auto_tnb101_micro` \| 7 tasks x N = 41, 205 x 10 seeds = (\d+) \|",
        lambda: len(store("auto_tnb101_micro")),
    ),
    Figure(
        "Transformer's lowest tau at N=469 on C10 (paper losses): the value",
        "docs/results.md",
        "Backbone x loss on NB201 CIFAR-10, 10 seeds",
        r"Transformer (0\.\d+) \(\w+\) to 0\.\d+ \(HR\)",
        lambda: loss_means(
            "backbone_nb201_cifar10", "tau", PAPER_LOSSES, backbone="transformer", train_size=469
        ).min(),
    ),
    Figure(
        "Transformer's lowest tau at N=469 on C10 (paper losses): the loss",
        "docs/results.md",
        "Backbone x loss on NB201 CIFAR-10, 10 seeds",
        r"Transformer 0\.\d+ \((\w+)\) to 0\.\d+ \(HR\)",
        lambda: (
            loss_means(
                "backbone_nb201_cifar10",
                "tau",
                PAPER_LOSSES,
                backbone="transformer",
                train_size=469,
            )
            .idxmin()
            .upper()
        ),
    ),
    # results/README.md
    Figure(
        "auto_tnb101_micro cells at N=205",
        "results/README.md",
        None,
        r"\| `studies/auto_tnb101_micro` \|[^\n]*N = 205 \((\d+) cells\)",
        lambda: len(cells("auto_tnb101_micro", train_size=205)),
    ),
    # docs/predictors-and-training.md
    Figure(
        "every loss at N=469: hr tau",
        "docs/predictors-and-training.md",
        EVERY_LOSS,
        r"^\| `hr` \| ([\d.]+) \([\d.]+\) \|",
        lambda: mean("losses_nb201_cifar10", "tau", loss="hr", train_size=469),
    ),
    Figure(
        "every loss at N=469: mape N@10 sd",
        "docs/predictors-and-training.md",
        EVERY_LOSS,
        r"^\| `mape` \|(?: [^|]+ \|){2} [\d.]+ \(([\d.]+)\) \|",
        lambda: std("losses_nb201_cifar10", "n_at_10", loss="mape", train_size=469),
    ),
    Figure(
        "every loss at N=469: neuralndcg P@0.5%",
        "docs/predictors-and-training.md",
        EVERY_LOSS,
        r"^\| `neuralndcg` \| [^|]+ \| ([\d.]+) \(",
        lambda: mean("losses_nb201_cifar10", P05, loss="neuralndcg", train_size=469),
    ),
    Figure(
        "every loss at N=469: mape's global best in its top 10 (seeds)",
        "docs/predictors-and-training.md",
        EVERY_LOSS,
        r"the global best\s+itself in (\d+) of 10\)",
        lambda: int(
            (cells("losses_nb201_cifar10", loss="mape", train_size=469)["n_at_10"] == 1).sum()
        ),
    ),
    Figure(
        "epochs: mean tau of the 12 losses at N=469, 300 epochs",
        "docs/predictors-and-training.md",
        "Epochs: the curve behind the 300-epoch default",
        r"^\| 469 \| 25 / 50 / 100 / 200 / 300 \| (?:[\d.]+ / ){4}([\d.]+) \|",
        lambda: mean("epochs_nb201_c10_e300", "tau", train_size=469),
    ),
    Figure(
        "epochs: best loss by tau at N=1563, 300 epochs",
        "docs/predictors-and-training.md",
        "Epochs: the curve behind the 300-epoch default",
        r"and `(\w+)` at 1,563 \(0\.871\)",
        lambda: loss_means("epochs_nb201_c10_e300", "tau", train_size=1563).idxmax(),
    ),
    # docs/findings.md
    Figure(
        "tau goal: Transformer + HR",
        "docs/findings.md",
        GOALS,
        r"the best is Transformer \+ HR, (0\.\d+) \+- 0\.\d+;",
        lambda: mean(
            "backbone_nb201_cifar10", "tau", backbone="transformer", loss="hr", train_size=469
        ),
    ),
    Figure(
        "tau goal: auto on C10 at N=469",
        "docs/findings.md",
        GOALS,
        r"GIN \+ HR [\d.]+ \(3 seeds\); `auto` (0\.\d+) \(",
        lambda: mean("auto_nb201_cifar10", "tau", train_size=469),
    ),
    Figure(
        "tau goal: the Transformer's best loss on CIFAR-100 and ImageNet16-120",
        "docs/findings.md",
        GOALS,
        r"the Transformer's best is ([\w+]+), 0\.\d+ and 0\.\d+;",
        transformer_best_on_c100_and_in16,
    ),
    Figure(
        "tau goal: the Transformer's best tau on ImageNet16-120",
        "docs/findings.md",
        GOALS,
        r"the Transformer's best is [\w+]+, 0\.\d+ and (0\.\d+);",
        lambda: mean(
            "backbone_nb201_imagenet16",
            "tau",
            backbone="transformer",
            loss="mse+sr",
            train_size=469,
        ),
    ),
    Figure(
        "half-way switch: P@0.5% of hr->mape@0.5 at N=469",
        "docs/findings.md",
        "Why the half-way switch loses",
        r"\(P@0\.5% (0\.\d+) against 0\.\d+ and 0\.\d+\s+over 10 seeds",
        lambda: mean("losses_nb201_cifar10", P05, loss="hr->mape@0.5", train_size=469),
    ),
    Figure(
        "half-way switch: tau of hr->mape@0.5(refit)",
        "docs/findings.md",
        "Why the half-way switch loses",
        r"^\| `hr->mape@0\.5\(refit\)` \| [^|]+ \| ([\d.]+) \(",
        lambda: mean("switch_why_nb201", "tau", loss="hr->mape@0.5(refit)"),
    ),
    Figure(
        "stage 1: tau of Transformer + flow + HR at N=469",
        "docs/results.md",
        STAGE1,
        r"^\| Transformer, flow \| HR \| [^|]+ \| [^|]+ \| \**([\d.]+)\** \|",
        lambda: mean(S1, "tau", backbone="transformer", pretrain="flow", loss="hr", train_size=469),
    ),
    Figure(
        "stage 1: tau of GCN without pretraining, MAPE at N=156",
        "docs/results.md",
        STAGE1,
        r"^\| GCN, none \| MAPE \| [^|]+ \| ([\d.]+) \|",
        lambda: mean(S1, "tau", backbone="gcn", pretrain="none", loss="mape", train_size=156),
    ),
    Figure(
        "stage 1: P@0.5% of Transformer + flow + MAPE at N=469",
        "docs/results.md",
        STAGE1,
        r"^\| Transformer, flow \| MAPE \| [^|]+ \| [^|]+ \| [^|]+ \| \**([\d.]+)\** \|",
        lambda: mean(S1, P05, backbone="transformer", pretrain="flow", loss="mape", train_size=469),
    ),
    Figure(
        "stage 4: P@0.5% of the pretrained ensemble on CIFAR-100",
        "docs/results.md",
        STAGE4,
        r"^\| CIFAR-100 \| [^|]+ \| ([\d.]+) \[",
        lambda: mean(
            "predictor_stage4_topk_nb201", P05, benchmark="nb201-cifar100", train_size=469
        ),
    ),
    Figure(
        "stage 4: P@0.5% of the pretrained ensemble on ImageNet16-120 at N=1563",
        "docs/results.md",
        STAGE4,
        r"^\| ImageNet16-120, N = 1,563 \| [^|]+ \| ([\d.]+) \[",
        lambda: mean(
            "predictor_stage4_topk_nb201", P05, benchmark="nb201-imagenet16", train_size=1563
        ),
    ),
    Figure(
        "stage 4: P@0.5% of MAPE on CIFAR-100 at N=1563 (the loss grid's seeds)",
        "docs/results.md",
        STAGE4,
        r"^\| CIFAR-100, N = 1,563 \|[^|]+\|[^|]+\|[^|]+\| ([\d.]+) \[",
        lambda: mean("losses_nb201_cifar100", P05, loss="mape", train_size=1563),
    ),
    Figure(
        "stage 4: P@0.5% of HR on the plain GCN, CIFAR-10 seeds 10-19",
        "docs/results.md",
        STAGE4,
        r"^\| CIFAR-10 \(seeds 10-19\) \|[^|]+\|[^|]+\|[^|]+\| ([\d.]+) \[",
        lambda: mean("predictor_stage4_paper_losses_nb201_cifar10", P05, loss="hr"),
    ),
    Figure(
        "stage 4: P@0.5% of MAPE on ImageNet16-120 at N=469 (the loss grid's seeds)",
        "docs/results.md",
        STAGE4,
        r"^\| ImageNet16-120 \|[^|]+\|[^|]+\|[^|]+\| ([\d.]+) \[",
        lambda: mean("losses_nb201_imagenet16", P05, loss="mape", train_size=469),
    ),
    Figure(
        "stage 3: CIFAR-100 tau at N=156 without pretraining",
        "docs/results.md",
        STAGE3,
        r"^\| NB201 CIFAR-100 \| ([\d.]+) -> ",
        lambda: mean(S3, "tau", benchmark="nb201-cifar100", pretrain="none", train_size=156),
    ),
    Figure(
        "stage 3: room_layout tau at N=156 with flow pretraining",
        "docs/results.md",
        STAGE3,
        r"^\| TNB101 micro room_layout \| [\d.]+ -> ([\d.]+) \|",
        lambda: mean(
            S3, "tau", benchmark="tnb101-micro-room_layout", pretrain="flow", train_size=156
        ),
    ),
    Figure(
        "stage 3: Proteins tau at N=469 with flow pretraining",
        "docs/results.md",
        STAGE3,
        r"^\| NAS-Bench-Graph Proteins \|[^|]+\|[^|]+\| [\d.]+ -> ([\d.]+) \|",
        lambda: mean(S3, "tau", benchmark="nbgraph-proteins", pretrain="flow", train_size=469),
    ),
    Figure(
        "stage 1: tau of Transformer + masked + HR at N=469",
        "docs/results.md",
        STAGE1,
        r"^\| Transformer \+ HR, masked \| [^|]+ \| [^|]+ \| ([\d.]+) \(",
        lambda: mean(S1M, "tau", backbone="transformer", train_size=469),
    ),
    # README.md
    Figure(
        "bfloat16 vs float32: pooled tau difference",
        "README.md",
        None,
        r"pooled tau difference of (-?0\.\d+) \[",
        lambda: float(bf16_minus_f32_tau().mean()),
    ),
    Figure(
        "bfloat16 vs float32: pairs",
        "README.md",
        None,
        r"\((\d+) paired fits, not significant\)",
        lambda: len(bf16_minus_f32_tau()),
    ),
]


# --- the check --------------------------------------------------------------------------------


def section(text: str, heading: str | None) -> str:
    """The lines under ``heading`` (any level) up to the next heading; ``#`` lines inside code
    fences are not headings. None: the whole text."""
    if heading is None:
        return text
    lines, fenced, start, end = text.splitlines(keepends=True), False, None, None
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not re.match(r"#+ ", line):
            continue
        if start is not None:
            end = i
            break
        if line.rstrip("\n").lstrip("#").strip() == heading:
            start = i + 1
    assert start is not None, f"no heading {heading!r}"
    return "".join(lines[start:end])


def printed(figure: Figure, text: str) -> str:
    """The figure as the page prints it (the pattern must match once)."""
    found = re.findall(figure.pattern, section(text, figure.section), re.MULTILINE)
    assert len(found) == 1, (
        f"{figure.page} [{figure.section}]: {figure.pattern!r} matches {len(found)} times"
    )
    return found[0]


def check(figure: Figure, text: str) -> None:
    shown, value = printed(figure, text), figure.compute()
    where = f"{figure.page}: {figure.what}"
    if isinstance(value, str):
        assert shown == value, f"{where}: the page says {shown}, the store {value}"
        return
    decimals = len(shown.partition(".")[2])
    assert abs(value - float(shown)) <= 0.5 * 10**-decimals + 1e-9, (
        f"{where}: the page says {shown}, the store gives {value:.{decimals + 2}f}"
    )


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.what)
def test_documented_figure_matches_its_store(figure):
    check(figure, (ROOT / figure.page).read_text())


def test_the_sample_spans_the_pages():
    pages = {f.page for f in FIGURES}
    assert len(FIGURES) >= 10
    assert {
        "docs/results.md",
        "docs/predictors-and-training.md",
        "docs/findings.md",
        "README.md",
    } <= pages


def test_an_edited_figure_fails():
    figure = FIGURES[0]
    text = (ROOT / figure.page).read_text()
    shown = printed(figure, text)
    body = section(text, figure.section)
    edited = body.replace(shown, f"{float(shown) + 0.01:.3f}", 1)
    heading = f"## {figure.section}\n"
    with pytest.raises(AssertionError, match="the page says"):
        check(figure, text.replace(heading + body, heading + edited))


def test_a_changed_store_fails(monkeypatch):
    figure = FIGURES[0]
    text = (ROOT / figure.page).read_text()
    shifted = store("losses_nb201_cifar10").assign(**{P05: lambda d: d[P05] + 0.01})
    monkeypatch.setattr(sys.modules[__name__], "store", lambda name: shifted)
    with pytest.raises(AssertionError, match="the store gives"):
        check(figure, text)
