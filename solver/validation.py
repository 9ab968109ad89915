"""Cross-record rules for plant files: one function per rule, each returning Problems.

``check_records`` runs on schema-valid records (references, duplicates, dates); the rules
that need the built Plant (what resources can do within the horizon) are in ``feasibility``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from solver.errors import Problem

if TYPE_CHECKING:
    from solver.loading import Parsed


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
    ):
        problems += rule(parsed)
    return problems


def problem_at(parsed: Parsed, section: str, index: int, field: str, message: str) -> Problem:
    """A problem in the ``index``-th valid record of ``section``, with its file and label."""
    return Problem(parsed.files[section], parsed.labels[(section, index)], field, message)


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
        seen: set[str] = set()
        for index, record in enumerate(parsed.records[section]):
            if record.id in seen:
                message = f"duplicate id {record.id!r}; ids must be unique"
                problems.append(problem_at(parsed, section, index, "id", message))
            seen.add(record.id)
    started = Counter(w.order for w in parsed.records["wip"])
    for index, wip in enumerate(parsed.records["wip"]):
        if started[wip.order] > 1:
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
        if order.release is not None and order.due <= order.release:
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
    problems = []
    materials = _known(parsed, "materials")
    for index, product in enumerate(parsed.records["products"]):
        lines = Counter(line.material for line in product.bom)
        for line in product.bom:
            field = f"bom[{line.material!r}].material"
            if _unknown(parsed, "materials", line.material):
                message = f"unknown material {line.material!r}; known: {_choices(materials)}"
                problems.append(problem_at(parsed, "products", index, field, message))
            if lines[line.material] > 1:
                message = "material listed twice in one bill of materials; add the quantities"
                problems.append(problem_at(parsed, "products", index, field, message))
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
    return problems


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
