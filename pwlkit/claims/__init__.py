"""The paper's claims, tested on a study's results: "holds on 3 of 4 tasks, contradicted on 0".

Each check takes the tidy frame of `pwlkit.study.load_results` (one row per trained predictor:
benchmark, loss, train_size, backbone, seed and metric columns such as ``tau``,
``precision_at_0.5``, ``n_at_10``) and compares the two sides of its claim inside every task,
paired by seed (the losses of one seed share a training sample): mean paired difference,
Wilcoxon signed-rank p-value, Holm across the claim's tasks of one benchmark, and a verdict per task (holds,
contradicted, inconclusive). It returns a `Finding` computed from the data, never written in
advance; a claim the results cannot test returns a `Finding` with a ``note`` naming what it
needs.

`specs`: loss structure from the parsed spec; `frames`: reshaped results for claims and charts
(families, schedules, weights, the best switch point, search curves); `paired`: the test and the
verdict rule; `evidence`: `Finding` and the per-task duels; `findings`: the claims
(`findings(results, search)` gives one per claim of the paper, `findings_table` lays them out);
`goals`: pwlkit's own questions beyond the paper; `replay`: another ``auto`` rule replayed
on stored cells without a fit (`replay_auto`); `stores`: every study and search store under a
folder, loaded for them (`load_stores`); `setting_effect`: cells trained with one setting
against the same cells trained with another (bfloat16 against float32); `overview`: the
findings as frames for charts (verdicts per claim and space, a forest plot's rows); `ranks`:
each loss's mean rank per space and train size, tested against the best (`rank_table`);
`anytime`: search regret after every query and queries to the optimum; `spaces`: the search
space of a benchmark.
"""

from .anytime import queries_to_optimum, references, regret_curves
from .evidence import Finding
from .findings import (
    STUDY_CLAIMS,
    accuracy_weights_beat_rank,
    backbone_pairing,
    findings,
    findings_table,
    hybrid_below_best_single,
    more_data_not_always_better,
    mse_worst_at_top,
    piecewise_beats_best_single,
    ranking_wins_little_data,
    search_beats_baselines,
    soft_beats_hard,
    weighted_lead_with_data,
)
from .frames import (
    add_family,
    best_threshold,
    schedules_frame,
    search_frame,
    seed_means,
    weights_frame,
    with_task,
)
from .overview import forest_frame, verdict_counts
from .paired import ALPHA, Paired, holm, paired_test
from .ranks import loss_ranks, rank_table
from .replay import replay_auto
from .setting_effect import setting_effect
from .spaces import space_of
from .specs import RANKING, SWITCHES, WEIGHTED, is_switch, loss_family, switch_parts
from .stores import find_stores, load_stores

__all__ = [
    "ALPHA",
    "RANKING",
    "STUDY_CLAIMS",
    "SWITCHES",
    "WEIGHTED",
    "Finding",
    "Paired",
    "accuracy_weights_beat_rank",
    "add_family",
    "backbone_pairing",
    "best_threshold",
    "find_stores",
    "findings",
    "findings_table",
    "forest_frame",
    "holm",
    "hybrid_below_best_single",
    "is_switch",
    "load_stores",
    "loss_family",
    "loss_ranks",
    "more_data_not_always_better",
    "mse_worst_at_top",
    "paired_test",
    "piecewise_beats_best_single",
    "queries_to_optimum",
    "rank_table",
    "ranking_wins_little_data",
    "references",
    "regret_curves",
    "replay_auto",
    "schedules_frame",
    "search_beats_baselines",
    "search_frame",
    "seed_means",
    "setting_effect",
    "soft_beats_hard",
    "space_of",
    "switch_parts",
    "verdict_counts",
    "weighted_lead_with_data",
    "weights_frame",
    "with_task",
]
