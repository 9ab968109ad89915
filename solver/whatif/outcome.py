"""What a what-if answers: the verdict of each change set, its options and the facts behind it.

Plain values: ``evaluate`` fills them, the reports (console, JSON, HTML) and the store read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.changes.scenario import Scenario
from solver.domain.plan import Plan, Purchase
from solver.domain.plant import Plant
from solver.facts.kpis import Kpis
from solver.facts.stability import Stability
from solver.whatif.warnings import Warning

ACCEPT, ACCEPT_WITH_DATE, REJECT, IMPACT = "ACCEPT", "ACCEPT WITH DATE", "REJECT", "IMPACT"
ACCEPT_AS_ASKED = "ACCEPT AS ASKED"
AS_ASKED, WITH_DATE = "as asked", "with date"


@dataclass(frozen=True)
class Move:
    """An order whose completion differs from the baseline (ticks; None = not made).

    ``late_by``: ticks past its due after the change (0 when on time or not made); ``limit``:
    the latest completion the protect rule allows it (None for asked orders and orders the
    baseline did not make); ``cost``: money its time beyond that limit costs at its priority
    weight (without a limit: its added lateness).
    """

    order: str
    customer: str
    tier: str
    before: int | None
    after: int | None
    due: int
    late_before: bool
    late_after: bool
    late_by: int = 0
    limit: int | None = None
    cost: float = 0.0

    @property
    def later_by(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def dropped(self) -> bool:
        """Made in the baseline, not made now."""
        return self.before is not None and self.after is None

    @property
    def harmed(self) -> bool:
        """Beyond what the protect rule allows, or dropped."""
        if self.dropped:
            return True
        return self.limit is not None and self.after is not None and self.after > self.limit


@dataclass(frozen=True)
class SupplierAction:
    """A net change to what is bought: per (supplier, material, mode, week of arrival).

    ``action``: buy (a key only the proposal has, standard mode), expedite (the same with a
    faster mode), buy more, buy less, cancel (a key only the baseline has); ``quantity``: the
    net change (negative for less); ``purchases``: the proposal's purchases behind it.
    """

    action: str
    supplier: str
    material: str
    mode: str
    week: str
    quantity: int
    cost: float
    purchases: tuple[Purchase, ...] = ()


@dataclass
class Option:
    """One way to answer a customer change: as asked, or with the dates that protect others.

    ``cost`` is money beyond the baseline on one yardstick for every option: the plan's
    objective (stability excluded) with each asked order judged at its asked date and every
    other order at the latest date its protect rule allows, so that a displaced order costs
    its priority weight per day beyond it.
    """

    name: str
    plan: Plan
    promises: dict[str, int]
    worst_slip: int
    harm: list[Move]
    cost: float
    recommended: bool = False


@dataclass
class Outcome:
    """The evaluation of one change set."""

    name: str
    verdict: str
    reason: str
    plant: Plant | None = None
    plan: Plan | None = None
    kpis: Kpis | None = None
    promise: int | None = None  # when every asked order is complete (the latest promise)
    promises: dict[str, int] = field(default_factory=dict)  # per asked order
    asked_dates: dict[str, int] = field(default_factory=dict)  # per asked order, as asked
    worst_slip: int = 0  # ticks the latest asked order finishes beyond its asked date
    promise_proven: bool = False  # nothing better than these dates exists (see ``proven``)
    proven: str = ""  # what was proven, in words (empty: nothing)
    protect: str = "due"
    protect_tolerance: int = 0  # ticks
    binding: list[str] = field(default_factory=list)  # what decides the offered date
    options: list[Option] = field(default_factory=list)  # recommended first
    change_value: float | None = None  # margin the asked orders earn
    asked: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    disruptions: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    harmed_as_asked: list[Move] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    supplier_actions: list[SupplierAction] = field(default_factory=list)
    approvals: list[str] = field(default_factory=list)
    stability: Stability | None = None
    cost_delta: float | None = None
    close_call: bool = False  # the options cost within settings.close_call_share of each other

    @property
    def slips(self) -> dict[str, int]:
        """Per asked order: ticks its promise lies beyond its asked date (0 when on time)."""
        return {
            o: max(0, self.promises[o] - self.asked_dates[o])
            for o in self.promises
            if o in self.asked_dates
        }

    @property
    def dropped(self) -> list[Move]:
        """Orders the baseline makes that this proposal does not (declined): harm."""
        return [m for m in self.moves if m.dropped and m.order not in self.cancelled]


@dataclass
class Evaluation:
    scenario: Scenario
    plant: Plant
    baseline: Plan
    baseline_solved: bool
    baseline_kpis: Kpis
    now: int
    outcomes: list[Outcome]

    @property
    def best(self) -> Outcome | None:
        """The variant with the lowest objective among those not rejected."""
        candidates = [o for o in self.outcomes if o.verdict != REJECT and o.plan is not None]
        return min(candidates, key=lambda o: o.plan.objective, default=None)

    @property
    def exit_code(self) -> int:
        """0 accept with no order harmed; 3 accept with a date, accept as asked (others move)
        or orders harmed or dropped; 4 reject."""
        first = self.outcomes[0]
        if first.verdict == REJECT:
            return 4
        if first.verdict in (ACCEPT_WITH_DATE, ACCEPT_AS_ASKED):
            return 3
        if first.dropped:
            return 3
        if first.verdict == IMPACT and any(m.late_after and not m.late_before for m in first.moves):
            return 3
        return 0
