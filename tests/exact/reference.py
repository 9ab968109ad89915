"""An exact reference for what-if verdicts on tiny plants, independent of the engine.

Written from the plant file's own words, importing nothing from ``solver/``: the dates and
durations of the plain plant dict (the one written as YAML) are turned into ticks here, by the
rules ``timegrid``'s docstring states: a time that closes a window (a due date) rounds down to
the grid and one that opens a window (a release) rounds up; a bare date means the end of that
day where it ends something and its start where it begins something; a breakdown keeps the
machine off from its start rounded down to its end rounded up. A CP-SAT model of its own is
built, with one optional interval per eligible machine of each step.

Only what the tiny plants use is modelled, and anything else is refused (``Unsupported``), so
the reference can never silently answer for a plant it does not understand: machines of
capacity 1 working around the clock, routings of steps in sequence without lags, durations
``setup + per_unit x quantity`` rounded up to whole ticks, releases, the horizon, and the
changes ``add_order``, ``cancel_order``, ``change_due``, ``change_quantity`` and
``resource_down``.

The what-if rule answered (issue 22) is:

* the *asked* orders are the added ones, or the one whose due date or quantity changes; the
  asked date of each is its (new) due in ticks;
* every other order the baseline makes and the changed plant still has is *protected*: under
  ``plan`` it completes by its baseline completion + tolerance, under ``due`` by
  max(due, baseline completion) + tolerance;
* ACCEPT when some plan makes every asked order by its asked date with all others protected;
  else ACCEPT WITH DATE when some plan makes them at all, with the promises chosen
  lexicographically (least worst slip, then least sum of asked completions); else REJECT.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ortools.sat.python import cp_model

ACCEPT, ACCEPT_WITH_DATE, REJECT = "ACCEPT", "ACCEPT WITH DATE", "REJECT"
PROTECT_RULES = ("due", "plan")

# A tiny plant proves optimal in milliseconds; the limit only stops a runaway solve, and a
# reference that did not prove its answer raises rather than guesses.
TIME_LIMIT = 60.0

_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"\s*(\d+)\s*([smhdw])\s*")


class Unsupported(ValueError):
    """The plant or a change uses something the reference does not model."""


class Unproven(RuntimeError):
    """The reference's own solve stopped before proving its answer."""


# Reading the plant file ------------------------------------------------------------------


