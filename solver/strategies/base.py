"""The Strategy protocol and what every strategy shares."""

from __future__ import annotations

from typing import Protocol

from solver.data import Plant
from solver.kpis import with_objective  # noqa: F401  (re-exported for the strategies)
from solver.plan import Plan
from solver.replanning import kept_baseline  # noqa: F401
from solver.settings import Settings


class Strategy(Protocol):
    """Re-plan a changed plant from its baseline.

    ``plant`` is the plant at ``now`` with the change applied (started work pinned);
    ``changed`` lists the orders a customer change adds or alters. Returns a plan that passes
    the checker, or raises SolveError saying why it cannot.
    """

    name: str

    def replan(
        self, plant: Plant, baseline: Plan, now: int, changed: list[str], settings: Settings
    ) -> Plan: ...
