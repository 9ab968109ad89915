"""What-if verdicts on small plants whose right answers are known by hand.

Plants run around the clock on a 1-minute grid; P takes 60 minutes on M1 (setup), a minute late
costs 1 EUR (every weight 1), so each answer below can be worked out on paper. Baselines are
given as plan files unless the test says otherwise, so that they are unique. Every plan a
what-if produces is run through the independent checker, and its objective recomputed.
"""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
import yaml

from solver.changes.scenario import load_scenario
from solver.cli import main
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.input.loading import load_plant
from solver.whatif.evaluate import (
    ACCEPT,
    ACCEPT_AS_ASKED,
    ACCEPT_WITH_DATE,
    IMPACT,
    REJECT,
    evaluate,
)
from tests.conftest import base_model, write_model
from tests.cpsat.test_materials import supply_model

T0 = "2026-11-23T"


def plant_model(**orders) -> dict:
    """``orders``: id -> due (HH:MM on the first day); all of product P, quantity 1."""
    model = base_model()
    model["settings"].update(max_weight=1, workers=2, seed=0, time_limit=10)
    model["products"][0]["routing"][0]["resources"][0].update(setup="0m", per_unit="60m")
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id=oid, due=T0 + due, price=100.0) for oid, due in orders.items()
    ]
    return model


def baseline_file(tmp_path, model: dict, placed: dict[str, tuple[str, int, int]]):
    """A hand-made baseline: order -> (resource, start, end) of its single step."""
    plant = load_plant(write_model(tmp_path, model))
    steps = tuple(ScheduledStep(o, 0, "s1", r, s, e) for o, (r, s, e) in placed.items())
    outcomes = tuple(
        OrderOutcome(o, True, e, plant.orders[o].due, max(0, e - plant.orders[o].due))
        for o, (_, _, e) in placed.items()
    )
    plan = Plan("tiny", plant.grid.start, timedelta(minutes=1), "HAND", steps, outcomes)
    path = tmp_path / "baseline.json"
    plan.to_json(path)
    return path


def scenario_file(tmp_path, model: dict, **scenario):
    """The model as plant.yaml and a scenario on it (``scenario``'s fields) as scenario.yaml."""
    write_model(tmp_path, model)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"model": "plant.yaml", **scenario}, sort_keys=False))
    return path


def run(tmp_path, model: dict, changes: list, baseline=None, **extra):
    if baseline is not None:
        extra["baseline"] = str(baseline)
    path = scenario_file(tmp_path, model, changes=changes, **extra)
    evaluation = evaluate(load_scenario(path))
    for outcome in evaluation.outcomes:
        if outcome.plan is None:
            continue
        violations = check_plan(outcome.plant, outcome.plan)
        assert violations == [], "\n".join(map(str, violations))
        terms = objective_units(
            outcome.plant,
            outcome.plan,
            None,
            Reference(evaluation.baseline, frozenset(outcome.asked)),
        )
        assert sum(terms.values()) == outcome.plan.objective_units
    return evaluation


def rush(due: str, **fields) -> dict:
    return {
        "kind": "add_order",
        "id": "R",
        "customer": "C",
        "product": "P",
        "quantity": 1,
        "due": T0 + due,
        "price": 100.0,
        **fields,
    }


def test_rush_order_that_fits_a_gap_is_accepted(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 120, 180)})
    outcome = run(tmp_path, model, [rush("02:00")], base).outcomes[0]
    assert outcome.verdict == ACCEPT and outcome.promise == 120
    assert [m.order for m in outcome.moves] == ["R"]


