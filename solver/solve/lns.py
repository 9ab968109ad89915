"""Large-neighbourhood search for big books of orders: free some orders, fix the rest, re-solve.

CP-SAT alone barely improves the dispatch plan beyond about 1000 orders (benchmarks/README.md):
its own neighbourhoods copy the whole model each time. Here a neighbourhood is a *small plant*:
the freed orders only, with the steps of every other order turned into downtime on their
resources (whole machines, or one unit of a pool). The objective is a sum over orders, so a
better sub-plan is a better plan. Which orders a neighbourhood frees is a kind's choice
(``solve.neighbourhoods``): by default those due nearest a late order's due date.
"""

from __future__ import annotations

import dataclasses
import random
import time

from solver.domain.errors import SolveError
from solver.domain.mapping import Mapper, serial
from solver.domain.plan import OrderOutcome, Plan
from solver.domain.plant import Downtime, KeptStep, Plant
from solver.domain.settings import Settings
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_total, objective_units
from solver.facts.stability import Reference
from solver.rules.costs import units_per_currency
from solver.rules.ranking import remaining_work, tardiness_weights
from solver.solve.cpsat.model import Progress, build, deterministic_limit, solve
from solver.solve.neighbourhoods.adaptive import Selector
from solver.solve.neighbourhoods.near_late import NearLate
from solver.solve.residual_supply import keep_surplus_sources, residual_supply
from solver.supply.allocation import build_purchases
from solver.supply.sources import has_supply


def neighbourhood(
    plant: Plant, plan: Plan, size: int, rng: random.Random, focus: list[str] | None = None
) -> set[str]:
    """Up to ``size`` orders whose work lies nearest in time to an anchor: one of ``focus``
    (the orders a change is about) half of the time, else a late order (70 %) or any
    (``neighbourhoods.near_late``)."""
    return NearLate().choose(plant, plan, size, rng, focus)


def around(plant: Plant, plan: Plan, orders: list[str], size: int) -> set[str]:
    """The given orders and up to ``size`` others sharing their resources: those that start
    before the later of a given order's due date and its planned completion, nearest first to
    its latest start (due date less remaining work); then the later ones, nearest first. The
    orders a changed order can trade places with.

    Parameters
    ----------
    plant : Plant
    plan : Plan
        A complete plan with the given orders in it (where they landed bounds their window).
    orders : list of str
    size : int

    Returns
    -------
    set of str
    """
    resources = {
        option.resource
        for oid in orders
        for _, step in plant.remaining_steps(oid)
        for option in step.options
    }
    windows = []
    for oid in orders:
        due = plant.orders[oid].due
        outcome = plan.outcome(oid)
        landed = outcome.completion if outcome and outcome.completion is not None else due
        windows.append((due - remaining_work(plant, oid), max(due, landed)))
    # Any step from the start of the plan to where the order landed may have to give way;
    # nearest first to the latest start that meets the due date.
    nearest: dict[str, tuple[int, int]] = {}
    for step in plan.steps:
        if step.order in orders or step.resource not in resources:
            continue
        key = min((max(0, step.start - end), abs(step.start - begin)) for begin, end in windows)
        nearest[step.order] = min(key, nearest.get(step.order, key))
    return set(orders) | set(sorted(nearest, key=lambda o: (nearest[o], o))[:size])


def sub_plant(plant: Plant, plan: Plan, free: set[str]) -> Plant:
    """The freed orders alone, on resources where every other order's steps are downtime,
    with the stock, supplier capacity and finished goods the others leave
    (``residual_supply``); on machines with a changeover matrix those steps are also kept
    steps (``Plant.kept``), whose families set the changeovers next to them.

    With minimum-order surplus going into stock, ``free`` must leave the kept orders the
    shipments their draws need (``residual_supply.keep_surplus_sources``)."""
    blocked: dict[str, list[Downtime]] = {}
    kept = {rid: list(steps) for rid, steps in plant.kept.items()}
    for step in plan.steps:
        if step.order not in free:
            units = None if plant.resources[step.resource].capacity == 1 else 1
            blocked.setdefault(step.resource, []).append(
                Downtime(step.start, step.end, units, "fixed", held=True)
            )
            if step.resource in plant.changeovers:
                kept.setdefault(step.resource, []).append(
                    KeptStep(step.start, step.end, plant.family(step.order))
                )
    return residual_supply(plant.with_downtime(blocked), plan, free).replace(
        orders={oid: order for oid, order in plant.orders.items() if oid in free},
        pins={key: pin for key, pin in plant.pins.items() if key[0] in free},
        kept={rid: tuple(sorted(steps, key=lambda k: k.start)) for rid, steps in kept.items()},
    )


