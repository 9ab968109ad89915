"""Family 5, materials and supply: constraints and cost terms (the variables are in
``variables.py``).

For each order still to be produced and each material of its bill, exactly one source is
chosen: stock (on hand plus open receipts, time-phased) or a purchase from a supplier in one
mode (standard or an expedite) arriving in one of the supplier's periods, or one of the
need's splits (``sources.split_ways``): a part from stock and the rest from one purchase,
or the rest (or the whole) from two purchases, each part a need of its own quantity to every
constraint and cost below. The step that draws
a material (its BOM line's step, by default the first) starts after its purchase arrives, and
a stock draw is taken when that step starts. Per (supplier, material, period) capacity
holds, and per (supplier, capacity group, period) for materials that share one; purchases of
one (supplier, material, mode, period) form one shipment, which pays the
shipment charge once and is topped up to the minimum order quantity. Finished goods on hand
may serve an order instead of production (a knapsack per product).

Stock never goes below zero at any time. Two exact formulations, chosen by
``settings.stock_model``: a reservoir constraint per material (events at the start of each
drawing step), or checkpoints just before each receipt arrives: since stock only rises at
receipts, "use before t <= stock arrived before t" at those ticks (and in total) is the whole
condition. The reservoir is compact for few orders but CP-SAT expands it quadratically in the
number of events; the checkpoints grow with orders x receipts.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.domain.plan import Supply
from solver.domain.plant import Plant
from solver.facts.kpis import finished_goods_saving, holding_if_idle
from solver.rules.costs import (
    holding_per_tick,
    money_units,
    purchase_cost,
    risk_premium,
    surplus_holding_per_tick,
    surplus_holding_rate,
)
from solver.solve.cpsat.variables import (
    BuyVar,
    ModelVars,
    NeedVars,
    ShipmentVars,
    SupplyVars,
    create_supply_variables,
    new_checkpoint,
    new_shipment,
)
from solver.supply import sources


def add_supply(model: cp_model.CpModel, plant: Plant, variables: ModelVars) -> SupplyVars:
    """Family 5: the supply variables (``variables.py``) and every supply constraint."""
    supply_vars = create_supply_variables(model, plant, variables)
    add_source_choice(model, variables, supply_vars)
    add_material_before_start(model, variables, supply_vars)
    add_shipments(model, plant, supply_vars)
    add_stock_balance(model, plant, variables, supply_vars)  # after shipments: their surpluses
    add_supplier_capacity(model, plant, supply_vars)  # and capacity groups
    add_finished_goods(model, plant, variables)
    return supply_vars


def _sources(need: NeedVars) -> list[cp_model.IntVar]:
    return ([need.stock] if need.stock is not None else []) + [b.chosen for b in need.buys]


def add_source_choice(model: cp_model.CpModel, variables: ModelVars, sv: SupplyVars) -> None:
    """Exactly one source per need of an order that is made, or one of its splits; none
    otherwise. A chosen split buys each bought part once; two bought parts never take the
    same shipment (that would be one purchase, which the split's other ways offer)."""
    for key, need in sv.needs.items():
        if need.part:
            continue
        splits = sv.splits.get(key, [])
        chosen = _sources(need) + [split.chosen for split in splits]
        model.add(sum(chosen) == variables.orders[need.order].made)
        for split in splits:
            for part in split.bought:
                model.add(sum(b.chosen for b in part.buys) == split.chosen)
            if len(split.bought) == 2:
                first, second = split.bought
                # Both parts have the need's buy options, in the same order.
                for one, two in zip(first.buys, second.buys, strict=True):
                    model.add_at_most_one(one.chosen, two.chosen)


def add_material_before_start(
    model: cp_model.CpModel, variables: ModelVars, sv: SupplyVars
) -> None:
    """The drawing step starts after its purchase arrives; stock_start and bought_start
    mirror its start (for the holding term)."""
    for need in sv.needs.values():
        start = draw_start(variables, need)
        for buy in need.buys:
            model.add(start >= buy.arrival).only_enforce_if(buy.chosen)
        if need.stock is not None:
            model.add(need.stock_start == start).only_enforce_if(need.stock)
            model.add(need.stock_start == 0).only_enforce_if(~need.stock)
        if need.bought is not None:
            model.add(need.bought == sum(buy.chosen for buy in need.buys))
            model.add(need.bought_start == start).only_enforce_if(need.bought)
            model.add(need.bought_start == 0).only_enforce_if(~need.bought)


def draw_start(variables: ModelVars, need: NeedVars) -> cp_model.IntVar:
    """The start of the step that draws a need (its BOM line's step)."""
    return variables.orders[need.order].step_at(need.step).start


def uses_reservoir(plant: Plant, drawing_orders: int) -> bool:
    """The stock model for a material drawn on by ``drawing_orders`` orders (see module doc)."""
    chosen = plant.settings.stock_model
    if chosen == "auto":
        return drawing_orders <= plant.settings.reservoir_max_uses
    return chosen == "reservoir"


def add_stock_balance(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars, sv: SupplyVars
) -> None:
    """Stock of each material never below zero: reservoir or receipt checkpoints. Minimum-
    order surpluses (``settings.surplus_to_stock``) arrive with their shipment; their units
    are variables, which CP-SAT's reservoir does not take, so such a material has
    checkpoints."""
    draws: dict[str, list[NeedVars]] = defaultdict(list)
    for need in sv.needs.values():
        if need.stock is not None:
            draws[need.material].append(need)
    surpluses = _surpluses(plant, sv)
    for material, needs in draws.items():
        events = sources.stock_events(plant, material)
        if material not in surpluses and uses_reservoir(plant, len(needs)):
            _reservoir(model, variables, events, needs)
        else:
            _checkpoints(model, variables, events + surpluses.get(material, []), needs)


def _surpluses(plant: Plant, sv: SupplyVars) -> dict[str, list[tuple[int, cp_model.IntVar]]]:
    """(arrival, surplus units) per material of every shipment whose surplus goes to stock."""
    out: dict[str, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    if plant.settings.surplus_to_stock:
        for (_, material, _, _), shipment in sv.shipments.items():
            if shipment.surplus is not None:
                # A kept shipment's top-up is in stock already: only what it changes counts.
                out[material].append(
                    (max(0, shipment.arrival), shipment.surplus - shipment.kept_top_up)
                )
    return out


def _reservoir(model, variables: ModelVars, events, needs: list[NeedVars]) -> None:
    times = [tick for tick, _ in events]
    changes = [units for _, units in events]
    actives = [True] * len(events)
    for need in needs:
        times.append(draw_start(variables, need))
        changes.append(-need.quantity)
        actives.append(need.stock)
    model.add_reservoir_constraint_with_active(
        times, changes, actives, 0, sum(u for _, u in events)
    )


def _checkpoints(model, variables: ModelVars, events, needs: list[NeedVars]) -> None:
    """``events``: (tick, units) sorted or not; units a constant or a surplus variable."""
    by_tick: dict[int, list] = defaultdict(list)
    for tick, units in events:
        by_tick[tick].append(units)
    arrived = 0
    for tick in sorted(by_tick):
        if tick > 0:
            drawn = []
            for need in needs:
                start = draw_start(variables, need)
                if start.proto.domain[0] >= tick:
                    continue
                before = new_checkpoint(model, need, tick)
                # Drawn from stock and not flagged "before": the start is at or after the tick.
                model.add(start >= tick).only_enforce_if([need.stock, ~before])
                drawn.append(need.quantity * before)
            if drawn:
                model.add(sum(drawn) <= arrived)
        arrived += sum(by_tick[tick])
    model.add(sum(n.quantity * n.stock for n in needs) <= arrived)


def add_shipments(model: cp_model.CpModel, plant: Plant, sv: SupplyVars) -> None:
    """One shipment per (supplier, material, mode, period) used; minimum order top-up."""
    groups: dict[tuple[str, str, str, int], list[tuple[NeedVars, BuyVar]]] = defaultdict(list)
    for need in sv.needs.values():
        for buy in need.buys:
            groups[(buy.supplier, need.material, buy.mode.name, buy.period)].append((need, buy))
    for key, members in groups.items():
        supplier, material, mode_name, period = key
        offer = sources.offer_for(plant, supplier, material)
        mode = sources.mode_named(offer, mode_name)
        literals = [buy.chosen for _, buy in members]
        pegged = offer.pegged_in(mode_name, period)
        if pegged:
            _join_kept_shipment(model, plant, key, members, sv)
            continue
        needs_shipment = offer.min_order > 0 or mode.cost_per_shipment > 0
        if not needs_shipment:
            sv.shipments[key] = ShipmentVars(literals[0], None, members)
            continue
        used, surplus = new_shipment(model, key, offer.min_order)
        for literal in literals:
            model.add_implication(literal, used)
        model.add_bool_or(literals).only_enforce_if(used)
        sv.shipments[key] = ShipmentVars(used, surplus, members)
        if surplus is not None:
            bought = sum(need.quantity * buy.chosen for need, buy in members)
            model.add_max_equality(surplus, [offer.min_order * used - bought, 0])
            add_surplus_holding(model, plant, key, sv.shipments[key], offer.min_order)


def _join_kept_shipment(model, plant: Plant, key: tuple, members: list, sv) -> None:
    """Buying into a shipment kept orders already have (``Offer.pegged``, an LNS
    neighbourhood): it is paid for and topped up, so what this plant buys there takes first
    from its top-up; ``kept_surplus`` says how much of the top-up ``booked`` and stock hold."""
    supplier, material, mode_name, period = key
    offer = sources.offer_for(plant, supplier, material)
    kept = offer.kept_surplus(mode_name, period)
    used = model.new_constant(1)
    if not kept:
        sv.shipments[key] = ShipmentVars(used, None, members, already=0)
        return
    surplus = model.new_int_var(0, kept, f"surplus[{key}]")
    bought = sum(need.quantity * buy.chosen for need, buy in members)
    model.add_max_equality(surplus, [kept - bought, 0])
    sv.shipments[key] = ShipmentVars(used, surplus, members, already=kept)
    add_surplus_holding(model, plant, key, sv.shipments[key], kept)


def add_surplus_holding(
    model: cp_model.CpModel, plant: Plant, key: tuple, shipment: ShipmentVars, most: int
) -> None:
    """The holding per tick of a shipment's surplus going into stock, exactly as the facts
    price it (``surplus_holding_per_tick``: a rate in thousandths, rounded half up)."""
    if not plant.settings.surplus_to_stock:
        return
    value = plant.materials[key[1]].unit_cost
    rate = surplus_holding_rate(plant, value)
    if not rate:
        return
    holding = model.new_int_var(
        0, surplus_holding_per_tick(plant, value, most), f"surplus_holding[{key}]"
    )
    model.add_division_equality(holding, shipment.surplus * rate + 500, 1000)
    shipment.holding = holding


def add_supplier_capacity(model: cp_model.CpModel, plant: Plant, sv: SupplyVars) -> None:
    """Units bought per (supplier, material, period), surplus included, within capacity."""
    load: dict[tuple[str, str, int], list] = defaultdict(list)
    for (supplier, material, _, period), shipment in sv.shipments.items():
        terms = load[(supplier, material, period)]
        terms += [need.quantity * buy.chosen for need, buy in shipment.members]
        if shipment.surplus is not None:
            # A kept shipment's top-up is booked already: only what it changes counts.
            terms.append(shipment.surplus - shipment.kept_top_up)
    for (supplier, material, period), terms in load.items():
        capacity = sources.offer_for(plant, supplier, material).capacity_left(period)
        if capacity is not None:
            model.add(sum(terms) <= capacity)
    add_capacity_groups(model, plant, load)


def add_capacity_groups(model: cp_model.CpModel, plant: Plant, load: dict) -> None:
    """Units bought per (supplier, capacity group, period), surplus included, within the
    group's capacity: ``load`` holds each (supplier, material, period)'s bought terms."""
    for sid, supplier in plant.suppliers.items():
        for group in supplier.capacity_groups:
            periods = {p for (s, m, p) in load if s == sid and m in group.materials}
            for period in sorted(periods):
                terms = [term for m in group.materials for term in load.get((sid, m, period), [])]
                model.add(sum(terms) <= supplier.group_left(group, period))


def add_finished_goods(model: cp_model.CpModel, plant: Plant, variables: ModelVars) -> None:
    """Orders shipped from finished goods use no more than each product's stock."""
    shipped: dict[str, list] = defaultdict(list)
    for oid, order_vars in variables.orders.items():
        if order_vars.from_stock is not None:
            quantity = plant.orders[oid].quantity
            shipped[plant.orders[oid].product].append(quantity * order_vars.from_stock)
    for product, terms in shipped.items():
        model.add(sum(terms) <= plant.products[product].stock)


def supply_terms(
    plant: Plant, variables: ModelVars, sv: SupplyVars
) -> dict[str, cp_model.LinearExpr]:
    """Purchase, expedite, risk and holding terms (the arithmetic of ``kpis.supply_units``)."""
    purchase, expedite, risk = [], [], []
    for need in sv.needs.values():
        for buy in need.buys:
            offer = sources.offer_for(plant, buy.supplier, need.material)
            reliability = plant.suppliers[buy.supplier].reliability
            purchase.append(purchase_cost(plant, offer.price, need.quantity) * buy.chosen)
            expedite.append(money_units(plant, buy.mode.cost_per_unit * need.quantity) * buy.chosen)
            risk.append(risk_premium(plant, reliability, offer.price, need.quantity) * buy.chosen)
    for (supplier, material, _, _), shipment in sv.shipments.items():
        offer = sources.offer_for(plant, supplier, material)
        mode = sources.mode_named(offer, shipment_mode(shipment))
        reliability = plant.suppliers[supplier].reliability
        if mode.cost_per_shipment and not shipment.joined:
            expedite.append(money_units(plant, mode.cost_per_shipment) * shipment.used)
        if shipment.surplus is not None:
            purchase.append(purchase_cost(plant, offer.price, 1) * shipment.surplus)
            expedite.append(money_units(plant, mode.cost_per_unit) * shipment.surplus)
            risk.append(risk_premium(plant, reliability, offer.price, 1) * shipment.surplus)
    holding: list = [holding_if_idle(plant)]
    for need in sv.needs.values():
        if need.stock is not None:
            per_tick = holding_per_tick(
                plant, plant.materials[need.material].unit_cost, need.quantity
            )
            holding.append(-per_tick * plant.horizon * need.stock + per_tick * need.stock_start)
        if need.bought is not None:
            # Bought material waits for its step from its arrival to the step's start.
            per_tick = holding_per_tick(
                plant, plant.materials[need.material].unit_cost, need.quantity
            )
            arrived = sum(buy.arrival * buy.chosen for buy in need.buys)
            holding.append(per_tick * need.bought_start - per_tick * arrived)
    for shipment in sv.shipments.values():
        if shipment.holding is not None:
            # The surplus waits in stock from its arrival; draws from it save like any.
            idle = plant.horizon - min(max(0, shipment.arrival), plant.horizon)
            holding.append(idle * shipment.holding)
    for oid, order_vars in variables.orders.items():
        if order_vars.from_stock is not None:
            holding.append(-finished_goods_saving(plant, oid) * order_vars.from_stock)
    return {
        "purchase": sum(purchase),
        "expedite": sum(expedite),
        "risk": sum(risk),
        "holding": sum(holding),
    }


def shipment_mode(shipment: ShipmentVars) -> str:
    return shipment.members[0][1].mode.name


def extract_supplies(sv: SupplyVars, solver: cp_model.CpSolver) -> list[Supply]:
    """The chosen source of every need of a made order: one supply, or a split's parts."""
    supplies = []
    for need in sv.needs.values():
        oid, material = need.order, need.material
        if need.stock is not None and solver.boolean_value(need.stock):
            supplies.append(Supply(oid, material, need.quantity, sources.STOCK))
            continue
        for buy in need.buys:
            if solver.boolean_value(buy.chosen):
                supplies.append(
                    Supply(oid, material, need.quantity, buy.supplier, buy.mode.name, buy.arrival)
                )
    return supplies
