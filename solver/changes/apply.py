"""The change language: one small record per kind of change, applied to a Plant to give a new one.

Customer changes (a verdict answers them): ``add_order`` (a rush insertion), ``cancel_order``,
``change_quantity``, ``change_due``, ``change_product``. Planner decisions: ``change_priority``
(an order's tardiness weight), ``change_tier`` (a customer's tier). Disruptions (an impact
assessment answers them): ``resource_down``, ``resource_capacity``, ``supplier_delay``,
``supplier_capacity``, ``stock_loss``, ``receipt_delay``.

``apply_changes`` never mutates the Plant it is given. Each change is checked against the plant
and ``now`` (no change reaches into the past); problems name the scenario file, the change and
the field, and say what would be valid. An added order that is incomplete is not an input
error but an intake refusal (DOMAIN.md, seed 001): it comes back as the list of what is missing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field

from solver.domain.errors import DataError, Problem
from solver.domain.plant import Downtime, Order, Plant
from solver.domain.timegrid import format_duration
from solver.input import validation
from solver.input.schema import (
    MAX_CAPACITY,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    Duration,
    EndTime,
    Record,
    StartTime,
    Text,
)

CUSTOMER_KINDS = ("add_order", "change_quantity", "change_due", "change_product")


class AddOrder(Record):
    """A new order. Fields are optional here so that intake can say what is missing."""

    kind: Literal["add_order"]
    id: Text
    customer: Text | None = None
    product: Text | None = None
    quantity: int | None = Field(default=None, gt=0, le=MAX_QUANTITY)
    due: EndTime | None = None
    price: float | None = Field(default=None, ge=0, le=MAX_UNIT_PRICE)
    release: StartTime | None = None
    status: Literal["firm", "proposed", "forecast"] = "firm"
    channel: Text = ""
    partial_delivery: bool | None = Field(
        default=None, description="may be delivered in parts; absent: the customer's rule"
    )


class CancelOrder(Record):
    kind: Literal["cancel_order"]
    order: Text


class ChangeQuantity(Record):
    kind: Literal["change_quantity"]
    order: Text
    quantity: int = Field(gt=0, le=MAX_QUANTITY)


class ChangeDue(Record):
    kind: Literal["change_due"]
    order: Text
    due: EndTime


class ChangeProduct(Record):
    """A change of product or specification: the order is made as another product."""

    kind: Literal["change_product"]
    order: Text
    product: Text


class ChangePriority(Record):
    """Set an order's tardiness weight (1 .. settings.max_weight), overriding its ranking."""

    kind: Literal["change_priority"]
    order: Text
    weight: int = Field(ge=1, le=1000)


class ChangeTier(Record):
    kind: Literal["change_tier"]
    customer: Text
    tier: Text


class ResourceDown(Record):
    """A breakdown or maintenance: the resource (or ``units`` of a pool) is down."""

    kind: Literal["resource_down"]
    resource: Text
    start: StartTime = Field(alias="from")
    end: EndTime = Field(alias="to")
    units: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    reason: Text = "breakdown"


class ResourceCapacity(Record):
    kind: Literal["resource_capacity"]
    resource: Text
    capacity: int = Field(ge=1, le=MAX_CAPACITY)


class SupplierDelay(Record):
    """A supplier delivers a material later: its lead times and its open receipts slip."""

    kind: Literal["supplier_delay"]
    supplier: Text
    material: Text
    by: Duration


class SupplierCapacity(Record):
    kind: Literal["supplier_capacity"]
    supplier: Text
    material: Text
    capacity: int = Field(ge=0, le=MAX_QUANTITY, description="units per period; 0 = none")


class StockLoss(Record):
    """Stock on hand lost, e.g. rejected by quality control."""

    kind: Literal["stock_loss"]
    material: Text
    quantity: int = Field(gt=0, le=MAX_QUANTITY)


class ReceiptDelay(Record):
    kind: Literal["receipt_delay"]
    material: Text
    receipt: Text
    by: Duration


Change = Annotated[
    AddOrder
    | CancelOrder
    | ChangeQuantity
    | ChangeDue
    | ChangeProduct
    | ChangePriority
    | ChangeTier
    | ResourceDown
    | ResourceCapacity
    | SupplierDelay
    | SupplierCapacity
    | StockLoss
    | ReceiptDelay,
    Field(discriminator="kind"),
]