def restrict(plan: Plan, orders: set[str]) -> Plan:
    """The part of a plan that concerns the given orders (their purchases are not grouped)."""
    return dataclasses.replace(
        plan,
        steps=tuple(s for s in plan.steps if s.order in orders),
        outcomes=tuple(o for o in plan.outcomes if o.order in orders),
        supplies=tuple(s for s in plan.supplies if s.order in orders),
        purchases=(),
    )


def improve(
    plant: Plant,
    start: Plan,
    progress: Progress | None = None,
    reference: Reference | None = None,
    focus: list[str] | None = None,
    size: int | None = None,
    step_limit: float | None = None,
    kinds: str | None = None,
    mapper: Mapper | None = None,
) -> Plan:
    """Improve ``start`` by re-solving neighbourhoods until the time limit.

    ``kinds`` (default: ``settings.lns_neighbourhoods``) is ``adaptive``, which chooses each
    neighbourhood's kind and size by how the earlier ones went (``neighbourhoods.adaptive``),
    or one kind (``near_due``, ``near_late``) used for every neighbourhood at the size asked.

    With a ``reference`` (a what-if's baseline) the objective includes the stability term;
    ``focus`` names orders the neighbourhoods should often be built around; ``size`` and
    ``step_limit`` override ``settings.lns_orders`` (``lns_supply_orders`` with supply) and
    ``step_seconds``. The plant's settings give ``time_limit`` for the whole search,
    the orders per neighbourhood, ``step_seconds`` per neighbourhood, ``seed`` and
    ``workers`` (at most ``lns_workers`` of them per neighbourhood). With supply, each
    neighbourhood's orders get the stock, supplier capacity and finished goods the others
    leave (``sub_plant``) and the merged plan's purchases are grouped again.

    ``settings.lns_portfolio`` neighbourhoods of distinct orders are solved per round (one
    without it, and always one with supply, whose orders share stock and suppliers), by
    ``mapper`` (``serial`` by default; Dask's runs them side by side), and merged in turn:
    each is kept when it lowers the objective and, after the first, the checker finds the
    plan still valid with it (it was solved around the others' old places).

    Parameters
    ----------
    plant : Plant
    start : Plan
        A complete plan (every firm order made), e.g. the dispatch plan.

    Returns
    -------
    Plan
        Status FEASIBLE (nothing is proven), no bound, ``stats`` with iterations, the
        neighbourhoods CP-SAT searched (``searched``: it stops at the first the memory budget
        fits no worker for) and improvements.
    """
    began = time.perf_counter()
    settings = plant.settings
    weights = tardiness_weights(plant)
    rng = random.Random(settings.seed)
    scale = units_per_currency(plant)
    current = start
    best = objective_total(plant, current, weights, reference)
    iterations = improvements = searched = used = beside = 0
    budget = Budget(settings)
    supply = has_supply(plant)
    # A plant with changeovers gets small adaptive neighbourhoods unless the caller sizes
    # them (a what-if's): its circuits make big ones slow (``changeover_lns_orders``).
    sequencing = bool(plant.changeovers) and size is None
    if size is None:
        size = settings.lns_supply_orders if supply else settings.lns_orders
        if sequencing:
            size = min(size, settings.changeover_lns_orders)
    if kinds is None:
        kinds = "adaptive" if sequencing else settings.lns_neighbourhoods
    selector = Selector(plant, size, rng, kinds)
    workers = min(settings.workers, settings.lns_workers)
    portfolio = 1 if supply else settings.lns_portfolio
    while (left := budget.left()) > 0.2:
        step = min(step_limit or step_seconds(plant), left)
        chosen = _disjoint(selector, plant, current, focus, portfolio)
        if supply:
            chosen = [(kind, keep_surplus_sources(plant, current, free)) for kind, free in chosen]
        pieces = []
        for _, free in chosen:
            iterations += 1
            sub = sub_plant(plant, current, free)
            sub = sub.replace(settings=settings.cut_to(step)).with_settings(
                seed=settings.seed + iterations,
                workers=workers,
                presolve=_neighbourhood_presolve(settings, supply),
                # OR-Tools 9.15 crashed in its local search on these (cpsat.model).
                local_search=False if supply else None,
            )
            pieces.append((sub, restrict(current, free), weights, reference))
        results = (mapper or serial)(solve_piece, pieces)
        if any(r is not None and r.stats.get("memory_cut") for r in results):
            break  # the memory budget fits no worker even here: the others are alike
        # Pieces ran side by side: the round costs its longest (one piece: as before).
        budget.charge(max(results, key=_spent))
        merged = False
        for (kind, free), repaired in zip(chosen, results, strict=True):
            if repaired is None:
                continue
            searched += 1
            used = max(used, int(repaired.stats.get("workers", workers)))
            candidate = merge(current, repaired, free, plant)
            value = objective_total(plant, candidate, weights, reference)
            # A later piece was solved around the earlier pieces' old places: where one of
            # them moved, the checker says whether this one still fits beside it.
            better = value < best and (not merged or not check_plan(plant, candidate))
            selector.record(kind, better, repaired.status == "OPTIMAL", repaired.solve_time / step)
            if better:
                best, current, improvements = value, candidate, improvements + 1
                beside += merged  # kept after another piece of its round
                merged = True
                if progress:
                    progress(time.perf_counter() - began, best / scale, None)
    terms = objective_units(plant, current, weights, reference)
    return dataclasses.replace(
        current,
        status="FEASIBLE",
        objective=best / scale,
        objective_units=best,
        terms={name: units / scale for name, units in terms.items()},
        best_bound=None,
        gap=None,
        solve_time=time.perf_counter() - began,
        stats={
            "method": "lns",
            "iterations": iterations,
            "searched": searched,
            "improvements": improvements,
            "portfolio": portfolio,
            "merged_beside": beside,
            "neighbourhoods": selector.summary(),
            "first_solution_seconds": 0.0,
            "deterministic_time": budget.used,
            "workers": float(used),  # the most any neighbourhood's solve used
            **_workers_note(settings, workers),
        },
    )


