"""Cross-record rules for plant files: one function per rule, each returning Problems.

``check_records`` runs on schema-valid records (references, duplicates, dates); the rules
that need the built Plant (what resources can do within the horizon) are in ``feasibility``.
``check_limits`` bounds the products of fields that the integer CP-SAT model multiplies
(ticks of a step, money in objective units) on the built Plant, before anything else uses
them; ``order_limits`` and ``settings_limits`` are shared with what-if changes.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from solver.domain.errors import Problem
from solver.domain.timegrid import format_duration, format_when
from solver.input.schema import MAX_MODEL_VALUE, MAX_QUANTITY, MAX_TICKS
from solver.input.tables import from_table, locate
from solver.rules.costs import (
    holding_per_tick,
    money_units,
    resource_change_cost,
    risk_premium,
    shift_cost_per_tick,
    tardiness_coefficient,
    units_per_currency,
)
from solver.supply import sources

if TYPE_CHECKING:
    from solver.domain.plant import Order, Plant
    from solver.input.parsed import Parsed


def check_records(parsed: Parsed) -> list[Problem]:
    """Rules between records: ids, references, dates, work in progress."""
    problems: list[Problem] = []
    for rule in (
        duplicate_ids,
        routing_ids_and_times,
        resource_references,
        downtime_windows,
        calendar_closures,
        customer_tiers,
        order_references_and_dates,
        wip_references,
        bom_references,
        offer_references,
        receipt_references,
        materials_have_a_source,
        changeover_references,
    ):
        problems += rule(parsed)
    return problems


def problem_at(parsed: Parsed, section: str, index: int, field: str, message: str) -> Problem:
    """A problem in the ``index``-th valid record of ``section``, with its file and label.

    A record read from a table names its table file and row, and the field its column header
    (``tables.locate``).
    """
    return Problem(*locate(parsed, section, index, field), message)


def _known(parsed: Parsed, section: str) -> set[str]:
    return {r.id for r in parsed.records[section]}


def _unknown(parsed: Parsed, section: str, ref: str) -> bool:
    """A reference that matches no record (and no record that failed its own schema)."""
    return ref not in _known(parsed, section) and ref not in parsed.failed_ids[section]


def _choices(ids: set[str], limit: int = 8) -> str:
    shown = sorted(ids)[:limit]
    more = ", ..." if len(ids) > limit else ""
    return ", ".join(shown) + more if shown else "none defined"


def duplicate_ids(parsed: Parsed) -> list[Problem]:
    problems = []
    for section in (
        "calendars",
        "resources",
        "products",
        "customers",
        "orders",
        "materials",
        "suppliers",
    ):
        seen: dict[str, int] = {}
        for index, record in enumerate(parsed.records[section]):
            if record.id in seen:
                message = f"duplicate id {record.id!r}; ids must be unique"
                if from_table(parsed, section, seen[record.id]) or from_table(
                    parsed, section, index
                ):
                    file, label, _ = locate(parsed, section, seen[record.id], "id")
                    message += f" (first given in {file}: {label})"
                problems.append(problem_at(parsed, section, index, "id", message))
            seen.setdefault(record.id, index)
    started = Counter(w.order for w in parsed.records["wip"] if not w.done)
    finished = Counter(w.order for w in parsed.records["wip"] if w.done)
    for index, wip in enumerate(parsed.records["wip"]):
        if wip.done and finished[wip.order] > 1:
            message = (
                f"order {wip.order!r} has {finished[wip.order]} finished steps reported; give "
                "only the last finished step (those before it are finished too)"
            )
            problems.append(problem_at(parsed, "wip", index, "order", message))
        if not wip.done and started[wip.order] > 1:
            message = (
                f"order {wip.order!r} has {started[wip.order]} steps in progress; a routing "
                "runs one step at a time, so give only the step now running"
            )
            problems.append(problem_at(parsed, "wip", index, "order", message))
    return problems


def routing_ids_and_times(parsed: Parsed) -> list[Problem]:
    problems = []
    for index, product in enumerate(parsed.records["products"]):
        steps = Counter(s.id for s in product.routing)
        for step in product.routing:
            if steps[step.id] > 1:
                message = "duplicate step id; step ids must be unique in a routing"
                problems.append(
                    problem_at(parsed, "products", index, f"routing[{step.id!r}].id", message)
                )
            options = Counter(o.resource for o in step.resources)
            for option in step.resources:
                field = f"routing[{step.id!r}].resources[{option.resource!r}]"
                if options[option.resource] > 1:
                    message = "resource listed twice for one step; list it once"
                    problems.append(problem_at(parsed, "products", index, field, message))
                if option.per_unit.total_seconds() + option.setup.total_seconds() <= 0:
                    message = "takes no time; give per_unit or setup above zero"
                    problems.append(problem_at(parsed, "products", index, field, message))
    return problems


def resource_references(parsed: Parsed) -> list[Problem]:
    problems = []
    calendars, resources = _known(parsed, "calendars"), _known(parsed, "resources")
    for index, resource in enumerate(parsed.records["resources"]):
        if resource.calendar is not None and _unknown(parsed, "calendars", resource.calendar):
            message = (
                f"unknown calendar {resource.calendar!r}; known: {_choices(calendars)} "
                "(or leave it out for 24/7)"
            )
            problems.append(problem_at(parsed, "resources", index, "calendar", message))
    for index, product in enumerate(parsed.records["products"]):
        for step in product.routing:
            for option in step.resources:
                if _unknown(parsed, "resources", option.resource):
                    field = f"routing[{step.id!r}].resources[{option.resource!r}].resource"
                    message = f"unknown resource {option.resource!r}; known: {_choices(resources)}"
                    problems.append(problem_at(parsed, "products", index, field, message))
    return problems


def _backwards(start, end) -> str | None:
    return f"ends {end} at or before it starts {start}" if end <= start else None


def downtime_windows(parsed: Parsed) -> list[Problem]:
    problems = []
    for index, resource in enumerate(parsed.records["resources"]):
        for k, down in enumerate(resource.downtime):
            if message := _backwards(down.start, down.end):
                problems.append(
                    problem_at(parsed, "resources", index, f"downtime[{k}].to", message)
                )
            if down.units is not None and down.units > resource.capacity:
                message = (
                    f"{down.units} units down but capacity is {resource.capacity}; give 1.."
                    f"{resource.capacity} or leave it out for the whole resource"
                )
                problems.append(
                    problem_at(parsed, "resources", index, f"downtime[{k}].units", message)
                )
        if message := _overlapping_units(resource):
            problems.append(problem_at(parsed, "resources", index, "downtime", message))
    return problems


def _overlapping_units(resource) -> str | None:
    """Partial downtimes that overlap may not take more units than the pool has."""
    partial = [d for d in resource.downtime if d.units is not None and d.end > d.start]
    events = sorted(
        [(d.start, d.units) for d in partial] + [(d.end, -d.units) for d in partial],
        key=lambda e: (e[0], e[1]),
    )
    down = 0
    for moment, units in events:
        down += units
        if down > resource.capacity:
            return (
                f"overlapping downtime windows take {down} units down at {moment} but the "
                f"capacity is {resource.capacity}; give one window without units for the "
                "whole resource, or fewer units"
            )
    return None


def calendar_closures(parsed: Parsed) -> list[Problem]:
    problems = []
    for index, calendar in enumerate(parsed.records["calendars"]):
        for k, closure in enumerate(calendar.closures):
            if message := _backwards(closure.start, closure.end):
                problems.append(
                    problem_at(parsed, "calendars", index, f"closures[{k}].to", message)
                )
    return problems


def customer_tiers(parsed: Parsed) -> list[Problem]:
    problems = []
    tiers = set(parsed.settings.tiers)
    for index, customer in enumerate(parsed.records["customers"]):
        if customer.tier not in tiers:
            message = (
                f"unknown tier {customer.tier!r}; valid tiers: {_choices(tiers)} "
                "(define more in settings.tiers)"
            )
            problems.append(problem_at(parsed, "customers", index, "tier", message))
    return problems


def order_references_and_dates(parsed: Parsed) -> list[Problem]:
    problems = []
    header = parsed.header
    horizon_end = header.start + header.horizon if header else None
    customers, products = _known(parsed, "customers"), _known(parsed, "products")
    for index, order in enumerate(parsed.records["orders"]):

        def add(field: str, message: str, index: int = index) -> None:
            problems.append(problem_at(parsed, "orders", index, field, message))

        if _unknown(parsed, "customers", order.customer):
            add("customer", f"unknown customer {order.customer!r}; known: {_choices(customers)}")
        if _unknown(parsed, "products", order.product):
            add("product", f"unknown product {order.product!r}; known: {_choices(products)}")
        if header and order.due < header.start:
            add(
                "due",
                f"due {format_when(order.due)} is before the plan start "
                f"{format_when(header.start)}; check the year",
            )
        elif order.release is not None and order.due <= order.release:
            add(
                "due",
                f"due {order.due} is not after release {order.release}; "
                "give a due date after the release",
            )
        if order.release is not None and horizon_end and order.release >= horizon_end:
            add(
                "release",
                f"release {order.release} is at or after the horizon end {horizon_end}; "
                "give an earlier release or lengthen plant.horizon",
            )
    return problems


def date_warnings(parsed: Parsed) -> list[Problem]:
    """Accepted but worth a look: orders due after the horizon end (planned, never late)."""
    header = parsed.header
    if header is None:
        return []
    horizon_end = header.start + header.horizon
    warnings = []
    for index, order in enumerate(parsed.records["orders"]):
        if order.due > horizon_end:
            message = (
                f"due {format_when(order.due)} is after the horizon end "
                f"{format_when(horizon_end)}; it is planned but cannot be late within "
                "the horizon: check the year or lengthen plant.horizon"
            )
            warnings.append(problem_at(parsed, "orders", index, "due", message))
    return warnings


def wip_references(parsed: Parsed) -> list[Problem]:
    problems = []
    orders = {o.id: o for o in parsed.records["orders"]}
    products = {p.id: p for p in parsed.records["products"]}
    header = parsed.header
    for index, wip in enumerate(parsed.records["wip"]):

        def add(field: str, message: str, index: int = index) -> None:
            problems.append(problem_at(parsed, "wip", index, field, message))

        order = orders.get(wip.order)
        if order is None:
            if _unknown(parsed, "orders", wip.order):
                add("order", f"unknown order {wip.order!r}; known: {_choices(set(orders))}")
            continue
        if order.status != "firm":
            add(
                "order",
                f"order {wip.order!r} is {order.status} but has work in progress; "
                "started orders must be firm",
            )
        product = products.get(order.product)
        if product is None:
            continue
        steps = {s.id: s for s in product.routing}
        step = steps.get(wip.step)
        eligible = {o.resource for o in step.resources} if step else set()
        if step is None:
            add(
                "step",
                f"product {product.id!r} has no step {wip.step!r}; steps: {_choices(set(steps))}",
            )
        elif wip.done:
            if product.routing[-1].id == wip.step:
                add(
                    "done",
                    f"every step of order {wip.order!r} is finished; a finished order is not "
                    "planned: take it out of the order book (or serve it from finished goods)",
                )
            continue
        elif wip.resource not in eligible:
            add(
                "resource",
                f"{wip.resource!r} cannot do step {wip.step!r}; eligible: {_choices(eligible)}",
            )
        if header and wip.start > header.start:
            add(
                "start",
                f"start {wip.start} is after the plan start {header.start}; work in progress "
                "must have started by then",
            )
    return problems


def bom_references(parsed: Parsed) -> list[Problem]:
    """Each BOM line names a known material, once per bill, and a step of the routing."""
    problems = []
    materials = _known(parsed, "materials")
    for index, product in enumerate(parsed.records["products"]):
        lines = Counter(line.material for line in product.bom)
        steps = [step.id for step in product.routing]
        for line in product.bom:
            field = f"bom[{line.material!r}].material"
            if _unknown(parsed, "materials", line.material):
                message = f"unknown material {line.material!r}; known: {_choices(materials)}"
                problems.append(problem_at(parsed, "products", index, field, message))
            if lines[line.material] > 1:
                message = "material listed twice in one bill of materials; add the quantities"
                problems.append(problem_at(parsed, "products", index, field, message))
            if line.step and line.step not in steps:
                message = (
                    f"unknown step {line.step!r}: the material is drawn when a step of this "
                    f"product's routing starts; its steps: {', '.join(steps)} (or leave it out "
                    "for the first step)"
                )
                problems.append(
                    problem_at(parsed, "products", index, f"bom[{line.material!r}].step", message)
                )
    return problems


def changeover_references(parsed: Parsed) -> list[Problem]:
    """Each matrix is for a known machine (capacity 1), once, and names known families."""
    problems = []
    resources = {r.id: r for r in parsed.records["resources"]}
    families = {p.family for p in parsed.records["products"]}
    seen: set[str] = set()
    for index, changeover in enumerate(parsed.records["changeovers"]):
        rid = changeover.resource
        if _unknown(parsed, "resources", rid):
            message = f"unknown resource {rid!r}; known: {_choices(set(resources))}"
            problems.append(problem_at(parsed, "changeovers", index, "resource", message))
        elif rid in resources and resources[rid].capacity > 1:
            message = (
                f"{rid} is a pool of {resources[rid].capacity} units; changeovers are sequenced "
                "on machines (capacity 1): give each unit of the pool its own resource"
            )
            problems.append(problem_at(parsed, "changeovers", index, "resource", message))
        if rid in seen:
            message = f"a second matrix for {rid}; give one matrix per machine"
            problems.append(problem_at(parsed, "changeovers", index, "resource", message))
        seen.add(rid)
        if parsed.failed_ids["products"]:
            continue  # a product that failed its schema may have the family named here
        for before, row in changeover.matrix.items():
            for family, field in [(before, f"matrix[{before!r}]")] + [
                (after, f"matrix[{before!r}][{after!r}]") for after in row
            ]:
                if family not in families:
                    message = (
                        f"unknown product family {family!r}; the products' families: "
                        f"{_choices(families)}"
                    )
                    problems.append(problem_at(parsed, "changeovers", index, field, message))
    return problems


def offer_references(parsed: Parsed) -> list[Problem]:
    problems = []
    materials = _known(parsed, "materials")
    for index, supplier in enumerate(parsed.records["suppliers"]):

        def add(field: str, message: str, index: int = index) -> None:
            problems.append(problem_at(parsed, "suppliers", index, field, message))

        if supplier.period.total_seconds() <= 0:
            add("period", "must be longer than zero, e.g. 1w or 1d")
        offered = Counter(o.material for o in supplier.offers)
        for offer in supplier.offers:
            field = f"offers[{offer.material!r}]"
            if _unknown(parsed, "materials", offer.material):
                add(
                    f"{field}.material",
                    f"unknown material {offer.material!r}; known: {_choices(materials)}",
                )
            if offered[offer.material] > 1:
                add(f"{field}.material", "two offers for one material; give one per supplier")
            names = Counter(e.name for e in offer.expedite)
            for k, expedite in enumerate(offer.expedite):
                where = f"{field}.expedite[{k}]"
                if expedite.name == "standard" or names[expedite.name] > 1:
                    add(f"{where}.name", "expedite names must be unique and not 'standard'")
                if expedite.lead_time >= offer.lead_time:
                    add(
                        f"{where}.lead_time",
                        f"{expedite.lead_time} is not shorter than the standard lead time "
                        f"{offer.lead_time}; an expedite must arrive sooner",
                    )
        _check_capacity_groups(supplier, add)
    return problems


def _check_capacity_groups(supplier, add) -> None:
    """A supplier's capacity groups (``add`` takes each problem): unique ids, materials it
    offers, each in one group."""
    offered = {o.material for o in supplier.offers}
    ids = Counter(g.id for g in supplier.capacity_groups)
    grouped = Counter(m for g in supplier.capacity_groups for m in set(g.materials))
    for group in supplier.capacity_groups:
        field = f"capacity_groups[{group.id!r}]"
        if ids[group.id] > 1:
            add(f"{field}.id", "two capacity groups with one id; give each its own")
        for material in sorted(set(group.materials)):
            if material not in offered:
                add(
                    f"{field}.materials",
                    f"{material!r} is not one of {supplier.id}'s offers "
                    f"({_choices(offered)}); a group shares the capacity of offered materials",
                )
            elif grouped[material] > 1:
                add(
                    f"{field}.materials",
                    f"{material!r} is in two of {supplier.id}'s capacity groups; give one",
                )
        if len(set(group.materials)) < len(group.materials):
            add(f"{field}.materials", "a material listed twice; list it once")


def receipt_references(parsed: Parsed) -> list[Problem]:
    problems = []
    header = parsed.header
    suppliers = _known(parsed, "suppliers")
    for index, material in enumerate(parsed.records["materials"]):
        for k, receipt in enumerate(material.receipts):
            field = f"receipts[{receipt.id or k}]"
            if receipt.supplier and _unknown(parsed, "suppliers", receipt.supplier):
                message = f"unknown supplier {receipt.supplier!r}; known: {_choices(suppliers)}"
                problems.append(
                    problem_at(parsed, "materials", index, f"{field}.supplier", message)
                )
            if header and receipt.arrival < header.start:
                message = (
                    f"arrival {receipt.arrival} is before the plan start {header.start}; "
                    "a receipt that has arrived belongs in stock"
                )
                problems.append(problem_at(parsed, "materials", index, f"{field}.arrival", message))
    return problems


def materials_have_a_source(parsed: Parsed) -> list[Problem]:
    """A material in a bill of materials needs stock, a receipt or a supplier offer."""
    problems = []
    if parsed.failed_ids["suppliers"] or parsed.failed_ids["materials"]:
        return problems  # their own errors come first; their offers and stock are unknown
    offered = {o.material for s in parsed.records["suppliers"] for o in s.offers}
    sourced = offered | {m.id for m in parsed.records["materials"] if m.stock > 0 or m.receipts}
    for index, product in enumerate(parsed.records["products"]):
        for line in product.bom:
            if line.material in sourced or _unknown(parsed, "materials", line.material):
                continue
            if line.material in parsed.failed_ids["materials"]:
                continue
            message = (
                f"material {line.material!r} has no stock, no open receipt and no supplier "
                "offer, so this product can never be made; add one of them"
            )
            field = f"bom[{line.material!r}].material"
            problems.append(problem_at(parsed, "products", index, field, message))
    return problems


def _money(plant: Plant, units: float) -> str:
    amount = units / units_per_currency(plant)
    text = f"{amount:,.0f}" if amount < 1e15 else f"{amount:.2e}"
    return f"{text} {plant.currency}".rstrip()


def _grid(plant: Plant) -> str:
    seconds = plant.grid.seconds_per_tick
    return format_duration(plant.grid.resolution) if seconds % 60 == 0 else f"{seconds:g}s"


def _too_much(plant: Plant, what: str, units: float, fix: str) -> str:
    return (
        f"{what} = {_money(plant, units)}, above {_money(plant, MAX_MODEL_VALUE)}, the most one "
        f"amount may be on a {_grid(plant)} grid (the model counts money in 1/"
        f"{units_per_currency(plant):,} of a currency unit, within 2**50); {fix}"
    )


def order_limits(plant: Plant, order: Order) -> list[tuple[str, str]]:
    """(field, message) for each product of an order's fields that the model cannot hold."""
    problems: list[tuple[str, str]] = []
    product = plant.products[order.product]
    long_steps = [
        (step.id, option.resource, ticks)
        for _, step in plant.remaining_steps(order.id)
        for option in step.options
        if (ticks := plant.grid.duration_ticks(option.seconds(order.quantity))) > MAX_TICKS
    ]
    if long_steps:
        step_id, resource, ticks = long_steps[0]
        problems.append(
            (
                "quantity",
                f"step {step_id!r} on {resource} takes {ticks:,} ticks of {_grid(plant)} "
                f"(setup + per_unit x quantity {order.quantity:,}); at most {MAX_TICKS:,} "
                "ticks fit the model: lower the quantity or split the order",
            )
        )
    value = money_units(plant, order.price * order.quantity)
    if value > MAX_MODEL_VALUE:
        fix = "lower the price or the quantity, or coarsen plant.resolution"
        problems.append(("price", _too_much(plant, "price x quantity", value, fix)))
    cost = money_units(plant, product.unit_cost * order.quantity)
    if cost > MAX_MODEL_VALUE:
        what = f"product {product.id} unit_cost x quantity"
        problems.append(("quantity", _too_much(plant, what, cost, "lower the quantity")))
    for line in product.bom:
        material = plant.materials.get(line.material)
        if material is None:
            continue
        need = sources.need(line.per_unit, order.quantity)
        if need > MAX_QUANTITY:
            problems.append(
                (
                    "quantity",
                    f"needs {need:,} units of material {line.material} (bom per_unit x "
                    f"quantity), above the limit of {MAX_QUANTITY:,}; lower the quantity",
                )
            )
            continue
        worst = holding_per_tick(plant, material.unit_cost, need) * plant.horizon
        source = f"holding {need:,} {line.material} over the horizon"
        for sid, supplier in plant.suppliers.items():
            offer = supplier.offers.get(line.material)
            if offer is None:
                continue
            for mode in offer.modes:
                paid = money_units(plant, (offer.price + mode.cost_per_unit) * need)
                paid += risk_premium(plant, supplier.reliability, offer.price, need)
                if paid > worst:
                    worst, source = paid, f"buying {need:,} {line.material} from {sid}"
        if worst > MAX_MODEL_VALUE:
            problems.append(("quantity", _too_much(plant, source, worst, "lower the quantity")))
    return problems


