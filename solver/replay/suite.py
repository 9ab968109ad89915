"""Replay a seeded stream of changes through each rescheduling strategy and measure them.

A suite (YAML) names plants (files, or generated from a seed), an event stream (how many, the
seed, the spacing by which ``now`` advances, the mix of kinds), the strategies and a time
budget per event. All strategies start from one baseline and replay the same events; after each
event a strategy's plan becomes its baseline for the next. Each (plant, strategy, event) gives
a row: service (weighted tardiness, on-time rate), margin, cost, every stability metric against
the strategy's previous plan, solve time and checker violations.

An event a strategy cannot apply (it names an order that strategy has already started) is
recorded as skipped for that strategy; a strategy that finds no plan keeps its previous plan
for the next event and the row says why.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, TypeAdapter, ValidationError

from solver.changes.apply import Change, apply_changes
from solver.changes.rolling import roll_to
from solver.domain.errors import DataError, Problem, SolveError
from solver.domain.mapping import Mapper, serial
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.provenance import provenance
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis, objective_money
from solver.facts.stability import stability_metrics
from solver.input.loading import _problems_from, load_plant, read_yaml
from solver.input.schema import Duration, Record, Text
from solver.replay.generate import TEMPLATE, generate_plant
from solver.solve.search import plan as solve_plan
from solver.strategies import STRATEGIES, get_strategy

KINDS = ("rush", "cancel", "quantity", "due", "breakdown", "supplier_delay")


class GenerateSpec(Record):
    orders: int = Field(ge=1, le=100_000)
    seed: int = 1
    materials: bool = False
    template: Text | None = Field(default=None, description="plant file, relative to the suite")


class PlantSpec(Record):
    name: Text = ""
    file: Text | None = Field(default=None, description="plant file, relative to the suite")
    generate: GenerateSpec | None = None


class EventSpec(Record):
    count: int = Field(default=10, ge=1, le=100_000)
    seed: int = 0
    spacing: Duration = Field(default=timedelta(days=1), description="now advances by this")
    mix: dict[str, float] = Field(
        default={
            "rush": 0.3,
            "cancel": 0.15,
            "quantity": 0.15,
            "due": 0.15,
            "breakdown": 0.15,
            "supplier_delay": 0.1,
        }
    )


class SuiteFile(Record):
    """A benchmark suite for ``replan bench``."""

    name: Text = "suite"
    plants: list[PlantSpec] = Field(min_length=1)
    events: EventSpec = EventSpec()
    strategies: list[Text] = list(STRATEGIES)
    budget: float = Field(default=2.0, gt=0, le=86400, description="seconds per event and strategy")
    baseline_budget: float = Field(
        default=10.0, gt=0, le=86400, description="seconds for the baseline"
    )
    replications: int = Field(
        default=1,
        ge=1,
        le=1000,
        description="event streams per plant (seeds events.seed + r) and solver seeds "
        "(seed + r); every strategy replays the same streams",
    )
    settings: dict[str, Any] = {}


@dataclass
class Suite:
    path: Path
    data: SuiteFile


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite; problems name the file and field."""
    path = Path(path)
    raw = read_yaml(path)
    try:
        data = SuiteFile.model_validate(raw)
    except ValidationError as exc:
        raise DataError(_problems_from(exc, str(path), "suite", raw)) from None
    problems = []
    for name in data.strategies:
        if name not in STRATEGIES:
            problems.append(
                Problem(
                    str(path),
                    "suite",
                    "strategies",
                    f"unknown strategy {name!r}; known: " + ", ".join(STRATEGIES),
                )
            )
    for kind in data.events.mix:
        if kind not in KINDS:
            problems.append(
                Problem(str(path), "suite", f"events.mix.{kind}", f"unknown kind; known: {KINDS}")
            )
    for k, spec in enumerate(data.plants):
        if (spec.file is None) == (spec.generate is None):
            problems.append(
                Problem(str(path), f"plants[{k}]", "file", "give either file or generate")
            )
        template = spec.generate.template if spec.generate is not None else None
        if template and not (path.parent / template).is_file():
            problems.append(
                Problem(
                    str(path),
                    f"plants[{k}]",
                    "generate.template",
                    f"no plant file at {path.parent / template}; give the plant file whose "
                    "shape to copy, relative to the suite",
                )
            )
    if problems:
        raise DataError(problems)
    return Suite(path, data)


