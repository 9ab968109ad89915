"""Net change: what today's plant files changed since the released plan, in the change language.

A plan is released on yesterday's files; this morning the files are exported again: orders
added, cancelled and changed, stock, receipts and work in progress as reported now. ``net_change``
compares the plant the released plan was made for with today's and gives

- the change set as change-language records (``apply.py``) and as the dicts a scenario file
  would hold, so that a planner can read it, paste it and judge it like any what-if;
- the orders delivered since (gone from the book, finished by the released plan before now);
- one note per difference the change language has no record for (prices, statuses, stock,
  receipts, work in progress, routings, suppliers, settings);
- the released plan re-expressed on today's plant and grid (``baseline``): the reference a
  minimal-change re-plan keeps close to, with ``changed`` the orders it must free.

Today's files are the truth for stock, receipts and work in progress: work reported in progress
overrides the plan. Which steps are still to do is what today's plant says
(``Plant.remaining_steps``). A step the released plan had started before ``now`` that today's
plant still has to do (its files report neither it nor a later step of the order in progress
or finished) cannot be held where the plan had it, in the past: its order is *displaced*, its
open steps are re-planned (it is in ``changed``, the reason in ``notes``). So is an order whose
released placement no longer fits today's plant (reported work in progress in its way, new
downtime, a capacity cut, a later release, its supply).

Pure: no file is read or written, no solver is called, neither plant is modified.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import yaml
from pydantic import TypeAdapter

from solver.changes.apply import Change
from solver.domain.errors import DataError, Problem
from solver.domain.intervals import containing, first_overload
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep, Supply
from solver.domain.plant import FIRM, Calendar, Order, Plant
from solver.domain.settings import duration_text
from solver.domain.timegrid import TimeGrid, format_when
from solver.supply import sources
from solver.supply.allocation import build_purchases

__all__ = ["NetChange", "net_change"]

STATUS = "NET_CHANGE"
_CHANGE: TypeAdapter[Any] = TypeAdapter(Change)


@dataclass
class NetChange:
    """The change set from a released plan's plant to today's, and the rebased plan.

    Attributes
    ----------
    changes : list of Change
        Change-language records (``solver.changes.apply``): applied to the released plant at
        ``now`` they give today's order book, customers' tiers and resources.
    entries : list of dict
        The same changes in the YAML scenario form (``{"kind": "add_order", "id": ...}``,
        dates as ISO text: a bare date for a due date or an end means the end of that day),
        one per record; ``to_yaml`` writes them as a scenario's ``changes:``.
    changed : list of str
        Orders a re-plan must free: added, quantity, product or due changed, then the
        displaced orders (their released placement cannot be held on today's plant).
    delivered : list of str
        Orders gone from today's book that the released plan finished before ``now``.
    notes : list of str
        One line per difference with no change record, and why each displaced order is.
    baseline : Plan
        The released plan on today's plant and grid (see ``net_change``).
    cancelled : list of str
        Orders gone from today's book and not finished (each also a ``cancel_order``).
    displaced : list of str
        The orders of ``changed`` that no customer change frees.
    shift : int
        Ticks from the released plan's start to today's; released ticks less ``shift`` are
        today's.
    now : int
        The tick of ``now`` on today's grid.
    """

    changes: list[Any]
    entries: list[dict[str, Any]]
    changed: list[str]
    delivered: list[str]
    notes: list[str]
    baseline: Plan
    cancelled: list[str] = field(default_factory=list)
    displaced: list[str] = field(default_factory=list)
    shift: int = 0
    now: int = 0

    def to_yaml(self, model: str | None = None, description: str = "") -> str:
        """The changes as scenario YAML: ``changes:`` alone, or a whole scenario with ``model``.

        Parameters
        ----------
        model : str, optional
            The released plant's model file, as the scenario names it; with it, the text is a
            complete scenario (``description``, ``model``, ``now``, ``changes``).
        description : str
            The scenario's description (with ``model`` only).

        Returns
        -------
        str
        """
        data: dict[str, Any] = {}
        if model is not None:
            now = self.baseline.grid.to_datetime(self.now)
            data["description"] = (
                description or f"Net change of the plant files at {format_when(now)}"
            )
            data["model"] = model
            data["now"] = _start_text(now)
        data["changes"] = [dict(entry) for entry in self.entries]
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=1000)


def net_change(
    released_plant: Plant, released: Plan, today: Plant, now: datetime | None = None
) -> NetChange:
    """Derive the change set from the released plan's plant to today's, and rebase the plan.

    Parameters
    ----------
    released_plant : Plant
        The plant the released plan was made for: yesterday's files, plus any accepted what-if
        changes already applied (it may hold orders today's files also hold).
    released : Plan
        The released plan, on ``released_plant``'s grid.
    today : Plant
        The plant loaded from today's files. Its start may be later than the released plan's;
        its resolution must be the same, and its start a whole number of ticks away.
    now : datetime, optional
        The moment before which nothing can change: today's plant start by default. A released
        step that started before it is history (done, or displaced if today's files do not
        report it).

    Returns
    -------
    NetChange
        ``changes`` (and ``entries``, their scenario form): ``add_order`` for orders only
        today's files hold; ``cancel_order`` for orders only the released plant holds that the
        released plan had not finished before ``now`` (finished ones are ``delivered``);
        ``change_product``, ``change_quantity``, ``change_due`` for orders in both;
        ``change_priority`` where today's plant sets another weight; ``change_tier`` for
        customers; ``resource_capacity``, ``resource_down`` (new downtime ending after ``now``,
        clipped to start at ``now``); ``supplier_capacity`` (a new finite capacity of an
        offer). Everything else today's files say differently is a line in ``notes``.

        ``baseline`` is the released plan on today's grid (ticks less ``shift``): steps of orders
        no longer in the book dropped; steps before a step today's files report in progress
        dropped (done); a step reported in progress on today's resource and start, pinned;
        a released step that started before ``now`` dropped (done by the plan, or displaced
        when today's plant still has it to do); steps of changed orders kept where they still
        name a step and eligible resource of today's routing; every other step where the plan
        had it, unless it no longer fits today's plant, which displaces its order. Outcomes are
        recomputed on today's due dates for orders whose last step is in the baseline (and kept
        for orders shipped from stock or declined, if still so); added orders have no steps and
        no outcome. Supplies of held orders are kept (shifted) where today's materials,
        offers, lead times and stock still allow them, purchases rebuilt from them with
        today's terms. The objective is not stated (no terms): re-plan or recompute it.

        Once the orders in ``changed`` are planned, the baseline passes ``check_plan`` on
        ``today`` (every held order keeps the rules on today's plant).

    Raises
    ------
    DataError
        When the resolutions differ (field ``resolution``), today's start is not a whole number
        of ticks from the released plan's (field ``start``), or the released plan is not on its
        plant's grid.
    """
    shift = _shift(released_plant, released, today)
    now_tick = 0 if now is None else max(0, today.grid.floor(now))
    found = _Found()
    delivered, cancelled = _orders(released_plant, released, today, shift, now_tick, found)
    _customers(released_plant, today, found)
    _resources(released_plant, today, now_tick, found)
    _products(released_plant, today, found)
    _materials(released_plant, today, found)
    _suppliers(released_plant, today, found)
    _settings(released_plant, today, found)
    _work_in_progress(released_plant, released, today, shift, now_tick, found)
    baseline, displaced = _Rebase(released_plant, released, today, shift, now_tick, found).plan()
    return NetChange(
        changes=[_CHANGE.validate_python(entry) for entry in found.entries],
        entries=found.entries,
        changed=found.changed + displaced,  # ``displace`` skips orders already changed
        delivered=delivered,
        notes=found.notes,
        baseline=baseline,
        cancelled=cancelled,
        displaced=displaced,
        shift=shift,
        now=now_tick,
    )


# --- Grids --------------------------------------------------------------------------------


def _shift(released_plant: Plant, released: Plan, today: Plant) -> int:
    """Ticks from the released plan's start to today's; DataError when the grids disagree."""
    problems = []
    grid = released_plant.grid
    if released.resolution != grid.resolution or released.start != grid.start:
        problems.append(
            Problem(
                "released plan",
                "plan",
                "start" if released.resolution == grid.resolution else "resolution",
                f"the plan starts {format_when(released.start)} every "
                f"{duration_text(released.resolution)}, its plant {format_when(grid.start)} every "
                f"{duration_text(grid.resolution)}; give the plant the plan was made for",
            )
        )
    source = today.source or "today's plant"
    if today.grid.resolution != released.resolution:
        problems.append(
            Problem(
                source,
                "plant",
                "resolution",
                f"{duration_text(today.grid.resolution)} differs from the released plan's "
                f"{duration_text(released.resolution)}; give resolution: "
                f"{duration_text(released.resolution)} to compare with it (or plan afresh)",
            )
        )
    elif (today.grid.start - released.start) % released.resolution:
        problems.append(
            Problem(
                source,
                "plant",
                "start",
                f"{format_when(today.grid.start)} is not a whole number of "
                f"{duration_text(released.resolution)} ticks from the released plan's start "
                f"{format_when(released.start)}; give a start on that grid",
            )
        )
    if problems:
        raise DataError(problems)
    return (today.grid.start - released.start) // released.resolution


# --- Dates as a scenario file gives them ----------------------------------------------------


def _clock(moment: datetime) -> str:
    spec = "minutes" if moment.second == 0 and moment.microsecond == 0 else "seconds"
    return moment.isoformat(timespec=spec)


def _start_text(moment: datetime) -> str:
    """A moment that begins something: a bare date for midnight (the start of that day)."""
    return moment.date().isoformat() if moment.time() == time() else _clock(moment)


def _end_text(moment: datetime) -> str:
    """A moment that ends something: a bare date for midnight (the end of the day before)."""
    if moment.time() == time():
        return (moment - timedelta(days=1)).date().isoformat()
    return _clock(moment)


@dataclass
class _Found:
    """What the comparison found: change entries, orders to free, notes."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def change(self, entry: dict[str, Any], order: str | None = None) -> None:
        self.entries.append(entry)
        if order is not None and order not in self.changed:
            self.changed.append(order)

    def note(self, line: str) -> None:
        self.notes.append(line)


def _was_now(old: object, new: object) -> str:
    return f"now {new} (was {old})"


# --- Orders and customers -----------------------------------------------------------------


def _orders(
    released_plant: Plant, released: Plan, today: Plant, shift: int, now: int, found: _Found
) -> tuple[list[str], list[str]]:
    """Added, cancelled, delivered and changed orders; returns (delivered, cancelled)."""
    old_orders, new_orders = released_plant.orders, today.orders
    for oid, order in new_orders.items():
        if oid not in old_orders:
            found.change(_add_order_entry(order, today.grid), oid)
    outcomes = {o.order: o for o in released.outcomes}
    delivered, cancelled = [], []
    for oid in old_orders:
        if oid in new_orders:
            continue
        outcome = outcomes.get(oid)
        made = outcome is not None and outcome.accepted
        if made and outcome.from_stock:
            delivered.append(oid)
            found.note(f"{oid} delivered (shipped from finished goods)")
        elif made and outcome.completion is not None and outcome.completion - shift <= now:
            delivered.append(oid)
            finished = format_when(released.grid.to_datetime(outcome.completion))
            found.note(f"{oid} delivered (the released plan finished it {finished})")
        else:
            cancelled.append(oid)
            found.change({"kind": "cancel_order", "order": oid})
            started = any(key[0] == oid for key in released_plant.pins) or any(
                s.order == oid and s.start - shift < now for s in released.steps
            )
            if started:
                found.note(f"{oid} cancelled while in production")
    for oid, old in old_orders.items():
        new = new_orders.get(oid)
        if new is not None:
            _order_changes(oid, old, new, released_plant.grid, today.grid, found)
    return delivered, cancelled


def _add_order_entry(order: Order, grid: TimeGrid) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": "add_order",
        "id": order.id,
        "customer": order.customer,
        "product": order.product,
        "quantity": order.quantity,
        "due": _end_text(grid.to_datetime(order.due)),
        "price": order.price,
    }
    if order.release > 0:
        entry["release"] = _start_text(grid.to_datetime(order.release))
    if order.status != FIRM:
        entry["status"] = order.status
    if order.channel:
        entry["channel"] = order.channel
    if order.partial_delivery is not None:
        entry["partial_delivery"] = order.partial_delivery
    return entry


def _order_changes(
    oid: str, old: Order, new: Order, old_grid: TimeGrid, grid: TimeGrid, found: _Found
) -> None:
    if new.product != old.product:
        found.change({"kind": "change_product", "order": oid, "product": new.product}, oid)
    if new.quantity != old.quantity:
        found.change({"kind": "change_quantity", "order": oid, "quantity": new.quantity}, oid)
    due = grid.to_datetime(new.due)
    if due != old_grid.to_datetime(old.due):
        found.change({"kind": "change_due", "order": oid, "due": _end_text(due)}, oid)
    if new.priority is not None and new.priority != old.priority:
        found.change({"kind": "change_priority", "order": oid, "weight": new.priority})
    elif new.priority is None and old.priority is not None:
        found.note(
            f"{oid}: tardiness weight {old.priority} (a planner's change_priority) is not in "
            "today's files; apply change_priority again to keep it"
        )
    if new.price != old.price:
        found.note(f"{oid}: price {_was_now(old.price, new.price)}")
    if new.customer != old.customer:
        found.note(f"{oid}: customer {_was_now(old.customer, new.customer)}")
    if new.status != old.status:
        found.note(f"{oid}: status {_was_now(old.status, new.status)}")
    if new.channel != old.channel:
        found.note(f"{oid}: channel {_was_now(old.channel or '-', new.channel or '-')}")
    if new.partial_delivery != old.partial_delivery:
        found.note(
            f"{oid}: partial delivery {_was_now(old.partial_delivery, new.partial_delivery)}"
        )
    # Releases before the plan start are clipped to it: compare what is left of them.
    released_old = max(old_grid.to_datetime(old.release), grid.start)
    released_new = max(grid.to_datetime(new.release), grid.start)
    if released_old != released_new:
        found.note(
            f"{oid}: release {_was_now(format_when(released_old), format_when(released_new))}"
        )


def _customers(released_plant: Plant, today: Plant, found: _Found) -> None:
    old, new = released_plant.customers, today.customers
    for cid, customer in new.items():
        before = old.get(cid)
        if before is None:
            found.note(
                f"new customer {cid} (tier {customer.tier}) in today's files; the change "
                "language adds no customers"
            )
            continue
        if customer.tier != before.tier:
            found.change({"kind": "change_tier", "customer": cid, "tier": customer.tier})
        if customer.credit_limit != before.credit_limit:
            found.note(
                f"customer {cid}: credit limit {_was_now(before.credit_limit, customer.credit_limit)}"
            )
        if customer.partial_delivery != before.partial_delivery:
            found.note(
                f"customer {cid}: partial delivery "
                f"{_was_now(before.partial_delivery, customer.partial_delivery)}"
            )
    for cid in old:
        if cid not in new:
            found.note(f"customer {cid} is no longer in today's files")


# --- Resources and calendars --------------------------------------------------------------


def _downtimes(plant: Plant, rid: str) -> dict[tuple, str]:
    """(from, to, units) in datetimes -> reason, for a resource's downtime."""
    grid = plant.grid
    return {
        (grid.to_datetime(d.start), grid.to_datetime(d.end), d.units): d.reason
        for d in plant.resources[rid].downtime
    }


def _resources(released_plant: Plant, today: Plant, now: int, found: _Found) -> None:
    old, new = released_plant.resources, today.resources
    now_at = today.grid.to_datetime(now)
    for rid, resource in new.items():
        before = old.get(rid)
        if before is None:
            found.note(f"new resource {rid} (capacity {resource.capacity}) in today's files")
            continue
        if resource.capacity != before.capacity:
            found.change(
                {"kind": "resource_capacity", "resource": rid, "capacity": resource.capacity}
            )
        if resource.calendar != before.calendar:
            found.note(f"resource {rid}: calendar {_was_now(before.calendar, resource.calendar)}")
        was, is_ = _downtimes(released_plant, rid), _downtimes(today, rid)
        for (start, end, units), reason in is_.items():
            if (start, end, units) in was or end <= now_at:
                continue
            entry: dict[str, Any] = {
                "kind": "resource_down",
                "resource": rid,
                "from": _start_text(max(start, now_at)),
                "to": _end_text(end),
            }
            if units is not None:
                entry["units"] = units
            entry["reason"] = reason or "breakdown"
            found.change(entry)
            if start < now_at:
                found.note(
                    f"resource {rid}: down since {format_when(start)}, before now; the change "
                    f"starts at {format_when(now_at)}"
                )
        for (start, end, units), _reason in was.items():
            if (start, end, units) not in is_ and end > now_at:
                what = "down" if units is None else f"{units} unit(s) down"
                found.note(
                    f"resource {rid}: {what} {format_when(start)} to {format_when(end)} is no "
                    "longer in today's files"
                )
    for rid in old:
        if rid not in new:
            found.note(f"resource {rid} is no longer in today's files")
    for cid, calendar in today.calendars.items():
        before = released_plant.calendars.get(cid)
        if before is None:
            found.note(f"new calendar {cid} in today's files")
        elif calendar.shifts != before.shifts or _closures(today, calendar) != _closures(
            released_plant, before
        ):
            found.note(f"calendar {cid} changed (shifts or closures)")


def _closures(plant: Plant, calendar: Calendar) -> set[tuple[datetime, datetime]]:
    grid = plant.grid
    return {(grid.to_datetime(s), grid.to_datetime(e)) for s, e in calendar.closures}


# --- Products, materials, suppliers, settings ----------------------------------------------


def _products(released_plant: Plant, today: Plant, found: _Found) -> None:
    old, new = released_plant.products, today.products
    for pid, product in new.items():
        before = old.get(pid)
        if before is None:
            found.note(f"new product {pid} in today's files")
            continue
        if product.routing != before.routing:
            found.note(f"product {pid}: routing changed (steps, resources, times or lags)")
        if product.bom != before.bom:
            found.note(f"product {pid}: bill of materials changed")
        if product.unit_cost != before.unit_cost:
            found.note(f"product {pid}: unit cost {_was_now(before.unit_cost, product.unit_cost)}")
        if product.stock != before.stock:
            found.note(f"finished goods of {pid} {_was_now(before.stock, product.stock)}")
    for pid in old:
        if pid not in new:
            found.note(f"product {pid} is no longer in today's files")


def _materials(released_plant: Plant, today: Plant, found: _Found) -> None:
    old, new = released_plant.materials, today.materials
    start = today.grid.start
    for mid, material in new.items():
        before = old.get(mid)
        if before is None:
            found.note(f"new material {mid} in today's files (stock {material.stock})")
            continue
        if material.stock != before.stock:
            found.note(f"stock of {mid} {_was_now(before.stock, material.stock)}")
        if material.unit_cost != before.unit_cost:
            found.note(
                f"material {mid}: unit cost {_was_now(before.unit_cost, material.unit_cost)}"
            )
        was = {r.id: r for r in before.receipts}
        is_ = {r.id: r for r in material.receipts}
        for rid, receipt in is_.items():
            arrival = today.grid.to_datetime(receipt.arrival)
            prior = was.get(rid)
            if prior is None:
                source = f" from {receipt.supplier}" if receipt.supplier else ""
                found.note(
                    f"new receipt {rid}: {receipt.quantity} {mid}{source} arriving "
                    f"{format_when(arrival)}"
                )
                continue
            arrived = released_plant.grid.to_datetime(prior.arrival)
            if arrival != arrived:
                found.note(
                    f"receipt {rid} of {mid} arrives {_was_now(format_when(arrived), format_when(arrival))}"
                )
            if receipt.quantity != prior.quantity:
                found.note(
                    f"receipt {rid} of {mid}: quantity {_was_now(prior.quantity, receipt.quantity)}"
                )
        for rid, receipt in was.items():
            if rid in is_:
                continue
            arrival = released_plant.grid.to_datetime(receipt.arrival)
            if arrival <= start:
                found.note(
                    f"receipt {rid} of {mid} arrived ({receipt.quantity} due {format_when(arrival)})"
                )
            else:
                found.note(
                    f"receipt {rid} of {mid} ({receipt.quantity} due {format_when(arrival)}) is "
                    "no longer open in today's files"
                )
    for mid in old:
        if mid not in new:
            found.note(f"material {mid} is no longer in today's files")


def _capacity_groups(sid: str, before, supplier, found: _Found) -> None:
    """Notes on a supplier's capacity groups that changed (a cut is judged when the held
    purchases are checked against today's groups: ``check_supplier_capacity``)."""
    old = {g.id: g for g in before.capacity_groups}
    new = {g.id: g for g in supplier.capacity_groups}
    for gid in sorted(old.keys() | new.keys()):
        if gid not in new:
            found.note(f"supplier {sid}: capacity group {gid} no longer in today's files")
        elif gid not in old:
            found.note(f"supplier {sid}: new capacity group {gid} ({new[gid].capacity} a period)")
        elif new[gid] != old[gid]:
            found.note(
                f"supplier {sid}: capacity group {gid} "
                f"{_was_now(old[gid].capacity, new[gid].capacity)}"
                + (" (other materials)" if new[gid].materials != old[gid].materials else "")
            )


def _suppliers(released_plant: Plant, today: Plant, found: _Found) -> None:
    old, new = released_plant.suppliers, today.suppliers
    for sid, supplier in new.items():
        before = old.get(sid)
        if before is None:
            found.note(f"new supplier {sid} in today's files")
            continue
        if supplier.reliability != before.reliability:
            found.note(
                f"supplier {sid}: reliability {_was_now(before.reliability, supplier.reliability)}"
            )
        if supplier.period != before.period:
            found.note(f"supplier {sid}: capacity period changed")
        for mid, offer in supplier.offers.items():
            prior = before.offers.get(mid)
            if prior is None:
                found.note(f"supplier {sid} now offers {mid}")
                continue
            if offer.capacity != prior.capacity:
                if offer.capacity is None:
                    found.note(
                        f"supplier {sid}: capacity for {mid} now unlimited (was {prior.capacity})"
                    )
                else:
                    found.change(
                        {
                            "kind": "supplier_capacity",
                            "supplier": sid,
                            "material": mid,
                            "capacity": offer.capacity,
                        }
                    )
            if offer.price != prior.price:
                found.note(f"supplier {sid}: price of {mid} {_was_now(prior.price, offer.price)}")
            if offer.min_order != prior.min_order:
                found.note(
                    f"supplier {sid}: minimum order of {mid} {_was_now(prior.min_order, offer.min_order)}"
                )
            if offer.modes != prior.modes:
                found.note(f"supplier {sid}: lead times or shipping modes of {mid} changed")
        _capacity_groups(sid, before, supplier, found)
        for mid in before.offers:
            if mid not in supplier.offers:
                found.note(f"supplier {sid} no longer offers {mid}")
    for sid in old:
        if sid not in new:
            found.note(f"supplier {sid} is no longer in today's files")


def _settings(released_plant: Plant, today: Plant, found: _Found) -> None:
    was = released_plant.settings.model_dump(mode="json")
    is_ = today.settings.model_dump(mode="json")
    for name in sorted(was.keys() | is_.keys()):
        if was.get(name) != is_.get(name):
            found.note(f"settings.{name} {_was_now(was.get(name), is_.get(name))}")


# --- Work in progress ---------------------------------------------------------------------


def _work_in_progress(
    released_plant: Plant, released: Plan, today: Plant, shift: int, now: int, found: _Found
) -> None:
    """Notes on steps reported in progress and the steps they report finished."""
    old_grid, grid = released_plant.grid, today.grid
    planned_steps = {(s.order, s.step_index): s for s in released.steps}
    for (oid, index), pin in today.pins.items():
        order = today.orders[oid]
        routing = today.products[order.product].routing
        step = routing[index]
        since = format_when(grid.to_datetime(pin.start))
        before = released_plant.pins.get((oid, index))
        same = (
            before is not None
            and oid in released_plant.orders
            and released_plant.orders[oid].product == order.product
            and before.resource == pin.resource
            and old_grid.to_datetime(before.start) == grid.to_datetime(pin.start)
        )
        if not same:
            found.note(f"WIP reported for {oid} step {step.id} on {pin.resource} since {since}")
        else:
            planned = planned_steps.get((oid, index))
            if planned is not None and planned.end - shift <= now:
                found.note(
                    f"WIP still reported for {oid} step {step.id} on {pin.resource} since "
                    f"{since}; the released plan finished it "
                    f"{format_when(old_grid.to_datetime(planned.end))}"
                )
    for oid, order in today.orders.items():
        old = released_plant.orders.get(oid)
        if old is None or old.product != order.product:
            continue
        routing = today.products[order.product].routing
        first = today.first_step(oid)
        if (oid, first) in today.pins:
            how = f"today's files report step {routing[first].id} in progress"
        else:
            how = "reported done"
        for done in range(released_plant.first_step(oid), first):
            found.note(f"{oid} step {routing[done].id} finished ({how})")
    for (oid, index), pin in released_plant.pins.items():
        order = today.orders.get(oid)
        if order is None or today.first_step(oid) > 0 or (oid, 0) in today.pins:
            continue
        found.note(
            f"{oid}: no work in progress reported any more (was step {index} on {pin.resource}); "
            "today's files have the order to make from its first step"
        )


# --- The released plan on today's plant ---------------------------------------------------


class _Rebase:
    """The released plan moved onto today's plant: what is held, what is displaced and why."""

    def __init__(
        self,
        released_plant: Plant,
        released: Plan,
        today: Plant,
        shift: int,
        now: int,
        found: _Found,
    ):
        self.old = released_plant
        self.released = released
        self.today = today
        self.shift = shift
        self.now = now
        self.found = found
        self.freed = set(found.changed)  # customer changes: steps kept for reference only
        self.displaced: dict[str, str] = {}  # order -> why, in the order found
        self.planned: dict[tuple[str, int], ScheduledStep] = {
            (s.order, s.step_index): dataclasses.replace(
                s, start=s.start - shift, end=s.end - shift, pinned=False
            )
            for s in released.steps
        }
        self.outcomes = {o.order: o for o in released.outcomes}
        self.shipped: Counter[str] = Counter()  # finished goods shipped, by product
        self.receipts = self.new_receipts()

    def when(self, tick: int) -> str:
        return format_when(self.today.grid.to_datetime(tick))

    def displace(self, oid: str, why: str) -> None:
        if oid not in self.freed and oid not in self.displaced:
            self.displaced[oid] = why

    def held(self, oid: str) -> bool:
        return oid not in self.freed and oid not in self.displaced

    def plan(self) -> tuple[Plan, list[str]]:
        today = self.today
        kept = [oid for oid in today.orders if oid in self.old.orders]
        steps: dict[str, list[ScheduledStep]] = {oid: self.order_steps(oid) for oid in kept}
        for oid in kept:
            if self.held(oid):
                self.check_order(oid, steps[oid])
        self.check_capacity(steps)
        supplies = self.supplies(kept, steps)
        outcomes = [o for o in (self.outcome(oid, steps[oid]) for oid in kept) if o is not None]
        for oid, why in self.displaced.items():
            self.found.note(f"{oid} is re-planned: {why}")
        flat = tuple(s for oid in kept for s in steps[oid])
        baseline = Plan(
            plant=today.name,
            start=today.grid.start,
            resolution=today.grid.resolution,
            status=STATUS,
            steps=flat,
            outcomes=tuple(outcomes),
            supplies=tuple(supplies),
            purchases=tuple(build_purchases(today, supplies)) if supplies else (),
            provenance={
                "made_by": "net_change",
                "released_start": self.released.start.isoformat(),
                "released_status": self.released.status,
                "released_input_hash": self.released.provenance.get(
                    "input_hash", self.old.input_hash
                ),
                "input_hash": today.input_hash,
                "shift_ticks": self.shift,
                "now": today.grid.to_datetime(self.now).isoformat(),
            },
        )
        return baseline, list(self.displaced)

    # Steps, order by order.

    def order_steps(self, oid: str) -> list[ScheduledStep]:
        """The order's steps on today's plant: reported work in progress, then the plan's."""
        today = self.today
        outcome = self.outcomes.get(oid)
        made = outcome is not None and outcome.accepted and not outcome.from_stock
        out: list[ScheduledStep] = []
        for index, step in today.remaining_steps(oid):
            pin = today.pins.get((oid, index))
            if pin is not None:
                end = today.pin_end(oid, index)
                out.append(ScheduledStep(oid, index, step.id, pin.resource, pin.start, end, True))
                continue
            if not made:
                continue
            planned = self.planned.get((oid, index))
            if planned is None:
                self.displace(
                    oid,
                    f"the released plan has no step {step.id} for it (today's files report the "
                    "order at an earlier step)",
                )
                continue
            eligible = {o.resource for o in step.options}
            if planned.step != step.id or planned.resource not in eligible:
                self.displace(
                    oid,
                    f"its planned step {planned.step} on {planned.resource} is not "
                    f"step {index} ({step.id}) of today's routing on an eligible resource",
                )
                continue
            if planned.start < self.now:
                if planned.end <= self.now:
                    why = (
                        f"the released plan finished step {step.id} on {planned.resource} by "
                        f"{self.when(planned.end)}, but today's files report no work in progress "
                        "at or after it"
                    )
                else:
                    why = (
                        f"the released plan has step {step.id} on {planned.resource} running "
                        f"since {self.when(planned.start)}, but today's files do not report it "
                        "in progress"
                    )
                self.displace(oid, why)
                continue
            out.append(planned)
        if outcome is None:
            self.displace(oid, "the released plan has no outcome for it")
        elif not made and out:
            self.displace(oid, "work in progress is reported for it, the released plan made none")
        return out

    def check_order(self, oid: str, steps: list[ScheduledStep]) -> None:
        """Whether the held steps of an order keep today's rules alone (not capacity)."""
        today = self.today
        order = today.orders[oid]
        routing = today.products[order.product].routing
        for s in steps:
            if s.pinned:
                continue
            option = next(o for o in routing[s.step_index].options if o.resource == s.resource)
            pausing = today.pausing(oid, s.step_index)
            if s.end != today.step_end(oid, s.step_index, option, s.start):
                self.displace(oid, f"step {s.step} on {s.resource} takes another time today")
                return
            if s.end > today.horizon:
                self.displace(oid, f"step {s.step} ends after today's horizon")
                return
            if not pausing and not containing(today.availability[s.resource], s.start, s.end):
                self.displace(
                    oid,
                    f"step {s.step} on {s.resource} at {self.when(s.start)} is no longer inside "
                    "one working window (calendar or downtime)",
                )
                return
        for before, after in zip(steps, steps[1:], strict=False):
            ready = before.end + routing[before.step_index].min_lag
            if after.start < ready:
                self.displace(
                    oid,
                    f"step {after.step} was planned at {self.when(after.start)}, before step "
                    f"{before.step} (on {before.resource}) can be finished, at {self.when(ready)}",
                )
                return
        if steps and not steps[0].pinned and steps[0].start < order.release:
            self.displace(oid, f"it is released only at {self.when(order.release)} now")

    def check_capacity(self, steps: dict[str, list[ScheduledStep]]) -> None:
        """Displace the latest held step's order wherever a resource would be overloaded."""
        today = self.today
        by_resource: dict[str, list[ScheduledStep]] = defaultdict(list)
        for items in steps.values():
            for s in items:
                by_resource[s.resource].append(s)
        for rid in sorted(by_resource):
            resource = today.resources[rid]
            partial = [
                d for d in resource.downtime if d.units is not None and d.units < resource.capacity
            ]
            while True:
                items = [s for s in by_resource[rid] if s.pinned or self.held(s.order)]
                tick = _overload(items, partial, resource.capacity)
                if tick is None:
                    break
                running = [s for s in items if s.start <= tick < s.end and not s.pinned]
                if not running:
                    break  # reported work in progress alone: today's files are the truth
                latest = max(running, key=lambda s: (s.start, s.order))
                self.displace(
                    latest.order,
                    f"{rid} would run more than its capacity {resource.capacity} at "
                    f"{self.when(tick)} (reported work in progress, capacity or downtime)",
                )

    # Supply and outcomes.

    def supplies(self, kept: list[str], steps: dict[str, list[ScheduledStep]]) -> list[Supply]:
        """Released supplies of held orders that today's plant still allows, shifted."""
        today = self.today
        if not sources.has_supply(today):
            return []
        given: dict[str, list[Supply]] = defaultdict(list)
        for s in self.released.supplies:
            arrival = None if s.arrival is None else s.arrival - self.shift
            given[s.order].append(dataclasses.replace(s, arrival=arrival))
        supplies: dict[str, list[Supply]] = {}
        for oid in kept:
            # Work in progress drew what its steps consume; a later step may still draw more.
            drawn = steps[oid] and steps[oid][0].pinned and not sources.requirements(today, oid)
            if not self.held(oid) or not steps[oid] or drawn:
                continue
            sourced, why = self.sourced(oid, given[oid], steps[oid])
            if why:
                self.displace(oid, why)
            else:
                supplies[oid] = sourced
        self.check_stock(supplies, steps)
        self.check_supplier_capacity(supplies)
        return [s for oid in kept if self.held(oid) for s in supplies.get(oid, [])]

    def new_receipts(self) -> dict[tuple[str, str], list[str]]:
        """(material, supplier) -> receipts in today's files the released plant did not have."""
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for mid, material in self.today.materials.items():
            before = self.old.materials.get(mid)
            known = {r.id for r in before.receipts} if before else set()
            for receipt in material.receipts:
                if receipt.id not in known:
                    found[(mid, receipt.supplier)].append(receipt.id)
        return found

    def sourced(
        self, oid: str, given: list[Supply], steps: list[ScheduledStep]
    ) -> tuple[list[Supply], str]:
        """An order's released supplies as they stand today, or why they cannot.

        A purchase the released plan had to be placed before ``now`` is taken as placed when
        today's files hold a new receipt of that material from that supplier: the order then
        draws on stock (stock, receipts as reported); otherwise it was not placed, and the
        order's supply is planned again. A material whose drawing step has started since was
        drawn (today's stock shows it); each other one must arrive by its drawing step's start
        in ``steps``, the order's held steps.
        """
        today = self.today
        needs = sources.requirements(today, oid)
        bill = {line.material for line in today.products[today.orders[oid].product].bom}
        given = [
            s
            for s in given
            if s.material not in bill
            or not sources.drawn(today, oid, sources.draw_step(today, oid, s.material))
        ]
        starts = {s.step_index: s.start for s in steps}
        got: dict[str, list[Supply]] = defaultdict(list)
        for s in given:
            got[s.material].append(s)
        if set(got) != set(needs):
            return [], "its bill of materials or its supplies differ from the released plan's"
        out = []
        for material, quantity in needs.items():
            supplied = sum(s.quantity for s in got[material])
            if supplied != quantity or material not in today.materials:
                return [], f"it needs {quantity} {material} today, the plan gave {supplied}"
            parts = []
            for s in got[material]:
                kept, why = self.still_sourced(oid, s, starts)
                if why:
                    return [], why
                parts.append(kept)
            # A split whose purchase arrived as a receipt draws all its need from stock.
            stock = [s for s in parts if s.source == sources.STOCK]
            if len(stock) > 1:
                merged = Supply(oid, material, sum(s.quantity for s in stock), sources.STOCK)
                parts = [merged] + [s for s in parts if s.source != sources.STOCK]
            out += parts
        return out, ""

    def still_sourced(
        self, oid: str, s: Supply, starts: dict[int, int]
    ) -> tuple[Supply | None, str]:
        """One released supply (a whole need, or a split's part) as it stands today, or why
        it cannot stand (see ``sourced``)."""
        today, material = self.today, s.material
        if s.source == sources.STOCK:
            return s, ""
        supplier = today.suppliers.get(s.source)
        offer = supplier.offers.get(material) if supplier else None
        mode = next((m for m in offer.modes if m.name == s.mode), None) if offer else None
        if mode is None or s.arrival is None:
            return None, f"{s.source} no longer offers {material} by {s.mode or 'standard'}"
        lead = sources.effective_lead(today, supplier, mode)
        if s.arrival - lead < self.now:
            if self.receipts.get((material, s.source)):
                return Supply(oid, material, s.quantity, sources.STOCK), ""
            return None, (
                f"its {material} from {s.source} was to be ordered by "
                f"{self.when(s.arrival - lead)}, and today's files show no new receipt of "
                f"{material} from {s.source}"
            )
        index = sources.draw_step(today, oid, material)
        if starts.get(index, s.arrival) < s.arrival:
            step = today.products[today.orders[oid].product].routing[index].id
            return None, f"its {material} from {s.source} arrives after its step {step} starts"
        return s, ""

    def check_stock(
        self, supplies: dict[str, list[Supply]], steps: dict[str, list[ScheduledStep]]
    ) -> None:
        """Displace the latest drawing orders of a material whose stock would go negative."""
        today = self.today
        for mid in today.materials:
            while True:
                draws = [
                    (_draw_tick(today, steps[oid], s.material), -s.quantity, oid)
                    for oid, given in supplies.items()
                    if self.held(oid)
                    for s in given
                    if s.material == mid and s.source == sources.STOCK
                ]
                level, short = 0, False
                events = [(t, q, "") for t, q in sources.stock_events(today, mid)] + draws
                events += [(t, q, "") for t, q in self.surpluses(supplies).get(mid, [])]
                for _, change, _ in sorted(events, key=lambda e: (e[0], -e[1])):
                    level += change
                    short = short or level < 0
                if not short:
                    break
                latest = max(draws, key=lambda d: (d[0], d[2]))
                self.displace(
                    latest[2], f"stock of {mid} as reported today does not cover it in time"
                )

    def surpluses(self, supplies: dict[str, list[Supply]]) -> dict[str, list[tuple[int, int]]]:
        """Minimum-order surpluses the held orders' purchases bring into stock (a displaced
        order's shipment no longer does)."""
        held = [s for oid, given in supplies.items() if self.held(oid) for s in given]
        bought = [s for s in held if s.source != sources.STOCK]
        if not bought:
            return {}
        return sources.surplus_events(self.today, held, build_purchases(self.today, bought))

    def check_supplier_capacity(self, supplies: dict[str, list[Supply]]) -> None:
        today = self.today
        while True:
            used: dict[tuple[str, str, int], list[Supply]] = defaultdict(list)
            for oid, given in supplies.items():
                if not self.held(oid):
                    continue
                for s in given:
                    if s.source != sources.STOCK and s.arrival is not None:
                        period = sources.period_of(today.suppliers[s.source], s.arrival)
                        used[(s.source, s.material, period)].append(s)
            over = [
                (members, f"{sid}'s capacity for {mid}")
                for (sid, mid, _), members in sorted(used.items())
                if (cap := today.suppliers[sid].offers[mid].capacity) is not None
                and sum(s.quantity for s in members) > cap
            ]
            for sid, supplier in sorted(today.suppliers.items()):
                for group in supplier.capacity_groups:
                    by_period: dict[int, list[Supply]] = defaultdict(list)
                    for (s_id, mid, period), members in used.items():
                        if s_id == sid and mid in group.materials:
                            by_period[period] += members
                    over += [
                        (members, f"{sid}'s capacity group {group.id}")
                        for _, members in sorted(by_period.items())
                        if sum(s.quantity for s in members) > group.capacity
                    ]
            if not over:
                return
            members, what = over[0]
            latest = max(members, key=lambda s: (s.arrival, s.order))
            self.displace(latest.order, f"{what} is exceeded")

    def outcome(self, oid: str, steps: list[ScheduledStep]) -> OrderOutcome | None:
        today = self.today
        order = today.orders[oid]
        before = self.outcomes.get(oid)
        if before is None:
            return None
        if before.accepted and before.from_stock:
            stock = today.products[order.product].stock
            shipped = self.shipped[order.product] + order.quantity
            if self.held(oid) and sources.may_ship_from_stock(today, oid) and shipped <= stock:
                self.shipped[order.product] = shipped
                return OrderOutcome(oid, True, None, order.due, 0, from_stock=True)
            self.displace(oid, "finished goods today cannot ship it")
            return None
        if not before.accepted:
            if order.optional:
                return OrderOutcome(oid, False, None, order.due, 0)
            self.displace(oid, f"the released plan declined it, and it is {order.status} now")
            return None
        last = len(today.products[order.product].routing) - 1
        if today.first_step(oid) > last and before.completion is not None:
            # Every step reported done: finished by now, when the plan had it at the latest.
            completion = min(before.completion - self.shift, self.now)
            return OrderOutcome(oid, True, completion, order.due, max(0, completion - order.due))
        if not steps or steps[-1].step_index != last:
            return None
        completion = steps[-1].end
        return OrderOutcome(oid, True, completion, order.due, max(0, completion - order.due))


def _overload(items: list[ScheduledStep], partial: list, capacity: int) -> int | None:
    """The first tick a resource runs more than its capacity (partial downtime counted)."""
    spans = [(s.start, s.end, 1) for s in items] + [(d.start, d.end, d.units) for d in partial]
    return first_overload(spans, capacity)


def _draw_tick(plant: Plant, steps: list[ScheduledStep], material: str) -> int:
    """When an order's held steps draw a material: the start of the step its BOM line names
    (the first held step if that step is not among them)."""
    index = sources.draw_step(plant, steps[0].order, material)
    return next((s.start for s in steps if s.step_index == index), steps[0].start)
