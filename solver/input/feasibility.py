"""Plant-file rules that need the built Plant: calendars, durations and the horizon.

A step that no resource can do, a step longer than every working window of its resources
that may not pause over breaks, a
firm order that cannot finish within the horizon even on an empty plant, more firm work on a
resource than it has working time, and work in progress beyond a resource's capacity.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from solver.domain.errors import Problem
from solver.domain.intervals import total
from solver.domain.timegrid import format_duration
from solver.input.validation import problem_at
from solver.supply import sources

if TYPE_CHECKING:
    from solver.domain.plant import Plant, Step
    from solver.input.parsed import Parsed


def check_capacity(plant: Plant, parsed: Parsed) -> list[Problem]:
    """Every feasibility rule on the built Plant, collecting all problems."""
    problems: list[Problem] = []
    for rule in (
        steps_without_working_time,
        steps_longer_than_windows,
        materials_obtainable,
        horizon_long_enough,
        pins_within_capacity,
    ):
        problems += rule(plant, parsed)
    return problems


def steps_without_working_time(plant: Plant, parsed: Parsed) -> list[Problem]:
    problems = []
    for index, product in enumerate(parsed.records["products"]):
        for step in plant.products[product.id].routing:
            if all(not plant.availability[o.resource] for o in step.options):
                names = ", ".join(o.resource for o in step.options)
                message = (
                    f"no resource can do step {step.id!r}: {names} have no working time in the "
                    "horizon; add a resource or fix its calendar and downtime"
                )
                field = f"routing[{step.id!r}].resources"
                problems.append(problem_at(parsed, "products", index, field, message))
    return problems


def _longest_window(plant: Plant, resource_id: str) -> int:
    return max((e - s for s, e in plant.availability[resource_id]), default=0)


def steps_longer_than_windows(plant: Plant, parsed: Parsed) -> list[Problem]:
    problems = []
    span = plant.grid.to_timedelta
    for index, record in enumerate(parsed.records["orders"]):
        order = plant.orders[record.id]
        for step_index, step in plant.remaining_steps(order.id):
            if (order.id, step_index) in plant.pins:
                continue
            if not any(plant.availability[o.resource] for o in step.options):
                continue  # reported once on the product
            if not plant.pausing(order.id, step_index) and not _fits_somewhere(
                plant, order.id, step
            ):
                detail = "; ".join(
                    f"{o.resource} needs {format_duration(span(plant.duration(order.id, o)))}, "
                    f"longest window {format_duration(span(_longest_window(plant, o.resource)))}"
                    for o in step.options
                )
                message = (
                    f"step {step.id!r} is longer than any working window of its resources "
                    f"({detail}) and its product says may_pause: false; split the order or "
                    "let the step pause over breaks"
                )
                problems.append(problem_at(parsed, "orders", index, "quantity", message))
    return problems


def pause_notes(plant: Plant, parsed: Parsed) -> list[Problem]:
    """A note per order step that pauses over breaks only because it is longer than its
    resources' windows (its product gives no ``may_pause``): worth knowing, not an error."""
    notes = []
    span = plant.grid.to_timedelta
    for index, record in enumerate(parsed.records["orders"]):
        order = plant.orders[record.id]
        for step_index, step in plant.remaining_steps(order.id):
            if step.may_pause is not None or (order.id, step_index) in plant.pins:
                continue
            if plant.pausing(order.id, step_index):
                detail = ", ".join(
                    f"{format_duration(span(plant.duration(order.id, o)))} on {o.resource}"
                    for o in step.options
                )
                message = (
                    f"step {step.id!r} ({detail}) is longer than a working window: it pauses "
                    "over breaks and resumes in the next window (set may_pause on the step "
                    "to decide)"
                )
                notes.append(problem_at(parsed, "orders", index, "quantity", message))
    return notes


def _fits_somewhere(plant: Plant, order_id: str, step: Step) -> bool:
    return any(
        plant.duration(order_id, o) <= _longest_window(plant, o.resource) for o in step.options
    )


