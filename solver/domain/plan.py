"""Plan, ScheduledStep, OrderOutcome, Supply, Purchase: plain values, no solver imports; JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from solver.domain.plan_schema import (
    OutcomeRecord,
    PlanFile,
    PurchaseRecord,
    StepRecord,
    SupplyRecord,
    read_plan_json,
    validate_plan_data,
)
from solver.domain.timegrid import TimeGrid


@dataclass(frozen=True)
class ScheduledStep:
    """One step of one order placed on a resource, in ticks."""

    order: str
    step_index: int
    step: str
    resource: str
    start: int
    end: int
    pinned: bool = False


@dataclass(frozen=True)
class OrderOutcome:
    """Whether an order is made, when it completes and how late it is (ticks)."""

    order: str
    accepted: bool
    completion: int | None
    due: int
    tardiness: int
    from_stock: bool = False


@dataclass(frozen=True)
class Supply:
    """Where one order's material comes from (pegging).

    ``source`` is ``stock`` (on hand and open receipts) or a supplier id; ``mode`` and
    ``arrival`` (tick) are set for purchases only.
    """

    order: str
    material: str
    quantity: int
    source: str
    mode: str = ""
    arrival: int | None = None


@dataclass(frozen=True)
class Purchase:
    """One shipment to buy: a supplier, material, shipping mode and arrival.

    ``quantity`` may exceed what the pegged orders need when the supplier has a minimum order
    quantity; ``cost`` (money) is price, expedite and shipment charges together.
    """

    supplier: str
    material: str
    mode: str
    quantity: int
    arrival: int
    order_by: int
    cost: float
    orders: tuple[str, ...]

    def needed(self, supplies: tuple[Supply, ...]) -> int:
        """Units the pegged orders need (the rest is surplus for a minimum order)."""
        return sum(
            s.quantity
            for s in supplies
            if s.source == self.supplier
            and s.material == self.material
            and s.mode == self.mode
            and s.arrival == self.arrival
        )


@dataclass(frozen=True)
class Plan:
    """A solved (or checked) plan.

    ``objective_units`` is the solver's integer objective; ``objective`` and ``terms`` are in
    money. ``status`` is CP-SAT's (OPTIMAL, FEASIBLE, ...) or the name of whatever made the plan.
    ``best_bound`` and ``gap`` are None when the method proves no bound (LNS).
    ``provenance`` says how the plan was made: engine and OR-Tools versions, seed, limits,
    workers, deterministic or not, and the hash of the inputs (``solver.domain.provenance``).
    """

    plant: str
    start: datetime
    resolution: timedelta
    status: str
    steps: tuple[ScheduledStep, ...]
    outcomes: tuple[OrderOutcome, ...]
    objective: float = 0.0
    objective_units: int = 0
    terms: dict[str, float] = field(default_factory=dict)
    best_bound: float | None = 0.0
    gap: float | None = 0.0
    solve_time: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)
    supplies: tuple[Supply, ...] = ()
    purchases: tuple[Purchase, ...] = ()
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def grid(self) -> TimeGrid:
        return TimeGrid(self.start, self.resolution)

    @property
    def proven_optimal(self) -> bool:
        return self.status == "OPTIMAL"

    def steps_of(self, order_id: str) -> list[ScheduledStep]:
        return sorted((s for s in self.steps if s.order == order_id), key=lambda s: s.step_index)

    def first_starts(self) -> dict[str, int]:
        """Order -> start of its first planned step (materials are drawn when the step
        their BOM line names starts: ``supply.sources.draw_starts``)."""
        starts: dict[str, int] = {}
        for step in self.steps:
            starts[step.order] = min(step.start, starts.get(step.order, step.start))
        return starts

    def pinned_only_at(self, pins: Collection[tuple[str, int]]) -> Plan:
        """The plan with ``pinned`` set exactly on the given (order, step index) keys.

        A plan solved on a plant with extra pins (a frozen window, baseline steps held for an
        insertion) is judged against the plant without them, where those steps are not work in
        progress and must meet every rule.
        """
        steps = tuple(
            dataclasses.replace(s, pinned=(s.order, s.step_index) in pins) for s in self.steps
        )
        return dataclasses.replace(self, steps=steps)

    def outcome(self, order_id: str) -> OrderOutcome | None:
        return self._outcomes_by_order.get(order_id)

    @cached_property
    def _outcomes_by_order(self) -> dict[str, OrderOutcome]:
        # Built once per plan (a changed plan is a new one: the class is frozen). A scan per
        # call took 2.2 s of a 72-s what-if profile at 1,000 orders (62,000 calls).
        index: dict[str, OrderOutcome] = {}
        for outcome in self.outcomes:
            index.setdefault(outcome.order, outcome)  # the first, as a scan finds it
        return index

    def to_dict(self, why_late: list[dict] | None = None) -> dict:
        """The plan as plan-file JSON data (``solver.domain.plan_schema.PlanFile``).

        Written through the same schema it is read with, so a plan that could not be read back
        is never written.

        Parameters
        ----------
        why_late : list of dict, optional
            Explanations of its late orders, as JSON-ready objects, written under the key
            ``why_late``; without them the file has no such key.
        """
        return self.to_record(why_late).model_dump(mode="json")

    def to_record(self, why_late: list[dict] | None = None) -> PlanFile:
        grid = self.grid

        def moment(tick: int | None) -> str | None:
            return None if tick is None else grid.to_datetime(tick).isoformat()

        return PlanFile(
            plant=self.plant,
            start=self.start.isoformat(),
            resolution_seconds=self.resolution.total_seconds(),
            status=self.status,
            steps=[
                StepRecord(
                    order=s.order,
                    step_index=s.step_index,
                    step=s.step,
                    resource=s.resource,
                    start=s.start,
                    end=s.end,
                    pinned=s.pinned,
                    start_time=moment(s.start),
                    end_time=moment(s.end),
                )
                for s in self.steps
            ],
            outcomes=[
                OutcomeRecord(
                    order=o.order,
                    accepted=o.accepted,
                    completion=o.completion,
                    due=o.due,
                    tardiness=o.tardiness,
                    from_stock=o.from_stock,
                    completion_time=moment(o.completion),
                    due_time=moment(o.due),
                )
                for o in self.outcomes
            ],
            objective=float(self.objective),
            objective_units=int(self.objective_units),
            terms={k: float(v) for k, v in self.terms.items()},
            best_bound=None if self.best_bound is None else float(self.best_bound),
            gap=None if self.gap is None else float(self.gap),
            solve_time=float(self.solve_time),
            stats=dict(self.stats),
            supplies=[
                SupplyRecord(
                    order=s.order,
                    material=s.material,
                    quantity=s.quantity,
                    source=s.source,
                    mode=s.mode,
                    arrival=s.arrival,
                    arrival_time=moment(s.arrival),
                )
                for s in self.supplies
            ],
            purchases=[
                PurchaseRecord(
                    supplier=p.supplier,
                    material=p.material,
                    mode=p.mode,
                    quantity=p.quantity,
                    arrival=p.arrival,
                    order_by=p.order_by,
                    cost=float(p.cost),
                    orders=list(p.orders),
                    arrival_time=moment(p.arrival),
                    order_by_time=moment(p.order_by),
                )
                for p in self.purchases
            ],
            provenance=dict(self.provenance),
            why_late=why_late,
        )

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def from_record(cls, record: PlanFile) -> Plan:
        """The plan of a validated plan-file record (its ``why_late``, derived, is dropped)."""
        return cls(
            plant=record.plant,
            start=datetime.fromisoformat(record.start),
            resolution=timedelta(seconds=record.resolution_seconds),
            status=record.status,
            steps=tuple(
                ScheduledStep(s.order, s.step_index, s.step, s.resource, s.start, s.end, s.pinned)
                for s in record.steps
            ),
            outcomes=tuple(
                OrderOutcome(o.order, o.accepted, o.completion, o.due, o.tardiness, o.from_stock)
                for o in record.outcomes
            ),
            objective=record.objective,
            objective_units=record.objective_units,
            terms=dict(record.terms),
            best_bound=record.best_bound,
            gap=record.gap,
            solve_time=record.solve_time,
            stats=dict(record.stats),
            supplies=tuple(
                Supply(s.order, s.material, s.quantity, s.source, s.mode, s.arrival)
                for s in record.supplies
            ),
            purchases=tuple(
                Purchase(
                    p.supplier,
                    p.material,
                    p.mode,
                    p.quantity,
                    p.arrival,
                    p.order_by,
                    p.cost,
                    tuple(p.orders),
                )
                for p in record.purchases
            ),
            provenance=dict(record.provenance),
        )

    @classmethod
    def from_dict(cls, data: Any, file: str = "plan") -> Plan:
        """A plan from parsed JSON, validated by the plan file schema.

        Raises DataError naming the record and field of every problem (``file`` names the
        source in them).
        """
        return cls.from_record(validate_plan_data(data, file))

    @classmethod
    def from_json(cls, path: str | Path) -> Plan:
        """Read a plan written by ``to_json``; anything wrong raises DataError naming the file,
        record and field. Compares nothing with a plant: ``input.plan_file.load_plan`` does."""
        return cls.from_dict(read_plan_json(Path(path)), str(path))