def test_rush_order_that_does_not_fit_gets_the_exact_earliest_date(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    plan_rule = {"protect": "plan"}
    outcome = run(tmp_path, model, [rush("01:00")], base, settings=plan_rule).outcomes[0]
    # As asked, R at 0-60 would push O1 and O2 later than planned; after both, it ends at
    # 03:00. Displacing both by an hour costs what R's two hours of slip cost: a tie, and a
    # tie protects the others.
    assert outcome.verdict == ACCEPT_WITH_DATE
    assert outcome.promise == 180 and outcome.promise_proven and outcome.worst_slip == 120
    assert {m.order for m in outcome.harmed_as_asked} == {"O1", "O2"}
    assert outcome.plant.orders["R"].due == 180  # the proposal is judged on the promised date
    assert outcome.asked_dates == {"R": 60} and outcome.slips == {"R": 120}
    (as_asked,) = [o for o in outcome.options if o.name == "as asked"]
    assert (
        as_asked.cost == pytest.approx(outcome.options[0].cost) and outcome.options[0].recommended
    )
    assert outcome.binding and "M1" in outcome.binding[0]


def test_rush_that_fits_inside_others_slack_is_accepted_under_the_due_rule(tmp_path):
    """Moving O1 and O2 an hour later keeps both on time: no harm under ``protect: due``."""
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    outcome = run(tmp_path, model, [rush("01:00")], base).outcomes[0]
    assert outcome.protect == "due"
    assert outcome.verdict == ACCEPT and outcome.promise == 60 and outcome.promise_proven
    assert all(not m.late_after for m in outcome.moves)


def test_cancellation_pulls_a_late_order_back_on_time(tmp_path):
    model = plant_model(O1="01:00", O2="02:00", O3="02:30")
    placed = {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120), "O3": ("M1", 120, 180)}
    base = baseline_file(tmp_path, model, placed)
    outcome = run(tmp_path, model, [{"kind": "cancel_order", "order": "O2"}], base).outcomes[0]
    assert outcome.verdict == ACCEPT
    (o3,) = [m for m in outcome.moves if m.order == "O3"]
    # Minimal change: O3 moves only as far as its due date (02:30), not into the whole gap.
    assert (o3.before, o3.after, o3.late_before, o3.late_after) == (180, 150, True, False)


