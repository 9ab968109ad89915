"""Build the CP-SAT model of a plant, solve it with settings' parameters, extract a Plan."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.domain.errors import SolveError
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.domain.settings import Settings
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.rules.costs import units_per_currency
from solver.rules.ranking import tardiness_weights
from solver.solve.cpsat import constraints, objective
from solver.solve.cpsat.hints import add_plan_hint
from solver.solve.cpsat.materials import extract_supplies
from solver.solve.cpsat.memory import WorkerChoice, choose_workers
from solver.solve.cpsat.promise_terms import add_completion_limits
from solver.solve.cpsat.variables import ModelVars, create_variables
from solver.solve.dispatch import best_dispatch
from solver.supply.allocation import build_purchases

# (seconds, objective, bound or None when none is proven), in money
Progress = Callable[[float, float, float | None], None]


@dataclass
class BuiltModel:
    """A CP-SAT model with its variables, objective terms and build statistics."""

    plant: Plant
    model: cp_model.CpModel
    variables: ModelVars
    terms: dict[str, cp_model.LinearExpr]
    weights: dict[str, int]
    hint: Plan
    build_seconds: float
    reference: Reference | None = None
    limited: bool = False  # completion limits: the model may have no solution at all
    promise: bool = False  # minimises the promise objective, not the plan's terms

    def with_settings(self, **overrides: object) -> BuiltModel:
        """The same model, to be solved with other settings (a benchmark's limits, seeds)."""
        return dataclasses.replace(self, plant=self.plant.with_settings(**overrides))

    def size(self) -> dict[str, int]:
        proto = self.model.proto
        return {"variables": len(proto.variables), "constraints": len(proto.constraints)}


def build(
    plant: Plant,
    hint: Plan | None = None,
    weights: dict[str, int] | None = None,
    reference: Reference | None = None,
    limits: dict[str, int] | None = None,
    promise: list[str] | None = None,
) -> BuiltModel:
    """Create variables, constraints and objective for every order of the plant.

    Parameters
    ----------
    plant : Plant
    hint : Plan, optional
        A plan to start the search from; by default the best dispatch (list-scheduling) plan,
        which is also returned if CP-SAT finds nothing within the time limit.
    weights : dict, optional
        Tardiness weight per order; by default from ranking this plant's orders. A sub-plant
        (an LNS neighbourhood) passes the whole book's weights so that its objective is the
        whole plan's objective restricted to its orders.
    reference : Reference, optional
        A baseline to stay close to: adds the minimal-change ``stability`` term (what-if).
    limits : dict, optional
        Order -> latest completion tick; those orders must be made (or shipped).
    promise : list of str, optional
        Asked orders whose dates to set instead of minimising the objective: their worst slip
        beyond their dues, then their summed completion (``promise_terms``).
    """
    began = time.perf_counter()
    model = cp_model.CpModel()
    variables = create_variables(model, plant)
    constraints.add_all(model, plant, variables)
    if limits:
        add_completion_limits(model, variables, limits)
    weights = weights or tardiness_weights(plant)
    terms = objective.set_objective(model, plant, variables, weights, reference, promise)
    hint = hint or best_dispatch(plant)
    add_plan_hint(model, plant, variables, hint)
    return BuiltModel(
        plant,
        model,
        variables,
        terms,
        weights,
        hint,
        time.perf_counter() - began,
        reference,
        bool(limits),
        bool(promise),
    )


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Progress, scale: int, began: float):
        super().__init__()
        self._report, self._scale, self._began = report, scale, began
        self.first_solution_seconds: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self._began
        if self.first_solution_seconds is None:
            self.first_solution_seconds = elapsed
        self._report(
            elapsed, self.objective_value / self._scale, self.best_objective_bound / self._scale
        )


