"""Repeatable answers: the same input, settings and seed give the same what-if and bench results,
also while other processes keep both cores busy (deterministic time, not wall-clock)."""

from __future__ import annotations

import csv
import json
import multiprocessing
from contextlib import contextmanager

import pytest
import yaml

from solver.cli import main
from tests.conftest import ROOT, RUSH_ORDER, SMALL_SUITE

pytestmark = pytest.mark.slow


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextmanager
def both_cores_busy():
    """Two processes spinning for as long as the block runs."""
    stop = multiprocessing.Event()
    procs = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(2)]
    for proc in procs:
        proc.start()
    try:
        yield
    finally:
        stop.set()
        for proc in procs:
            proc.join()


def _answer(path) -> dict:
    """What a planner acts on: verdicts, promised dates, and every plan's steps and outcomes."""
    data = json.loads(path.read_text())

    def plan(p):
        return None if p is None else (p["steps"], p["outcomes"], p["objective_units"])

    return {
        "baseline": plan(data["baseline"]),
        "outcomes": [
            (o["name"], o["verdict"], o.get("promise"), o.get("promises"), plan(o.get("plan")))
            for o in data["outcomes"]
        ],
    }


def test_whatif_repeats_while_both_cores_are_busy(rush_order_whatif, tmp_path):
    # The same command as the shared run (conftest), this time while both cores are busy: the
    # two runs see different loads, so a wall-clock limit anywhere would show as a difference.
    shared = rush_order_whatif
    out = tmp_path / "answer.json"
    with both_cores_busy():
        code = main(["whatif", str(RUSH_ORDER), "--json", str(out)])
    assert code in (0, 3, 4) and code == shared.code
    assert _answer(out) == _answer(shared.path)
    for path in (shared.path, out):
        provenance = json.loads(path.read_text())["baseline"]["provenance"]
        assert provenance["deterministic"] is True and len(provenance["input_hash"]) == 64


def test_whatif_without_determinism_is_allowed_to_differ_but_records_it(tmp_path):
    # The cheapest demo scenario (one change set, no promise-date solve): what is tested is
    # the record, on the baseline the what-if solves and on every plan it proposes.
    out = tmp_path / "answer.json"
    scenario = ROOT / "scenarios" / "cancel-order.yaml"
    code = main(
        ["whatif", str(scenario), "--no-deterministic", "--time-limit", "1", "--json", str(out)]
    )
    assert code in (0, 3, 4)
    data = json.loads(out.read_text())
    plans = [data["baseline"]] + [o["plan"] for o in data["outcomes"] if o["plan"]]
    assert len(plans) > 1 and all(p["provenance"]["deterministic"] is False for p in plans)


def _rows(folder) -> list[dict]:
    with (folder / "bench.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    # An empty cell is a column another row needed (a reason, say): not part of this row.
    return [{k: v for k, v in row.items() if k != "seconds" and v != ""} for row in rows]


def test_bench_small_suite_repeats_while_both_cores_are_busy(small_bench, tmp_path):
    # The shared run of the suite (conftest, also read by test_bench), and its first
    # replication again while both cores are busy: every row but the solve seconds is the same.
    suite = yaml.safe_load(SMALL_SUITE.read_text())
    suite["replications"] = 1
    for plant in suite["plants"]:  # the copy lives elsewhere: its template path must too
        plant["generate"]["template"] = str(SMALL_SUITE.parent / plant["generate"]["template"])
    first_only = tmp_path / "small.yaml"
    first_only.write_text(yaml.safe_dump(suite))
    out = tmp_path / "bench"
    with both_cores_busy():
        code = main(["bench", str(first_only), "--out", str(out)])
    assert code == 0 and small_bench.code == 0
    rows = _rows(out)
    assert rows == [row for row in _rows(small_bench.path) if row["replication"] == "0"]
    first = rows[0]
    assert first["deterministic"] == "True" and first["solver_seed"] == "0"
    assert {"suite", "stream_seed", "budget", "engine", "ortools", "input_hash"} <= set(first)


@contextmanager
def _idle():
    yield
