"""Open-space search by method: `open_search` on DARTS (the docs' toy evaluate) and on NB201
(a table lookup as ``evaluate``), each strategy against the paper's ``pw``, paired by seed.

Each (space, strategy, seed) search keeps its JSON-lines checkpoint under ``--out``, so an
interrupted run resumes and a finished one is read back (its seconds from the side file
written when it ran). NB201's ``evaluate`` returns CIFAR-10 validation accuracy (the
validation signal of the table searches); the row also reports the test error of the best
found cell and the share of runs on the oracle line (the test error of the best-validation
cell) and at the global optimum. Prints one markdown table per space with the machine and
its matmul peak measured in the same run.

    python perf/open_search_methods.py --data-dir ../shared/data [--spaces darts,nb201]
        [--strategies random,evolution,pw,bananas,npenas,gp,pw+] [--seeds 10] [--budget 100]
        [--out outputs/open_search_methods]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import time
from pathlib import Path

import numpy as np
from measure import machine, peak_gflops

from pwlkit.claims.paired import paired_test
from pwlkit.search import open_search

PAIR = re.compile(r"\('(\w+)', (\d)\)")


def _unit(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def toy(arch: str) -> float:
    """The toy DARTS score of docs/own-space.md: additive over the 16 (operation, input) pairs,
    a bonus per separable convolution, and a fixed noise per genotype."""
    pairs = PAIR.findall(arch)
    score = sum(_unit(f"{p}:{op}:{src}") for p, (op, src) in enumerate(pairs))
    return score + 0.5 * arch.count("sep_conv") + _unit("noise:" + arch)


def run_one(space, evaluate, strategy, seed, budget, out: Path) -> tuple[object, float | None]:
    """One search, resumed from its checkpoint; its seconds when it ran in this call or an
    earlier one (None if never timed)."""
    stem = f"{strategy.replace('+', 'plus')}-{seed}"
    checkpoint, clock = out / f"{stem}.jsonl", out / f"{stem}.seconds"
    start = time.perf_counter()
    result = open_search(space, evaluate, budget, strategy, seed=seed, checkpoint=checkpoint)
    if result.reused < budget:  # evaluated here (at least partly): time it
        clock.write_text(f"{time.perf_counter() - start:.2f}")
    return result, float(clock.read_text()) if clock.is_file() else None


def against_pw(values: dict[str, list[float]], strategy: str, metric: str) -> str:
    """`pwlkit.claims.paired.paired_test` of a strategy against ``pw`` on the same seeds: the
    mean difference (positive: the strategy is better), its bootstrap interval and p."""
    if strategy == "pw" or "pw" not in values:
        return ""
    r = paired_test(values[strategy], values["pw"], metric)
    return f"{r.mean_diff:+.3f} [{r.lo:+.3f}, {r.hi:+.3f}], p {r.p_value:.2g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--spaces", default="darts,nb201")
    ap.add_argument("--strategies", default="random,evolution,pw,bananas,npenas,gp,pw+")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--out", default="outputs/open_search_methods")
    args = ap.parse_args()
    strategies = args.strategies.split(",")
    print(f"# {machine()}; fp32 matmul peak {peak_gflops():.0f} GFLOP/s")
    for space in args.spaces.split(","):
        if space == "darts":
            evaluate, table = toy, None
        elif space == "nb201":
            from pwlkit.benchmarks import load_benchmark

            table = load_benchmark("nb201-cifar10", data_dir=args.data_dir)

            def evaluate(arch: str, t=table) -> float:
                return float(t.val[t.index_of(arch)])
        else:
            raise SystemExit(f"--spaces: unknown space {space!r}; valid: darts, nb201")
        out = Path(args.out) / space
        out.mkdir(parents=True, exist_ok=True)
        rows = {}
        for strategy in strategies:
            for seed in range(args.seeds):
                rows[strategy, seed] = run_one(space, evaluate, strategy, seed, args.budget, out)
        _print_table(space, strategies, args, rows, table)


def _print_table(space, strategies, args, rows, table) -> None:
    seeds = range(args.seeds)
    best = {s: [rows[s, k][0].best_score for k in seeds] for s in strategies}
    print(f"\n## {space}, budget {args.budget}, seeds 0-{args.seeds - 1}")
    print("(against pw: paired by seed, positive when the strategy is better)")
    if table is None:
        print("| strategy | mean best score | std | against pw | s a search |")
        print("|---|---|---|---|---|")
    else:
        err = 100 - np.asarray(table.test, dtype=float)
        optimum = float(err.min())
        oracle = float(err[int(np.argmax(table.val))])
        print(f"global optimum {optimum:.2f}, oracle line {oracle:.2f} (test error, %)")
        print(
            "| strategy | mean best val acc | test error of the best found | at the oracle line |"
            " at the optimum | against pw (test error) | s a search |"
        )
        print("|---|---|---|---|---|---|---|")
        test_err = {
            s: [float(err[table.index_of(rows[s, k][0].best_arch)]) for k in seeds]
            for s in strategies
        }
    for s in strategies:
        secs = [rows[s, k][1] for k in seeds if rows[s, k][1] is not None]
        sec = f"{statistics.median(secs):.1f}" if secs else "-"
        if table is None:
            vs = against_pw(best, s, "score")
            print(
                f"| `{s}` | {np.mean(best[s]):.3f} | {np.std(best[s], ddof=1):.3f} | {vs} | {sec} |"
            )
        else:
            e = np.asarray(test_err[s])
            print(
                f"| `{s}` | {np.mean(best[s]):.3f} | {e.mean():.2f} | "
                f"{(e <= oracle + 1e-9).mean():.2f} | {(e <= optimum + 1e-9).mean():.2f} | "
                f"{against_pw(test_err, s, 'test_error')} | {sec} |"
            )


if __name__ == "__main__":
    main()
