"""``replan bench`` on the small suite: files written, and the properties the issue asks for."""

from __future__ import annotations

import pandas as pd

from solver.replay.suite import event_stream, load_suite, suite_plant
from tests.conftest import SMALL_SUITE


def test_small_suite_writes_rows_summary_and_plots(small_bench):
    # `replan bench benchmarks/suites/small.yaml --out DIR`, run once per session (conftest).
    out = small_bench.path
    assert small_bench.code == 0  # 1 would mean violations
    for name in ("bench.csv", "summary.md", "service_vs_stability.png", "cumulative_tardiness.png"):
        assert (out / name).stat().st_size > 0
    rows = pd.read_csv(out / "bench.csv")
    planned = rows[rows["cost"].notna()]
    assert set(rows["strategy"]) == {
        "regenerate",
        "stable",
        "frozen",
        "affected",
        "right_shift",
        "dispatch",
    }
    assert (planned["violations"] == 0).all()  # every plan passed the checker
    # Three replications, each with its own stream and solver seed, on every row.
    assert set(rows["replication"]) == {0, 1, 2}
    assert set(zip(rows["stream_seed"], rows["solver_seed"], strict=True)) == {
        (3, 0),
        (4, 1),
        (5, 2),
    }
    summary = (out / "summary.md").read_text()
    assert "3 replications: mean and 95 % confidence interval" in summary
    total = planned.groupby("strategy").sum(numeric_only=True)
    # Same events, same budget: a full solve is no worse on service than pushing steps later,
    # and minimal change moves fewer steps than a full solve that forgets the baseline.
    assert (
        total.loc["regenerate", "weighted_tardiness_days"]
        <= total.loc["right_shift", "weighted_tardiness_days"]
    )
    assert total.loc["stable", "steps_moved"] < total.loc["regenerate", "steps_moved"]


def test_event_stream_is_reproducible_and_advances_now():
    suite = load_suite(SMALL_SUITE)
    plant = suite_plant(suite, suite.data.plants[0], {})
    first = event_stream(plant, suite.data.events)
    assert first == event_stream(plant, suite.data.events)
    nows = [now for now, _ in first]
    assert nows == sorted(nows) and len(set(nows)) == len(nows)
