"""``replan nightly``: tonight's re-plan of the whole book against the released plan.

Rolls the released plan to now, applies the net change from today's files, re-optimises the
whole book with a strategy, and saves the candidate (released only when asked). The budget is
spent in rounds of at most ``save_every`` seconds: the strategy's own re-plan first, then
warm-started solves from the best plan so far; after each round the best plan is written to
the store, marked incomplete until the run ends, so a run killed at any moment leaves its
best plan behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from solver.changes.rolling import freeze, roll_to
from solver.daily.book import Book, todays_book
from solver.daily.records import kpi_dict
from solver.domain.errors import SolveError
from solver.domain.plan import Plan, Purchase
from solver.domain.plant import Plant
from solver.facts.checker import Violation, check_plan
from solver.facts.diff import PlanDiff, plan_diff
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.rules.ranking import tardiness_weights
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import dispatch
from solver.store.store import Store
from solver.strategies import get_strategy
from solver.strategies.frozen import DEFAULT_FENCE

DEFAULT_STRATEGY = "frozen"  # measured best for the overnight re-plan (benchmarks/README.md)
SOLVER_STRATEGIES = ("regenerate", "stable", "frozen", "affected")


@dataclass
class NightlyResult:
    """What the morning report is made of."""

    candidate_id: int
    plant: Plant
    plan: Plan
    book: Book
    violations: list[Violation]
    diff: PlanDiff | None
    purchases_today: list[Purchase]
    newly_late: list[str]
    released: bool
    rounds: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def run_nightly(
    store: Store,
    today: Plant,
    *,
    now: datetime | None = None,
    strategy: str = DEFAULT_STRATEGY,
    budget: float = 1200.0,
    release: bool = False,
    by: str = "nightly",
    save_every: float = 60.0,
    on_round: Callable[[int, Plan], None] | None = None,
) -> NightlyResult:
    """Re-plan today's book against the released plan and save the candidate.

    Parameters
    ----------
    store : Store
    today : Plant
        Loaded from today's files.
    now : datetime, optional
        Before it nothing may change; today's plan start by default.
    strategy : str
        A rescheduling strategy (``replan bench`` compares them).
    budget : float
        Seconds of solving in all.
    release : bool
        Release the candidate if it passes the checker.
    save_every : float
        The longest round: the best plan so far is saved at least this often.
    on_round : callable, optional
        Called with the round number and the best plan after each round.

    Returns
    -------
    NightlyResult

    Raises
    ------
    SolveError
        When no plan makes every firm order.
    """
    began = time.perf_counter()
    chooser = get_strategy(strategy)
    book = todays_book(store, today, now)
    now_tick = book.now
    if book.baseline is not None:
        baseline, changed = book.baseline, []
    elif book.net is not None:
        baseline, changed = book.net.baseline, list(book.net.changed)
    else:
        baseline, changed = dispatch(book.plant), []
    # What started before now stays where the released plan has it (or where WIP says).
    plant = roll_to(book.plant, baseline, now_tick)
    # Something complete is in the store from the first second: the dispatch plan.
    best = dispatch(plant)
    candidate_id = store.save_plan(
        book.plant_id,
        best,
        kind="candidate",
        name=f"nightly {plant.grid.to_datetime(now_tick):%Y-%m-%d %H:%M}",
        kpis=kpi_dict(plant, best),
        changes=book.changes,
        now=plant.grid.to_datetime(now_tick).isoformat(),
        parent_id=None if book.released is None else book.released.id,
        complete=False,
    )
    reference = Reference(baseline, frozenset(changed)) if strategy == "stable" else None
    weights = tardiness_weights(plant)

    def cost(plan: Plan) -> int:
        return sum(objective_units(plant, plan, weights, reference).values())

    rounds = 0
    while True:
        left = budget - (time.perf_counter() - began)
        if rounds and (left < 1.0 or strategy not in SOLVER_STRATEGIES):
            break
        this_round = plant.with_settings(time_limit=max(0.5, min(save_every, left)))
        limit = this_round.settings.deterministic_time
        if limit is not None:
            this_round = this_round.with_settings(
                deterministic_time=min(limit, this_round.settings.time_limit)
            )
        try:
            if rounds == 0:
                found = chooser.replan(this_round, baseline, now_tick, changed)
            else:
                found = _improve(
                    this_round, best, baseline, now_tick, changed, strategy, reference, weights
                )
        except SolveError:
            if rounds == 0:
                raise
            break
        rounds += 1
        if not check_plan(plant, found) and cost(found) <= cost(best):
            best = found
        store.update_plan(candidate_id, best, kpis=kpi_dict(plant, best), complete=False)
        if on_round is not None:
            on_round(rounds, best)
    violations = check_plan(plant, best)
    store.update_plan(candidate_id, best, kpis=kpi_dict(plant, best), complete=True)
    released = False
    if release and not violations:
        store.release(candidate_id, by=by, note="nightly")
        released = True
    diff = None
    newly_late: list[str] = []
    if book.released_plan is not None and book.released_plant is not None:
        diff = plan_diff(
            book.released_plant, book.released_plan, plant, best, "released", "candidate"
        )
        newly_late = [d.order for d in diff.orders if d.late_b and not d.late_a]
    return NightlyResult(
        candidate_id,
        plant,
        best,
        book,
        violations,
        diff,
        purchases_due(plant, best, now_tick),
        newly_late,
        released,
        rounds,
        time.perf_counter() - began,
        notes=list(book.notes),
    )


def _improve(
    plant: Plant,
    best: Plan,
    baseline: Plan,
    now: int,
    changed: list[str],
    strategy: str,
    reference: Reference | None,
    weights: dict[str, int],
) -> Plan:
    """A solve warm-started from the best plan, keeping what the strategy keeps (the plant
    carries this round's budget)."""
    solved_on = plant
    if strategy == "frozen":
        fence = plant.grid.duration_ticks((plant.settings.frozen or DEFAULT_FENCE).total_seconds())
        solved_on = freeze(solved_on, baseline, now, fence, set(changed))
    result = solve(build(solved_on, best, weights, reference))
    return result.pinned_only_at(plant.pins)


def purchases_due(plant: Plant, plan: Plan, now: int) -> list[Purchase]:
    """Purchases whose order-by date falls before the end of today: to place today."""
    day_end = plant.grid.to_datetime(now).replace(hour=0, minute=0, second=0) + timedelta(days=1)
    limit = plant.grid.floor(day_end)
    return sorted((p for p in plan.purchases if p.order_by < limit), key=lambda p: p.order_by)