def suite_plant(suite: Suite, spec: PlantSpec, overrides: dict) -> Plant:
    """Load or generate one plant of the suite, with the suite's settings."""
    if spec.file is not None:
        return load_plant(suite.path.parent / spec.file, overrides)
    gen = spec.generate
    template = suite.path.parent / gen.template if gen.template else TEMPLATE
    model = generate_plant(gen.orders, gen.seed, gen.materials, template)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(model, sort_keys=False))
        return load_plant(path, overrides)


def event_stream(plant: Plant, spec: EventSpec) -> list[tuple[int, dict]]:
    """(now tick, change record) for each event, reproducible from the seed."""
    rng = random.Random(spec.seed)
    mix = {k: w for k, w in spec.mix.items() if w > 0}
    if not plant.suppliers:
        mix.pop("supplier_delay", None)
    kinds, weights = list(mix), list(mix.values())
    grid = plant.grid
    day = grid.ticks_per_day
    spacing = grid.duration_ticks(spec.spacing.total_seconds())
    cancelled: set[str] = set()
    events = []
    for k in range(1, spec.count + 1):
        now = k * spacing
        if now >= plant.horizon - day:
            break
        kind = rng.choices(kinds, weights)[0]
        later = sorted(
            o
            for o, order in plant.orders.items()
            if order.due > now + 3 * day and o not in cancelled
        )
        when = grid.to_datetime
        if kind == "rush" or not later and kind in ("cancel", "quantity", "due"):
            template = plant.orders[rng.choice(sorted(plant.orders))]
            due = min(plant.horizon - 1, now + rng.randint(2, 6) * day)
            change = {
                "kind": "add_order",
                "id": f"RUSH-{k}",
                "customer": template.customer,
                "product": template.product,
                "quantity": template.quantity,
                "due": when(due).isoformat(),
                "price": round(template.price * 1.2, 2),
            }
        elif kind == "cancel":
            target = rng.choice(later)
            cancelled.add(target)
            change = {"kind": "cancel_order", "order": target}
        elif kind == "quantity":
            target = rng.choice(later)
            quantity = max(1, round(plant.orders[target].quantity * rng.uniform(1.2, 1.6)))
            change = {"kind": "change_quantity", "order": target, "quantity": quantity}
        elif kind == "due":
            target = rng.choice(later)
            due = max(now + day, plant.orders[target].due - rng.randint(1, 3) * day)
            change = {"kind": "change_due", "order": target, "due": when(due).isoformat()}
        elif kind == "breakdown":
            resource = rng.choice(sorted(plant.resources))
            start = now + rng.randint(0, 2 * day)
            hours = rng.randint(4, 16)
            change = {
                "kind": "resource_down",
                "resource": resource,
                "from": when(start).isoformat(),
                "to": when(start + grid.duration_ticks(hours * 3600)).isoformat(),
            }
        else:
            supplier = rng.choice(sorted(plant.suppliers))
            material = rng.choice(sorted(plant.suppliers[supplier].offers))
            change = {
                "kind": "supplier_delay",
                "supplier": supplier,
                "material": material,
                "by": f"{rng.randint(2, 5)}d",
            }
        events.append((now, change))
    return events


def replay(
    plant: Plant,
    baseline: Plan,
    events: list[tuple[int, dict]],
    strategy_name: str,
    budget: float,
    tick: Callable[[], None] | None = None,
) -> list[dict]:
    """Replay the events through one strategy; one row per event."""
    strategy = get_strategy(strategy_name)
    settings = plant.settings.with_overrides(time_limit=budget)
    adapter = TypeAdapter(Change)
    current_plant, current = plant, baseline
    rows = []
    cumulative = 0.0
    for index, (now, record) in enumerate(events, start=1):
        row: dict[str, Any] = {"strategy": strategy_name, "event": index, "kind": record["kind"]}
        row["now"] = plant.grid.to_datetime(now).isoformat()
        rolled = roll_to(current_plant, current, now)
        try:
            applied = apply_changes(rolled, [adapter.validate_python(record)], now)
        except DataError as exc:
            row.update(status="skipped", reason=exc.problems[0].message)
            applied = None
        plan = None
        if applied is not None:
            began = time.perf_counter()
            try:
                plan = strategy.replan(
                    applied.plant.replace(settings=settings), current, now, applied.asked
                )
                row["status"] = plan.status
            except SolveError as exc:
                row.update(status="failed", reason=str(exc))
            row["seconds"] = round(time.perf_counter() - began, 3)
        if plan is not None:
            changed = applied.plant
            stability = stability_metrics(changed, plan, current)
            kpis = compute_kpis(changed, plan)
            cumulative += kpis.weighted_tardiness_days
            row.update(
                weighted_tardiness_days=round(kpis.weighted_tardiness_days, 4),
                on_time_rate=round(kpis.on_time_rate, 4),
                late_orders=kpis.late_orders,
                margin=round(kpis.margin, 2),
                cost=round(sum(objective_money(changed, plan).values()), 2),
                steps_moved=stability.steps_moved,
                total_shift_hours=round(
                    stability.total_shift * plant.grid.resolution.total_seconds() / 3600, 2
                ),
                resource_changes=stability.resource_changes,
                sequence_swaps=stability.sequence_swaps,
                orders_moved=stability.orders_moved,
                promised_dates_broken=stability.promised_dates_broken,
            )
            violations = check_plan(changed, plan)
            row["violations"] = len(violations)
            if violations:
                row["first_violation"] = str(violations[0])
            current_plant, current = changed, plan
        row["cumulative_weighted_tardiness_days"] = round(cumulative, 4)
        rows.append(row)
        if tick:
            tick()
    return rows


