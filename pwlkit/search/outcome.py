"""From queried rows to reported results: the only place a search reads ``benchmark.test``.

A run reports the test value of the architecture that is best by the *signal* among those it
queried (what a user of the search would deploy), after every query (the best-so-far curve).
"""

from __future__ import annotations

import numpy as np

from pwlkit.benchmarks.base import Benchmark


def error_of(benchmark: Benchmark, values: np.ndarray | float) -> np.ndarray:
    """Error as the paper reports it: ``100 - accuracy`` for metrics in percent, ``1 - value``
    for fractions, and the regret ``best_test - value`` for any other metric (lower is better
    in all three)."""
    values = np.asarray(values, dtype=np.float64)
    metric = benchmark.metric.lower()
    if "%" in metric:
        return 100.0 - values
    if "fraction" in metric:
        return 1.0 - values
    return benchmark.best_test - values


def error_name(benchmark: Benchmark) -> str:
    """What `error_of` computes on this benchmark, for table headers and JSON."""
    metric = benchmark.metric.lower()
    if "%" in metric:
        return "test error (100 - test accuracy, %)"
    if "fraction" in metric:
        return "test error (1 - test accuracy)"
    return f"test regret (best test - test; metric: {benchmark.metric})"


def best_so_far(signal_values: np.ndarray) -> np.ndarray:
    """Position (into the query order) of the best-by-signal architecture after each query;
    ties keep the earlier query."""
    signal_values = np.asarray(signal_values, dtype=np.float64)
    running = np.maximum.accumulate(signal_values)
    positions = np.zeros(len(signal_values), dtype=np.int64)
    best = 0
    for q in range(1, len(signal_values)):
        if signal_values[q] > running[q - 1]:
            best = q
        positions[q] = best
    return positions


def run_outcome(benchmark: Benchmark, queried: np.ndarray, signal_values: np.ndarray) -> dict:
    """JSON-ready result of one run: the reported architecture, its test value and error, the
    best-so-far test-error curve and whether the run found the global best (by test)."""
    queried = np.asarray(queried, dtype=np.int64)
    chosen = queried[best_so_far(signal_values)]
    rows = np.unique(chosen)
    test_at = dict(zip(rows.tolist(), np.asarray(benchmark.test)[rows].tolist()))
    curve = error_of(benchmark, [test_at[i] for i in chosen.tolist()])
    final = int(chosen[-1])
    return {
        "best_index": final,
        "best_arch": str(benchmark.arch[final]),
        "best_signal": float(np.max(signal_values)),
        "test": float(test_at[final]),
        "test_error": float(curve[-1]),
        "found_best": bool(test_at[final] >= benchmark.best_test),
        "curve": [float(c) for c in curve],
        "queried": queried.tolist(),
    }


def oracle(benchmark: Benchmark, signal: str) -> dict:
    """The oracle line: the test error of the best architecture of the whole space by the
    signal (the best any search on that signal can report), and the global best test error."""
    values = benchmark.values(signal)
    top = int(np.argmax(values))
    return {
        "oracle_test_error": float(error_of(benchmark, benchmark.test[top])),
        "oracle_arch": str(benchmark.arch[top]),
        "global_best_test_error": float(error_of(benchmark, benchmark.best_test)),
    }


def summarize_runs(runs: list[dict], benchmark: Benchmark, signal: str) -> dict:
    """Mean / std of the final test error, mean best-so-far curve, found-best fraction, and the
    oracle line, over runs of one (benchmark, strategy, budget, signal)."""
    if not runs:
        raise ValueError("no search runs to summarize")
    errors = np.array([r["test_error"] for r in runs])
    curves = np.array([r["curve"] for r in runs])
    out = {
        "benchmark": benchmark.name,
        "signal": signal,
        "n_runs": len(runs),
        "error": error_name(benchmark),
        "test_is_val": bool(benchmark.test_is_val),
        "mean_test_error": float(errors.mean()),
        "std_test_error": float(errors.std(ddof=1)) if len(runs) > 1 else 0.0,
        "found_best_fraction": float(np.mean([r["found_best"] for r in runs])),
        **oracle(benchmark, signal),
        "curve": [float(c) for c in curves.mean(axis=0)],
    }
    return out
