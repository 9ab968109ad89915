"""Plan the whole book of orders: CP-SAT on the full model, or LNS for big books."""

from __future__ import annotations

import dataclasses
import time

from solver.domain.mapping import Mapper
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.provenance import stamp
from solver.rules.ranking import rank_orders
from solver.solve.cpsat.model import BuiltModel, Progress, build, solve, unsearched
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve
from solver.solve.lower_bound import lower_bound, with_bound

# Below this, CP-SAT would spend the time loading the model and return the hint anyway.
MIN_SEARCH_SECONDS = 0.5


def uses_lns(plant: Plant) -> bool:
    """``search: auto`` picks LNS above ``lns_above`` orders, where it measured better.

    With supply too: a neighbourhood's orders get the stock, supplier capacity and finished
    goods the others leave (``solve.residual_supply``). At 1,000 orders with materials
    (generated, seed 1, 60 s, 2 workers) the whole model ended at 800,396 EUR from dispatch's
    801,054; LNS reached 791,112 (40 orders a neighbourhood, light presolve). A plant with a
    changeover matrix switches above ``changeover_lns_above`` instead (see that setting).
    """
    settings = plant.settings
    if settings.search == "auto":
        above = settings.changeover_lns_above if plant.changeovers else settings.lns_above
        return len(plant.orders) > above
    return settings.search == "lns"


def plan(plant: Plant, progress: Progress | None = None, mapper: Mapper | None = None) -> Plan:
    """Plan every order of the plant from scratch.

    Parameters
    ----------
    plant : Plant
        With the settings of the search: ``search`` chooses the method (see ``uses_lns``).
    progress : callable, optional
        Called with (seconds, objective, bound or None) at each improvement.
    mapper : Mapper, optional
        Runs an LNS round's neighbourhoods (``settings.lns_portfolio`` of them): ``serial``
        by default, Dask's with ``--dask``.

    Returns
    -------
    Plan
        With its provenance (``solver.domain.provenance``).
    """
    began = time.perf_counter()
    ranks = rank_orders(plant)
    hint = best_dispatch(plant, ranks)
    weights = {r.order: r.weight for r in ranks}
    if uses_lns(plant) and hint.status == "DISPATCH":
        return stamp(_lns(plant, hint, weights, began, progress, mapper), plant)
    built = build(plant, hint, weights)
    result = _within_limit(built, time.perf_counter() - began, progress)
    if result.stats.get("memory_cut") and hint.status == "DISPATCH":
        built = None  # the whole model's memory, before the neighbourhoods need theirs
        result = _lns_instead(plant, hint, weights, began, progress, result, mapper)
    return stamp(result, plant)


def _lns(
    plant: Plant,
    hint: Plan,
    weights: dict[str, int],
    began: float,
    progress: Progress | None,
    mapper: Mapper | None = None,
) -> Plan:
    """LNS from the dispatch plan in what is left of the limit, with the relaxation's bound
    (LNS proves none: it says how far from the best the plan may be). The bound is computed
    first, inside the limit: 1-2 s at 5,000 orders with materials."""
    bound = lower_bound(plant, weights)
    prepared = time.perf_counter() - began
    searching = _lns_within_limit(plant, prepared)
    found = with_bound(plant, improve(searching, hint, progress, mapper=mapper), weights, bound)
    return _stats(found, prepared, "")


def _lns_instead(
    plant: Plant,
    hint: Plan,
    weights: dict[str, int],
    began: float,
    progress: Progress | None,
    cut: Plan,
    mapper: Mapper | None = None,
) -> Plan:
    """LNS when the whole model fits no CP-SAT worker in the memory budget (``cut``, the
    dispatch plan): its neighbourhoods are models of a few dozen orders, each given the
    workers that fit. ``cut`` itself when no neighbourhood fits either."""
    found = _lns(plant, hint, weights, began, progress, mapper)
    if not found.stats.get("searched"):
        return cut
    memory = {k: v for k, v in cut.stats.items() if k.startswith("memory_")}
    note = (
        f"the whole model fits no worker in the memory budget (about "
        f"{memory['memory_estimate_mb']:,.0f} MB with one, budget "
        f"{memory['memory_budget_mb']:,.0f} MB): LNS on neighbourhoods instead"
    )
    memory.pop("memory_cut", None)
    return dataclasses.replace(found, stats={**found.stats, **memory, "workers_note": note})


def _lns_within_limit(plant: Plant, prepared: float) -> Plant:
    """The plant with what is left of the wall-clock limit after ranking and dispatch, for
    LNS (which always has its start: the dispatch plan). At 5,000 orders with materials the
    dispatch took 7 s, and a 60-s limit ran for 74 s. Deterministic searches keep their
    limit: their work, not the clock, bounds them."""
    settings = plant.settings
    if settings.deterministic:
        return plant
    return plant.with_settings(time_limit=max(MIN_SEARCH_SECONDS, settings.time_limit - prepared))


def _within_limit(built: BuiltModel, prepared: float, progress: Progress | None) -> Plan:
    """Solve in what is left of the wall-clock limit after ranking, dispatch and the build.

    ``time_limit`` bounds the whole plan call: a 5,000-order plant with materials took 54 s to
    build, so a 60-s limit ran for 150 s. The plan says how long the preparation took
    (``stats.preparation_seconds``) and warns (``stats.build_note``) when it took more than
    half the limit; with less than ``MIN_SEARCH_SECONDS`` left, the dispatch plan is the
    answer. Deterministic solves keep their deterministic-time limit: their work, not the
    clock, bounds them, so that they repeat.
    """
    settings = built.plant.settings
    limit = settings.time_limit
    note = ""
    if not settings.deterministic:
        left = limit - prepared
        if prepared > limit / 2:
            note = (
                f"ranking, dispatch and building the model took {prepared:.1f} s of the "
                f"{limit:g} s limit; {max(0.0, left):.1f} s were left to search"
            )
        if left < MIN_SEARCH_SECONDS:
            return _stats(unsearched(built), prepared, note + ": the plan is the dispatch plan")
        built = built.with_settings(time_limit=left)
    return _stats(solve(built, progress), prepared, note)


def _stats(result: Plan, prepared: float, note: str) -> Plan:
    stats = {**result.stats, "preparation_seconds": round(prepared, 3)}
    if note:
        stats["build_note"] = note
    return dataclasses.replace(result, stats=stats)