STEP_SECONDS = 2.0
STEP_ORDERS = 2000


def step_seconds(plant: Plant) -> float:
    """Seconds per neighbourhood: ``settings.lns_step_limit`` when given, else
    ``STEP_SECONDS``, scaled up with the book above ``STEP_ORDERS`` orders.

    A neighbourhood's model holds every other order's steps (as holes in its start domains
    and fixed intervals), so it takes longer to build and presolve in a bigger book. Measured
    with ``near_due`` neighbourhoods of 150 orders, 60 s, 2 workers (benchmarks/README.md):
    at 1,000 orders 2-s steps gave 16,574 against 21,612 with 5 s and 20,174 with 10 s; at
    5,000 orders 5-s steps gave 91,780 against 99,402 with 2 s (and 93,099 with 10 s).
    """
    asked = plant.settings.lns_step_limit
    if asked is not None:
        return asked
    return STEP_SECONDS * max(1.0, len(plant.orders) / STEP_ORDERS)


def solve_piece(piece: tuple) -> Plan | None:
    """One neighbourhood's solve: (sub-plant, hint, weights, reference) -> its plan, or None
    when it has none. Top-level, so that a Dask worker can run it."""
    sub, hint, weights, reference = piece
    try:
        return solve(build(sub, hint, weights, reference))
    except SolveError:
        return None


