"""YAML/CSV -> Plant, with validation. The only module that reads model files.

Every record is validated on its own so that one bad record does not hide the problems of the
others; cross-record rules run on the records that passed; capacity rules run on the built
Plant. All problems are collected and raised together as one DataError.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import reprlib
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from solver.domain.errors import DataError, Problem
from solver.domain.plant import (
    STANDARD,
    BomLine,
    Calendar,
    CapacityGroup,
    Changeover,
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
from solver.domain.settings import Settings
from solver.domain.timegrid import TimeGrid
from solver.input import feasibility, validation
from solver.input.parsed import Parsed
from solver.input.schema import (
    CalendarModel,
    ChangeoverModel,
    CustomerModel,
    DowntimeModel,
    MaterialModel,
    OrderModel,
    PlantFile,
    PlantHeader,
    ProductModel,
    ReceiptModel,
    ResourceModel,
    SupplierModel,
    TableSource,
    WipModel,
)
from solver.input.tables import (
    Origin,
    ParsedTables,
    TableReader,
    decode_utf8,
    is_table_source,
    is_workbook,
    read_bytes,
)

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
    "changeovers": ChangeoverModel,
}
# Sections that are flat tables, so may come from CSV or Excel files; with the table of rows
# that may be attached to their records (name, the column naming the record, model).
TABLE_SECTIONS: dict[str, tuple[str, str, type[BaseModel]] | None] = {
    "resources": ("downtime", "resource", DowntimeModel),
    "customers": None,
    "orders": None,
    "wip": None,
    "materials": ("receipts", "material", ReceiptModel),
}
DAY_INDEX = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


ORDER_COLUMNS = ("id", "customer", "product", "quantity", "due", "price")
_MERGE_TAG = "tag:yaml.org,2002:merge"


# libyaml's parser where PyYAML has it: the pure-Python one took 8 s of a 5,000-order plant
# file's 9 s load (profiled), and the file is read twice per plan (the plant, its inputs).
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOO_DEEP = "nested too deeply to read; a plant or scenario file needs a few levels only"


class _StrictLoader(_BASE_LOADER):
    """A SafeLoader that records every key given twice in one mapping, at any depth."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int, int]] = []  # (key, line, first line)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                try:
                    key = self.construct_object(key_node, deep=True)
                    hash(key)
                except (TypeError, yaml.YAMLError):
                    continue  # an unhashable key: the base constructor reports it
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicates.append((key, line, seen[key]))
                else:
                    seen[key] = line
        return super().construct_mapping(node, deep)