@dataclass
class Applied:
    """The changed plant, and what the change did, for the verdict and the report."""

    plant: Plant
    asked: list[str] = field(default_factory=list)  # orders a customer change adds or alters
    cancelled: list[str] = field(default_factory=list)
    intake: dict[str, list[str]] = field(default_factory=dict)  # order -> refusal reasons
    disruptions: list[str] = field(default_factory=list)  # one line per disruption


def apply_changes(
    plant: Plant, changes: list[Change], now: int, file: str = "", prefix: str = "changes"
) -> Applied:
    """Apply changes in order to a copy of the plant.

    Parameters
    ----------
    plant : Plant
    changes : list of Change
    now : int
        Tick before which nothing may change.
    file : str
        The scenario file, for error messages.

    Returns
    -------
    Applied

    Raises
    ------
    DataError
        Listing every change that refers to something unknown, reaches before ``now`` or
        asks for something impossible.
    """
    applied = Applied(plant)
    problems: list[Problem] = []
    for index, change in enumerate(changes):
        where = f"{prefix}[{index}] ({change.kind})"

        def problem(field_name: str, message: str, where: str = where) -> None:
            problems.append(Problem(file, where, field_name, message))

        handler = _HANDLERS[change.kind]
        handler(applied, change, now, problem)
    if not problems:
        plant = applied.plant
        for field_name, message in validation.settings_limits(
            plant, validation.longest_step(plant)
        ):
            problems.append(Problem(file, "scenario", f"settings.{field_name}", message))
    if problems:
        raise DataError(problems)
    return applied


def _ticks(plant: Plant, moment: datetime) -> int:
    return plant.grid.floor(moment)


def _duration(plant: Plant, span: timedelta) -> int:
    return plant.grid.duration_ticks(span.total_seconds())


def _known(ids, what: str, ref: str, problem, field_name: str) -> bool:
    if ref in ids:
        return True
    shown = ", ".join(sorted(ids)[:8]) + (", ..." if len(ids) > 8 else "")
    problem(field_name, f"unknown {what} {ref!r}; known: {shown or 'none'}")
    return False


def _started_before(plant: Plant, order_id: str, now: int) -> bool:
    return any(pin.start < now for (oid, _), pin in plant.pins.items() if oid == order_id)


def _within_limits(plant: Plant, order: Order, problem) -> bool:
    """Whether the model can hold the order (ticks of its steps, its money); else say why."""
    found = validation.order_limits(plant, order)
    for field_name, message in found:
        problem(field_name, message)
    return not found


def _replace_order(applied: Applied, order_id: str, problem=None, **updates) -> None:
    plant = applied.plant
    orders = dict(plant.orders)
    orders[order_id] = dataclasses.replace(orders[order_id], **updates)
    changed = plant.replace(orders=orders)
    if problem is not None and not _within_limits(changed, orders[order_id], problem):
        return
    applied.plant = changed
    if order_id not in applied.asked:
        applied.asked.append(order_id)


def _unpin(applied: Applied, order_id: str) -> None:
    """Drop frozen (not yet started) pins of an order a change alters."""
    plant = applied.plant
    pins = {key: pin for key, pin in plant.pins.items() if key[0] != order_id}
    applied.plant = plant.replace(pins=pins)


def _add_order(applied: Applied, change: AddOrder, now: int, problem) -> None:
    plant = applied.plant
    if change.id in plant.orders:
        problem("id", f"order {change.id!r} already exists; give a new id")
        return
    missing = [
        name
        for name in ("customer", "product", "quantity", "due", "price")
        if getattr(change, name) is None
    ]
    reasons = [f"missing {name}" for name in missing]
    if change.customer is not None and change.customer not in plant.customers:
        reasons.append(f"unknown customer {change.customer!r}")
    if change.product is not None and change.product not in plant.products:
        reasons.append(f"unknown product {change.product!r}")
    if reasons:
        applied.intake[change.id] = reasons
        return
    due = _ticks(plant, change.due)
    if due < now:
        problem("due", f"due {change.due} is before now; give a date after now")
        return
    release = max(now, plant.grid.ceil(change.release)) if change.release else now
    order = Order(
        change.id,
        change.customer,
        change.product,
        change.quantity,
        due,
        change.price,
        release,
        change.status,
        change.channel,
        partial_delivery=change.partial_delivery,
    )
    changed = plant.replace(orders={**plant.orders, change.id: order})
    if not _within_limits(changed, order, problem):
        return
    applied.plant = changed
    applied.asked.append(change.id)


def _existing_order(applied: Applied, order_id: str, now: int, problem, unstarted: bool) -> bool:
    plant = applied.plant
    if not _known(plant.orders, "order", order_id, problem, "order"):
        return False
    if unstarted and _started_before(plant, order_id, now):
        problem("order", f"order {order_id!r} is already in production; it can no longer change")
        return False
    return True