def earliest_finish(plant: Plant, order_id: str) -> int | None:
    """Earliest completion of an order on an empty plant (calendars, materials), or None.

    Each step starts no earlier than the materials it draws could be there.
    """
    materials = sources.material_ready_by_step(plant, order_id)
    if materials is None:
        return None
    ready = finish = plant.orders[order_id].release
    for step_index, step in plant.remaining_steps(order_id):
        ready = max(ready, materials.get(step_index, 0))
        pin = plant.pins.get((order_id, step_index))
        if pin is not None:
            finish = plant.pin_end(order_id, step_index)
        else:
            finishes = [
                f
                for o in step.options
                if (f := _earliest_end(plant, order_id, step_index, o, ready)) is not None
            ]
            if not finishes:
                return None
            finish = min(finishes)
        ready = finish + step.min_lag
    return finish


def _earliest_end(plant: Plant, order_id: str, index: int, option, ready: int) -> int | None:
    """End of the step's earliest placement on ``option`` at or after ``ready`` on an empty
    plant: inside one window, or pausing from the first working tick."""
    size = plant.duration(order_id, option)
    if not plant.pausing(order_id, index):
        return _first_fit(plant.availability[option.resource], ready, size)
    first = plant.first_working_tick(option.resource, ready)
    return None if first is None else plant.work_end(option.resource, first, size)


def _first_fit(windows, ready: int, size: int) -> int | None:
    """End of the earliest placement of ``size`` ticks at or after ``ready`` inside a window."""
    for s, e in windows:
        start = max(s, ready)
        if start + size <= e:
            return start + size
    return None


def horizon_long_enough(plant: Plant, parsed: Parsed) -> list[Problem]:
    problems = []
    file = parsed.files["plant"]
    horizon_text = format_duration(plant.grid.to_timedelta(plant.horizon))
    for record in parsed.records["orders"]:
        order = plant.orders[record.id]
        if order.optional or sources.material_ready(plant, order.id) is None:
            continue  # material problems are reported by materials_obtainable
        if not all(
            _fits_somewhere(plant, order.id, step)
            or (order.id, i) in plant.pins
            or plant.pausing(order.id, i)
            for i, step in plant.remaining_steps(order.id)
        ):
            continue  # reported by steps_longer_than_windows
        finish = earliest_finish(plant, order.id)
        if finish is None or finish > plant.horizon:
            problems.append(
                Problem(
                    file,
                    "plant",
                    "horizon",
                    (
                        f"firm order {order.id!r} cannot be finished within the horizon ({horizon_text}) "
                        "even on an empty plant; lengthen plant.horizon"
                    ),
                )
            )
    load: Counter[str] = Counter()
    for order in plant.orders.values():
        if order.optional:
            continue
        for step_index, step in plant.remaining_steps(order.id):
            if len(step.options) == 1 and (order.id, step_index) not in plant.pins:
                load[step.options[0].resource] += plant.duration(order.id, step.options[0])
    for rid, work in sorted(load.items()):
        resource = plant.resources[rid]
        available = total(plant.availability[rid]) * resource.capacity
        if work > available:
            span = plant.grid.to_timedelta
            problems.append(
                Problem(
                    file,
                    "plant",
                    "horizon",
                    (
                        f"firm orders need {format_duration(span(work))} on {rid!r}, which has only "
                        f"{format_duration(span(available))} of working time in the horizon "
                        f"({horizon_text}); lengthen plant.horizon or add capacity"
                    ),
                )
            )
    return problems


def pins_within_capacity(plant: Plant, parsed: Parsed) -> list[Problem]:
    problems = []
    by_resource: dict[str, list[tuple[int, int, str]]] = {}
    for pin in plant.pins.values():
        end = plant.pin_end(pin.order, pin.step)
        by_resource.setdefault(pin.resource, []).append((pin.start, end, pin.order))
    for rid, spans in by_resource.items():
        for start, _end, order_id in spans:
            at = max(start, 0)
            running = [o for s, e, o in spans if s <= at < e]
            # Units down at that moment count too: demand, not the number of steps.
            down = sum(
                d.units
                for d in plant.resources[rid].downtime
                if d.units is not None and d.start <= at < d.end
            )
            if len(running) + down > plant.resources[rid].capacity:
                problems.append(
                    Problem(
                        parsed.files["wip"],
                        f"wip '{order_id}'",
                        "start",
                        (
                            f"{len(running)} steps in progress at once on {rid!r} "
                            f"({', '.join(sorted(running))}) but its capacity is "
                            f"{plant.resources[rid].capacity}"
                            + (f" with {down} units down" if down else "")
                        ),
                    )
                )
                break
    return problems