def test_quantity_change_gets_the_earliest_harmless_date(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    change = {"kind": "change_quantity", "order": "O1", "quantity": 2}
    outcome = run(tmp_path, model, [change], base, settings={"protect": "plan"}).outcomes[0]
    # O1 now takes 2 h. O2 may move earlier (0-60), never later than 02:00: O1 ends 03:00.
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise == 180
    # Under the due rule O2 (due 04:00) may follow O1: O1 is on time at 02:00.
    outcome = run(tmp_path, model, [change], base).outcomes[0]
    assert outcome.verdict == ACCEPT and outcome.promise == 120


def test_earlier_due_date_asked_by_a_customer(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    change = {"kind": "change_due", "order": "O2", "due": T0 + "01:00"}
    outcome = run(tmp_path, model, [change], base, settings={"protect": "plan"}).outcomes[0]
    # O2 first would make O1 later than planned (still on time): not without a date.
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise == 120
    # Under the due rule O1 (due 02:00) may follow O2.
    outcome = run(tmp_path, model, [change], base).outcomes[0]
    assert outcome.verdict == ACCEPT and outcome.promise == 60


def test_product_change_onto_a_free_machine_is_accepted(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    model["products"].append(
        {
            "id": "Q",
            "unit_cost": 1.0,
            "routing": [{"id": "s1", "resources": [{"resource": "M2", "per_unit": "30m"}]}],
        }
    )
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    change = {"kind": "change_product", "order": "O1", "product": "Q"}
    outcome = run(tmp_path, model, [change], base).outcomes[0]
    assert outcome.verdict == ACCEPT and outcome.promise == 30


def test_priority_change_puts_the_order_first(tmp_path):
    model = plant_model(O1="00:30", O2="01:30")
    # Ranking by tier alone, and tier A worth 0: every order weighs 1 until a planner says.
    model["settings"].update(max_weight=5, ranking={"urgency": 0, "tier": 1, "margin": 0})
    model["settings"]["tiers"] = {"A": 0.0, "C": 1.0}
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    change = {"kind": "change_priority", "order": "O2", "weight": 5}
    evaluation = run(tmp_path, model, [change], base)
    outcome = evaluation.outcomes[0]
    assert outcome.verdict == IMPACT
    assert outcome.plan.steps_of("O2")[0].start == 0  # weight 5 against 1 of O1


def test_tier_change_changes_the_weights(tmp_path):
    model = plant_model(O1="00:30", O2="01:30")
    model["settings"].update(max_weight=5, ranking={"urgency": 0, "tier": 1, "margin": 0})
    model["settings"]["tiers"] = {"A": 0.0, "C": 1.0}
    model["customers"].append({"id": "D", "tier": "A"})
    model["orders"][1]["customer"] = "D"
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    change = {"kind": "change_tier", "customer": "D", "tier": "C"}
    outcome = run(tmp_path, model, [change], base).outcomes[0]
    # D's order now weighs 5 against 1: it goes first.
    assert outcome.plant.customers["D"].tier == "C" and outcome.verdict == IMPACT
    assert outcome.plan.steps_of("O2")[0].start == 0


def test_breakdown_is_a_confirmed_break_with_its_date(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    down = {"kind": "resource_down", "resource": "M1", "from": T0 + "00:00", "to": T0 + "05:00"}
    outcome = run(tmp_path, model, [down], base).outcomes[0]
    assert outcome.verdict == IMPACT and "2 order(s) now miss" in outcome.reason
    breaks = {w.order: w.date for w in outcome.warnings if w.level == "confirmed break"}
    assert breaks == {"O1": 360, "O2": 420}


def test_a_break_is_confirmed_without_pricing_when_even_alone_it_is_late(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    model["settings"]["warning_levers"] = 0
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    down = {"kind": "resource_down", "resource": "M1", "from": T0 + "00:00", "to": T0 + "05:00"}
    outcome = run(tmp_path, model, [down], base).outcomes[0]
    # M1 is down until 05:00: alone, with every hour open, O1 ends 06:00, O2 06:00 (both
    # late), so no lever can help and none is priced.
    (o1,) = [w for w in outcome.warnings if w.order == "O1"]
    assert o1.level == "confirmed break" and o1.levers == () and "even alone" in o1.message


def day_shift_breakdown(tmp_path, **settings):
    """O1 (1 h, due Mon 16:00) on M1, which works a day shift and is down all Monday's: the
    what-if's warning on O1."""
    model = plant_model(O1="16:00")
    model["settings"].update(settings)
    model["calendars"] = [
        {
            "id": "day",
            "shifts": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}
            ],
        }
    ]
    model["resources"][0]["calendar"] = "day"
    base = baseline_file(tmp_path, model, {"O1": ("M1", 480, 540)})
    down = {"kind": "resource_down", "resource": "M1", "from": T0 + "08:00", "to": T0 + "16:00"}
    outcome = run(tmp_path, model, [down], base).outcomes[0]
    (warning,) = [w for w in outcome.warnings if w.order == "O1"]
    return warning


def test_breakdown_recoverable_by_overtime_is_an_external_risk_notice(tmp_path):
    warning = day_shift_breakdown(tmp_path)
    assert warning.level == "external risk notice"
    # The change harms O1, so its levers are priced as `replan explain` prices them: M1 is
    # down all Monday's shift, so the hour must be worked before 08:00, at 50 EUR/h.
    best = warning.levers[0]
    assert best.kind == "overtime" and best.on_time and best.overtime_hours == 1
    assert best.cost == pytest.approx(50.0)
    assert (
        warning.countermeasures[0].startswith("overtime on M1")
        and "50.00" in (warning.countermeasures[0])
    )


def test_without_warning_levers_the_notice_lists_the_relaxed_plans_overtime(tmp_path):
    warning = day_shift_breakdown(tmp_path, warning_levers=0)
    assert warning.level == "external risk notice" and warning.levers == ()
    (measure,) = warning.countermeasures
    assert measure.startswith("overtime on M1 for ") and ": 1 h, 50.00" in measure


def test_capacity_cut_moves_one_of_two_parallel_orders(tmp_path):
    model = plant_model(O1="01:30", O2="01:30")
    model["resources"][0]["capacity"] = 2
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 0, 60)})
    change = {"kind": "resource_capacity", "resource": "M1", "capacity": 1}
    outcome = run(tmp_path, model, [change], base).outcomes[0]
    late = [m for m in outcome.moves if m.late_after]
    assert outcome.verdict == IMPACT and len(late) == 1 and late[0].after == 120