def _spent(plan: Plan | None) -> float:
    return 0.0 if plan is None else plan.stats.get("deterministic_time", 0.0)


def _disjoint(
    selector: Selector, plant: Plant, plan: Plan, focus: list[str] | None, wanted: int
) -> list[tuple]:
    """Up to ``wanted`` neighbourhoods (kind, orders) with no order in common: the first as
    the selector chooses it, the others among at most ``3 * wanted`` further choices."""
    chosen = [selector.choose(plant, plan, focus)]
    taken = set(chosen[0][1])
    for _ in range(3 * wanted):
        if len(chosen) == wanted:
            break
        kind, free = selector.choose(plant, plan, focus)
        if not free & taken:
            chosen.append((kind, free))
            taken |= free
    return chosen


def _workers_note(settings: Settings, workers: int) -> dict[str, float | str]:
    """Say so when ``lns_workers`` cut the workers asked: the rest would only copy the model."""
    if workers >= settings.workers:
        return {}
    return {
        "workers_asked": float(settings.workers),
        "workers_note": (
            f"{settings.workers} workers asked, {workers} used per neighbourhood "
            f"(lns_workers): more would each copy the neighbourhood's model for no better plan"
        ),
    }


class Budget:
    """What is left of the search's limit: wall-clock seconds, or deterministic time.

    A deterministic search counts each neighbourhood's deterministic time, and at least
    ``MIN_CHARGE`` for one, so that many trivial neighbourhoods (whose building is not counted
    by CP-SAT) cannot keep it going for ever; its wall clock is capped like a single solve's.
    """

    MIN_CHARGE = 0.05

    def __init__(self, settings: Settings):
        self.deterministic = bool(settings.deterministic)
        self.limit = deterministic_limit(settings) if self.deterministic else settings.time_limit
        self.wall_cap = settings.wall_cap
        self.began = time.perf_counter()
        self.used = 0.0

    def charge(self, plan: Plan | None) -> None:
        spent = plan.stats.get("deterministic_time", 0.0) if plan is not None else 0.0
        self.used += max(self.MIN_CHARGE, spent)

    def left(self) -> float:
        elapsed = time.perf_counter() - self.began
        if not self.deterministic:
            return self.limit - elapsed
        if elapsed >= self.wall_cap:
            return 0.0
        return self.limit - self.used


def _neighbourhood_presolve(settings: Settings, supply: bool) -> str | None:
    """Light presolve for a neighbourhood with supply when the level is ``auto``.

    Measured at 1,000 orders with materials (generated, seed 1, 60 orders a neighbourhood,
    2 workers, one run each): 20 s of LNS took the dispatch plan's 801,054 EUR to 796,741 with
    light presolve, 800,530 (twice) with none and 801,054 with full; 60 s with light reached
    792,299, with none 796,329.
    """
    return "light" if supply and settings.presolve == "auto" else None


def merge(current: Plan, repaired: Plan, free: set[str], plant: Plant | None = None) -> Plan:
    """``current`` with the freed orders' steps, outcomes and supplies taken from ``repaired``.

    With ``plant`` (needed where it has supply) the purchases are grouped again from the
    merged supplies: a freed order may join or leave a kept order's shipment. The merged plan
    states no objective: ``current``'s no longer describes it, and the checker
    (``valid_plan``) would refuse it for the mismatch. Callers re-price it (``with_objective``).
    """
    outcomes: list[OrderOutcome] = [o for o in current.outcomes if o.order not in free]
    supplies = tuple(s for s in current.supplies if s.order not in free) + repaired.supplies
    purchases = current.purchases
    if plant is not None and has_supply(plant):
        purchases = tuple(build_purchases(plant, supplies))
    return dataclasses.replace(
        current,
        steps=tuple(s for s in current.steps if s.order not in free) + repaired.steps,
        outcomes=tuple(outcomes) + repaired.outcomes,
        supplies=supplies,
        purchases=purchases,
        objective=0.0,
        objective_units=0,
        terms={},
        best_bound=None,
        gap=None,
    )