def materials_obtainable(plant: Plant, parsed: Parsed) -> list[Problem]:
    """Each firm order can get each material from one source or one of its splits, and the
    book from all of them."""
    problems = []
    firm_need: Counter[str] = Counter()
    for index, record in enumerate(parsed.records["orders"]):
        order = plant.orders[record.id]
        if order.optional or sources.may_ship_from_stock(plant, order.id):
            continue
        for material, quantity in sources.requirements(plant, order.id).items():
            firm_need[material] += quantity
            splits = sources.split_ways(plant, order.id, material, quantity)
            if sources.earliest_supply(plant, material, quantity, splits) is not None:
                continue
            mat = plant.materials[material]
            on_hand = mat.stock + sum(r.quantity for r in mat.receipts)
            capacities = [
                min(sources.capacities(s, s.offers[material]), default=None)
                for s in plant.suppliers.values()
                if material in s.offers
            ]
            if not capacities:
                largest = "none"
            elif None in capacities:
                largest = "unlimited"
            else:
                largest = str(max(capacities))
            sources_tried = (
                "no single source, nor stock and purchases together (one purchase, or two "
                "cut at a supplier's capacity),"
                if plant.settings.split_needs
                else "no single source (split_needs is false: stock and a purchase are not "
                "combined)"
            )
            message = (
                f"needs {quantity} {material} but {sources_tried} can deliver that within "
                f"the horizon (stock and receipts {on_hand}, largest supplier capacity per "
                f"period {largest}); split the order, add stock or a supplier"
            )
            problems.append(problem_at(parsed, "orders", index, "quantity", message))
    for material, quantity in sorted(firm_need.items()):
        mat = plant.materials[material]
        available = mat.stock + sum(r.quantity for r in mat.receipts)
        for sup in plant.suppliers.values():
            offer = sup.offers.get(material)
            if offer is None:
                continue
            if offer.capacity is None:
                available = None
                break
            available += offer.capacity * (plant.horizon // sup.period + 1)
        if available is not None and quantity > available:
            problems.append(
                Problem(
                    parsed.files["materials"],
                    f"materials '{material}'",
                    "stock",
                    (
                        f"firm orders need {quantity} units but stock, receipts and supplier "
                        f"capacity over the horizon give at most {available}; add supply or "
                        "lengthen plant.horizon"
                    ),
                )
            )
    return problems + _groups_obtainable(plant, parsed, firm_need)


def _groups_obtainable(plant: Plant, parsed: Parsed, firm_need: Counter) -> list[Problem]:
    """A capacity group can deliver, over the horizon, what its materials' firm needs leave
    after stock, receipts and every other supplier."""
    problems = []
    for index, record in enumerate(parsed.records["suppliers"]):
        supplier = plant.suppliers[record.id]
        periods = plant.horizon // supplier.period + 1
        for group in supplier.capacity_groups:
            left = 0
            for material in group.materials:
                if material not in plant.materials:
                    continue
                elsewhere = _elsewhere(plant, supplier.id, material)
                if elsewhere is not None:
                    left += max(0, firm_need.get(material, 0) - elsewhere)
            if left > group.capacity * periods:
                message = (
                    f"firm orders need {left} units of {', '.join(group.materials)} from "
                    f"{supplier.id} beyond stock, receipts and other suppliers, but the group "
                    f"delivers at most {group.capacity * periods} over the horizon; raise its "
                    "capacity, add supply or lengthen plant.horizon"
                )
                field = f"capacity_groups[{group.id!r}].capacity"
                problems.append(problem_at(parsed, "suppliers", index, field, message))
    return problems


def _elsewhere(plant: Plant, supplier_id: str, material: str) -> int | None:
    """Units of a material from stock, receipts and the other suppliers over the horizon
    (None: unlimited). Each other supplier's capacity counts per its own periods."""
    mat = plant.materials[material]
    total = mat.stock + sum(r.quantity for r in mat.receipts)
    for sid, other in plant.suppliers.items():
        offer = other.offers.get(material)
        if sid == supplier_id or offer is None:
            continue
        limits = sources.capacities(other, offer)
        if not limits:
            return None
        total += min(limits) * (plant.horizon // other.period + 1)
    return total
