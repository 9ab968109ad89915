"""Bench replications (issue 19): paired streams, provenance on every row, intervals that hold
each replication's value, and a summary that says who is indistinguishable from the best."""

from __future__ import annotations

import pytest
import yaml

from solver.domain.errors import DataError
from solver.replay.suite import load_suite, run_suite
from solver.report import bench_stats
from solver.report.bench import METRICS, replication_summaries, write_outputs

PROVENANCE = (
    "suite",
    "plant",
    "replication",
    "stream_seed",
    "solver_seed",
    "budget",
    "deterministic",
    "engine",
    "ortools",
    "input_hash",
)


def tiny_suite(tmp_path, replications: int = 3, **extra):
    path = tmp_path / "suite.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "plants": [{"name": "g", "generate": {"orders": 20, "seed": 1}}],
                "events": {"count": 2, "seed": 5, "spacing": "1d"},
                "strategies": ["stable", "right_shift"],
                "budget": 1,
                "baseline_budget": 2,
                "replications": replications,
                "settings": {"workers": 2, "seed": 0, "wall_cap_factor": 100},
                **extra,
            }
        )
    )
    return load_suite(path)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    suite = tiny_suite(tmp_path_factory.mktemp("reps"))
    return suite, run_suite(suite, {})


def without_time(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_every_row_carries_its_provenance_and_replications_differ_in_seeds(three):
    _, rows = three
    for row in rows:
        assert all(column in row for column in PROVENANCE)
    seeds = {(r["replication"], r["stream_seed"], r["solver_seed"]) for r in rows}
    assert seeds == {(0, 5, 0), (1, 6, 1), (2, 7, 2)}
    # Every strategy replays the same stream in a replication.
    for rep in range(3):
        events = {
            s: [r["kind"] for r in rows if r["replication"] == rep and r["strategy"] == s]
            for s in ("stable", "right_shift")
        }
        assert events["stable"] == events["right_shift"]


def test_a_replication_run_again_gives_the_same_rows(three, tmp_path):
    _, rows = three
    # Replication 1 of the three is the first replication of a suite whose seeds start there.
    again = run_suite(
        tiny_suite(tmp_path, 1, events={"count": 2, "seed": 6, "spacing": "1d"}), {"seed": 1}
    )
    first = [r for r in rows if r["replication"] == 1]
    expected = [dict(r, replication=0) for r in without_time(first)]
    assert without_time(again) == expected


def test_the_intervals_hold_each_replications_value(three):
    _, rows = three
    summaries = replication_summaries(rows)
    assert len(summaries) == 3
    for column, _, _, lower in METRICS:
        values = bench_stats.by_replication(summaries, column)
        for strategy, estimate in bench_stats.estimates(values).items():
            assert estimate.low <= estimate.mean <= estimate.high
            for value in values[strategy]:
                assert estimate.low - 1e-9 <= value <= estimate.high + 1e-9
        compared = bench_stats.against_best(values, lower)
        best = next(iter(compared.values())).best
        assert compared[best].indistinguishable is True and compared[best].difference == 0
        assert all(0 <= p.wins <= 3 for p in compared.values())


def test_the_paired_comparison_tells_a_real_difference_from_noise():
    # B is worse than A by 1 on every stream: a real difference, however noisy the streams.
    values = {"A": [10.0, 20.0, 30.0], "B": [11.0, 21.0, 31.0], "C": [9.0, 24.0, 29.0]}
    compared = bench_stats.against_best(values, lower_is_better=True)
    assert compared["A"].best == "A"
    assert compared["B"].indistinguishable is False and compared["B"].difference == 1
    assert compared["C"].indistinguishable is True  # -1, +4, -1: the interval holds 0
    assert compared["A"].wins == 1 and compared["C"].wins == 2
    # Higher is better: the best has the highest mean, and differences are read the same way.
    rates = {"A": [0.9, 0.8, 0.85], "B": [0.7, 0.6, 0.65]}
    compared = bench_stats.against_best(rates, lower_is_better=False)
    assert compared["B"].best == "A" and compared["A"].wins == 3
    assert compared["B"].difference == pytest.approx(-0.2) and not compared["B"].indistinguishable


def test_the_summary_says_who_is_indistinguishable(three, tmp_path):
    _, rows = three
    write_outputs(rows, tmp_path / "out", "Suite tiny")
    text = (tmp_path / "out" / "summary.md").read_text()
    assert "3 replications: mean and 95 % confidence interval" in text
    assert "Against the best, paired over the same streams" in text
    assert "indistinguishable from it:" in text
    assert "(lower is better)" in text and "(higher is better)" in text


def test_replications_must_be_a_positive_count(tmp_path):
    with pytest.raises(DataError) as raised:
        tiny_suite(tmp_path, 0)
    assert "replications" in str(raised.value)


def test_a_missing_template_is_bad_input_naming_it(tmp_path, capsys):
    from solver.cli import main

    path = tmp_path / "suite.yaml"
    path.write_text(
        yaml.safe_dump({"plants": [{"generate": {"orders": 5, "template": "nowhere.yaml"}}]})
    )
    with pytest.raises(DataError) as raised:
        load_suite(path)
    assert "generate.template" in str(raised.value) and "nowhere.yaml" in str(raised.value)
    assert main(["bench", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "Traceback" not in capsys.readouterr().err
