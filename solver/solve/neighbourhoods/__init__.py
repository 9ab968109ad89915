"""The kinds of LNS neighbourhood, one module each, behind one protocol (``Kind``).

A kind picks which orders a neighbourhood frees: near a late order in time
(``near_late``), competing on one resource around one time (``resource_window``), sharing a
material around one time (``shared_material``, plants with supply), or at random
(``random_orders``). ``adaptive.Selector`` chooses among them by how often each improved the
plan, and adapts the size to how fast the sub-solves finish.
"""

from __future__ import annotations

import random
from typing import Protocol

from solver.domain.plan import Plan
from solver.domain.plant import Plant


class Kind(Protocol):
    """One way to choose a neighbourhood."""

    name: str

    def applies(self, plant: Plant) -> bool:
        """Whether the kind can choose on this plant (e.g. it has materials)."""
        ...

    def choose(
        self, plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None
    ) -> set[str]:
        """Up to ``size`` orders to free (more only to include a focused order)."""
        ...


def nearest_to(distance: dict[str, int], size: int) -> set[str]:
    """The ``size`` orders of least distance, ties by order id (repeatable)."""
    return set(sorted(distance, key=lambda o: (distance[o], o))[:size])


def step_distance(start: int, end: int, centre: int) -> int:
    """Ticks from a step's span to ``centre`` (0 when it covers it)."""
    return 0 if start <= centre <= end else min(abs(start - centre), abs(end - centre))


def late_orders(plan: Plan) -> list[str]:
    return [o.order for o in plan.outcomes if o.accepted and o.tardiness > 0]