def settings_limits(plant: Plant, longest_step: int = 0) -> list[tuple[str, str]]:
    """(field, message) for settings whose cost per tick times the ticks it can run overflows.

    A step ends by ``horizon + longest_step`` ticks, so that bounds every order's lateness.
    """
    settings = plant.settings
    problems = []
    late = plant.horizon + min(longest_step, MAX_TICKS)
    units = tardiness_coefficient(plant, settings.max_weight) * late
    if units > MAX_MODEL_VALUE:
        problems.append(
            (
                "tardiness_cost_per_day",
                _too_much(
                    plant,
                    f"{settings.tardiness_cost_per_day:g} per day x max_weight "
                    f"{settings.max_weight} over the {late:,} ticks an order can be late",
                    units,
                    "lower tardiness_cost_per_day or max_weight, or shorten plant.horizon",
                ),
            )
        )
    units = shift_cost_per_tick(plant) * plant.horizon
    if units > MAX_MODEL_VALUE:
        what = f"stability_cost_per_day {settings.stability_cost_per_day:g} over the horizon"
        fix = "lower stability_cost_per_day"
        problems.append(("stability_cost_per_day", _too_much(plant, what, units, fix)))
    units = resource_change_cost(plant)
    if units > MAX_MODEL_VALUE:
        fix = "lower resource_change_cost"
        problems.append(("resource_change_cost", _too_much(plant, "a change", units, fix)))
    return problems