def _cancel_order(applied: Applied, change: CancelOrder, now: int, problem) -> None:
    if not _existing_order(applied, change.order, now, problem, unstarted=False):
        return
    plant = applied.plant
    orders = {oid: o for oid, o in plant.orders.items() if oid != change.order}
    pins = {key: pin for key, pin in plant.pins.items() if key[0] != change.order}
    applied.plant = plant.replace(orders=orders, pins=pins)
    applied.cancelled.append(change.order)


def _change_quantity(applied: Applied, change: ChangeQuantity, now: int, problem) -> None:
    if _existing_order(applied, change.order, now, problem, unstarted=True):
        _unpin(applied, change.order)
        _replace_order(applied, change.order, problem, quantity=change.quantity)


def _change_due(applied: Applied, change: ChangeDue, now: int, problem) -> None:
    if not _existing_order(applied, change.order, now, problem, unstarted=False):
        return
    due = _ticks(applied.plant, change.due)
    if due < now:
        problem("due", f"due {change.due} is before now; give a date after now")
        return
    _replace_order(applied, change.order, due=due)


def _change_product(applied: Applied, change: ChangeProduct, now: int, problem) -> None:
    if not _existing_order(applied, change.order, now, problem, unstarted=True):
        return
    if _known(applied.plant.products, "product", change.product, problem, "product"):
        _unpin(applied, change.order)
        _replace_order(applied, change.order, problem, product=change.product)


def _change_priority(applied: Applied, change: ChangePriority, now: int, problem) -> None:
    if not _existing_order(applied, change.order, now, problem, unstarted=False):
        return
    top = applied.plant.settings.max_weight
    if change.weight > top:
        problem("weight", f"{change.weight} is above settings.max_weight {top}; give 1..{top}")
        return
    orders = dict(applied.plant.orders)
    orders[change.order] = dataclasses.replace(orders[change.order], priority=change.weight)
    applied.plant = applied.plant.replace(orders=orders)


def _change_tier(applied: Applied, change: ChangeTier, now: int, problem) -> None:
    plant = applied.plant
    if not _known(plant.customers, "customer", change.customer, problem, "customer"):
        return
    if not _known(plant.settings.tiers, "tier", change.tier, problem, "tier"):
        return
    customers = dict(plant.customers)
    customers[change.customer] = dataclasses.replace(customers[change.customer], tier=change.tier)
    applied.plant = plant.replace(customers=customers)


def _resource_down(applied: Applied, change: ResourceDown, now: int, problem) -> None:
    plant = applied.plant
    if not _known(plant.resources, "resource", change.resource, problem, "resource"):
        return
    start, end = plant.grid.floor(change.start), plant.grid.ceil(change.end)
    if start < now:
        problem("from", f"{change.start} is before now; the past cannot change")
        return
    if end <= start:
        problem("to", f"ends {change.end} at or before it starts {change.start}")
        return
    capacity = plant.resources[change.resource].capacity
    if change.units is not None and change.units > capacity:
        problem("units", f"{change.units} units down but capacity is {capacity}")
        return
    down = Downtime(start, end, change.units, change.reason)
    applied.plant = plant.with_downtime({change.resource: [down]})
    applied.disruptions.append(
        f"{change.resource} down {change.start:%a %d %b %H:%M} to {change.end:%a %d %b %H:%M}"
        f" ({change.reason})"
    )


def _resource_capacity(applied: Applied, change: ResourceCapacity, now: int, problem) -> None:
    plant = applied.plant
    if not _known(plant.resources, "resource", change.resource, problem, "resource"):
        return
    if change.resource in plant.changeovers and change.capacity > 1:
        problem(
            "capacity",
            f"{change.resource} has a changeover matrix, and changeovers are sequenced on "
            "machines (capacity 1); give the extra unit its own resource in the plant file",
        )
        return
    resources = dict(plant.resources)
    before = resources[change.resource].capacity
    resources[change.resource] = dataclasses.replace(
        resources[change.resource], capacity=change.capacity
    )
    applied.plant = plant.replace(resources=resources)
    applied.disruptions.append(f"{change.resource} capacity {before} -> {change.capacity}")


