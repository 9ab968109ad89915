"""Plan, ScheduledStep, OrderOutcome, Supply, Purchase: plain values, no solver imports; JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from solver.timegrid import TimeGrid


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
    workers, deterministic or not, and the hash of the inputs (``solver.provenance``).
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
        """Order -> start of its first planned step (when its materials are drawn)."""
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
        return next((o for o in self.outcomes if o.order == order_id), None)

    def to_dict(self) -> dict:
        grid = self.grid
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["resolution_seconds"] = self.resolution.total_seconds()
        del data["resolution"]
        for step in data["steps"]:
            step["start_time"] = grid.to_datetime(step["start"]).isoformat()
            step["end_time"] = grid.to_datetime(step["end"]).isoformat()
        for outcome in data["outcomes"]:
            done = outcome["completion"]
            outcome["completion_time"] = (
                None if done is None else grid.to_datetime(done).isoformat()
            )
            outcome["due_time"] = grid.to_datetime(outcome["due"]).isoformat()
        for supply in data["supplies"]:
            arrival = supply["arrival"]
            supply["arrival_time"] = (
                None if arrival is None else grid.to_datetime(arrival).isoformat()
            )
        for purchase in data["purchases"]:
            purchase["arrival_time"] = grid.to_datetime(purchase["arrival"]).isoformat()
            purchase["order_by_time"] = grid.to_datetime(purchase["order_by"]).isoformat()
        return data

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def from_dict(cls, data: dict, file: str = "plan") -> Plan:
        """A plan from parsed JSON, validated by the plan file schema (``solver.plan_file``).

        Raises DataError naming the record and field of every problem (``file`` names the
        source in them).
        """
        from solver.plan_file import plan_from_data  # the schema module imports this one

        return plan_from_data(data, file)

    @classmethod
    def from_json(cls, path: str | Path) -> Plan:
        """Read a plan written by ``to_json``; anything wrong raises DataError naming the file,
        record and field. Compares nothing with a plant: ``plan_file.load_plan`` does."""
        from solver.plan_file import read_plan

        return read_plan(path)
