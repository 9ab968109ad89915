"""Complete solution hints from a plan: every decision and every derived variable.

A partial or inconsistent hint is much weaker than a complete one (DESIGN.md), so the hint
sets acceptance, each step's start, end and chosen option, and each order's
tardiness; declined orders get a consistent dummy placement.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.domain.plan import Plan, Supply
from solver.domain.plant import Plant
from solver.rules.costs import surplus_holding_per_tick
from solver.solve.cpsat.variables import ModelVars, SplitVars
from solver.supply.sources import STOCK, draw_starts, free_flowing, offer_for


def add_plan_hint(model: cp_model.CpModel, plant: Plant, variables: ModelVars, plan: Plan) -> None:
    """Hint every model variable with the values of ``plan``."""
    model.clear_hints()
    placed = {(s.order, s.step_index): s for s in plan.steps}
    hinted: set[int] = set()

    def hint(var, value: int) -> None:
        if var.index not in hinted and not _is_constant(var):
            hinted.add(var.index)
            model.add_hint(var, value)

    outcomes = {o.order: o for o in plan.outcomes}
    for oid, order_vars in variables.orders.items():
        outcome = outcomes.get(oid)
        accepted = bool(outcome and outcome.accepted)
        shipped = bool(accepted and outcome.from_stock and order_vars.from_stock is not None)
        made = accepted and not shipped
        hint(order_vars.accepted, int(accepted))
        if order_vars.from_stock is not None:
            hint(order_vars.made, int(made))
            hint(order_vars.from_stock, int(shipped))
        end = 0
        for step in order_vars.steps:
            done = placed.get((oid, step.index)) if made else None
            if done is None:
                start = step.options[0].domain.min()
                end = start + step.options[0].size
                chosen = None
            else:
                start, end, chosen = done.start, done.end, done.resource
            hint(step.start, start)
            hint(step.end, end)
            for option in step.options:
                hint(option.present, int(option.resource == chosen))
                if option.segments:
                    _hint_pause(hint, option, start, end, option.resource == chosen)
        hint(order_vars.tardiness, max(0, end - plant.orders[oid].due) if made else 0)
    if variables.supply is not None:
        _hint_supply(hint, plant, variables, plan)
    if variables.changeovers:
        _hint_changeovers(hint, variables, placed)
    made = {o.order for o in plan.outcomes if o.accepted and not o.from_stock}
    for entry in variables.shifts:
        done = placed.get((entry.step.order, entry.step.index))
        start = done.start if done is not None else entry.step.options[0].domain.min()
        shift = abs(start - entry.baseline_start)
        hint(entry.counted, shift if entry.step.order in made else 0)


def _hint_pause(hint, option, start: int, end: int, chosen: bool) -> None:
    """A pausing option's span, end and calendar segment (an absent one: its shortest)."""
    span = end - start if chosen else option.segments[0].offset
    hint(option.span, span)
    hint(option.end, end if chosen else option.domain.min() + option.segments[0].offset)
    for seg in option.segments:
        hint(seg.chosen, int(chosen and seg.low <= start <= seg.high and seg.offset == span))


def _hint_supply(hint, plant: Plant, variables: ModelVars, plan: Plan) -> None:
    """Source literals, checkpoint flags, shipments and surplus from the plan's supplies."""
    taken = _rows_by_part(variables, plan)
    draws = draw_starts(plant, plan)
    for need in variables.supply.needs.values():
        chosen = taken.get(id(need))
        start = draws.get((need.order, need.material), 0)
        from_stock = chosen is not None and chosen.source == STOCK
        if need.stock is not None:
            hint(need.stock, int(from_stock))
            hint(need.stock_start, start if from_stock else 0)
            for tick, before in need.checkpoints.items():
                hint(before, int(from_stock and start < tick))
        for buy in need.buys:
            hint(buy.chosen, int(_chosen(chosen, buy, plant)))
        if need.bought is not None:
            bought = chosen is not None and chosen.source != STOCK
            hint(need.bought, int(bought))
            hint(need.bought_start, start if bought else 0)
    for splits in variables.supply.splits.values():
        for split in splits:
            hint(split.chosen, int(id(split.parts[0]) in taken))
    for (supplier, material, _, _), shipment in variables.supply.shipments.items():
        bought = sum(
            need.quantity
            for need, buy in shipment.members
            if _chosen(taken.get(id(need)), buy, plant)
        )
        if shipment.joined:  # a kept shipment: its top-up less what the plan adds
            surplus = max(0, shipment.already - bought)
        else:
            hint(shipment.used, int(bought > 0))
            minimum = plant.suppliers[supplier].offers[material].min_order
            surplus = max(0, minimum - bought) if bought else 0
        if shipment.surplus is not None:
            hint(shipment.surplus, surplus)
            if shipment.holding is not None:
                value = plant.materials[material].unit_cost
                hint(shipment.holding, surplus_holding_per_tick(plant, value, surplus))


