"""What-ifs on books with supply are answered on neighbourhoods, as books without are.

Above ``whatif_lns_above`` orders the proposal, the promise dates and the as-asked option
re-solve the asked orders and their neighbours only; with supply the freed orders get the
stock, supplier capacity and finished goods the held ones leave, and the purchases are grouped
again on the merged plan. Every answer must still pass the checker (supply included) and state
the objective recomputed from it, and answer the same twice in the deterministic setting.
"""

from __future__ import annotations

import yaml
from pydantic import TypeAdapter

from benchmarks.whatif_latency import rush_change
from solver.changes.apply import Change, apply_changes
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.input.loading import load_plant
from solver.replay.generate import generate_plant
from solver.solve.replanning import insertion, uses_neighbourhoods, valid_plan
from solver.solve.search import plan as solve_plan
from solver.supply.sources import has_supply
from solver.whatif.evaluate import evaluate_changes

SETTINGS = {
    "workers": 2,
    "seed": 0,
    "deterministic": True,
    "time_limit": 3,
    "whatif_lns_above_supply": 10,
    "whatif_lns_orders": 8,
}


def _answer(plant, baseline):
    # Due a day out: too soon to fit as asked, so the promise dates are set on neighbourhoods
    # (re-dispatched, slotted and pushed starts, then CP-SAT around the rush).
    rush = rush_change(plant)
    rush["due"] = plant.grid.to_datetime(plant.grid.ticks_per_day).isoformat()
    changes = [TypeAdapter(Change).validate_python(rush)]
    return evaluate_changes(plant, baseline, 0, "as asked", changes)


def test_a_rush_on_a_book_with_supply_is_answered_on_neighbourhoods(tmp_path):
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(generate_plant(40, 2, materials=True), sort_keys=False))
    plant = load_plant(path, SETTINGS)
    assert has_supply(plant) and uses_neighbourhoods(plant)
    baseline = solve_plan(plant)
    first, second = _answer(plant, baseline), _answer(plant, baseline)
    assert first.verdict == "ACCEPT WITH DATE" and first.worst_slip > 0
    assert first.plan is not None
    assert check_plan(first.plant, first.plan) == []
    terms = objective_units(first.plant, first.plan, None, Reference(baseline, frozenset(["RUSH"])))
    assert sum(terms.values()) == first.plan.objective_units
    assert terms["purchase"] > 0  # the rush's materials are bought or drawn, and priced
    assert (first.verdict, first.plan.objective_units) == (
        second.verdict,
        second.plan.objective_units,
    )


def test_the_rush_inserted_around_the_held_book_draws_only_what_the_book_leaves(tmp_path):
    # Held orders look started to dispatch; without the supply they leave, the rush drew
    # their stock too and the insertion plan failed the checker, so big books with supply
    # never started from the baseline.
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(generate_plant(40, 2, materials=True), sort_keys=False))
    plant = load_plant(path, SETTINGS)
    baseline = solve_plan(plant)
    rush = TypeAdapter(Change).validate_python(rush_change(plant))
    changed = apply_changes(plant, [rush], 0).plant
    inserted = insertion(changed, baseline, ["RUSH"])
    assert check_plan(changed, inserted) == []
    assert valid_plan(changed, inserted)