def test_supplier_delay_makes_a_firm_order_late_confirmed_with_its_date(tmp_path):
    model = supply_model()
    model["settings"].update(workers=2, seed=0)
    model["orders"] = [dict(model["orders"][0], id="O1", due="2026-11-26")]  # due day 3 24:00
    delay = {"kind": "supplier_delay", "supplier": "S", "material": "M", "by": "4d"}
    outcome = run(tmp_path, model, [delay]).outcomes[0]
    # M now arrives after 5 days (7200 min): O1 runs 7200-7260, due at 4320.
    assert outcome.verdict == IMPACT
    (warning,) = [w for w in outcome.warnings if w.order == "O1"]
    assert warning.level == "confirmed break" and warning.date == 7260
    # The same purchase arrives later in the same week: nothing for the buyer to change.
    assert outcome.supplier_actions == []


def test_supplier_capacity_cut_moves_purchases_to_another_supplier(tmp_path):
    from tests.cpsat.test_materials import capacity_model

    model = capacity_model()
    model["settings"].update(workers=2, seed=0)
    del model["suppliers"][0]["offers"][0]["capacity"]
    cut = {"kind": "supplier_capacity", "supplier": "CHEAP", "material": "M", "capacity": 100}
    evaluation = run(tmp_path, model, [cut])
    assert {s.source for s in evaluation.baseline.supplies} == {"CHEAP"}
    outcome = evaluation.outcomes[0]
    assert sorted(s.source for s in outcome.plan.supplies) == ["CHEAP", "DEAR"]
    assert any(a.action == "buy" and a.supplier == "DEAR" for a in outcome.supplier_actions)
    # Net per supplier, material, mode and week: what DEAR now ships, CHEAP ships less.
    dear = sum(a.quantity for a in outcome.supplier_actions if a.supplier == "DEAR")
    cheap = sum(a.quantity for a in outcome.supplier_actions if a.supplier == "CHEAP")
    assert dear > 0 and cheap == -dear


def test_stock_loss_and_receipt_delay(tmp_path):
    from tests.cpsat.test_materials import stock_model

    model = stock_model()
    model["settings"].update(workers=2, seed=0)
    model["suppliers"] = [
        {"id": "S", "offers": [{"material": "M", "lead_time": "4d", "price": 1.0}]}
    ]
    loss = {"kind": "stock_loss", "material": "M", "quantity": 1}
    outcome = run(tmp_path, model, [loss]).outcomes[0]
    # Nothing on hand now: one order takes the receipt at day 2 (2880), the other waits for a
    # purchase arriving at day 4 (5760).
    starts = sorted(s.start for s in outcome.plan.steps)
    assert starts == [2880, 5760] and outcome.verdict == IMPACT
    assert [a.action for a in outcome.supplier_actions] == ["buy"]
    delay = {"kind": "receipt_delay", "material": "M", "receipt": "PO-1", "by": "1d"}
    outcome = run(tmp_path, model, [delay]).outcomes[0]
    assert sorted(s.start for s in outcome.plan.steps)[1] == 4320


def test_intake_refuses_incomplete_and_unreachable_orders_and_flags_credit(tmp_path):
    model = plant_model(O1="02:00")
    model["customers"][0]["credit_limit"] = 150
    incomplete = {"kind": "add_order", "id": "R", "customer": "C", "quantity": 1}
    outcome = run(tmp_path, model, [incomplete]).outcomes[0]
    assert outcome.verdict == REJECT and "missing product" in outcome.reason
    huge = dict(rush("05:00"), quantity=1000)  # 1000 h of work in a 7-day horizon
    assert run(tmp_path, model, [huge]).outcomes[0].verdict == REJECT
    outcome = run(tmp_path, model, [rush("05:00")]).outcomes[0]
    assert outcome.verdict == ACCEPT and "credit limit" in outcome.approvals[0]