def duration_seconds(text: str) -> int:
    """Whole seconds of a duration such as ``"90m"`` or ``"1h30m"`` (whole numbers only).

    Parameters
    ----------
    text : str

    Returns
    -------
    int
    """
    pos, seconds = 0, 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise Unsupported(f"duration {text!r}")
        seconds += int(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise Unsupported(f"duration {text!r}")
    return seconds


def moment(value: object, ends: bool) -> datetime:
    """A datetime from a file value; a bare date is midnight, or the next midnight if it
    ``ends`` something (the whole day is allowed).

    Parameters
    ----------
    value : str, date or datetime
    ends : bool

    Returns
    -------
    datetime
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and len(value.strip()) == 10:
        day = date.fromisoformat(value.strip())
    elif isinstance(value, str):
        return datetime.fromisoformat(value.strip())
    else:
        raise Unsupported(f"date {value!r}")
    midnight = datetime(day.year, day.month, day.day)
    return midnight + timedelta(days=1) if ends else midnight


@dataclass(frozen=True)
class Grid:
    """Ticks of ``resolution`` seconds from ``start``, in exact integer arithmetic."""

    start: datetime
    resolution: int

    def _seconds(self, moment: datetime) -> int:
        delta = moment - self.start
        return delta.days * 86400 + delta.seconds

    def due(self, value: object) -> int:
        """The tick of a time that ends something: floor to the grid, a bare date at its end."""
        return self._seconds(moment(value, ends=True)) // self.resolution

    def begin(self, value: object) -> int:
        """The tick of a time that begins something: ceiling to the grid, a bare date at 00:00."""
        return -(-self._seconds(moment(value, ends=False)) // self.resolution)

    def outage(self, begins: object, ends: object) -> tuple[int, int]:
        """The ticks a breakdown covers: its start rounded down, its end rounded up."""
        first = self._seconds(moment(begins, ends=False)) // self.resolution
        return first, -(-self._seconds(moment(ends, ends=True)) // self.resolution)

    def span(self, text: str) -> int:
        """Ticks covering a duration (rounded up)."""
        return -(-duration_seconds(text) // self.resolution)


# The tiny plant ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """An order: per step its options (machine, ticks), its release and due in ticks."""

    id: str
    steps: tuple[tuple[tuple[str, int], ...], ...]
    release: int
    due: int


@dataclass(frozen=True)
class Tiny:
    """A tiny plant in ticks, after the changes: what the reference schedules."""

    horizon: int
    machines: tuple[str, ...]
    jobs: dict[str, Job]
    down: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    asked: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()


_PLANT_KEYS = {"plant", "settings", "resources", "products", "customers", "orders"}


def grid_of(plant: Mapping) -> Grid:
    """The time grid of a plant dict: its start and resolution.

    Parameters
    ----------
    plant : mapping
        The plant as written to YAML.

    Returns
    -------
    Grid
    """
    header = plant["plant"]
    resolution = duration_seconds(header.get("resolution", "1m"))
    return Grid(moment(header["start"], ends=False), resolution)


def _job(plant: Mapping, grid: Grid, order: Mapping, now: int = 0) -> Job:
    """An order's steps in ticks: ``setup + per_unit x quantity`` rounded up, per option;
    its release (rounded up, never before ``now``) and its due (rounded down)."""
    products = {p["id"]: p for p in plant["products"]}
    product = products[order["product"]]
    if set(product) - {"id", "name", "family", "unit_cost", "routing"}:
        raise Unsupported(f"product fields {sorted(product)}")  # materials, stock
    steps = []
    for step in product["routing"]:
        if set(step) - {"id", "resources"}:
            raise Unsupported(f"step fields {sorted(step)}")  # lags
        options = []
        for option in step["resources"]:
            if set(option) - {"resource", "setup", "per_unit"}:
                raise Unsupported(f"option fields {sorted(option)}")
            setup = duration_seconds(option.get("setup", "0m"))
            per_unit = duration_seconds(option.get("per_unit", "0m"))
            seconds = setup + order["quantity"] * per_unit
            options.append((option["resource"], -(-seconds // grid.resolution)))
        steps.append(tuple(options))
    release = max(now, grid.begin(order["release"])) if order.get("release") else now
    return Job(order["id"], tuple(steps), release, grid.due(order["due"]))


def tiny_plant(plant: Mapping, changes: Iterable[Mapping] = ()) -> Tiny:
    """The plant dict, with the changes applied in order, as a Tiny (now = plan start).

    Parameters
    ----------
    plant : mapping
        The plant as written to YAML.
    changes : iterable of mapping
        Scenario changes, as written to YAML.

    Returns
    -------
    Tiny

    Raises
    ------
    Unsupported
        When the plant or a change uses something the reference does not model.
    """
    if set(plant) - _PLANT_KEYS:
        raise Unsupported(f"plant sections {sorted(set(plant) - _PLANT_KEYS)}")
    for resource in plant["resources"]:
        if set(resource) - {"id", "name"}:
            raise Unsupported(f"resource fields {sorted(resource)}")  # calendars, capacity
    for order in plant["orders"]:
        if order.get("status", "firm") != "firm":
            raise Unsupported("orders that may be declined")
    grid = grid_of(plant)
    horizon = grid.span(plant["plant"]["horizon"])
    machines = tuple(r["id"] for r in plant["resources"])
    records = {o["id"]: o for o in plant["orders"]}
    jobs = {oid: _job(plant, grid, o) for oid, o in records.items()}
    down: dict[str, list[tuple[int, int]]] = {m: [] for m in machines}
    asked: list[str] = []
    cancelled: list[str] = []
    for change in changes:
        kind = change["kind"]
        if kind == "add_order":
            jobs[change["id"]] = _job(plant, grid, change)
            asked.append(change["id"])
        elif kind == "cancel_order":
            del jobs[change["order"]]
            cancelled.append(change["order"])
        elif kind == "change_due":
            jobs[change["order"]] = Job(
                change["order"],
                jobs[change["order"]].steps,
                jobs[change["order"]].release,
                grid.due(change["due"]),
            )
            asked.append(change["order"])
        elif kind == "change_quantity":
            order = {**records[change["order"]], "quantity": change["quantity"]}
            records[change["order"]] = order
            jobs[change["order"]] = Job(
                order["id"],
                _job(plant, grid, order).steps,
                jobs[order["id"]].release,
                jobs[order["id"]].due,
            )
            asked.append(change["order"])
        elif kind == "resource_down":
            down[change["resource"]].append(grid.outage(change["from"], change["to"]))
        else:
            raise Unsupported(f"change kind {kind!r}")
    return Tiny(
        horizon,
        machines,
        jobs,
        {m: tuple(spans) for m, spans in down.items() if spans},
        tuple(dict.fromkeys(asked)),
        tuple(cancelled),
    )


def windows(tiny: Tiny, machine: str) -> list[tuple[int, int]]:
    """The ticks ``[start, end)`` in ``[0, horizon)`` when a machine may work: all of them
    but its breakdowns, as disjoint intervals in order.

    Parameters
    ----------
    tiny : Tiny
    machine : str

    Returns
    -------
    list of (int, int)
    """
    free, at = [], 0
    for begin, end in sorted(tiny.down.get(machine, ())):
        if begin > at:
            free.append((at, min(begin, tiny.horizon)))
        at = max(at, end)
    if at < tiny.horizon:
        free.append((at, tiny.horizon))
    return [(a, b) for a, b in free if a < b]


# The model --------------------------------------------------------------------------------


@dataclass
class _Model:
    model: cp_model.CpModel
    completion: dict[str, cp_model.IntVar]
    start: dict[tuple[str, int], cp_model.IntVar]
    present: dict[tuple[str, int, str], cp_model.IntVar]


def _build(tiny: Tiny, limits: Mapping[str, int] | None = None) -> _Model:
    """Every job made: steps in sequence from the release, each on one of its machines, all
    ending by the horizon, no two at once on a machine, none over a breakdown; ``limits``
    bound the completion of the jobs it names."""
    model = cp_model.CpModel()
    by_machine: dict[str, list[cp_model.IntervalVar]] = {m: [] for m in tiny.machines}
    completion, starts, present = {}, {}, {}
    for job in tiny.jobs.values():
        previous_end = None
        for index, options in enumerate(job.steps):
            name = f"{job.id}/{index}"
            # Released after the horizon: no plan, which the bounds alone would not say.
            start = model.new_int_var(0, tiny.horizon, f"start[{name}]")
            end = model.new_int_var(0, tiny.horizon, f"end[{name}]")
            model.add(start >= (job.release if previous_end is None else previous_end))
            chosen = []
            for machine, size in options:
                # A fixed-size interval on the step's start, its end tied only when chosen:
                # optional intervals sharing one end variable but differing in size were
                # proven INFEASIBLE by CP-SAT 9.15 on a plant whose baseline is a plan.
                use = model.new_bool_var(f"use[{name}@{machine}]")
                interval = model.new_optional_fixed_size_interval_var(
                    start, size, use, f"{name}@{machine}"
                )
                model.add(end == start + size).only_enforce_if(use)
                by_machine[machine].append(interval)
                chosen.append(use)
                present[(job.id, index, machine)] = use
            model.add_exactly_one(chosen)
            starts[(job.id, index)] = start
            previous_end = end
        completion[job.id] = previous_end
        if limits is not None and job.id in limits:
            model.add(previous_end <= limits[job.id])
    for machine, spans in tiny.down.items():
        for begin, finish in spans:
            by_machine[machine].append(
                model.new_fixed_size_interval_var(begin, finish - begin, f"down[{machine}]")
            )
    for intervals in by_machine.values():
        model.add_no_overlap(intervals)
    return _Model(model, completion, starts, present)


def _solve(model: cp_model.CpModel) -> tuple[int, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one worker searches the same way every time
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = TIME_LIMIT
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        raise Unproven(f"reference solve ended {solver.status_name(status)}")
    return status, solver


def protected_limits(
    tiny: Tiny, baseline: Mapping[str, int], protect: str, tolerance: int = 0
) -> dict[str, int]:
    """Latest completion of every protected order (tick), by the protect rule.

    Parameters
    ----------
    tiny : Tiny
        The changed plant.
    baseline : mapping
        Order -> completion tick in the baseline plan (orders it makes).
    protect : str
        ``plan``: no later than in the baseline; ``due``: no later than its due date or, if
        already late, than in the baseline.
    tolerance : int
        Ticks every protected order may finish beyond that.

    Returns
    -------
    dict
    """
    if protect not in PROTECT_RULES:
        raise Unsupported(f"protect {protect!r}")
    limits = {}
    for oid, done in baseline.items():
        if oid in tiny.asked or oid not in tiny.jobs:
            continue
        bound = done if protect == "plan" else max(tiny.jobs[oid].due, done)
        limits[oid] = bound + tolerance
    return limits


@dataclass(frozen=True)
class Answer:
    """The exact what-if answer.

    ``worst_slip`` and ``total`` (least sum of asked completions given that worst slip) are
    None for REJECT; ``completions`` are the asked orders' completions in one optimal plan.
    """

    verdict: str
    worst_slip: int | None = None
    total: int | None = None
    completions: dict[str, int] = field(default_factory=dict)


def answer(tiny: Tiny, baseline: Mapping[str, int], protect: str, tolerance: int = 0) -> Answer:
    """The verdict and lexicographically best promises for the asked orders of ``tiny``.

    Parameters
    ----------
    tiny : Tiny
        The changed plant; its ``asked`` orders must not be empty.
    baseline : mapping
        Order -> completion tick in the baseline plan.
    protect : str
        ``due`` or ``plan`` (see ``protected_limits``).
    tolerance : int
        Ticks.

    Returns
    -------
    Answer

    Raises
    ------
    Unproven
        When a solve of the reference itself did not prove its result.
    """
    if not tiny.asked:
        raise ValueError("no asked order: nothing to promise")
    limits = protected_limits(tiny, baseline, protect, tolerance)
    # Stage 1: the least worst slip M = max over asked o of max(0, C_o - d_o).
    built = _build(tiny, limits)
    worst = built.model.new_int_var(0, tiny.horizon, "worst_slip")
    for oid in tiny.asked:
        built.model.add(worst >= built.completion[oid] - tiny.jobs[oid].due)
    built.model.minimize(worst)
    status, solver = _solve(built.model)
    if status == cp_model.INFEASIBLE:
        return Answer(REJECT)
    slip = round(solver.objective_value)
    # Stage 2: the least sum of asked completions, each by its asked date + that slip.
    built = _build(tiny, limits)
    for oid in tiny.asked:
        built.model.add(built.completion[oid] <= tiny.jobs[oid].due + slip)
    built.model.minimize(sum(built.completion[oid] for oid in tiny.asked))
    status, solver = _solve(built.model)
    if status != cp_model.OPTIMAL:  # stage 1 found such a plan: this cannot be infeasible
        raise Unproven("second stage infeasible after the first found a plan")
    completions = {oid: solver.value(built.completion[oid]) for oid in tiny.asked}
    return Answer(
        ACCEPT if slip == 0 else ACCEPT_WITH_DATE,
        slip,
        round(solver.objective_value),
        completions,
    )


def feasible(tiny: Tiny, limits: Mapping[str, int] | None = None) -> bool:
    """Whether some plan makes every order of ``tiny`` (each named in ``limits`` by its limit).

    Parameters
    ----------
    tiny : Tiny
    limits : mapping, optional
        Order -> latest completion tick.

    Returns
    -------
    bool

    Raises
    ------
    Unproven
    """
    status, _ = _solve(_build(tiny, limits).model)
    return status == cp_model.OPTIMAL


def short_makespan(tiny: Tiny, effort: float = 0.3) -> int | None:
    """A short makespan: the earliest tick by which every order is complete in the best plan
    found within ``effort`` deterministic seconds (None if no plan fits the horizon).

    Proving the least makespan of 8 orders of 3 steps with alternatives took CP-SAT 2-8 s
    here; a plant's horizon only needs a plan to exist, so the generator takes the best found
    in a fixed deterministic effort, the same on every machine (usually the least).

    Parameters
    ----------
    tiny : Tiny
    effort : float
        CP-SAT deterministic time.

    Returns
    -------
    int or None
    """
    # One job after another, each on its slowest machines, after the last release and
    # breakdown: no plan needs longer, and the tight bound helps the search.
    ends = [j.release for j in tiny.jobs.values()] + [e for d in tiny.down.values() for _, e in d]
    serial = max(ends) + sum(
        max(size for _, size in options) for j in tiny.jobs.values() for options in j.steps
    )
    built = _build(dataclasses.replace(tiny, horizon=min(tiny.horizon, serial)))
    last = built.model.new_int_var(0, tiny.horizon, "makespan")
    built.model.add_max_equality(last, list(built.completion.values()))
    built.model.minimize(last)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = effort
    status = solver.solve(built.model)
    if status == cp_model.INFEASIBLE:
        return None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise Unproven(f"no plan found in {effort} deterministic seconds")
    return round(solver.objective_value)


def disagreement(
    tiny: Tiny,
    steps: Iterable[tuple[str, int, str, int, int]],
    limits: Mapping[str, int] | None = None,
) -> str | None:
    """Why a given plan is not a plan of the reference model, or None when it is one.

    The plan is fixed into the very model the verdicts are solved on, so an engine plan that
    the reference refuses (or a reference that refuses the engine's valid plans) shows that
    the two read the plant differently: durations, rounding, releases, horizon, breakdowns.

    Parameters
    ----------
    tiny : Tiny
    steps : iterable of (order, step index, machine, start, end)
    limits : mapping, optional
        Order -> latest completion tick, as in the verdict solves.

    Returns
    -------
    str or None
    """
    steps = list(steps)
    placed = {(o, i) for o, i, *_ in steps}
    wanted = {(j.id, i) for j in tiny.jobs.values() for i in range(len(j.steps))}
    if placed != wanted:
        missing, extra = sorted(wanted - placed), sorted(placed - wanted)
        return f"steps missing {missing[:3]} or not in the plant {extra[:3]}"
    built = _build(tiny, limits)
    for order, index, machine, start, end in steps:
        use = built.present.get((order, index, machine))
        if use is None:
            return f"{order} step {index} on {machine}, not one of its machines"
        built.model.add(use == 1)
        built.model.add(built.start[(order, index)] == start)
        size = dict(tiny.jobs[order].steps[index])[machine]
        if end - start != size:
            return f"{order} step {index} takes {end - start} ticks, the reference {size}"
    status, _ = _solve(built.model)
    if status == cp_model.INFEASIBLE:
        return "the plan breaks the reference model (release, sequence, overlap, horizon, limits)"
    return None