def solver_parameters(solver: cp_model.CpSolver, settings: Settings) -> None:
    """Apply limits, workers, seed, presolve level and logging from settings.

    ``presolve: auto`` must be resolved first (``presolve_level``); left as is, CP-SAT's own
    default (full) applies.

    With ``settings.deterministic`` the workers run interleaved and the search stops at a
    deterministic-time limit, so the same input, settings and seed give the same plan however
    busy the machine is (measured: a deterministic limit alone with 2 parallel workers still
    varies). The wall-clock limit then only caps a runaway solve.
    """
    params = solver.parameters
    params.num_workers = settings.workers
    params.random_seed = settings.seed
    params.log_search_progress = settings.log_search
    # Ctrl-C must reach the caller as KeyboardInterrupt, not end the search as if complete.
    params.catch_sigint_signal = False
    if settings.deterministic:
        params.max_time_in_seconds = settings.wall_cap
        if settings.workers == 1:  # one worker searches the same way every time
            params.max_deterministic_time = deterministic_limit(settings)
        else:
            # Workers take turns in batches of one task each; every task of a batch may spend
            # the whole limit (measured: with a batch of b the search used b x the limit), so
            # the limit is shared out and the units count the work of all workers together.
            params.interleave_search = True
            params.interleave_batch_size = settings.workers
            params.max_deterministic_time = deterministic_limit(settings) / settings.workers
            # Each subsolver takes its turn at the shared units; ``fixed`` measured to waste
            # its turns (settings.skip_subsolvers).
            params.ignore_subsolvers.extend(settings.skip_subsolvers)
    else:
        params.max_time_in_seconds = settings.time_limit
    if settings.presolve == "off":
        params.cp_model_presolve = False
    elif settings.presolve == "light":
        params.cp_model_probing_level = 0
        params.max_presolve_iterations = 1


def deterministic_limit(settings: Settings) -> float:
    """Deterministic-time units per solve: ``deterministic_time``, else ``time_limit``'s number."""
    return settings.deterministic_time or settings.time_limit


def run_interruptibly(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> int:
    """``solver.solve`` in a worker thread, so that Ctrl-C stops the search and is re-raised.

    CP-SAT releases the GIL while it searches, so the main thread keeps receiving signals; on
    KeyboardInterrupt the search is stopped, awaited, and the interrupt propagates: no plan is
    reported as complete.
    """
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="cp-sat", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.05)
    except KeyboardInterrupt:
        solver.stop_search()
        thread.join()
        raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["status"]  # type: ignore[return-value]


def solve(built: BuiltModel, progress: Progress | None = None) -> Plan:
    """Solve a built model and return its plan; a timeout returns the best plan found.

    The solver's parameters are the settings of the plant the model was built from.

    Parameters
    ----------
    built : BuiltModel
    progress : callable, optional
        Called with (seconds, objective, bound) at each improving solution.

    Raises
    ------
    SolveError
        When no plan exists (proven infeasible) or none was found within the time limit.
    """
    settings = _safe(built, built.plant.settings)
    settings = settings.with_overrides(presolve=presolve_level(built, settings))
    choice = choose_workers(settings, built.size()["variables"])
    if choice.workers == 0:
        return _without_search(built, choice)
    settings = settings.with_overrides(workers=choice.workers)
    solver = cp_model.CpSolver()
    solver_parameters(solver, settings)
    # A backstop only: CP-SAT stops searching past it, but its workers' copies come first.
    solver.parameters.max_memory_in_mb = max(1, int(choice.budget_mb))
    _without_local_search(solver, built, settings)
    scale = units_per_currency(built.plant)
    began = time.perf_counter()
    callback = _ProgressCallback(progress or (lambda *_: None), scale, began)
    status = run_interruptibly(solver, built.model, callback)
    name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan = extract(built, solver, name, callback.first_solution_seconds)
        stats = {**plan.stats, **_search_stats(solver, settings), **choice.stats()}
        return dataclasses.replace(plan, stats=stats)
    if status == cp_model.INFEASIBLE:
        raise SolveError(f"{name}: no plan satisfies every constraint", infeasible=True)
    if built.hint.status != "DISPATCH_INCOMPLETE":  # a complete, valid hint: never nothing
        plan = fallback(built, solver.best_objective_bound, solver.wall_time)
        stats = {**plan.stats, **_search_stats(solver, settings), **choice.stats()}
        return dataclasses.replace(plan, stats=stats)
    raise SolveError(f"{name}: no plan found within {settings.time_limit:g} s")


def _without_search(built: BuiltModel, choice: WorkerChoice) -> Plan:
    """The dispatch plan, when the memory budget fits no CP-SAT worker (never a kill)."""
    plan = unsearched(built, choice.note())
    stats = {**plan.stats, "workers": 0.0, "memory_cut": 1.0, **choice.stats()}
    return dataclasses.replace(plan, stats=stats)