def _rows_by_part(variables: ModelVars, plan: Plan) -> dict[int, Supply]:
    """id(need or part) -> the plan's supply it takes: the whole need's one supply, or a
    split's parts (its stock row, its bought rows by quantity). A plan whose supplies of a
    need are neither (a split at a level this plant does not offer, say a baseline's before
    stock was lost) leaves the need unhinted and says so (``hint_outside_sources``)."""
    rows: dict[tuple[str, str], list[Supply]] = defaultdict(list)
    for s in plan.supplies:
        rows[(s.order, s.material)].append(s)
    taken: dict[int, Supply] = {}
    sv = variables.supply
    variables.hint_outside_sources = False
    for key, given in rows.items():
        need = sv.needs.get(key)
        if need is None:
            continue
        if len(given) == 1 and given[0].quantity == need.quantity:
            taken[id(need)] = given[0]
            continue
        matched = next(
            (m for sp in sv.splits.get(key, []) if (m := _match_parts(sp, given)) is not None),
            None,
        )
        if matched is None:
            variables.hint_outside_sources = True
            continue
        taken.update(matched)
    return taken


def _match_parts(split: SplitVars, given: list[Supply]) -> dict[int, Supply] | None:
    """id(part) -> row when the rows are this split's parts (one row per part, of its kind
    and quantity), else None."""
    stock = [s for s in given if s.source == STOCK]
    bought = sorted((s for s in given if s.source != STOCK), key=lambda s: -s.quantity)
    part = split.stock
    if len(stock) != (part is not None) or len(bought) != len(split.bought):
        return None
    if part is not None and stock[0].quantity != part.quantity:
        return None
    if [s.quantity for s in bought] != [p.quantity for p in split.bought]:
        return None
    out = {id(p): s for p, s in zip(split.bought, bought, strict=True)}
    if part is not None:
        out[id(part)] = stock[0]
    return out


def _hint_changeovers(hint, variables: ModelVars, placed: dict) -> None:
    """Each machine's arcs as the plan sequences its steps there (kept steps included)."""
    variables.hint_outside_circuit = False
    for machine in variables.changeovers:
        starts = {}
        for node, key in enumerate(machine.nodes, 1):
            step = placed.get(key)
            if key[0] == "":
                starts[node] = key[1]  # a kept step: its start is its key
            elif step is not None and step.resource == machine.resource:
                starts[node] = step.start
        order = sorted(starts, key=starts.get)
        follows = set(zip(order, order[1:], strict=False))
        arcs = {(arc.before, arc.after) for arc in machine.arcs}
        if not follows <= arcs:
            # The hint's sequence is no path of the circuit: the model may have no solution.
            variables.hint_outside_circuit = True
        for arc in machine.arcs:
            hint(arc.literal, int((arc.before, arc.after) in follows))
        for node, literal in machine.first.items():
            hint(literal, int(bool(order) and node == order[0]))
        for node, literal in machine.last.items():
            hint(literal, int(bool(order) and node == order[-1]))
        hint(machine.idle, int(not order))


def _chosen(source, buy, plant: Plant) -> bool:
    """Whether a plan's supply is this buy option; a free-flowing purchase in a later period
    (a plan made before those were offered once) is the same purchase in the first."""
    if source is None or source.source != buy.supplier or source.mode != buy.mode.name:
        return False
    offer = offer_for(plant, buy.supplier, source.material)
    return source.arrival == buy.arrival or (
        free_flowing(offer, buy.mode) and source.arrival >= buy.arrival
    )


def _is_constant(var) -> bool:
    domain = var.proto.domain
    return len(domain) == 2 and domain[0] == domain[1]
