"""The daily loop on the demo, through the command line, on a real SQLite file.

Day 1: plan and release; a rush order evaluated and accepted. Day 2: today's files with one
order added, one cancelled and one quantity changed, and a finished step reported as work
in progress moved on; ``replan nightly`` derives exactly those changes, re-plans, passes the
checker, and ``replan diff released candidate`` lists the expected orders.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from solver.cli import main
from solver.daily.records import book_of
from solver.facts.checker import check_plan
from solver.store.store import open_store
from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--time-limit", "2", "--workers", "2", "--seed", "0", "--deterministic"]
# The what-ifs on day 1's store whose asserted outcome no solve decides (no changes: IMPACT;
# accepting a stale what-if's proposal is refused, whatever date it offers): half the solving.
QUICK = ["--time-limit", "1", *FAST[2:]]
NOW = datetime(2026, 11, 24, 8, 0)  # a day after the demo's plan start


def _make_day1(folder: Path, store: str | Path) -> None:
    """The demo's files copied into ``folder``, planned, released, a rush order accepted."""
    (folder / "models").mkdir()
    (folder / "scenarios").mkdir()
    for name in ("demo.yaml", "demo-orders.csv"):
        shutil.copy(ROOT / "models" / name, folder / "models" / name)
    for name in ("rush-order.yaml", "change-due.yaml"):
        shutil.copy(ROOT / "scenarios" / name, folder / "scenarios" / name)
    model = folder / "models" / "demo.yaml"
    assert main(["plan", str(model), "--store", str(store), "--release", *FAST]) == 0
    scenario = folder / "scenarios" / "rush-order.yaml"
    code = main(["whatif", str(scenario), "--store", str(store), *FAST])
    assert code in (0, 3)  # accepted, or accepted with a date: either has a proposal
    evaluation = open_store(store).evaluations()[-1]
    assert main(["accept", str(evaluation.id), "--store", str(store), "--by", "planner"]) == 0


@pytest.fixture(scope="module")
def day1_sqlite(tmp_path_factory) -> Path:
    """Day 1 made once per module in a SQLite store; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("day1")
    _make_day1(folder, folder / "plans.db")
    return folder


@pytest.fixture
def day1(request, tmp_path, day1_sqlite):
    """Day 1 in a copy of the module's SQLite store, or (``indirect`` parameter
    "postgresql") made afresh in a database on a real PostgreSQL server."""
    if getattr(request, "param", "sqlite") == "postgresql":
        store = request.getfixturevalue("postgres_url")
        _make_day1(tmp_path, store)
    else:
        shutil.copytree(day1_sqlite, tmp_path, dirs_exist_ok=True)
        store = tmp_path / "plans.db"
    return tmp_path, tmp_path / "models" / "demo.yaml", store, open_store(store)


def test_an_accepted_proposal_is_the_released_plan_and_checks(day1):
    _, _, _, store = day1
    row = store.plan_row("released")
    assert row.kind == "proposal" and row.changes  # the rush order is part of its book
    plant = book_of(store, row)
    assert "RUSH-ACME" in plant.orders
    plan = store.plan_of(row)
    assert check_plan(plant, plan.pinned_only_at(plant.pins)) == []
    kinds = [d.kind for d in store.history()]
    assert kinds[:3] == ["released", "superseded", "accepted"]


def test_review_counts_the_accepted_rush_and_its_kept_promise(day1):
    tmp_path, _, store_path, _ = day1
    out = tmp_path / "review.json"
    assert main(["review", "--store", str(store_path), "--json", str(out)]) == 0
    rows = {(r["by"], r["key"]): r for r in json.loads(out.read_text())["rows"]}
    acme = rows[("customer", "ACME")]
    assert (acme["changes"], acme["accepted"], acme["undecided"]) == (1, 1, 0)
    assert acme["accept"] + acme["dated"] == 1
    # The released plan is the accepted proposal: its promise is kept.
    assert (acme["promises_kept"], acme["promises_broken"]) == (1, 0)
    assert rows[("channel", "phone")]["changes"] == 1


def test_a_whatif_without_changes_answers_for_the_released_plan(day1, capsys):
    """No changes asks how the released plan stands on today's files: an answer, not a refusal."""
    tmp_path, _, store_path, _ = day1
    scenario = tmp_path / "scenarios" / "as-is.yaml"
    scenario.write_text("model: ../models/demo.yaml\nnow: 2026-11-23T08:00\n")
    out = tmp_path / "as-is.json"
    code = main(["whatif", str(scenario), "--store", str(store_path), "--json", str(out), *QUICK])
    assert code in (0, 3)  # answered (1 would be a plan breaking a rule, 2 a refusal)
    outcome = json.loads(out.read_text())["outcomes"][0]
    assert outcome["asked"] == [] and outcome["verdict"] == "IMPACT"
    assert outcome["plan"] is not None


