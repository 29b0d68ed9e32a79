"""`setting_effect`: pairs, direction, Wilcoxon, bootstrap interval and Holm by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pwlkit.claims.paired import holm
from pwlkit.claims.setting_effect import setting_effect


def cells(values: dict[tuple[int, int], float], metric: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"benchmark": "b", "loss": "hr", "train_size": n, "seed": s, metric: v}
            for (n, s), v in values.items()
        ]
    )


def test_pairs_direction_p_values_interval_and_holm():
    a = {(10, s): 0.5 + 0.01 * s for s in range(8)} | {(20, s): 0.6 for s in range(8)}
    b = {(10, s): 0.5 for s in range(8)} | {(20, s): 0.6 + 0.02 * (s % 3) for s in range(8)}
    a[(10, 99)] = 0.9  # no partner: dropped
    out = setting_effect(cells(a, "tau"), cells(b, "tau"), "tau").set_index("train_size")
    assert list(out["n"]) == [8, 8]
    d10 = np.array([0.01 * s for s in range(8)])
    d20 = -np.array([0.02 * (s % 3) for s in range(8)])
    assert np.isclose(out.loc[10, "mean_diff"], d10.mean())
    assert np.isclose(out.loc[20, "mean_diff"], d20.mean())
    assert np.isclose(out.loc[10, "p_value"], stats.wilcoxon(d10).pvalue)
    assert np.isclose(out.loc[20, "p_value"], stats.wilcoxon(d20).pvalue)
    np.testing.assert_allclose(out["p_holm"], holm(out["p_value"]))
    for n, d in ((10, d10), (20, d20)):
        assert d.min() <= out.loc[n, "ci_low"] <= d.mean() <= out.loc[n, "ci_high"] <= d.max()


def test_lower_is_better_metrics_count_a_smaller_value_as_a_gain():
    a = {(10, s): 3.0 for s in range(6)}
    b = {(10, s): 5.0 + s for s in range(6)}
    out = setting_effect(cells(a, "n_at_10"), cells(b, "n_at_10"), "n_at_10")
    assert np.isclose(out["mean_diff"].iloc[0], np.mean([2.0 + s for s in range(6)]))
    assert out["a_mean"].iloc[0] == 3.0


def test_no_grouping_pools_every_pair():
    a = {(n, s): 0.5 + 0.01 * s for n in (10, 20) for s in range(4)}
    b = {(n, s): 0.5 for n in (10, 20) for s in range(4)}
    out = setting_effect(cells(a, "tau"), cells(b, "tau"), "tau", by=())
    assert len(out) == 1 and out["n"].iloc[0] == 8
    assert np.isclose(out["mean_diff"].iloc[0], 0.015)