def unsearched(built: BuiltModel, why: str = "no time left to search") -> Plan:
    """The model's complete hint as the plan, without a search (bound 0: none proven).

    Raises
    ------
    SolveError
        When the hint is incomplete: there is then no plan to give.
    """
    if built.hint.status == "DISPATCH_INCOMPLETE":
        raise SolveError(f"no plan: {why}; the dispatch plan is incomplete")
    return fallback(built, 0.0, 0.0)


def presolve_level(built: BuiltModel, settings: Settings) -> str:
    """The presolve level to solve this model with: the setting's, or by shape for ``auto``.

    ``auto`` is ``full`` for the one shape where full presolve measured faster: a
    deterministic plan solve (no baseline, limits or promise) where every step has a single
    resource and no stock is modelled, i.e. a job shop. Interleaved workers proved la16 in
    0.59 deterministic units with it against 2.15 off, and every classic instance came within
    1.12x of the textbook model's time (1.4x and 2.3x off). Everything else gets ``off``:
    with alternative resources full presolve took the demo's median time to proof from 5.8
    to 13.8 s and spent 3.7 s before the first plan at 200 orders; with parallel workers it
    was slower on 5 of 7 job shops (benchmarks/README.md).
    """
    if settings.presolve != "auto":
        return settings.presolve
    variables = built.variables
    job_shop = variables.supply is None and all(
        len(step.options) == 1 for order in variables.orders.values() for step in order.steps
    )
    plain = built.reference is None and not built.limited and not built.promise
    return "full" if settings.deterministic and plain and job_shop else "off"


def _safe(built: BuiltModel, settings: Settings) -> Settings:
    """Settings that CP-SAT can run on this model without aborting the process.

    OR-Tools 9.15 aborts the whole process (``Check failed: heuristics.fixed_search !=
    nullptr``) on some models that have no solution when workers are interleaved (our
    deterministic setting with 2 workers). Models that may have none (with completion limits,
    or without a complete hint) are solved by one worker instead, which is as repeatable.
    Measured on tests/test_whatif.py's rush behind a pinned order (no plan meets its date):
    interleaved 2 workers aborted with presolve off and with a light pass; 1 worker answered
    INFEASIBLE. A hint whose sequence on a changeover machine is no path of its circuit (a
    step before a kept step it no longer fits before) is no proof of a solution either, nor
    is one whose supply of a need is no source the model has (a split this plant does not
    offer).
    """
    uncertain = (
        built.limited
        or built.hint.status == "DISPATCH_INCOMPLETE"
        or built.variables.hint_outside_circuit
        or built.variables.hint_outside_sources
    )
    if uncertain and settings.deterministic and settings.workers > 1:
        return settings.with_overrides(workers=1)
    return settings


def _without_local_search(solver: cp_model.CpSolver, built: BuiltModel, settings: Settings) -> None:
    """Switch CP-SAT's local search off where OR-Tools 9.15 crashes the process in it.

    With presolve off and parallel workers, the local-search subsolvers (feasibility jump,
    violation LS) segfault on what-if models: completion limits or the promise objective.
    Measured on a 200-order generated plant (seed 2) with a rush: ``replan whatif
    --no-deterministic --workers 2`` ended in a segmentation fault on every run; the
    neighbourhood model alone crashed 3 runs of 3 with either family on and none with both off
    (OR-Tools issue 5357 reports the same fault in that code). Interleaved workers and one
    worker did not crash, and models without limits or the promise objective never did.
    ``settings.local_search`` false switches it off too: LNS does so for neighbourhoods with
    supply, where a 60-s LNS run at 1,000 orders with materials (light presolve, 2 parallel
    workers) ended in a segmentation fault once for certain (and once more, likely, with no
    output) in about a dozen runs; with it off, none did in the runs since (docs/architecture.md).
    """
    parallel = settings.workers > 1 and not solver.parameters.interleave_search
    crashed_here = settings.presolve == "off" and (built.limited or built.promise)
    if parallel and (crashed_here or not settings.local_search):
        solver.parameters.use_feasibility_jump = False
        solver.parameters.num_violation_ls = 0


