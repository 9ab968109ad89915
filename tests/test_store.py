"""The plan store on a real SQLite file and a real PostgreSQL server: migrations, releases,
accepting, and a writer killed mid-write leaving the store consistent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from solver.domain.errors import DataError
from solver.domain.plan import Plan
from solver.input.loading import load_plant
from solver.solve.dispatch import dispatch
from solver.store.store import open_store, store_url
from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "models" / "demo.yaml"


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "plans.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def demo():
    plant = load_plant(DEMO)
    return plant, dispatch(plant)


def test_opening_creates_the_schema_at_the_newest_migration(location):
    store = open_store(location)
    tables = set(inspect(store.engine).get_table_names())
    assert {"plants", "plans", "evaluations", "decisions", "alembic_version"} <= tables
    with store.engine.connect() as connection:
        assert (
            connection.execute(text("select version_num from alembic_version")).scalar() == "0001"
        )
    # Opening again migrates nothing and keeps what is there.
    assert open_store(location).counts() == store.counts()


def test_plans_round_trip_and_releases_are_addressed(location, demo):
    plant, plan = demo
    store = open_store(location)
    plant_id = store.save_plant(plant)
    assert store.save_plant(plant) == plant_id  # one row per input hash
    first = store.save_plan(plant_id, plan, kind="plan", name="first")
    second = store.save_plan(plant_id, plan, kind="plan", name="second")
    store.release(first, by="a")
    store.release(second, by="b")
    assert store.plan_row("released").id == second
    assert store.plan_row("released~1").id == first
    assert store.plan_of(store.plan_row(str(first))) == plan
    assert store.load_plant(plant_id).input_hash == plant.input_hash
    assert [d.kind for d in store.history()] == ["released", "superseded", "released"]
    with pytest.raises(DataError, match="fewer than 3 plans"):
        store.plan_row("released~2")


def test_accept_releases_the_proposal_only_while_its_baseline_is_released(location, demo):
    plant, plan = demo
    store = open_store(location)
    plant_id = store.save_plant(plant)
    base = store.save_plan(plant_id, plan, kind="plan", name="base")
    store.release(base, by="a")
    proposals = [("as asked", plan, {}, [], None), ("later", plan, {}, [], None)]
    evaluation, ids = store.save_evaluation(
        plant_id,
        scenario="s.yaml",
        scenario_text="",
        verdict="ACCEPT",
        result={},
        baseline_id=base,
        released_id=base,
        proposals=proposals,
    )
    stale, _ = store.save_evaluation(
        plant_id,
        scenario="s.yaml",
        scenario_text="",
        verdict="ACCEPT",
        result={},
        baseline_id=base,
        released_id=base,
        proposals=proposals,
    )
    with pytest.raises(DataError, match="no proposal by that name"):
        store.accept(evaluation, "sooner", by="p")
    assert store.accept(evaluation, "later", by="p") == ids["later"]
    assert store.plan_row("released").id == ids["later"]
    with pytest.raises(DataError, match="released plan changed"):
        store.accept(stale, None, by="p")
    with pytest.raises(DataError, match="released plan changed|already accepted"):
        store.accept(evaluation, None, by="p")


def test_a_bad_location_is_named(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        open_store(tmp_path / "missing" / "plans.db")
    with pytest.raises(DataError):
        open_store("nosuchdb://x")
    assert store_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


WRITER = """
import sys
from solver.input.loading import load_plant
from solver.solve.dispatch import dispatch
from solver.store.store import open_store
store = open_store(sys.argv[1])
plant = load_plant(sys.argv[2])
plan = dispatch(plant)
plant_id = store.save_plant(plant)
print("writing", flush=True)
n = 0
while True:
    n += 1
    evaluation, ids = store.save_evaluation(
        plant_id, scenario="s", scenario_text="x" * 100000, verdict="ACCEPT", result={"n": n},
        baseline_id=None, released_id=None,
        proposals=[(f"v{k}", plan, {}, [], None) for k in range(5)],
    )
    store.release(ids["v0"], by="writer")
"""


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.9])
def test_a_writer_killed_mid_write_leaves_the_store_consistent(location, delay):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, location, str(DEMO)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout.readline().strip() == b"writing"
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    store = open_store(location)
    with store.engine.connect() as connection:
        if store.engine.url.get_backend_name() == "sqlite":
            assert connection.execute(text("pragma integrity_check")).scalar() == "ok"
        evaluations = connection.execute(text("select id from evaluations")).scalars().all()
        per_evaluation = connection.execute(
            text("select evaluation_id, count(*) from plans group by evaluation_id")
        ).all()
    # Every evaluation was written whole, with its five proposals, or not at all.
    assert {e: c for e, c in per_evaluation} == {e: 5 for e in evaluations}
    for evaluation in evaluations:
        for row in store.proposals(evaluation):
            assert Plan.from_dict(row.plan).steps
    # A kill between an evaluation and its release leaves the evaluation unreleased; any
    # release that was written names a whole proposal.
    if store.released_id() is not None:
        assert store.plan_row("released").variant == "v0"
    # The store still takes writes after the kill.
    store.save_plant(load_plant(DEMO))
