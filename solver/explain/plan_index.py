"""What explaining many orders of one plan looks up again and again, built once and kept."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from solver.domain.intervals import Interval
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep, Supply
from solver.domain.plant import Plant, calendar_windows
from solver.solve.dispatch import Timeline
from solver.supply import sources
from solver.supply.allocation import StockLedger
from solver.supply.sources import STOCK


class PlanIndex:
    """A plan and its plant, with the steps of each resource, the calendars' working windows,
    the stock of each material and an empty timeline at hand.

    Parameters
    ----------
    plant : Plant
    plan : Plan
        A plan of ``plant`` (one that passes the checker: waits are read from its times).
    now : int
        The tick before which nothing starts (the plan start by default).
    """

    def __init__(self, plant: Plant, plan: Plan, now: int = 0):
        self.plant = plant
        self.plan = plan
        self.now = now
        self._windows: dict[str, list[Interval]] = {}
        self._ledgers: dict[str, StockLedger] = {}

    @cached_property
    def by_resource(self) -> dict[str, list[ScheduledStep]]:
        """Resource -> the plan's steps on it, by start."""
        steps: dict[str, list[ScheduledStep]] = defaultdict(list)
        for step in sorted(self.plan.steps, key=lambda s: (s.start, s.order)):
            steps[step.resource].append(step)
        return steps

    @cached_property
    def by_order(self) -> dict[str, list[ScheduledStep]]:
        """Order -> its planned steps in routing order."""
        steps: dict[str, list[ScheduledStep]] = defaultdict(list)
        for step in sorted(self.plan.steps, key=lambda s: (s.order, s.step_index)):
            steps[step.order].append(step)
        return steps

    @cached_property
    def outcomes(self) -> dict[str, OrderOutcome]:
        return {o.order: o for o in self.plan.outcomes}

    @cached_property
    def supplies_of(self) -> dict[str, list[Supply]]:
        """Order -> its supplies (each of its steps asks for the materials it draws)."""
        found: dict[str, list[Supply]] = defaultdict(list)
        for s in self.plan.supplies:
            found[s.order].append(s)
        return found

    @cached_property
    def draw_starts(self) -> dict[tuple[str, str], int]:
        """(order, material) -> when the step drawing each supply starts."""
        return sources.draw_starts(self.plant, self.plan)

    @cached_property
    def timeline(self) -> Timeline:
        """Dispatch's timeline of the plant with no order on it (nothing is ever placed)."""
        return Timeline(self.plant)

    def calendar_windows(self, resource: str) -> list[Interval]:
        """Working windows of the resource's calendar alone (its downtime not subtracted)."""
        calendar = self.plant.calendars[self.plant.resources[resource].calendar]
        if calendar.id not in self._windows:
            self._windows[calendar.id] = calendar_windows(self.plant, calendar)
        return self._windows[calendar.id]

    def stock_ledger(self, material: str) -> StockLedger:
        """On hand, receipts, minimum-order surpluses at their shipment's arrival, and every
        order's draw from stock when the step consuming it starts (as the supply checker
        counts them: the units pegged to a purchase never feed stock draws)."""
        if material not in self._ledgers:
            ledger = StockLedger()
            surpluses = sources.surplus_events(self.plant, self.plan.supplies, self.plan.purchases)
            for tick, units in sources.stock_events(self.plant, material) + surpluses.get(
                material, []
            ):
                ledger.add(tick, units)
            for s in self.plan.supplies:
                drawn_at = self.draw_starts.get((s.order, s.material))
                if s.source == STOCK and s.material == material and drawn_at is not None:
                    ledger.add(drawn_at, -s.quantity)
            self._ledgers[material] = ledger
        return self._ledgers[material]

    def customer_of(self, order: str) -> str:
        return self.plant.orders[order].customer
