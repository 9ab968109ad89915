"""YAML/CSV -> Plant, with validation. The only module that reads model files.

Every record is validated on its own so that one bad record does not hide the problems of the
others; cross-record rules run on the records that passed; capacity rules run on the built
Plant. All problems are collected and raised together as one DataError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from solver import feasibility, validation
from solver.data import (
    STANDARD,
    BomLine,
    Calendar,
    Customer,
    Downtime,
    Material,
    Mode,
    Offer,
    Option,
    Order,
    Pin,
    Plant,
    Product,
    Receipt,
    Resource,
    Shift,
    Step,
    Supplier,
)
from solver.errors import DataError, Problem
from solver.schema import (
    CalendarModel,
    CustomerModel,
    MaterialModel,
    OrderModel,
    PlantFile,
    PlantHeader,
    ProductModel,
    ResourceModel,
    SupplierModel,
    WipModel,
)
from solver.settings import Settings
from solver.timegrid import TimeGrid

ALWAYS = "__always__"
SECTIONS: dict[str, type[BaseModel]] = {
    "calendars": CalendarModel,
    "resources": ResourceModel,
    "products": ProductModel,
    "customers": CustomerModel,
    "orders": OrderModel,
    "wip": WipModel,
    "materials": MaterialModel,
    "suppliers": SupplierModel,
}
DAY_INDEX = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


@dataclass
class Parsed:
    """Records that passed their schema, with where each came from."""

    header: PlantHeader | None = None
    settings: Settings = field(default_factory=Settings)
    records: dict[str, list[Any]] = field(default_factory=dict)
    labels: dict[tuple[str, int], str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    failed_ids: dict[str, set[str]] = field(default_factory=dict)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, turning every failure into a DataError that names the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError([Problem(str(path), "file", "", f"cannot read: {exc.strerror}")]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        reason = getattr(exc, "problem", None) or str(exc)
        raise DataError([Problem(str(path), where, "", f"not valid YAML: {reason}")]) from None
    if not isinstance(raw, dict):
        raise DataError([Problem(str(path), "file", "", "must be a YAML mapping of sections")])
    return raw


def read_orders_csv(path: Path) -> list[dict[str, str]]:
    """Read an orders table; empty cells are left out so that defaults apply."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            [Problem(str(path), "file", "", f"cannot read orders CSV: {exc}")]
        ) from None
    return [
        {k: v.strip() for k, v in row.items() if v.strip() != ""}
        for row in frame.to_dict("records")
    ]


def load_plant(path: str | Path, settings_overrides: dict[str, Any] | None = None) -> Plant:
    """Load and validate a plant model file.

    Parameters
    ----------
    path : str or Path
        The plant YAML file; its ``orders`` may name a CSV file beside it.
    settings_overrides : dict, optional
        Settings that replace the file's (e.g. from CLI flags); ``None`` values are ignored.

    Returns
    -------
    Plant

    Raises
    ------
    DataError
        Listing every problem found, each with file, record, field and what would be valid.
    """
    path = Path(path)
    raw = read_yaml(path)
    parsed, problems = parse_records(raw, path)
    if settings_overrides:
        try:
            parsed.settings = parsed.settings.with_overrides(**settings_overrides)
        except ValidationError as exc:
            problems += _problems_from(exc, "command line", "settings", {})
    problems += validation.check_records(parsed)
    if problems or parsed.header is None:
        raise DataError(problems)
    plant = build_plant(parsed, str(path))
    problems = feasibility.check_capacity(plant, parsed)
    if problems:
        raise DataError(problems)
    return plant


