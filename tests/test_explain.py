"""Why an order completes when it does (``solver.explain``): one hand-checkable plant per cause.

Plants start Monday 2026-11-23 00:00 on a 1-minute grid (tick = minute); P takes 60 minutes
on M1 unless a test says otherwise. Plans are laid out by hand (or dispatched, where supply
makes a hand plan long) and always pass the independent checker first, so every wait below
can be worked out on paper.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from solver.cli import main
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.explain.alone import earliest_alone
from solver.explain.causes import (
    CalendarWait,
    DowntimeWait,
    Idle,
    Lag,
    MaterialWait,
    Release,
    ResourceWait,
    Work,
)
from solver.explain.chain import explain_late, explain_order
from solver.explain.words import binding_cause, headline
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.rules.ranking import rank_orders
from solver.solve.dispatch import dispatch
from tests.conftest import QUICK, ROOT, base_model, write_model

T0 = "2026-11-23T"
DEMO = str(ROOT / "models" / "demo.yaml")
DAY_SHIFT = {
    "id": "day",
    "shifts": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}],
}


def model_with(orders: dict[str, dict]) -> dict:
    """The tiny plant with the given orders (id -> fields over O1's), customers C (tier A)
    and D (tier C)."""
    model = base_model()
    model["customers"] = [{"id": "C", "tier": "A"}, {"id": "D", "tier": "C"}]
    order = model["orders"][0]
    model["orders"] = [dict(order, id=oid, **fields) for oid, fields in orders.items()]
    return model


def hand_plan(plant, placed: dict[str, list[tuple[str, int, int]]]) -> Plan:
    """order -> [(resource, start, end)] of its steps in routing order; checked."""
    routing = {oid: plant.products[o.product].routing for oid, o in plant.orders.items()}
    steps = tuple(
        ScheduledStep(oid, k, routing[oid][k].id, r, s, e)
        for oid, places in placed.items()
        for k, (r, s, e) in enumerate(places)
    )
    outcomes = []
    for oid, places in placed.items():
        end, due = places[-1][2], plant.orders[oid].due
        outcomes.append(OrderOutcome(oid, True, end, due, max(0, end - due)))
    plan = Plan("tiny", plant.grid.start, timedelta(minutes=1), "HAND", steps, tuple(outcomes))
    assert check_plan(plant, plan) == []
    return plan


def two_step_model(**second: object) -> dict:
    """P: s1 on M2 (around the clock) then s2 on M1; ``second`` updates s2."""
    model = model_with({"O": {"due": T0 + "20:00"}})
    routing = model["products"][0]["routing"]
    routing[0]["resources"] = [{"resource": "M2", "setup": "14h"}]
    routing.append({"id": "s2", "resources": [{"resource": "M1", "setup": "3h"}], **second})
    return model


# resource ---------------------------------------------------------------------------------


def test_resource_contention_names_the_resource_the_orders_ahead_and_the_window(make_plant):
    plant = make_plant(
        model_with(
            {
                "A": {"due": T0 + "05:00", "customer": "D"},
                "B": {"due": T0 + "05:00"},
                "O": {"due": T0 + "02:00"},
            }
        )
    )
    plan = hand_plan(plant, {"A": [("M1", 0, 60)], "B": [("M1", 60, 120)], "O": [("M1", 120, 180)]})
    e = explain_order(plant, plan, "O")
    (link,) = e.chain
    assert (link.ready, link.start, link.end, link.wait, link.slack) == (0, 120, 180, 120, 0)
    (wait,) = link.causes
    assert isinstance(wait, ResourceWait)
    assert (wait.resource, wait.start, wait.end, wait.closed) == ("M1", 0, 120, 0)
    assert [(b.order, b.customer, b.start, b.end) for b in wait.busy] == [
        ("A", "D", 0, 60),
        ("B", "C", 60, 120),
    ]
    assert e.binding == 0 and e.tardiness == 60
    # Alone it would end at 01:00, an hour before its due date: late only because of others.
    assert (e.earliest_alone, e.late_alone) == (60, False)
    assert "M1 busy with A (D), B (C) from Mon 23 Nov 00:00 to Mon 23 Nov 02:00" in headline(
        plant, e
    )


def test_late_orders_come_in_the_ranking_s_order(make_plant):
    plant = make_plant(
        model_with(
            {
                "A": {"due": T0 + "00:30", "customer": "D"},
                "B": {"due": T0 + "00:30", "customer": "D"},
                "O": {"due": T0 + "00:30"},
            }
        )
    )
    plan = hand_plan(plant, {"A": [("M1", 0, 60)], "B": [("M1", 60, 120)], "O": [("M1", 120, 180)]})
    late = explain_late(plant, plan)
    ranked = [r.order for r in rank_orders(plant)]
    assert [e.order for e in late] == ranked and ranked[0] == "O"  # tier A first
    assert [e.order for e in explain_late(plant, plan, limit=1)] == ["O"]
    # A waits for nothing: its own hour of work from the plan start makes it late.
    first = next(e for e in late if e.order == "A")
    assert isinstance(first.chain[0].cause, Work) and first.late_alone
    assert binding_cause(plant, first) == (
        "work: its own work and calendars from Mon 23 Nov 00:00; late even alone"
    )


# calendar ---------------------------------------------------------------------------------


def test_a_day_shift_step_waits_overnight_for_the_calendar(make_plant):
    model = two_step_model()
    model["calendars"] = [DAY_SHIFT]
    model["resources"][0]["calendar"] = "day"
    plant = make_plant(model)
    # s1 ends Mon 14:00; s2's three hours do not fit before 16:00: Tue 08:00 to 11:00.
    plan = hand_plan(plant, {"O": [("M2", 0, 840), ("M1", 1920, 2100)]})
    e = explain_order(plant, plan, "O")
    last, first = e.chain
    (wait,) = last.causes
    assert isinstance(wait, CalendarWait)
    assert (wait.resource, wait.calendar, wait.closure) == ("M1", "day", False)
    assert (wait.start, wait.end) == (840, 1920)  # from ready to the start
    assert (wait.closed_from, wait.closed_to) == (960, 1920)  # Mon 16:00 to Tue 08:00
    assert first.slack == last.wait == 1080
    # Nothing but the calendar held the order: its own work decides, and alone it ends at the
    # same time, late.
    assert e.binding is None and isinstance(first.cause, Work)
    assert (e.earliest_alone, e.late_alone) == (2100, True)
    assert headline(plant, e) == (
        "O ends as early as its own work through 2 step(s) from Mon 23 Nov 00:00 and its "
        "calendars allow (18h of waits for the calendar)."
    )


@pytest.mark.parametrize("day_shift, binds", [(True, False), (False, True)])
def test_a_wait_that_a_later_calendar_gap_swallows_does_not_bind(make_plant, day_shift, binds):
    """O's first step waits an hour for X on M2, but on a day shift its second step would
    wait for 08:00 anyway: that hour does not set the completion. Around the clock it does."""
    model = two_step_model()
    model["products"][0]["routing"][0]["resources"][0]["setup"] = "1h"
    model["orders"].append(dict(model["orders"][0], id="X", due=T0 + "23:00"))
    if day_shift:
        model["calendars"] = [DAY_SHIFT]
        model["resources"][0]["calendar"] = "day"
    plant = make_plant(model)
    second = 480 if day_shift else 120
    plan = hand_plan(
        plant,
        {
            "X": [("M2", 0, 60), ("M1", 660, 840)],
            "O": [("M2", 60, 120), ("M1", second, second + 180)],
        },
    )
    e = explain_order(plant, plan, "O")
    (wait,) = e.chain[1].causes
    assert isinstance(wait, ResourceWait) and [b.order for b in wait.busy] == ["X"]
    assert e.binding == (1 if binds else None)
    if not binds:
        assert "the waits of s1 for other things would not change it" in headline(plant, e)


def test_a_holiday_is_named_a_closure_not_off_shift(make_plant):
    model = two_step_model()
    model["calendars"] = [dict(DAY_SHIFT, holidays=["2026-11-24"])]
    model["resources"][0]["calendar"] = "day"
    plant = make_plant(model)
    plan = hand_plan(plant, {"O": [("M2", 0, 840), ("M1", 3360, 3540)]})  # Wed 08:00
    (wait,) = explain_order(plant, plan, "O").chain[0].causes
    assert isinstance(wait, CalendarWait) and wait.closure
    assert (wait.closed_from, wait.closed_to) == (960, 3360)


# downtime ---------------------------------------------------------------------------------


def test_a_declared_downtime_is_named_with_its_reason_and_window(make_plant):
    model = model_with({"O": {"due": T0 + "02:00", "release": T0 + "00:30"}})
    model["resources"][0]["downtime"] = [
        {"from": T0 + "01:00", "to": T0 + "03:00", "reason": "planned maintenance"}
    ]
    plant = make_plant(model)
    # Ready at 00:30, the hour would run into the downtime at 01:00: it starts at 03:00.
    plan = hand_plan(plant, {"O": [("M1", 180, 240)]})
    e = explain_order(plant, plan, "O")
    (wait,) = e.chain[0].causes
    assert isinstance(wait, DowntimeWait)
    assert (wait.start, wait.end, wait.down_from, wait.down_to) == (30, 180, 60, 180)
    assert (wait.reason, wait.units) == ("planned maintenance", None)
    assert e.chain[0].ready == 30 and e.late_alone  # alone, too, it ends at 04:00
    assert "M1 down (planned maintenance)" in headline(plant, e)


# lag, release, idle -----------------------------------------------------------------------


def test_a_step_that_waits_only_its_lag(make_plant):
    model = two_step_model(min_lag="0m")
    model["products"][0]["routing"][0]["min_lag"] = "30m"
    plant = make_plant(model)
    plan = hand_plan(plant, {"O": [("M2", 0, 840), ("M1", 870, 1050)]})
    last, first = explain_order(plant, plan, "O").chain
    assert last.ready == 870 and last.wait == 0
    assert last.causes == (Lag("s1", 30),) and first.slack == 0


def test_a_release_date_binds(make_plant):
    plant = make_plant(model_with({"O": {"due": T0 + "05:30", "release": T0 + "05:00"}}))
    plan = hand_plan(plant, {"O": [("M1", 300, 360)]})
    e = explain_order(plant, plan, "O")
    assert e.chain[0].causes == (Release(300),) and e.binding is None
    assert (e.earliest_alone, e.late_alone) == (360, True)
    assert "from its release at Mon 23 Nov 05:00" in headline(plant, e)


def test_a_step_started_later_than_anything_required_is_idle(make_plant):
    plant = make_plant(model_with({"O": {"due": T0 + "02:00"}}))
    plan = hand_plan(plant, {"O": [("M1", 120, 180)]})
    e = explain_order(plant, plan, "O")
    assert e.chain[0].causes == (Idle("M1", 0, 120),)
    assert not e.late_alone and "could start it earlier" in headline(plant, e)


# material ---------------------------------------------------------------------------------


def material_model(**material: object) -> dict:
    """P needs one M per unit; A (due first) and O of one unit each."""
    model = model_with({"A": {"due": T0 + "01:00"}, "O": {"due": T0 + "02:00"}})
    model["products"][0]["bom"] = [{"material": "M", "per_unit": 1}]
    model["materials"] = [{"id": "M", "unit_cost": 1.0, **material}]
    return model


def test_a_shortage_names_the_material_and_the_receipt_that_ends_it(make_plant):
    receipt = {"id": "PO-7", "quantity": 5, "arrival": T0 + "10:00", "supplier": "Fasteners"}
    model = material_model(stock=1, receipts=[receipt])
    # Fasteners could sell more, but only in five days.
    offer = {"material": "M", "lead_time": "5d", "price": 1.0}
    model["suppliers"] = [{"id": "Fasteners", "offers": [offer]}]
    plant = make_plant(model)
    # A takes the one unit on hand at 00:00; O must wait for PO-7 at 10:00 (tick 600).
    plan = dispatch(plant, ["A", "O"])
    assert check_plan(plant, plan) == [] and plan.steps_of("O")[0].start == 600
    e = explain_order(plant, plan, "O")
    (wait,) = e.chain[0].causes
    assert isinstance(wait, MaterialWait)
    assert (wait.material, wait.quantity, wait.source) == ("M", 1, "stock")
    assert (wait.receipt, wait.supplier, wait.arrival) == ("PO-7", "Fasteners", 600)
    assert (wait.start, wait.end) == (0, 600)
    # Alone, the unit on hand would be O's: done at 01:00, on time.
    assert (e.earliest_alone, e.late_alone) == (60, False)
    assert "1 M from stock, receipt PO-7 from Fasteners, arriving Mon 23 Nov 10:00" in headline(
        plant, e
    )


def test_a_shortage_names_the_supplier_and_mode_of_the_purchase(make_plant):
    model = material_model()
    model["orders"] = model["orders"][1:]  # O alone: nothing but the purchase holds it
    model["suppliers"] = [
        {"id": "S", "offers": [{"material": "M", "lead_time": "1d", "price": 1.0}]}
    ]
    plant = make_plant(model)
    plan = dispatch(plant)
    assert check_plan(plant, plan) == []
    e = explain_order(plant, plan, "O")
    (wait,) = e.chain[0].causes
    assert isinstance(wait, MaterialWait)
    assert (wait.material, wait.source, wait.mode, wait.arrival) == ("M", "S", "standard", 1440)
    assert e.chain[0].start == 1440 and e.late_alone  # no supplier brings it sooner
    assert "bought from S (standard), arriving Tue 24 Nov 00:00" in binding_cause(plant, e)


def test_alone_takes_the_earliest_source_where_dispatch_takes_the_cheapest(make_plant):
    """Why ``earliest_alone`` is not a dispatch of the order alone: with time to spare by its
    work content, dispatch buys the cheap slow offer; the expedite is earlier."""
    model = material_model()
    model["orders"] = [dict(model["orders"][1], due="2026-11-27T00:00")]
    model["suppliers"] = [
        {"id": "SLOW", "offers": [{"material": "M", "lead_time": "2d", "price": 1.0}]},
        {"id": "FAST", "offers": [{"material": "M", "lead_time": "1h", "price": 10.0}]},
    ]
    plant = make_plant(model)
    assert dispatch(plant).steps_of("O")[-1].end == 2 * 1440 + 60
    assert earliest_alone(plant, "O") == 120


# declined, plan console, CLI --------------------------------------------------------------


def test_a_declined_order_is_explained_without_a_chain(make_plant):
    plant = make_plant(model_with({"O": {"due": T0 + "02:00", "status": "proposed"}}))
    plan = Plan(
        "tiny",
        plant.grid.start,
        timedelta(minutes=1),
        "HAND",
        (),
        (OrderOutcome("O", False, None, plant.orders["O"].due, 0),),
    )
    (e,) = explain_late(plant, plan)
    assert (e.made, e.chain, e.binding) == (False, (), None) and not e.late_alone
    assert "declined (proposed)" in headline(plant, e)


def late_file(tmp_path):
    """Two one-hour orders due at 01:00 on M1: one of them is an hour late."""
    return write_model(
        tmp_path, model_with({"A": {"due": T0 + "01:00"}, "O": {"due": T0 + "01:00"}})
    )


def test_plan_prints_why_late(tmp_path, capsys):
    model = late_file(tmp_path)
    assert main(["plan", str(model), *QUICK]) == 0
    out = capsys.readouterr().out
    assert "Why late (1, highest priority first" in out
    assert "on M1 waits 1h: resource, busy with" in out


def test_plan_json_explains_its_late_orders_and_still_checks(tmp_path, capsys):
    """O (tier A) goes first, so A (tier C), due at the same hour, waits for it: the plan file
    carries A's chain under ``why_late``; check ignores the key, and a file without it (as
    written before it existed) reads as the same plan."""
    model = write_model(
        tmp_path,
        model_with({"A": {"due": T0 + "01:00", "customer": "D"}, "O": {"due": T0 + "01:00"}}),
    )
    plan_file = tmp_path / "plan.json"
    assert main(["plan", str(model), *QUICK, "--json", str(plan_file)]) == 0
    data = json.loads(plan_file.read_text())
    (why,) = data["why_late"]
    assert (why["order"], why["late_by_hours"], why["binding_step"]) == ("A", 1.0, "s1")
    (link,) = why["chain"]
    assert (link["step"], link["resource"], link["main_cause"]) == ("s1", "M1", "resource")
    assert (link["ready"], link["start"]) == (T0 + "00:00:00", T0 + "01:00:00")
    assert [busy["order"] for busy in link["causes"][0]["busy"]] == ["O"]
    assert why["binding_cause"] == "s1 on M1 waits 1h: resource, busy with O (C)"
    capsys.readouterr()
    assert main(["check", str(model), str(plan_file)]) == 0
    assert "OK" in capsys.readouterr().out
    del data["why_late"]
    old_file = tmp_path / "old.json"
    old_file.write_text(json.dumps(data))
    assert main(["check", str(model), str(old_file)]) == 0
    plant = load_plant(model)
    assert load_plan(old_file, plant) == load_plan(plan_file, plant)


def test_explain_a_plan_file_needs_its_model(tmp_path, capsys):
    model = late_file(tmp_path)
    plan_file = tmp_path / "plan.json"
    assert main(["plan", str(model), *QUICK, "--json", str(plan_file)]) == 0
    capsys.readouterr()
    for order in ("A", "O"):
        assert main(["explain", str(plan_file), order, "--model", str(model)]) == 0
        assert f"Critical chain of {order}" in capsys.readouterr().out
    assert main(["explain", str(plan_file), "O"]) == 2
    assert "--model MODEL" in capsys.readouterr().err


def test_explain_the_demo_order_prints_its_chain(capsys):
    assert main(["explain", DEMO, "SO-1008", *QUICK]) == 0
    out = capsys.readouterr().out
    assert "SO-1008 for Brix Automation (BRIX, tier B): due Wed 25 Nov 24:00" in out
    assert "Critical chain of SO-1008, last step first" in out
    for step, resource in [("smt", "SMT"), ("aoi", "AOI"), ("assemble", "HAND"), ("fct", "FCT")]:
        assert any(step in line and resource in line for line in out.splitlines())
    # HMI-7 x 400 takes about 38 hours of work over 16-hour days, and PACK works a day shift.
    assert "late even alone: yes (earliest alone: Fri 27 Nov 08:25)" in out


def test_explain_an_unknown_order_is_bad_input_naming_it(capsys):
    assert main(["explain", DEMO, "SO-9999", *QUICK]) == 2
    captured = capsys.readouterr()
    assert "SO-9999" in captured.err and "replan rank" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_explain_json_parses(capsys):
    assert main(["explain", DEMO, "SO-1008", *QUICK, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["order"] == "SO-1008" and data["late_alone"] is True
    assert [link["step"] for link in data["chain"]] == ["pack", "fct", "assemble", "aoi", "smt"]
    assert data["due"] == "2026-11-26T00:00:00"
    for link in data["chain"]:
        assert link["causes"] and all("kind" in cause for cause in link["causes"])
    # None: its own work and calendars set the completion (the plan a second gives varies).
    assert data["binding_step"] in {None} | {link["step"] for link in data["chain"]}
    assert data["headline"].startswith("SO-1008 ")


@pytest.mark.parametrize("order", ["A", "O"])
def test_every_explained_step_adds_up(make_plant, order):
    """The waits of a step cover its wait exactly, one after the other."""
    plant = make_plant(
        model_with({"A": {"due": T0 + "05:00", "customer": "D"}, "O": {"due": T0 + "02:00"}})
    )
    plan = hand_plan(plant, {"A": [("M1", 0, 60)], "O": [("M1", 90, 150)]})
    for link in explain_order(plant, plan, order).chain:
        waits = [c for c in link.causes if hasattr(c, "end") and hasattr(c, "start")]
        covered = link.ready
        for wait in waits:
            assert wait.start == covered
            covered = wait.end
        assert covered == link.start
