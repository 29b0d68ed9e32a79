"""``pwlkit fit``: train one predictor on a random sample and score it over the whole space."""

from __future__ import annotations

import argparse
import json
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fit`` sub-command."""
    from pwlkit.checks import split_list
    from pwlkit.cli import add_device_option
    from pwlkit.estimator import DEFAULT_LOSS

    p = subparsers.add_parser(
        "fit",
        help="train one predictor on N sampled architectures; print whole-space metrics",
        description="Sample --train-size architectures with --seed, train a predictor with "
        "--loss, score every architecture and compare with the benchmark's truth (the column "
        "trained on, --signal).",
    )
    p.add_argument("--benchmark", required=True, help="benchmark name, e.g. nb201-cifar10")
    p.add_argument(
        "--loss",
        default=DEFAULT_LOSS,
        help="loss spec, e.g. mse, hr, warp(weights=rank), hr->mape@0.5 (default: "
        f"{DEFAULT_LOSS}, as Predictor's)",
    )
    p.add_argument("--backbone", default="gcn", help="gcn, gin, mlp or transformer (default: gcn)")
    p.add_argument("--train-size", type=int, required=True, help="number of training archs")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample and the fit")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default: the backbone's)")
    p.add_argument("--signal", default="val", help="column trained on and scored: val or test")
    p.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="training or backbone setting, e.g. --set lr=0.003 --set hidden=64",
    )
    p.add_argument(
        "--ks",
        type=split_list,
        default=None,
        metavar="K,K",
        help="N@K cut-offs, comma-separated, each at most the table's size (default: those of "
        "1,5,10,50 up to the table's size)",
    )
    p.add_argument(
        "--ts",
        type=split_list,
        default=None,
        metavar="T,T",
        help="Precision@T percentages, comma-separated (default 0.5,1,5,10)",
    )
    p.add_argument("--data-dir", help="folder with benchmark files")
    add_device_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_fit)


_OWN_OPTIONS = {
    "backbone": "--backbone",
    "device": "--device",
    "epochs": "--epochs",
    "loss": "--loss",
    "seed": "--seed",
    "signal": "--signal",
    "train_size": "--train-size",
}
"""Arguments of `fit_predict` that have an option of their own rather than a ``--set`` key."""


def _parse_settings(items: list[str]) -> dict:
    """``KEY=VALUE`` items as a dict; a VALUE that is JSON (3, 0.1, true, null) is parsed."""
    from pwlkit.cli import UserError

    out: dict = {}
    raw: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise UserError(f"--set expects KEY=VALUE, got {item!r}")
        if key in _OWN_OPTIONS:
            raise UserError(
                f"--set {key}: {key} has an option of its own, use {_OWN_OPTIONS[key]} {value}"
            )
        if key in raw:
            raise UserError(f"--set {key} is given twice ({raw[key]} and {value}); keep one")
        raw[key] = value
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _check(args: argparse.Namespace, settings: dict):
    """Every option, before the benchmark is loaded or anything trains; returns the parsed
    ``--loss`` (`pwlkit.losses.Spec`), the one place it is read."""
    from pwlkit.checks import check_params
    from pwlkit.cli import DATA_DIR, UserError, check_options
    from pwlkit.losses import parse_spec
    from pwlkit.train.api import PARAMS
    from pwlkit.train.config import SETTINGS, resolve

    check_options(
        {
            "train_size": args.train_size,
            "seed": args.seed,
            "signal": args.signal,
            "data_dir": args.data_dir,
        },
        {**PARAMS, "data_dir": DATA_DIR},
    )
    resolve(
        args.backbone,
        args.epochs,
        settings,
        names=lambda key: _OWN_OPTIONS.get(key, f"--set {key}"),
        where="--set",
    )
    # the values as the engine reads them (``None`` typed as text is None), for --json too
    settings.update(check_params(settings, SETTINGS, names=lambda key: f"--set {key}"))
    try:
        spec = parse_spec(args.loss)
        spec.check_sample_sizes([args.train_size])
    except ValueError as exc:
        raise UserError(f"--loss: {exc}") from None
    return spec


def run_fit(args: argparse.Namespace) -> int:
    from pwlkit.benchmarks import load_benchmark
    from pwlkit.checks import Interval
    from pwlkit.cli import check_options, warn
    from pwlkit.metrics import cutoff_checks, evaluate, top1_test
    from pwlkit.train import TRAIN_DEFAULTS, fit_predict, sample_train

    settings = _parse_settings(args.settings)
    if args.device is not None:
        from pwlkit.cli import check_device

        settings["device"] = check_device(args.device)
    spec = _check(args, settings)
    from pwlkit.train.selection import choose_losses

    selection = spec.selection is not None
    loss_name = spec.name
    bench = load_benchmark(args.benchmark, args.data_dir)
    check_options(
        {"train_size": args.train_size, "ks": args.ks, "ts": args.ts},
        {
            "train_size": Interval(int, 2, bench.num_archs),
            **cutoff_checks(bench.num_archs, f"benchmark {bench.name!r}"),
        },
    )
    if args.signal == "test" and bench.test_is_val:
        warn(
            "fit",
            f"benchmark {bench.name!r} has one metric only: its test is a copy of val, so "
            "--signal test trains and scores on val",
        )
    idx = sample_train(bench, args.train_size, args.seed)
    start = time.perf_counter()
    fit = {"backbone": args.backbone, "epochs": args.epochs, "signal": args.signal, **settings}
    (choice,) = choose_losses(bench, [idx], [spec], [args.seed], **fit)
    pred = fit_predict(
        bench,
        idx,
        loss=choice.loss,
        backbone=args.backbone,
        epochs=args.epochs,
        seed=args.seed,
        signal=args.signal,
        **settings,
    )
    seconds = time.perf_counter() - start
    true = bench.values(args.signal)
    scores = evaluate(pred, true, ts=args.ts, ks=args.ks)
    epochs = args.epochs if args.epochs is not None else TRAIN_DEFAULTS[args.backbone]["epochs"]
    result = {
        "benchmark": bench.name,
        "loss": loss_name,
        "chosen_loss": choice.loss.name,
        "backbone": args.backbone,
        "train_size": args.train_size,
        "seed": args.seed,
        "epochs": epochs,
        "signal": args.signal,
        "settings": settings,
        "tau": scores["tau"],
        "spearman": scores["spearman"],
        "precision_at": {str(k): v for k, v in scores["precision_at"].items()},
        "n_at_k": {str(k): v for k, v in scores["n_at_k"].items()},
        "top1_test": top1_test(pred, bench.test),
        "fit_seconds": round(seconds, 3),
    }
    if selection:
        result["selection_scores"] = choice.scores
        if choice.fold_scores:
            result["fold_scores"] = choice.fold_scores
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{bench.name}  loss={loss_name}"
        + (f" (chose {result['chosen_loss']})" if selection else "")
        + f"  backbone={args.backbone}  "
        f"N={args.train_size}  seed={args.seed}  epochs={epochs}  ({seconds:.1f} s)"
    )
    print(f"  Kendall tau {scores['tau']:.4f}   Spearman {scores['spearman']:.4f}")
    print(
        "  Precision@T%  " + "  ".join(f"{k}: {v:.3f}" for k, v in scores["precision_at"].items())
    )
    print("  N@K           " + "  ".join(f"{k}: {v}" for k, v in scores["n_at_k"].items()))
    print(f"  test accuracy of the predicted best: {result['top1_test']:.2f}")
    return 0
