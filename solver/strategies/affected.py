"""``affected``: re-solve only the orders the change touches; everything else keeps the
baseline (match-up scheduling).

Touched: the orders a customer change adds or alters, orders whose baseline steps the changed
plant no longer allows (new downtime, less capacity), and orders with steps on the resources
those use, starting within ``affected_window`` after the earliest touched step. The others'
steps become downtime of a small plant, which is solved with the stability cost
(``replanning.repair_affected``). Plants with supply fall back to ``stable`` (stock and
supplier capacity are shared by all orders).
"""

from __future__ import annotations

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.replanning import repair_affected
from solver.strategies.stable import Stable
from solver.supply.sources import has_supply


class Affected:
    name = "affected"

    def replan(self, plant: Plant, baseline: Plan, now: int, changed: list[str]) -> Plan:
        if has_supply(plant):
            return Stable().replan(plant, baseline, now, changed)
        return repair_affected(plant, baseline, now, changed)
