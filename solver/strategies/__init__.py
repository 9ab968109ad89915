"""Rescheduling strategies, all behind one protocol: ``replan(plant, baseline, now, changed)
-> Plan``, where ``plant`` is the changed plant as it stands at ``now``, with the settings the
re-plan uses.

``regenerate`` (full solve, no memory), ``stable`` (minimal change: the what-if default),
``frozen`` (everything before now + fence pinned, then a full solve), ``affected`` (only the
orders the change touches are re-solved, match-up style), ``right_shift`` (keep resources and
sequence, push later), ``dispatch`` (list scheduling by a rule, no solver).
"""

from __future__ import annotations

from solver.strategies.affected import Affected
from solver.strategies.base import Strategy
from solver.strategies.dispatching import Dispatching
from solver.strategies.frozen import Frozen
from solver.strategies.regenerate import Regenerate
from solver.strategies.right_shift import RightShift
from solver.strategies.stable import Stable

STRATEGIES: dict[str, Strategy] = {
    s.name: s for s in (Regenerate(), Stable(), Frozen(), Affected(), RightShift(), Dispatching())
}


def get_strategy(name: str) -> Strategy:
    """The strategy of that name; a ValueError lists the known ones."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValueError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}") from None


__all__ = ["STRATEGIES", "Strategy", "get_strategy"]