def test_accept_is_refused_when_the_released_plan_changed(day1, capsys):
    tmp_path, _, store_path, store = day1
    scenario = tmp_path / "scenarios" / "change-due.yaml"
    assert main(["whatif", str(scenario), "--store", str(store_path), *QUICK]) in (0, 3, 4)
    stale = store.evaluations()[-1]
    # Another plan is released in between: the what-if's verdict was about the old one.
    assert main(["release", "released~1", "--store", str(store_path)]) == 0
    capsys.readouterr()
    assert main(["accept", str(stale.id), "--store", str(store_path)]) == 2
    assert "released plan changed" in capsys.readouterr().err


def _plan_of_day1(store):
    return store.plan_of(store.plan_row("released"))


def _untouched_orders(plan, now_tick: int, count: int) -> list[str]:
    """Orders whose released work all starts a day after ``now``: safe to cancel or change."""
    first: dict[str, int] = {}
    for step in plan.steps:
        first[step.order] = min(step.start, first.get(step.order, step.start))
    day = 24 * 12  # 5-minute ticks
    return sorted(o for o, start in first.items() if start > now_tick + day and "RUSH" not in o)[
        :count
    ]


def _todays_files(model: Path, store, cancelled: str, changed: str) -> dict:
    """Day 2's ERP export: plan start moved to NOW; orders finished by then gone; work in
    progress and finished steps reported as the released plan has them; one order added, one
    cancelled, one quantity changed. Returns the work reported per order."""
    row = store.plan_row("released")
    plan, book = store.plan_of(row), book_of(store, row)
    now = plan.grid.floor(NOW)
    steps: dict[str, list] = {}
    for step in plan.steps:
        steps.setdefault(step.order, []).append(step)
    wip, finished = [], set()
    for order, its in steps.items():
        its.sort(key=lambda s: s.step_index)
        if its[-1].end <= now:
            finished.add(order)
            continue
        running = [s for s in its if s.start < now < s.end]
        ended = [s for s in its if s.end <= now]
        if running:
            s = running[0]
            when = plan.grid.to_datetime(s.start).isoformat(timespec="minutes")
            wip.append({"order": order, "step": s.step, "resource": s.resource, "start": when})
        elif ended:
            wip.append({"order": order, "step": ended[-1].step, "done": True})
    orders_csv = model.parent / "demo-orders.csv"
    rows = list(csv.DictReader(orders_csv.open()))
    fields = list(rows[0])
    rows = [r for r in rows if r["id"] not in finished | {cancelled}]
    for r in rows:
        if r["id"] == changed:
            r["quantity"] = str(int(r["quantity"]) + 50)
        if r["id"] in {w["order"] for w in wip}:
            r["status"] = "firm"  # started work is firm in the ERP too
    rush = book.orders["RUSH-ACME"]
    if "RUSH-ACME" not in finished:  # the ERP has caught up with the accepted order
        due = book.grid.to_datetime(rush.due).isoformat(timespec="minutes")
        rows.append(
            dict(
                zip(
                    fields,
                    [
                        "RUSH-ACME",
                        "ACME",
                        "CTRL-100",
                        str(rush.quantity),
                        due,
                        str(rush.price),
                        "",
                        "firm",
                        "phone",
                    ],
                    strict=True,
                )
            )
        )
    rows.append(
        dict(
            zip(
                fields,
                ["SO-2001", "NORD", "LED-8", "120", "2026-12-10", "10.5", "", "firm", "web"],
                strict=True,
            )
        )
    )
    with orders_csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    data = yaml.safe_load(model.read_text())
    data["plant"]["start"] = NOW.isoformat(timespec="minutes")
    data["wip"] = wip
    model.write_text(yaml.safe_dump(data, sort_keys=False))
    return {w["order"]: w for w in wip}


