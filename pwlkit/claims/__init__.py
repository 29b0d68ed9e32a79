"""The paper's claims, checked against a study's results: "holds on 3 of 4 tasks".

Each check takes the tidy frame of `pwlkit.study.load_results` (one row per trained predictor:
benchmark, loss, train_size, backbone, seed and metric columns such as ``tau``,
``precision_at_0.5``, ``n_at_10``), averages over seeds, and decides per task (benchmark, or
benchmark x backbone / train size where the claim is about those). It returns a `Verdict` whose
text is computed from the data, never written in advance.

`verdict`: the answer type; `compare`: the one per-task comparison every check is built on;
`specs`: loss structure from the parsed spec; `frames`: reshaped results for claims and charts;
`loss_claims`, `schedule_claims`, `search_claims`: the checks.

`paired`, `evidence`, `findings`: the same claims answered with paired statistics (Wilcoxon per
task, Holm across a claim's tasks): `findings(results, search)` gives one `Finding` per claim,
`findings_table` lays them out; the per-claim functions are in `pwlkit.claims.findings`
(``from pwlkit.claims.findings import mse_worst_at_top``). `stores`: every study and search store
under a folder, loaded for them (`load_stores`).
"""

from .compare import compare_tasks
from .evidence import Finding
from .findings import findings, findings_table
from .frames import add_family, schedules_frame, seed_means, weights_frame, with_task
from .loss_claims import (
    accuracy_weights_beat_rank,
    backbone_pairing,
    best_family_at_size,
    hybrid_below_best_single,
    more_data_not_always_better,
    mse_worst_at_top,
    ranking_best_with_little_data,
    weighted_best_with_data,
)
from .paired import ALPHA, Paired, holm, paired_test
from .schedule_claims import best_threshold, piecewise_beats_best_single, soft_vs_hard
from .search_claims import search_beats_baselines, search_frame
from .specs import RANKING, SWITCHES, WEIGHTED, loss_family, switch_parts
from .stores import find_stores, load_stores
from .verdict import Verdict, summary_table

__all__ = [
    "ALPHA",
    "RANKING",
    "SWITCHES",
    "WEIGHTED",
    "Finding",
    "Paired",
    "Verdict",
    "accuracy_weights_beat_rank",
    "add_family",
    "backbone_pairing",
    "best_family_at_size",
    "best_threshold",
    "compare_tasks",
    "find_stores",
    "findings",
    "findings_table",
    "holm",
    "hybrid_below_best_single",
    "load_stores",
    "loss_family",
    "more_data_not_always_better",
    "mse_worst_at_top",
    "paired_test",
    "piecewise_beats_best_single",
    "ranking_best_with_little_data",
    "schedules_frame",
    "search_beats_baselines",
    "search_frame",
    "seed_means",
    "soft_vs_hard",
    "summary_table",
    "switch_parts",
    "weighted_best_with_data",
    "weights_frame",
    "with_task",
]