def parse_records(raw: dict[str, Any], path: Path) -> tuple[Parsed, list[Problem]]:
    """Validate each section and record against the schema, collecting every problem."""
    parsed = Parsed(files={name: str(path) for name in (*SECTIONS, "plant", "settings")})
    problems: list[Problem] = []
    known = set(PlantFile.model_fields)
    for key in raw:
        if key not in known:
            problems.append(
                Problem(
                    str(path), str(key), "", f"unknown section; valid sections: {sorted(known)}"
                )
            )
    if "plant" not in raw:
        problems.append(Problem(str(path), "plant", "", "missing section: give start and horizon"))
    else:
        parsed.header = _validate_one(PlantHeader, raw["plant"], str(path), "plant", problems)
    settings = _validate_one(Settings, raw.get("settings") or {}, str(path), "settings", problems)
    parsed.settings = settings or Settings()

    orders = raw.get("orders", [])
    if isinstance(orders, str):
        csv_path = path.parent / orders
        parsed.files["orders"] = str(csv_path)
        try:
            orders = read_orders_csv(csv_path)
        except DataError as exc:
            problems += exc.problems
            orders = []
        line_offset = 2  # header row, then 1-based lines
    else:
        line_offset = None
    sections = {**raw, "orders": orders}
    for name, model in SECTIONS.items():
        items = sections.get(name) or []
        if not isinstance(items, list):
            problems.append(Problem(parsed.files[name], name, "", "must be a list of records"))
            items = []
        parsed.records[name] = []
        parsed.failed_ids[name] = set()
        for index, item in enumerate(items):
            label = _record_label(name, index, item, line_offset if name == "orders" else None)
            record = _validate_one(model, item, parsed.files[name], label, problems)
            if record is None:
                if isinstance(item, dict):
                    parsed.failed_ids[name].add(str(item.get("id", f"#{index}")))
                continue
            parsed.labels[(name, len(parsed.records[name]))] = label
            parsed.records[name].append(record)
    return parsed, problems


def _record_label(section: str, index: int, item: Any, line_offset: int | None) -> str:
    ident = item.get("id") if isinstance(item, dict) else None
    if ident is None and isinstance(item, dict) and section == "wip":
        ident = f"{item.get('order')}/{item.get('step')}"
    label = f"{section} '{ident}'" if ident is not None else f"{section}[{index}]"
    if line_offset is not None:
        label += f" (line {index + line_offset})"
    return label


def _validate_one(
    model: type[BaseModel], item: Any, file: str, label: str, problems: list[Problem]
):
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        problems += _problems_from(exc, file, label, item)
        return None


def _problems_from(exc: ValidationError, file: str, label: str, item: Any) -> list[Problem]:
    return [
        Problem(file, label, _field_path(error["loc"], item), error_message(error))
        for error in exc.errors()
    ]


def error_message(error: dict, schema: str = "replan schema") -> str:
    """A pydantic error as a sentence a planner can act on."""
    if error["type"] == "extra_forbidden":
        return f"unknown field; check the spelling (see `{schema}`)"
    if error["type"] == "missing":
        return "required field is missing"
    message = error["msg"].removeprefix("Value error, ")
    if "input" in error and error["type"] != "value_error":
        message += f" (got {error['input']!r})"
    return message


def _field_path(loc: tuple, item: Any) -> str:
    """``('routing', 0, 'resources', 1, 'per_unit')`` -> ``routing['smt'].resources['SMT2'].per_unit``."""
    parts: list[str] = []
    node = item
    for key in loc:
        if isinstance(key, int):
            child = node[key] if isinstance(node, list) and key < len(node) else None
            name = None
            if isinstance(child, dict):
                name = next(
                    (child[k] for k in ("id", "resource", "material", "name") if k in child),
                    None,
                )
            parts.append(f"[{name!r}]" if name is not None else f"[{key}]")
            node = child
        else:
            # Union branches show up as extra loc entries, e.g. 'function-before[...]'.
            if "[" in str(key) or str(key) in ("list[OrderModel]", "str"):
                continue
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def build_plant(parsed: Parsed, source: str) -> Plant:
    """Turn validated records into the engine's Plant (ticks on the plant's grid)."""
    header = parsed.header
    assert header is not None
    grid = TimeGrid(header.start, header.resolution)
    horizon = grid.duration_ticks(header.horizon.total_seconds())
    records = parsed.records
    calendars = {c.id: _calendar(c, grid) for c in records["calendars"]}
    calendars[ALWAYS] = Calendar(ALWAYS, (Shift(frozenset(range(7)), time(), time()),))
    resources = {r.id: _resource(r, grid) for r in records["resources"]}
    products = {p.id: _product(p, grid) for p in records["products"]}
    customers = {
        c.id: Customer(c.id, c.name or c.id, c.tier, c.credit_limit) for c in records["customers"]
    }
    orders = {o.id: _order(o, grid) for o in records["orders"]}
    pins = {}
    for w in records["wip"]:
        step_index = [s.id for s in products[orders[w.order].product].routing].index(w.step)
        pins[(w.order, step_index)] = Pin(w.order, step_index, w.resource, grid.floor(w.start))
    materials = {m.id: _material(m, grid) for m in records["materials"]}
    suppliers = {s.id: _supplier(s, grid) for s in records["suppliers"]}
    return Plant(
        name=header.name,
        grid=grid,
        horizon=horizon,
        calendars=calendars,
        resources=resources,
        products=products,
        customers=customers,
        orders=orders,
        pins=pins,
        materials=materials,
        suppliers=suppliers,
        settings=parsed.settings,
        currency=header.currency,
        source=source,
    )