def parse_yaml(data: bytes, path: Path) -> dict[str, Any]:
    """A YAML mapping from a file's bytes; every failure is a DataError naming the file."""
    text = decode_utf8(data, path)
    loader = _StrictLoader(text)
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        reason = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in reason:  # libyaml's limit; the Python parser recurses instead
            raise DataError([Problem(str(path), "file", "", _TOO_DEEP)]) from None
        raise DataError([Problem(str(path), where, "", f"not valid YAML: {reason}")]) from None
    except RecursionError:
        raise DataError([Problem(str(path), "file", "", _TOO_DEEP)]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise DataError(
            [
                Problem(
                    str(path),
                    f"line {line}",
                    str(key),
                    f"duplicate key {key!r} at line {line} (first given at line {first}); "
                    "give each key once",
                )
                for key, line, first in sorted(loader.duplicates, key=lambda d: d[1])
            ]
        )
    return require_mapping(raw, path)


def require_mapping(raw: Any, path: str | Path) -> dict[str, Any]:
    """``raw`` itself when it is a mapping of sections, else a DataError naming ``path``.

    Parsed YAML, or data given in memory (``path`` is then a label such as ``<dict>``).
    """
    if raw is None:
        raise DataError([Problem(str(path), "file", "", "is empty; give a YAML mapping")])
    if not isinstance(raw, dict):
        raise DataError(
            [
                Problem(
                    str(path),
                    "file",
                    "",
                    f"must be a YAML mapping of sections (`name: value` lines), not a "
                    f"{_yaml_kind(raw)}",
                )
            ]
        )
    return raw


def _yaml_kind(value: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, turning every failure into a DataError that names the file."""
    return parse_yaml(read_bytes(path), path)


def read_orders_csv(path: Path) -> list[dict[str, str]]:
    """Read an orders table; empty cells are left out so that defaults apply."""
    return parse_orders_csv(read_bytes(path, "orders CSV"), path)


def parse_orders_csv(data: bytes, path: Path) -> list[dict[str, str] | None]:
    """Rows of an orders table from its bytes, one per line after the header (a blank line is
    None, so that records keep their line numbers); empty cells are left out so that defaults
    apply. A bad header is one problem, not one a row."""
    text = decode_utf8(data, path)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    try:
        header = next(reader, None)
        columns = [c.strip() for c in header or []]
        problems = _header_problems(columns, path)
        if problems:
            raise DataError(problems)
        rows: list[dict[str, str] | None] = []
        for cells in reader:
            line = reader.line_num
            if len(cells) > len(columns):
                message = (
                    f"{len(cells)} values but the header names {len(columns)} columns; "
                    'put a value that contains a comma in double quotes ("1,5")'
                )
                raise DataError([Problem(str(path), f"line {line}", "", message)])
            row = {k: v.strip() for k, v in zip(columns, cells, strict=False) if v.strip()}
            rows.append(row or None)
    except csv.Error as exc:
        message = f"cannot read orders CSV: {exc}; check the quotes on this line"
        raise DataError([Problem(str(path), f"line {reader.line_num}", "", message)]) from None
    return rows


def _header_problems(columns: list[str], path: Path) -> list[Problem]:
    if not any(columns):
        message = "has no header row; the first line must name the columns: " + ", ".join(
            ORDER_COLUMNS
        )
        return [Problem(str(path), "line 1", "", message)]
    problems = []
    for column in sorted({c for c in columns if columns.count(c) > 1}):
        problems.append(Problem(str(path), "line 1", column, "column given twice; give it once"))
    for column in columns:
        if column not in OrderModel.model_fields:
            message = (
                f"unknown column {column!r}; valid columns: {', '.join(OrderModel.model_fields)}"
            )
            problems.append(Problem(str(path), "line 1", column, message))
    missing = [c for c in ORDER_COLUMNS if c not in columns]
    if missing:
        message = f"missing column(s) {', '.join(missing)}; the header must name them"
        problems.append(Problem(str(path), "line 1", "", message))
    return problems


def load_plant(
    path: str | Path,
    settings_overrides: dict[str, Any] | None = None,
    *,
    overrides_source: str = "command line",
) -> Plant:
    """Load and validate a plant model file.

    Parameters
    ----------
    path : str or Path
        The plant YAML file; its tables (orders, customers, resources, wip, materials) may
        come from CSV or Excel files beside it.
    settings_overrides : dict, optional
        Settings that replace the file's (e.g. from CLI flags); ``None`` values are ignored.
    overrides_source : str
        Names the overrides in messages (the file of their problems).

    Returns
    -------
    Plant

    Raises
    ------
    DataError
        Listing every problem found, each with file, record, field and what would be valid.
    """
    path = Path(path)
    data = read_bytes(path)
    raw = parse_yaml(data, path)
    return load_plant_data(
        raw,
        path,
        path.parent,
        settings_overrides,
        content=data,
        overrides_source=overrides_source,
    )


def load_plant_data(
    raw: Any,
    source: str | Path = "<dict>",
    base_dir: str | Path | None = None,
    settings_overrides: dict[str, Any] | None = None,
    *,
    content: bytes | None = None,
    overrides_source: str = "command line",
) -> Plant:
    """Validate a parsed plant file (the mapping its YAML reads as) and build the Plant.

    Every rule of ``load_plant`` applies, with the same messages; only where the data came from
    differs.

    Parameters
    ----------
    raw : dict
        The plant file's sections (``plant``, ``settings``, ``resources``, ...).
    source : str or Path
        Names the data in messages and in ``Plant.source``: a file, or a label such as
        ``<dict>`` or ``<string>``.
    base_dir : str or Path, optional
        The folder the names of table files (an ``orders`` CSV, a workbook) are relative to;
        the current directory by default.
    settings_overrides : dict, optional
        Settings that replace the data's; ``None`` values are ignored.
    content : bytes, optional
        The bytes the data was read from, for ``Plant.input_hash``; without them the hash is
        taken over a canonical JSON form of ``raw``.
    overrides_source : str
        Names the overrides in messages (the file of their problems).

    Returns
    -------
    Plant

    Raises
    ------
    DataError
        Listing every problem found, each with file, record, field and what would be valid.
    """
    path = Path(source)
    raw = require_mapping(raw, path)
    contents = [canonical_bytes(raw) if content is None else content]
    base = Path(".") if base_dir is None else Path(base_dir)
    parsed, problems = parse_records(raw, path, contents, base_dir=base)
    if settings_overrides:
        parsed.settings, more = override_settings(
            parsed.settings, settings_overrides, overrides_source
        )
        problems += more
    problems += validation.check_records(parsed)
    if problems or parsed.header is None:
        raise DataError(problems)
    plant = build_plant(parsed, str(path))
    tables = parsed.tables if isinstance(parsed, ParsedTables) else []
    notes = parsed.notes if isinstance(parsed, ParsedTables) else []
    digest = hashlib.sha256()
    for part in contents:
        digest.update(part)
    plant = plant.replace(
        files=(str(path), *tables),
        input_hash=digest.hexdigest(),
        warnings=(*notes, *plant.warnings),
    )
    problems = validation.check_limits(plant, parsed)
    if problems:
        raise DataError(problems)
    problems = feasibility.check_capacity(plant, parsed)
    if problems:
        raise DataError(problems)
    pauses = feasibility.pause_notes(plant, parsed)
    return plant.replace(warnings=(*plant.warnings, *pauses)) if pauses else plant


def override_settings(
    settings: Settings, overrides: dict[str, Any], source: str = "command line"
) -> tuple[Settings, list[Problem]]:
    """``settings`` with ``overrides`` (``None`` values ignored), and the problems they have.

    On any problem the settings come back unchanged; each problem names ``source`` as its file,
    ``settings`` as its record and the setting as its field.
    """
    try:
        return settings.with_overrides(**overrides), []
    except ValidationError as exc:
        return settings, _problems_from(exc, source, "settings", {})


def canonical_bytes(raw: Any) -> bytes:
    """Data given in memory as bytes to hash: JSON with sorted keys (its repr if JSON cannot
    hold it), so that equal data hashes equally whatever the order of its keys."""
    try:
        return json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode()
    except (TypeError, ValueError):  # keys of mixed types, a circular reference
        return repr(raw).encode("utf-8", "backslashreplace")


def parse_records(
    raw: dict[str, Any],
    path: Path,
    contents: list[bytes] | None = None,
    base_dir: str | Path | None = None,
) -> tuple[Parsed, list[Problem]]:
    """Validate each section and record against the schema, collecting every problem.

    The bytes of every table file the sections name (an orders CSV, a workbook) are appended
    to ``contents`` (for the hash), in the order read; their names are relative to
    ``base_dir``, the folder of ``path`` by default. The Parsed returned is a
    ``tables.ParsedTables``: it also says where each record read from a table came from.
    """
    parsed = ParsedTables(files={name: str(path) for name in (*SECTIONS, "plant", "settings")})
    problems: list[Problem] = []
    known = set(PlantFile.model_fields)
    for key in raw:
        if not isinstance(key, str) or key not in known:
            problems.append(
                Problem(
                    str(path), str(key), "", f"unknown section; valid sections: {sorted(known)}"
                )
            )
    if "plant" not in raw:
        problems.append(Problem(str(path), "plant", "", "missing section: give start and horizon"))
    else:
        parsed.header = _validate_one(PlantHeader, raw["plant"], str(path), "plant", problems)
    settings = _validate_one(
        Settings, _or_empty(raw.get("settings"), {}), str(path), "settings", problems
    )
    parsed.settings = settings or Settings()

    reader = TableReader(path.parent if base_dir is None else Path(base_dir), str(path))
    for name, model in SECTIONS.items():
        entries = _section_entries(name, raw.get(name), path, reader, parsed, problems)
        parsed.records[name] = []
        parsed.failed_ids[name] = set()
        for index, entry in enumerate(entries):
            if entry is None:
                continue  # a blank line of the orders CSV
            item = entry.item
            label = _record_label(name, index, item, None) + entry.suffix
            if entry.cell_problems:
                problems += [Problem(entry.file, label, c, m) for c, m in entry.cell_problems]
                record = None
            else:
                first = len(problems)
                record = _validate_one(model, item, entry.file, label, problems)
                if entry.origin is not None:
                    problems[first:] = [
                        replace(p, field=entry.origin.column(p.field)) for p in problems[first:]
                    ]
            if record is None:
                if isinstance(item, dict):
                    parsed.failed_ids[name].add(str(item.get("id", f"#{index}")))
                continue
            valid = len(parsed.records[name])
            parsed.labels[(name, valid)] = label
            if entry.origin is not None:
                parsed.origins[(name, valid)] = entry.origin
            parsed.records[name].append(record)
    parsed.tables = list(reader.files)
    parsed.notes = reader.notes
    if contents is not None:
        contents.extend(reader.files.values())
    return parsed, problems


@dataclass
class _Entry:
    """A record to validate: its raw data, its file, what its label adds (``(line 3)``), and
    for a table row where it came from and the cells that could not be read."""

    item: Any
    file: str
    suffix: str = ""
    origin: Origin | None = None
    cell_problems: list[tuple[str, str]] = field(default_factory=list)


def _section_entries(
    name: str,
    value: Any,
    path: Path,
    reader: TableReader,
    parsed: ParsedTables,
    problems: list[Problem],
) -> list[_Entry | None]:
    """The records of one section: written in the YAML, read from table files, or both.

    Sets ``parsed.files[name]``: the table file when all records come from one, else the YAML.
    """
    value = _or_empty(value, [])
    if name == "orders" and isinstance(value, str) and not is_workbook(value):
        return _orders_csv_entries(value, reader, parsed, problems)
    if name not in TABLE_SECTIONS:
        if is_table_source(value):
            message = (
                f"{name} cannot come from a table file: their records hold lists "
                f"({_NESTED_WHY.get(name, 'nested records')}); give a list of records"
            )
            problems.append(Problem(str(path), name, "", message))
            return []
    elif is_table_source(value):
        value = [value]
    if not isinstance(value, list):
        message = f"must be a list of records (`- id: ...` lines), not a {_yaml_kind(value)}"
        problems.append(Problem(str(path), name, "", message))
        return []
    entries: list[_Entry | None] = []
    files: set[str] = set()
    inline = False
    for position, item in enumerate(value):
        if name in TABLE_SECTIONS and is_table_source(item):
            where = name if len(value) == 1 else f"{name}[{position}]"
            table = _table_entries(name, item, where, path, reader, problems)
            entries += table
            files |= {e.file for e in table if e is not None}
        else:
            inline = True
            entries.append(_Entry(item, str(path)))
    if len(files) == 1 and not inline:
        parsed.files[name] = files.pop()
    return entries


_NESTED_WHY = {
    "calendars": "shifts, holidays",
    "products": "routing steps, bills of materials",
    "suppliers": "offers",
}


def _orders_csv_entries(
    name: str, reader: TableReader, parsed: ParsedTables, problems: list[Problem]
) -> list[_Entry | None]:
    """``orders: file.csv``: the orders table with the field names as its header, read as it
    always was (unknown columns are errors; a blank line is None)."""
    csv_path = reader.base / name
    parsed.files["orders"] = str(csv_path)
    try:
        data = read_bytes(csv_path, "orders CSV")
        reader.add(csv_path, data)
        rows = parse_orders_csv(data, csv_path)
    except DataError as exc:
        problems += exc.problems
        return []
    line_offset = 2  # header row, then 1-based lines
    return [
        None if row is None else _Entry(row, str(csv_path), f" (line {index + line_offset})")
        for index, row in enumerate(rows)
    ]


def _table_entries(
    name: str,
    item: Any,
    where: str,
    path: Path,
    reader: TableReader,
    problems: list[Problem],
) -> list[_Entry]:
    """The rows of one table source of section ``name``, with the rows of its nested table
    (a material's receipts) attached to their records."""
    raw_source = {"file": item} if isinstance(item, str) else item
    source = _validate_one(TableSource, raw_source, str(path), where, problems)
    if source is None:
        return []
    nested = TABLE_SECTIONS[name]
    misplaced = [
        (option, why)
        for option, why in (
            ("channel", "only orders have a channel"),
            ("receipts", "only materials have receipts"),
            ("downtime", "only resources have downtime"),
        )
        if getattr(source, option) is not None
        and option != ("channel" if name == "orders" else nested and nested[0])
    ]
    for option, why in misplaced:
        problems.append(Problem(str(path), where, option, f"not an option of {name}: {why}"))
    if misplaced:
        return []
    table = reader.read(source, SECTIONS[name], name)
    problems += table.problems
    reader.notes += table.notes
    entries = [
        _Entry(row.values, row.origin.file, f" ({row.origin.where})", row.origin, row.problems)
        for row in table.rows
    ]
    if nested is not None and getattr(source, nested[0]) is not None:
        nested_source = getattr(source, nested[0])
        _attach_nested(name, nested, nested_source, entries, where, path, reader, problems)
    return entries


def _attach_nested(
    name: str,
    nested: tuple[str, str, type[BaseModel]],
    source: TableSource,
    entries: list[_Entry],
    where: str,
    path: Path,
    reader: TableReader,
    problems: list[Problem],
) -> None:
    """Read a nested table (receipts of materials, downtime of resources) and attach each
    valid row to the record its key column names."""
    field_name, key, model = nested
    for option in ("channel", "receipts", "downtime"):
        if getattr(source, option) is not None:
            message = f"not an option of a table of {field_name}"
            problems.append(Problem(str(path), f"{where}.{field_name}", option, message))
            return
    table = reader.read(source, model, field_name, key=key)
    problems += table.problems
    reader.notes += table.notes
    parents: dict[str, _Entry] = {}
    for entry in entries:
        ident = entry.item.get("id")
        if ident is not None:
            parents.setdefault(str(ident), entry)
    for index, row in enumerate(table.rows):
        values = dict(row.values)
        label = _record_label(field_name, index, values, None) + f" ({row.origin.where})"
        if row.problems:
            problems += [Problem(row.origin.file, label, c, m) for c, m in row.problems]
            continue
        owner = values.pop(key, None)
        parent = parents.get(str(owner)) if owner is not None else None
        if parent is None:
            message = (
                "required field is missing"
                if owner is None
                else f"unknown {key} {owner!r}; {name} of the table: "
                f"{', '.join(sorted(parents)[:8]) or 'none'}"
            )
            problems.append(Problem(row.origin.file, label, row.origin.column(key), message))
            continue
        first = len(problems)
        if _validate_one(model, values, row.origin.file, label, problems) is None:
            problems[first:] = [
                replace(p, field=row.origin.column(p.field)) for p in problems[first:]
            ]
            continue
        items = parent.item.setdefault(field_name, [])
        paths = [f"{field_name}[{len(items)}]"]
        ident = _name(values.get("id"))
        if ident is not None:
            paths += [f"{field_name}[{ident}]", f"{field_name}[{ident!r}]"]
        items.append(values)
        assert parent.origin is not None
        for field_path in paths:
            parent.origin.nested[field_path] = row.origin


def _or_empty(value: Any, empty: Any) -> Any:
    """A section left empty (``wip:`` with nothing after it) counts as absent."""
    return empty if value is None else value


def _record_label(section: str, index: int, item: Any, line_offset: int | None) -> str:
    ident = item.get("id") if isinstance(item, dict) else None
    if ident is None and isinstance(item, dict) and section == "changeovers":
        ident = item.get("resource")
    if ident is None and isinstance(item, dict) and section == "wip":
        ident = f"{_name(item.get('order'))}/{_name(item.get('step'))}"
    ident = _name(ident)
    label = f"{section} '{ident}'" if ident is not None else f"{section}[{index}]"
    if line_offset is not None:
        label += f" (line {index + line_offset})"
    return label


def _name(value: Any) -> str | None:
    """A value usable as a record's name in a message: short text or a number only."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return None


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
        message += f" (got {_short_repr(error['input'])})"
    return message


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxlevel = 2


def _short_repr(value: Any) -> str:
    """A bounded repr: a value pasted into the wrong place may be huge or deeply nested."""
    return _REPR.repr(value)


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
                    (_name(child[k]) for k in ("id", "resource", "material", "name") if k in child),
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
        c.id: Customer(c.id, c.name or c.id, c.tier, c.credit_limit, c.partial_delivery)
        for c in records["customers"]
    }
    orders = {o.id: _order(o, grid) for o in records["orders"]}
    pins = {}
    done: dict[str, int] = {}
    for w in records["wip"]:
        step_index = [s.id for s in products[orders[w.order].product].routing].index(w.step)
        if w.done:
            done[w.order] = max(done.get(w.order, 0), step_index + 1)
        else:
            pins[(w.order, step_index)] = Pin(w.order, step_index, w.resource, grid.floor(w.start))
    materials = {m.id: _material(m, grid) for m in records["materials"]}
    suppliers = {s.id: _supplier(s, grid) for s in records["suppliers"]}
    changeovers = {c.resource: _changeover(c, grid) for c in records["changeovers"]}
    return Plant(
        warnings=tuple(validation.date_warnings(parsed)),
        name=header.name,
        grid=grid,
        horizon=horizon,
        calendars=calendars,
        resources=resources,
        products=products,
        customers=customers,
        orders=orders,
        pins=pins,
        done=done,
        materials=materials,
        suppliers=suppliers,
        settings=parsed.settings,
        currency=header.currency,
        source=source,
        changeovers=changeovers,
    )


def _changeover(model: ChangeoverModel, grid: TimeGrid) -> Changeover:
    """Times rounded up to the grid: a changeover is never shorter than the file says."""
    times = {
        (before, after): grid.duration_ticks(when.total_seconds())
        for before, row in model.matrix.items()
        for after, when in row.items()
    }
    return Changeover(model.resource, times, grid.duration_ticks(model.default.total_seconds()))


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
        model.id,
        model.name or model.id,
        model.capacity,
        model.calendar or ALWAYS,
        downtime,
        model.overtime_cost_per_hour,
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
            s.may_pause,
        )
        for s in model.routing
    )
    bom = tuple(BomLine(line.material, line.per_unit, line.step) for line in model.bom)
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
            group=next((g.id for g in model.capacity_groups if o.material in g.materials), ""),
        )
        for o in model.offers
    }
    groups = tuple(
        CapacityGroup(g.id, tuple(g.materials), g.capacity) for g in model.capacity_groups
    )
    return Supplier(
        model.id, model.name or model.id, model.reliability, ticks(model.period), offers, groups
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
        partial_delivery=model.partial_delivery,
    )