def test_unprofitable_rush_is_rejected(tmp_path):
    model = plant_model(O1="01:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    # Margin 1 x (1.5 - 1.0) = 0.50 EUR; the order needs a purchase? No: it is simply late
    # at any date after the horizon would allow? It fits at 60-120 on time: costs nothing.
    cheap = rush("02:00", price=1.5)
    assert run(tmp_path, model, [cheap], base).outcomes[0].verdict == ACCEPT
    losing = rush("02:00", price=0.5)  # margin -0.50: costs more than it earns
    outcome = run(tmp_path, model, [losing], base).outcomes[0]
    assert outcome.verdict == REJECT and "more than it earns" in outcome.reason


def test_work_started_before_now_stays_and_frozen_window_holds(tmp_path):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    plan_rule = {"protect": "plan"}
    evaluation = run(tmp_path, model, [rush("01:30")], base, now=T0 + "00:30", settings=plan_rule)
    outcome = evaluation.outcomes[0]
    assert outcome.plan.steps_of("O1")[0].start == 0  # running at now: pinned
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise == 180
    # Under the due rule R may go before O2 (due 04:00): the earliest is right after O1.
    outcome = run(tmp_path, model, [rush("01:30")], base, now=T0 + "00:30").outcomes[0]
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise == 120
    with pytest.raises(Exception, match="already in production"):
        run(
            tmp_path,
            model,
            [{"kind": "change_quantity", "order": "O1", "quantity": 2}],
            base,
            now=T0 + "00:30",
        )
    frozen = run(tmp_path, model, [rush("01:30")], base, settings={"frozen": "2h"})
    assert frozen.outcomes[0].plan.steps_of("O2")[0].start == 60


def test_bad_changes_name_the_change_and_field(tmp_path):
    model = plant_model(O1="02:00")
    write_model(tmp_path, model)
    path = tmp_path / "scenario.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "model": "plant.yaml",
                "changes": [{"kind": "change_quantity", "order": "O1", "quantity": -3}],
            }
        )
    )
    assert main(["whatif", str(path)]) == 2
    path.write_text(
        yaml.safe_dump(
            {"model": "plant.yaml", "changes": [{"kind": "cancel_order", "order": "NOPE"}]}
        )
    )
    assert main(["whatif", str(path)]) == 2


def test_cli_exit_codes_and_json(tmp_path, capsys):
    model = plant_model(O1="02:00", O2="04:00")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    write_model(tmp_path, model)
    path = tmp_path / "scenario.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "model": "plant.yaml",
                "baseline": str(base),
                "changes": [rush("01:00")],
                "variants": [{"name": "later", "changes": [rush("05:00")]}],
                "settings": {"protect": "plan"},
            }
        )
    )
    out = tmp_path / "ev.json"
    assert main(["whatif", str(path), "--json", str(out)]) == 3
    data = json.loads(out.read_text())
    assert [o["verdict"] for o in data["outcomes"]] == [ACCEPT_WITH_DATE, ACCEPT]
    assert data["outcomes"][0]["promise"] == "2026-11-23T03:00:00"
    assert "ACCEPT WITH DATE" in capsys.readouterr().out
    path.write_text(
        yaml.safe_dump({"model": "plant.yaml", "baseline": str(base), "changes": [rush("05:00")]})
    )
    assert main(["whatif", str(path)]) == 0


# The promise rule and the recommendation (issue 13) ------------------------------------------


def tiered_model(rush_tier: str, other_tier: str) -> dict:
    """O1 (customer K, ``other_tier``) fills M1 until its due at 01:00; the rush comes from
    customer R (``rush_tier``). Ranking by tier alone: tier A weighs 10, tier C weighs 1."""
    model = plant_model(O1="01:00")
    model["settings"].update(max_weight=10, ranking={"urgency": 0, "tier": 1, "margin": 0})
    model["settings"]["tiers"] = {"A": 1.0, "C": 0.0}
    model["customers"] = [{"id": "K", "tier": other_tier}, {"id": "RC", "tier": rush_tier}]
    model["orders"][0]["customer"] = "K"
    return model


def test_a_tier_a_rush_that_displaces_a_tier_c_order_by_an_hour_is_recommended_as_asked(
    tmp_path,
):
    model = tiered_model(rush_tier="A", other_tier="C")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    outcome = run(tmp_path, model, [rush("01:00", customer="RC")], base).outcomes[0]
    # As asked O1 is an hour late (weight 1); with a date R slips an hour (weight 10).
    assert outcome.verdict == ACCEPT_AS_ASKED and outcome.promise == 60
    assert [o.name for o in outcome.options] == ["as asked", "with date"]
    as_asked, with_date = outcome.options
    assert as_asked.recommended and not with_date.recommended
    assert [m.order for m in as_asked.harm] == ["O1"] and as_asked.harm[0].after == 120
    assert with_date.promises == {"R": 120} and with_date.worst_slip == 60
    assert 0 < as_asked.cost < with_date.cost
    assert "O1 (K, tier C)" in outcome.reason
    assert run_exit_code(tmp_path, model, [rush("01:00", customer="RC")], base) == 3