def longest_step(plant: Plant, orders: list[str] | None = None) -> int:
    """Ticks of the longest step option of the given orders (all by default)."""
    longest = 0
    for oid in plant.orders if orders is None else orders:
        quantity = plant.orders[oid].quantity
        for _, step in plant.remaining_steps(oid):
            for option in step.options:
                longest = max(longest, plant.grid.duration_ticks(option.seconds(quantity)))
    return longest


def check_limits(plant: Plant, parsed: Parsed) -> list[Problem]:
    """Products of fields (ticks of a step, money in objective units) the model cannot hold."""
    problems = []
    for index, record in enumerate(parsed.records["orders"]):
        for field, message in order_limits(plant, plant.orders[record.id]):
            problems.append(problem_at(parsed, "orders", index, field, message))
    file = parsed.files["settings"]
    for field, message in settings_limits(plant, longest_step(plant)):
        problems.append(Problem(file, "settings", field, message))
    horizon = plant.horizon
    for index, record in enumerate(parsed.records["materials"]):
        material = plant.materials[record.id]
        held = material.stock + sum(r.quantity for r in material.receipts)
        units = holding_per_tick(plant, material.unit_cost, held) * horizon
        if units > MAX_MODEL_VALUE:
            what = f"holding stock and receipts ({held:,} units) over the horizon"
            message = _too_much(plant, what, units, "lower the unit_cost or the stock")
            problems.append(problem_at(parsed, "materials", index, "unit_cost", message))
    for index, record in enumerate(parsed.records["products"]):
        product = plant.products[record.id]
        if product.stock and all(m in plant.materials for m in (b.material for b in product.bom)):
            value = sources.finished_goods_value(plant, product.id)
            units = holding_per_tick(plant, value, product.stock) * horizon
            if units > MAX_MODEL_VALUE:
                what = f"holding {product.stock:,} finished units over the horizon"
                message = _too_much(plant, what, units, "lower the stock")
                problems.append(problem_at(parsed, "products", index, "stock", message))
    for index, record in enumerate(parsed.records["suppliers"]):
        supplier = plant.suppliers[record.id]
        for offer in supplier.offers.values():
            field = f"offers[{offer.material!r}]"
            top = max(mode.cost_per_unit for mode in offer.modes)
            units = money_units(plant, (offer.price + top) * offer.min_order)
            units += risk_premium(plant, supplier.reliability, offer.price, offer.min_order)
            if units > MAX_MODEL_VALUE:
                what = f"a minimum order of {offer.min_order:,} at {offer.price:g} a unit"
                message = _too_much(plant, what, units, "lower min_order or the price")
                problems.append(
                    problem_at(parsed, "suppliers", index, f"{field}.min_order", message)
                )
            for k, mode in enumerate(offer.modes[1:]):
                units = money_units(plant, mode.cost_per_shipment)
                if units > MAX_MODEL_VALUE:
                    where = f"{field}.expedite[{k}].cost_per_shipment"
                    message = _too_much(plant, "a shipment charge", units, "lower it")
                    problems.append(problem_at(parsed, "suppliers", index, where, message))
    return problems