def _calendar(model: CalendarModel, grid: TimeGrid) -> Calendar:
    shifts = tuple(
        Shift(frozenset(DAY_INDEX[d] for d in s.days), s.start, s.end) for s in model.shifts
    )
    closures = [(grid.floor(c.start), grid.ceil(c.end)) for c in model.closures]
    for day in model.holidays:
        begin = datetime.combine(day, datetime.min.time())
        closures.append((grid.floor(begin), grid.ceil(begin + timedelta(days=1))))
    return Calendar(model.id, shifts, tuple(closures))


def _resource(model: ResourceModel, grid: TimeGrid) -> Resource:
    downtime = tuple(
        Downtime(grid.floor(d.start), grid.ceil(d.end), d.units, d.reason) for d in model.downtime
    )
    return Resource(
        model.id, model.name or model.id, model.capacity, model.calendar or ALWAYS, downtime
    )


def _product(model: ProductModel, grid: TimeGrid) -> Product:
    routing = tuple(
        Step(
            s.id,
            tuple(
                Option(o.resource, o.per_unit.total_seconds(), o.setup.total_seconds())
                for o in s.resources
            ),
            grid.duration_ticks(s.min_lag.total_seconds()),
        )
        for s in model.routing
    )
    bom = tuple(BomLine(line.material, line.per_unit) for line in model.bom)
    return Product(
        model.id, model.name or model.id, model.family, model.unit_cost, routing, bom, model.stock
    )


def _material(model: MaterialModel, grid: TimeGrid) -> Material:
    receipts = tuple(
        Receipt(
            r.id or f"{model.id}#{k + 1}", model.id, r.quantity, grid.ceil(r.arrival), r.supplier
        )
        for k, r in enumerate(model.receipts)
    )
    return Material(model.id, model.name or model.id, model.unit_cost, model.stock, receipts)


def _supplier(model: SupplierModel, grid: TimeGrid) -> Supplier:
    def ticks(duration: timedelta) -> int:
        return grid.duration_ticks(duration.total_seconds())

    offers = {
        o.material: Offer(
            o.material,
            o.price,
            (
                Mode(STANDARD, ticks(o.lead_time)),
                *(
                    Mode(e.name, ticks(e.lead_time), e.cost_per_unit, e.cost_per_shipment)
                    for e in o.expedite
                ),
            ),
            o.capacity,
            o.min_order,
        )
        for o in model.offers
    }
    return Supplier(
        model.id, model.name or model.id, model.reliability, ticks(model.period), offers
    )


def _order(model: OrderModel, grid: TimeGrid) -> Order:
    release = max(0, grid.ceil(model.release)) if model.release else 0
    return Order(
        id=model.id,
        customer=model.customer,
        product=model.product,
        quantity=model.quantity,
        due=grid.floor(model.due),
        price=model.price,
        release=release,
        status=model.status,
        channel=model.channel,
    )
