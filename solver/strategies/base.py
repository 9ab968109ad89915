"""The Strategy protocol and what every strategy shares."""

from __future__ import annotations

from typing import Protocol

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import with_objective  # noqa: F401  (re-exported for the strategies)
from solver.solve.replanning import kept_baseline  # noqa: F401


class Strategy(Protocol):
    """Re-plan a changed plant from its baseline.

    ``plant`` is the plant at ``now`` with the change applied (started work pinned); its
    settings are the ones the re-plan uses (a caller with a budget of its own gives the plant
    those settings: ``plant.replace(settings=...)``); ``changed`` lists the orders a customer
    change adds or alters. Returns a plan that passes
    the checker, or raises SolveError saying why it cannot.
    """

    name: str

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan: ...
