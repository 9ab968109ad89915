"""``frozen``: baseline steps starting before now + fence keep resource and start; the rest is
solved afresh. The fence is ``settings.frozen``, or one day when that is zero."""

from __future__ import annotations

from solver.cpsat.search import plan as solve_plan
from solver.data import Plant
from solver.plan import Plan
from solver.rolling import freeze
from solver.settings import Settings
from solver.timegrid import parse_duration

DEFAULT_FENCE = "1d"


class Frozen:
    name = "frozen"

    def replan(
        self, plant: Plant, baseline: Plan, now: int, changed: list[str], settings: Settings
    ) -> Plan:
        text = settings.frozen if parse_duration(settings.frozen).total_seconds() else DEFAULT_FENCE
        fence = plant.grid.duration_ticks(parse_duration(text).total_seconds())
        frozen = freeze(plant, baseline, now, fence, set(changed))
        # Judged against the plant it was given, where the frozen steps are not in progress.
        return solve_plan(frozen, settings).pinned_only_at(plant.pins)
