"""Today's book against the released plan: the net change, and a baseline valid for today.

Today's plant files are the truth for orders, stock, receipts and work in progress. The
released plan was made for its own book (its files plus the changes accepted into it); the
net change between the two is derived (``solver.changes.net_change``) and the released plan is
carried onto today's book, so that what-ifs and the nightly re-plan start from what was
released. Orders added by an accepted what-if that today's files do not list yet are kept, with
a note: an accepted order is not cancelled by an ERP export that has not caught up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from solver.changes.apply import apply_changes
from solver.changes.net_change import NetChange, net_change
from solver.changes.rolling import roll_to
from solver.daily.records import book_of, change_records
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import with_objective
from solver.facts.stability import Reference
from solver.solve.replanning import minimal_change
from solver.store.store import PlanRow, Store


@dataclass
class Book:
    """The plant to plan today, and where it stands against the released plan.

    ``baseline`` is the released plan itself when today's book is exactly its book, else None
    (the released plan carried over is ``net.baseline``, which lacks today's new orders).
    ``changes`` is the change set, relative to the files of plant row ``plant_id``, that makes
    ``plant``.
    """

    plant: Plant
    plant_id: int
    released: PlanRow | None = None
    released_plan: Plan | None = None
    released_plant: Plant | None = None
    baseline: Plan | None = None
    net: NetChange | None = None
    changes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    now: int = 0  # tick of ``plant`` before which nothing may change


def todays_book(store: Store, today: Plant, now: datetime | None = None) -> Book:
    """Today's plant against the released plan (if any).

    Parameters
    ----------
    store : Store
    today : Plant
        Loaded from today's files.
    now : datetime, optional
        Before it nothing may change; the plant start by default.

    Returns
    -------
    Book
    """
    plant_id = store.save_plant(today)
    released_id = store.released_id()
    now_tick = _now_tick(today, now)
    if released_id is None:
        return Book(today, plant_id, now=now_tick)
    row = store.plan_row(released_id)
    released = store.plan_of(row)
    same_files = store.plant_row(row.plant_id).input_hash == today.input_hash
    if same_files and not row.changes:
        return Book(today, plant_id, row, released, today, baseline=released, now=now_tick)
    released_plant = book_of(store, row, _machine(today))
    carried = [
        c for c in row.changes if c.get("kind") == "add_order" and c.get("id") not in today.orders
    ]
    plant = today
    notes = []
    if carried:
        records = change_records(carried, f"store plan {row.id}")
        plant = apply_changes(today, records, now_tick, f"store plan {row.id}").plant
        notes = [
            f"{c['id']} was accepted into plan {row.id} but is not in today's files yet: kept"
            for c in carried
        ]
    # Work between the plant start and ``now`` stays in the carried plan: rolling to ``now``
    # pins it, as for any what-if.
    net = net_change(released_plant, released, plant, None)
    return Book(
        plant,
        plant_id,
        row,
        released,
        released_plant,
        net=net,
        changes=carried,
        notes=notes + list(net.notes),
        now=now_tick,
    )


def _now_tick(plant: Plant, now: datetime | None) -> int:
    return 0 if now is None else max(0, plant.grid.floor(now))


def _machine(plant: Plant) -> dict:
    """Settings that say how to solve, not what the plant is: kept from today's run."""
    keys = ("workers", "seed", "deterministic", "deterministic_time", "time_limit")
    return {k: getattr(plant.settings, k) for k in keys}


def carried_baseline(book: Book) -> Plan:
    """The released plan carried onto today's book, completed: today's new and changed orders
    placed by a minimal-change re-plan that keeps the rest where the released plan has it.

    Raises
    ------
    SolveError
        When no plan makes every firm order of today's book.
    """
    if book.baseline is not None:
        return book.baseline
    if book.net is None:
        raise ValueError("no released plan to carry")
    changed = list(book.net.changed)
    reference = Reference(book.net.baseline, frozenset(changed))
    rolled = roll_to(book.plant, book.net.baseline, book.now)
    plan = minimal_change(rolled, book.net.baseline, reference, changed)
    return with_objective(book.plant, plan.pinned_only_at(book.plant.pins))