def run_suite(
    suite: Suite,
    overrides: dict,
    tick: Callable[[], None] | None = None,
    mapper: Mapper | None = None,
) -> list[dict]:
    """Every plant x replication x strategy replay; rows carry their provenance.

    Replication ``r`` replays the event stream of seed ``events.seed + r`` with solver seed
    ``seed + r`` (its own baseline too), the same for every strategy, so strategies are
    compared on paired streams. Solves are deterministic unless the suite or ``overrides``
    say otherwise, so that two runs of a suite give the same rows (timings aside). The
    baselines, then the replays, are independent pieces: in turn by default (``tick`` after
    each event), or on Dask workers through ``mapper`` (``tick`` once per event of each
    finished replay).
    """
    data = suite.data
    cells = []  # (plant index, name, replication, plant with its solver seed)
    for k, spec in enumerate(data.plants):
        plant = suite_plant(suite, spec, {**data.settings, **overrides})
        plant = plant.replace(settings=plant.settings.resolved(deterministic_by_default=True))
        name = spec.name or (spec.file or f"generated-{spec.generate.orders}-{spec.generate.seed}")
        for r in range(data.replications):
            cells.append((k, name, r, plant.with_settings(seed=plant.settings.seed + r)))
    budgets = [plant.with_settings(time_limit=data.baseline_budget) for *_, plant in cells]
    baselines = (mapper or serial)(solve_plan, budgets)
    pieces = []
    for (k, name, r, plant), baseline in zip(cells, baselines, strict=True):
        stream = data.events.model_copy(update={"seed": data.events.seed + r})
        events = event_stream(plant, stream)
        made = provenance(plant.settings.with_overrides(time_limit=data.budget), plant.input_hash)
        columns = {
            "suite": data.name,
            "plant": name,
            "plant_index": k,
            "replication": r,
            "stream_seed": stream.seed,
            "solver_seed": made["seed"],
            "budget": data.budget,
            "workers": made["workers"],
            "deterministic": made["deterministic"],
            "engine": made["engine"],
            "ortools": made["ortools"],
            "input_hash": made["input_hash"][:16],
        }
        pieces += [(plant, baseline, events, s, data.budget, columns) for s in data.strategies]
    if mapper is None:
        replays = [_replay_piece(piece, tick) for piece in pieces]
    else:
        replays = mapper(_replay_piece, pieces, _per_replay(tick, data.events.count))
    return [row for rows in replays for row in rows]


def _replay_piece(piece: tuple, tick: Callable[[], None] | None = None) -> list[dict]:
    """One plant x strategy replay, its rows with the plant's columns in front (module-level,
    so that Dask can send it to a worker process)."""
    plant, baseline, events, strategy, budget, columns = piece
    return [{**columns, **row} for row in replay(plant, baseline, events, strategy, budget, tick)]


def _per_replay(tick: Callable[[], None] | None, events: int) -> Callable[[], None] | None:
    """Progress for a replay done elsewhere: all its events at once."""
    if tick is None:
        return None

    def done() -> None:
        for _ in range(events):
            tick()

    return done


def event_count(suite: Suite) -> int:
    """Rows a run will make, for the progress bar (an upper bound: streams may end early)."""
    data = suite.data
    return len(data.plants) * data.replications * len(data.strategies) * data.events.count