def _offer(applied: Applied, supplier: str, material: str, problem, receipts_too: bool):
    """(known, offer): whether the supplier supplies the material (an offer, or open receipts
    when ``receipts_too``), and its offer if it has one."""
    plant = applied.plant
    if not _known(plant.suppliers, "supplier", supplier, problem, "supplier"):
        return False, None
    offers = plant.suppliers[supplier].offers
    mat = plant.materials.get(material)
    on_order = (
        receipts_too and mat is not None and any(r.supplier == supplier for r in mat.receipts)
    )
    if material not in offers and not on_order:
        _known(offers, f"material from {supplier}", material, problem, "material")
        return False, None
    return True, offers.get(material)


def _replace_offer(applied: Applied, supplier: str, material: str, **updates) -> None:
    plant = applied.plant
    suppliers = dict(plant.suppliers)
    offers = dict(suppliers[supplier].offers)
    offers[material] = dataclasses.replace(offers[material], **updates)
    suppliers[supplier] = dataclasses.replace(suppliers[supplier], offers=offers)
    applied.plant = plant.replace(suppliers=suppliers)


def _shift_receipts(applied: Applied, material: str, by: int, which) -> int:
    plant = applied.plant
    mat = plant.materials[material]
    receipts = tuple(
        dataclasses.replace(r, arrival=r.arrival + by) if which(r) else r for r in mat.receipts
    )
    moved = sum(1 for r in mat.receipts if which(r))
    materials = {**plant.materials, material: dataclasses.replace(mat, receipts=receipts)}
    applied.plant = plant.replace(materials=materials)
    return moved


def _supplier_delay(applied: Applied, change: SupplierDelay, now: int, problem) -> None:
    known, offer = _offer(applied, change.supplier, change.material, problem, receipts_too=True)
    if not known:
        return
    by = _duration(applied.plant, change.by)
    if by <= 0:
        problem("by", "must be longer than zero, e.g. 3d")
        return
    if offer is not None:
        modes = tuple(dataclasses.replace(m, lead=m.lead + by) for m in offer.modes)
        _replace_offer(applied, change.supplier, change.material, modes=modes)
    if change.material in applied.plant.materials:
        _shift_receipts(applied, change.material, by, lambda r: r.supplier == change.supplier)
    applied.disruptions.append(
        f"{change.supplier} delivers {change.material} {format_duration(change.by)} later"
    )


def _supplier_capacity(applied: Applied, change: SupplierCapacity, now: int, problem) -> None:
    known, offer = _offer(applied, change.supplier, change.material, problem, receipts_too=False)
    if not known:
        return
    _replace_offer(applied, change.supplier, change.material, capacity=change.capacity)
    applied.disruptions.append(
        f"{change.supplier} capacity for {change.material}: {offer.capacity or 'unlimited'}"
        f" -> {change.capacity} per period"
    )


def _stock_loss(applied: Applied, change: StockLoss, now: int, problem) -> None:
    plant = applied.plant
    if not _known(plant.materials, "material", change.material, problem, "material"):
        return
    mat = plant.materials[change.material]
    if change.quantity > mat.stock:
        problem("quantity", f"only {mat.stock} {change.material} on hand; give 1..{mat.stock}")
        return
    materials = {
        **plant.materials,
        change.material: dataclasses.replace(mat, stock=mat.stock - change.quantity),
    }
    applied.plant = plant.replace(materials=materials)
    applied.disruptions.append(f"{change.quantity} {change.material} lost from stock")


def _receipt_delay(applied: Applied, change: ReceiptDelay, now: int, problem) -> None:
    plant = applied.plant
    if not _known(plant.materials, "material", change.material, problem, "material"):
        return
    ids = {r.id for r in plant.materials[change.material].receipts}
    if not _known(ids, f"receipt of {change.material}", change.receipt, problem, "receipt"):
        return
    by = _duration(plant, change.by)
    if by <= 0:
        problem("by", "must be longer than zero, e.g. 3d")
        return
    _shift_receipts(applied, change.material, by, lambda r: r.id == change.receipt)
    applied.disruptions.append(
        f"receipt {change.receipt} of {change.material} {format_duration(change.by)} late"
    )


_HANDLERS = {
    "add_order": _add_order,
    "cancel_order": _cancel_order,
    "change_quantity": _change_quantity,
    "change_due": _change_due,
    "change_product": _change_product,
    "change_priority": _change_priority,
    "change_tier": _change_tier,
    "resource_down": _resource_down,
    "resource_capacity": _resource_capacity,
    "supplier_delay": _supplier_delay,
    "supplier_capacity": _supplier_capacity,
    "stock_loss": _stock_loss,
    "receipt_delay": _receipt_delay,
}

HANDLED_KINDS = tuple(_HANDLERS)