@pytest.mark.parametrize("day1", ["sqlite", "postgresql"], indirect=True)
def test_nightly_derives_the_days_changes_and_replans(day1, capsys):
    tmp_path, model, store_path, store = day1
    plan = _plan_of_day1(store)
    cancelled, changed = _untouched_orders(plan, plan.grid.floor(NOW), 2)
    reported = _todays_files(model, store, cancelled, changed)
    finished_step = next(w for w in reported.values() if w.get("done"))

    morning = tmp_path / "morning.json"
    code = main(
        [
            "nightly",
            str(model),
            "--store",
            str(store_path),
            "--budget",
            "6s",
            "--json",
            str(morning),
            *FAST,
        ]
    )
    assert code == 0
    report = json.loads(morning.read_text())
    derived = {(c["kind"], c.get("id") or c.get("order")) for c in report["net_change"]}
    assert derived == {
        ("add_order", "SO-2001"),
        ("cancel_order", cancelled),
        ("change_quantity", changed),
    }
    assert report["violations"] == []

    candidate = store.plan_row("candidate")
    assert candidate.complete and candidate.kind == "candidate"
    plant = book_of(store, candidate)
    result = store.plan_of(candidate)
    assert check_plan(plant, result.pinned_only_at(plant.pins)) == []
    assert cancelled not in {o.order for o in result.outcomes}
    assert "SO-2001" in {o.order for o in result.outcomes}
    # Finished steps are not planned again; running steps stay where they run.
    done_order = finished_step["order"]
    first_left = plant.first_step(done_order)
    assert first_left > 0
    assert min(s.step_index for s in result.steps if s.order == done_order) == first_left
    for order, w in reported.items():
        if not w.get("done"):
            here = next(s for s in result.steps if s.order == order and s.step == w["step"])
            assert (
                here.resource,
                plant.grid.to_datetime(here.start).isoformat(timespec="minutes"),
            ) == (w["resource"], w["start"])
    # The released plan is untouched until someone releases the candidate.
    assert store.plan_row("released").kind == "proposal"

    diff_csv = tmp_path / "diff.csv"
    assert (
        main(["diff", "released", "candidate", "--store", str(store_path), "--csv", str(diff_csv)])
        == 0
    )
    listed = {r["order"]: r for r in csv.DictReader(diff_csv.open())}
    assert listed["SO-2001"]["change"] == "added"
    assert listed[cancelled]["change"] == "removed"
    assert listed[changed]["change"] == "changed"  # 50 more units take longer
    capsys.readouterr()
    assert main(["history", "--store", str(store_path)]) == 0
    assert "accepted" in capsys.readouterr().out


def test_store_commands_name_what_is_wrong(tmp_path, capsys):
    store = tmp_path / "s.db"
    assert main(["show", "released", "--store", str(store)]) == 2
    assert "no plan has been released yet" in capsys.readouterr().err
    assert main(["show", "banana", "--store", str(store)]) == 2
    assert "plan id, released" in capsys.readouterr().err
    assert main(["accept", "7", "--store", str(store)]) == 2
    assert main(["history", "--store", str(tmp_path / "missing" / "s.db")]) == 2
    assert main(["history"]) == 2  # no store named
    assert "--store" in capsys.readouterr().err