def test_a_recommended_as_asked_that_costs_more_than_it_earns_gives_way_to_the_date(tmp_path):
    """As asked, O1 is an hour late: 60 EUR, more than the rush's 30 EUR margin; dated an hour
    later the rush harms no one and costs nothing beyond the baseline, so it is offered."""
    model = tiered_model(rush_tier="A", other_tier="C")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    thin = rush("01:00", customer="RC", price=31.0)  # margin 1 x (31 - 1) = 30 EUR
    outcome = run(tmp_path, model, [thin], base).outcomes[0]
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise == 120
    with_date, as_asked = outcome.options
    assert with_date.recommended and not as_asked.recommended
    assert as_asked.cost < with_date.cost  # cheaper by the weights, but not worth making
    assert outcome.change_value == pytest.approx(30.0) and outcome.cost_delta == 0
    assert "As asked it would cost 60.00 EUR more than the baseline" in outcome.reason


def test_a_tier_c_rush_that_would_displace_a_tier_a_order_gets_a_date(tmp_path):
    model = tiered_model(rush_tier="C", other_tier="A")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    outcome = run(tmp_path, model, [rush("01:00", customer="RC")], base).outcomes[0]
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise == 120
    with_date, as_asked = outcome.options
    assert with_date.recommended and with_date.cost < as_asked.cost
    assert "asked" in outcome.reason and "+1h" in outcome.reason


def test_options_that_cost_the_same_are_a_close_call(tmp_path):
    """Equal tiers: as asked O1 is an hour late, with a date the rush is: the same cost, so the
    date is offered (as asked must be strictly cheaper) and the verdict says it is close."""
    model = tiered_model(rush_tier="C", other_tier="C")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    outcome = run(tmp_path, model, [rush("01:00", customer="RC")], base).outcomes[0]
    with_date, as_asked = outcome.options
    assert outcome.verdict == ACCEPT_WITH_DATE and with_date.recommended
    assert with_date.cost > 0 and as_asked.cost == pytest.approx(with_date.cost)
    assert outcome.close_call
    assert "A close call: the two options differ by 0.00 EUR (0.0%)" in outcome.reason


def test_options_far_apart_are_no_close_call_and_a_zero_share_never_flags(tmp_path):
    model = tiered_model(rush_tier="A", other_tier="C")
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60)})
    outcome = run(tmp_path, model, [rush("01:00", customer="RC")], base).outcomes[0]
    assert outcome.verdict == ACCEPT_AS_ASKED and not outcome.close_call  # 10 x apart
    assert "close call" not in outcome.reason
    model = tiered_model(rush_tier="C", other_tier="C")
    model["settings"]["close_call_share"] = 0
    outcome = run(tmp_path, model, [rush("01:00", customer="RC")], base).outcomes[0]
    assert outcome.verdict == ACCEPT_WITH_DATE and not outcome.close_call


def test_the_due_rule_promise_is_the_same_for_two_optimal_baselines(tmp_path):
    """Both baselines are optimal (nothing late); the plan rule's answer may depend on which
    one the solver found, the due rule's does not."""
    model = plant_model(O1="02:00", O2="03:00")
    first = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    first = first.rename(tmp_path / "first.json")
    second = baseline_file(tmp_path, model, {"O2": ("M1", 0, 60), "O1": ("M1", 60, 120)})
    promises = set()
    for base in (first, second):
        outcome = run(tmp_path, model, [rush("00:30")], base).outcomes[0]
        assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise_proven
        promises.add(outcome.promise)
    assert promises == {60}  # R first; O1 and O2 follow, both still on time