def _search_stats(solver: cp_model.CpSolver, settings: Settings) -> dict[str, float | str]:
    """Deterministic time used, the workers that searched, the presolve level used, and
    whether a deterministic solve hit its wall-clock cap."""
    stats = {
        "deterministic_time": solver.deterministic_time,
        "workers": float(settings.workers),
        "presolve": settings.presolve,
    }
    if settings.deterministic:
        cap = settings.wall_cap
        stats["wall_cap_hit"] = float(
            solver.wall_time >= cap * 0.999
            and solver.deterministic_time < deterministic_limit(settings)
        )
    return stats


def fallback(built: BuiltModel, bound: float, seconds: float) -> Plan:
    """The hint plan, when CP-SAT found nothing in time (never return nothing).

    ``bound`` is CP-SAT's best objective bound in objective units, ``seconds`` its wall time.
    """
    plant = built.plant
    scale = units_per_currency(plant)
    terms = objective_units(plant, built.hint, built.weights, built.reference)
    units = sum(terms.values())
    return dataclasses.replace(
        built.hint,
        status="DISPATCH" if built.hint.status == "DISPATCH" else "HINT",
        objective=units / scale,
        objective_units=units,
        terms={name: value / scale for name, value in terms.items()},
        best_bound=bound / scale,
        gap=0.0 if units == 0 else max(0.0, (units - bound) / abs(units)),
        solve_time=seconds,
        stats={
            **built.size(),
            "build_seconds": built.build_seconds,
            "first_solution_seconds": -1.0,
        },
    )


def extract(
    built: BuiltModel, solver: cp_model.CpSolver, status: str, first_solution: float | None
) -> Plan:
    """Read the solution into a Plan of plain values."""
    plant = built.plant
    scale = units_per_currency(plant)
    steps, outcomes = [], []
    for oid, order_vars in built.variables.orders.items():
        accepted = bool(solver.boolean_value(order_vars.accepted))
        shipped = order_vars.from_stock is not None and solver.boolean_value(order_vars.from_stock)
        completion = None
        if accepted and not shipped:
            for step in order_vars.steps:
                option = next(o for o in step.options if solver.boolean_value(o.present))
                start = solver.value(step.start)
                steps.append(
                    ScheduledStep(
                        oid,
                        step.index,
                        step.id,
                        option.resource,
                        start,
                        solver.value(step.end),
                        step.pinned,
                    )
                )
            completion = solver.value(order_vars.completion)
        outcomes.append(
            OrderOutcome(
                oid,
                accepted,
                completion,
                plant.orders[oid].due,
                0 if completion is None else max(0, completion - plant.orders[oid].due),
                bool(shipped),
            )
        )
    supplies = extract_supplies(built.variables.supply, solver) if built.variables.supply else []
    model_units = round(solver.objective_value)
    stats = {
        **built.size(),
        "build_seconds": built.build_seconds,
        "first_solution_seconds": first_solution if first_solution is not None else -1.0,
        "model_objective_units": float(model_units),
    }
    plan = Plan(
        plant=plant.name,
        start=plant.grid.start,
        resolution=plant.grid.resolution,
        status=status,
        steps=tuple(steps),
        outcomes=tuple(outcomes),
        objective=model_units / scale,
        objective_units=model_units,
        terms={},
        best_bound=solver.best_objective_bound / scale,
        gap=None,
        solve_time=solver.wall_time,
        stats=stats,
        supplies=tuple(supplies),
        purchases=tuple(build_purchases(plant, supplies)),
    )
    return priced(built, plan, solver.best_objective_bound)


def priced(built: BuiltModel, plan: Plan, bound: float) -> Plan:
    """The plan with its terms recomputed exactly from its steps and outcomes.

    The model states tardiness and shifts one-sided (they only bound the true values from
    above), so its objective can exceed the plan's until the search proves an optimum; the
    plan's objective is the exact one. A promise solve's objective is the promise objective
    (``promise_terms``), which its caller prices itself: only its terms are recomputed.
    """
    scale = units_per_currency(built.plant)
    terms = objective_units(built.plant, plan, built.weights, built.reference)
    units = plan.objective_units if built.promise else sum(terms.values())
    gap = 0.0 if units == 0 else max(0.0, (units - bound) / abs(units))
    return dataclasses.replace(
        plan,
        objective=units / scale,
        objective_units=units,
        terms={name: value / scale for name, value in terms.items()},
        gap=gap,
    )
