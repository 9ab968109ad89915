"""Choosing the next LNS neighbourhood: its kind by how often each kind improved the plan
lately (an ALNS roulette), its size by how the last sub-solves went.

A kind's weight moves a fifth of the way to 1 when its neighbourhood improved the plan and to
0 when not, never below ``FLOOR``, so every kind keeps a chance. The size grows by a quarter
after a sub-solve that proved its neighbourhood optimal within half its time (more orders
would have fitted) and shrinks by a fifth after one that ran out of time without improving,
between a quarter and four times the size asked.
"""

from __future__ import annotations

import random
from collections import Counter

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.solve.neighbourhoods import Kind
from solver.solve.neighbourhoods.near_due import NearDue
from solver.solve.neighbourhoods.near_late import NearLate
from solver.solve.neighbourhoods.random_orders import RandomOrders
from solver.solve.neighbourhoods.resource_window import ResourceWindow
from solver.solve.neighbourhoods.shared_material import SharedMaterial

KINDS: tuple[Kind, ...] = (
    NearLate(),
    NearDue(),
    ResourceWindow(),
    SharedMaterial(),
    RandomOrders(),
)
REACTION = 0.2
FLOOR = 0.1
GROW, SHRINK = 1.25, 0.8


class Selector:
    """The kinds that apply to the plant, their weights, and the current size.

    ``mode`` ``adaptive`` chooses among every kind that applies; the name of one kind
    (``near_late``, ``near_due``) uses that kind alone, at the size asked.
    """

    def __init__(self, plant: Plant, size: int, rng: random.Random, mode: str = "adaptive"):
        kinds = [k for k in KINDS if k.applies(plant)]
        adaptive = mode == "adaptive"
        if not adaptive:
            kinds = [k for k in kinds if k.name == mode]
            if not kinds:
                raise ValueError(f"unknown neighbourhood kind {mode!r}")
        self.kinds = kinds
        self.adaptive = adaptive
        self.rng = rng
        self.weights = {k.name: 1.0 for k in self.kinds}
        self.size = float(size)
        self.least, self.most = max(2.0, size / 4), size * 4.0
        self.used: Counter[str] = Counter()
        self.improved: Counter[str] = Counter()

    def choose(self, plant: Plant, plan: Plan, focus: list[str] | None) -> tuple[Kind, set[str]]:
        """The next kind and the orders it frees."""
        kind = self.kinds[0]
        if len(self.kinds) > 1:
            kind = self.rng.choices(self.kinds, [self.weights[k.name] for k in self.kinds])[0]
        self.used[kind.name] += 1
        return kind, kind.choose(plant, plan, round(self.size), self.rng, focus)

    def record(self, kind: Kind, improved: bool, proven: bool, share_used: float) -> None:
        """What the kind's last neighbourhood gave: an improvement, a proof, the share of its
        time the sub-solve used."""
        self.improved[kind.name] += improved
        if not self.adaptive:
            return
        weight = (1 - REACTION) * self.weights[kind.name] + REACTION * float(improved)
        self.weights[kind.name] = max(FLOOR, weight)
        if proven and share_used < 0.5:
            self.size = min(self.most, self.size * GROW)
        elif not proven and not improved:
            self.size = max(self.least, self.size * SHRINK)

    def summary(self) -> str:
        """Per kind: neighbourhoods tried / improvements, and the size reached."""
        kinds = ", ".join(
            f"{k.name} {self.used[k.name]}/{self.improved[k.name]}" for k in self.kinds
        )
        return f"{kinds}; size {round(self.size)}"