def test_two_rushes_with_their_own_dates_minimise_the_worst_slip(tmp_path):
    """R1 asks for 01:00 and R2 for 04:00 behind O1 (00:00-02:00, due 02:00) on one machine.
    Summing completions puts R1 first (R1 03:00, R2 04:00?) only by luck; the worst-slip rule
    gives R1 03:00 (2 h late) and R2 04:00 (on time)."""
    model = plant_model(O1="02:00")
    model["orders"][0]["quantity"] = 2
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 120)})
    changes = [
        dict(rush("01:00"), id="R1"),
        dict(rush("04:00"), id="R2", quantity=2),
    ]
    outcome = run(tmp_path, model, changes, base).outcomes[0]
    assert outcome.verdict == ACCEPT_WITH_DATE and outcome.promise_proven
    assert outcome.promises == {"R1": 180, "R2": 300}
    assert outcome.worst_slip == 120 and outcome.slips == {"R1": 120, "R2": 60}


def test_a_change_that_drops_a_proposed_order_says_so_and_exits_3(tmp_path):
    model = plant_model(O1="02:00", O2="03:00")
    model["orders"][1]["status"] = "proposed"
    base = baseline_file(tmp_path, model, {"O1": ("M1", 0, 60), "O2": ("M1", 60, 120)})
    # M1 is down from 01:00 to the end of the horizon: only one order still fits.
    down = {"kind": "resource_down", "resource": "M1", "from": T0 + "01:00", "to": "2026-11-30"}
    outcome = run(tmp_path, model, [down], base).outcomes[0]
    assert [m.order for m in outcome.dropped] == ["O2"]
    assert "no longer made (O2)" in outcome.reason
    assert run_exit_code(tmp_path, model, [down], base) == 3


def run_exit_code(tmp_path, model: dict, changes: list, baseline) -> int:
    path = tmp_path / "exit.yaml"
    write_model(tmp_path, model)
    path.write_text(
        yaml.safe_dump({"model": "plant.yaml", "baseline": str(baseline), "changes": changes})
    )
    return main(["whatif", str(path)])


def test_bad_promise_rule_settings_name_the_field(tmp_path, capsys):
    settings = {"protect": "soon", "protect_tolerance": "-1h"}
    path = scenario_file(
        tmp_path, plant_model(O1="02:00"), changes=[rush("05:00")], settings=settings
    )
    assert main(["whatif", str(path)]) == 2
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "settings.protect" in out and "'due' or 'plan'" in out
    assert "settings.protect_tolerance" in out


@pytest.mark.parametrize("value", [0, -2, "soon"])
def test_a_bad_whatif_time_limit_setting_names_the_field(tmp_path, value, capsys):
    settings = {"whatif_time_limit": value}
    path = scenario_file(
        tmp_path, plant_model(O1="02:00"), changes=[rush("05:00")], settings=settings
    )
    assert main(["whatif", str(path)]) == 2
    captured = capsys.readouterr()
    assert "settings.whatif_time_limit" in captured.out + captured.err


@pytest.mark.parametrize("flag", ["--baseline-time-limit", "--whatif-time-limit"])
@pytest.mark.parametrize("value", ["-1", "0", "nan", "soon"])
def test_a_bad_time_limit_flag_is_refused_before_solving(tmp_path, flag, value, capsys):
    path = scenario_file(tmp_path, plant_model(O1="02:00"), changes=[rush("05:00")])
    with pytest.raises(SystemExit) as stop:
        main(["whatif", str(path), flag, value])
    assert stop.value.code == 2
    assert flag in capsys.readouterr().err


def test_the_answer_budget_flag_reaches_every_change_set(tmp_path, monkeypatch):
    # By module name: ``solver.whatif`` as an attribute is the API function of that name.
    evaluate_module = importlib.import_module("solver.whatif.evaluate")
    seen = []
    original = evaluate_module.evaluate_changes

    def recording(plant, *args, **kwargs):
        seen.append(plant.settings.whatif_time_limit)
        return original(plant, *args, **kwargs)

    monkeypatch.setattr(evaluate_module, "evaluate_changes", recording)
    variant = {"name": "later", "changes": [rush("06:00")]}
    path = scenario_file(
        tmp_path, plant_model(O1="02:00"), changes=[rush("05:00")], variants=[variant]
    )
    code = main(["whatif", str(path), "--whatif-time-limit", "1.5", "--workers", "2"])
    assert code in (0, 3, 4) and seen == [1.5, 1.5]
