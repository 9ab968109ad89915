"""Tables of a plant file read from CSV or Excel files (ERP exports), through a column map.

A section that is a flat table (orders, customers, resources, wip, materials) may name table
sources instead of listing its records (``schema.TableSource``). ``TableReader`` reads each file
once (its bytes go into the input hash and the plan store), finds the column of each field
(the source's ``columns`` map, else the field's own name), reads dates with the source's
``date_format`` and gives back one raw record per row with where it came from (``Origin``): the
file, the line (CSV) or row (workbook) a user would look at, and the header of each field.
The records then go through the same pydantic models and cross-record rules as records written
in the YAML, so every rule and message applies; ``locate`` turns a problem in a record back
into that file, row and column.

CSV files are read with the ``csv`` module rather than pandas so that every row keeps the
line number a text editor shows (quoted cells may span lines); workbooks are read with pandas
and openpyxl.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pandas as pd
from pydantic import BaseModel, BeforeValidator

from solver.domain.errors import DataError, Problem
from solver.domain.timegrid import parse_day, parse_end, parse_start
from solver.input.parsed import Parsed
from solver.input.schema import TableSource

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
UNREADABLE_WORKBOOKS = (".xls", ".ods", ".numbers")
DELIMITERS = (",", ";", "\t")
_DATE_PARSERS = (parse_start, parse_end, parse_day)
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%f", "%p", "%X", "%c")


def read_bytes(path: Path, what: str = "file") -> bytes:
    """A file's bytes, or a DataError naming it."""
    try:
        return path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError([Problem(str(path), "file", "", f"cannot read {what}: {reason}")]) from None


def decode_utf8(data: bytes, path: Path) -> str:
    """Decode strictly as UTF-8 (a byte order mark is accepted); a bad byte names its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = (
            f"byte 0x{data[exc.start]:02x} at column {column} is not UTF-8 text; save the "
            "file as UTF-8 (in a spreadsheet or editor: 'Save as', encoding UTF-8)"
        )
        raise DataError([Problem(str(path), f"line {line}", "", message)]) from None


def is_workbook(name: str) -> bool:
    """Whether a table file name is a spreadsheet workbook rather than a CSV file."""
    return Path(name).suffix.lower() in (*EXCEL_SUFFIXES, *UNREADABLE_WORKBOOKS)


def is_table_source(value: Any) -> bool:
    """Whether a section (or an item of one) says where to read records rather than being one:
    a file name, or a mapping with a ``file``."""
    return isinstance(value, str) or (isinstance(value, dict) and "file" in value)


@dataclass
class Origin:
    """Where a record read from a table came from.

    Attributes
    ----------
    file : str
        The table file.
    where : str
        ``line 5`` in a CSV file, ``row 5`` in a workbook: what a user sees in an editor.
    headers : dict
        Field -> the header of its column in the file.
    nested : dict
        Rows of another table attached to this record (a material's receipts), by the field
        path a rule names them with (``receipts[0]``, ``receipts[PO-77]``).
    """

    file: str
    where: str
    headers: dict[str, str] = field(default_factory=dict)
    nested: dict[str, Origin] = field(default_factory=dict)

    def column(self, field_path: str) -> str:
        """The header a field was read from (``due`` -> ``Delivery Date``), else the path."""
        return self.headers.get(field_path, field_path)


@dataclass
class ParsedTables(Parsed):
    """``Parsed`` with where each record read from a table came from.

    ``origins`` is keyed like ``labels`` (section, index of the valid record); ``tables`` lists
    the table files read, in order; ``notes`` are warnings (columns ignored).
    """

    origins: dict[tuple[str, int], Origin] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def from_table(parsed: Parsed, section: str, index: int) -> bool:
    """Whether the ``index``-th valid record of ``section`` was read from a table source."""
    return (section, index) in (getattr(parsed, "origins", None) or {})


def locate(parsed: Parsed, section: str, index: int, field_path: str) -> tuple[str, str, str]:
    """File, record and field of a problem in the ``index``-th valid record of ``section``.

    For a record read from a table: its file, its label (which names the row) and the column
    header of the field; a field of a row of a nested table (``receipts[PO-77].arrival``) names
    that table's file, row and column.
    """
    label = parsed.labels[(section, index)]
    origins = getattr(parsed, "origins", None) or {}
    origin = origins.get((section, index))
    if origin is None:
        return parsed.files[section], label, field_path
    head, _, rest = field_path.partition(".")
    nested = origin.nested.get(head)
    if nested is not None and rest:
        base = label.removesuffix(f" ({origin.where})")
        return nested.file, f"{base} {head} ({nested.where})", nested.column(rest)
    return origin.file, label, origin.column(field_path)


@dataclass
class Row:
    """One row of a table: field -> value (empty cells left out) and cells that were unreadable
    as (column header, message)."""

    values: dict[str, Any]
    origin: Origin
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Table:
    """The rows of a table source; ``problems`` when it could not be read at all (then no
    rows), ``notes`` for what was ignored."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Field:
    name: str
    alias: str | None
    kind: str  # "date", "number" or "text"
    required: bool


class TableReader:
    """Reads the table sources of one plant file; each file once.

    Parameters
    ----------
    base : Path
        The folder table file names are relative to (the plant file's).
    declared_in : str
        The plant file, named by problems in a table source itself (an unknown field in
        ``columns``).
    """

    def __init__(self, base: Path, declared_in: str):
        self.base = base
        self.declared_in = declared_in
        self.files: dict[str, bytes] = {}
        self.notes: list[Problem] = []  # columns ignored, from every table read

    def add(self, path: Path, data: bytes) -> None:
        """Record a file read elsewhere (today's orders CSV) for the hash and ``Plant.files``."""
        self.files.setdefault(str(path), data)

    def _bytes(self, path: Path, what: str) -> bytes:
        key = str(path)
        if key not in self.files:
            self.files[key] = read_bytes(path, what)
        return self.files[key]

    def read(
        self, source: TableSource, model: type[BaseModel], section: str, key: str | None = None
    ) -> Table:
        """The rows of one table source as raw records of ``model``.

        Parameters
        ----------
        source : TableSource
            File, sheet, column map, date format, delimiter, decimal mark and channel.
        model : type of BaseModel
            The record model; its fields that hold one value are the table's columns.
        section : str
            Names the table in messages (``orders``, ``receipts``).
        key : str, optional
            An extra required column naming the record a row belongs to (``material`` for a
            table of receipts).

        Returns
        -------
        Table
            Rows (blank ones skipped), problems that stop the table being read (the file,
            the sheet, a missing column), and notes (columns ignored).
        """
        path = self.base / source.file
        table = Table()
        fields = _table_fields(model, key)
        try:
            data = self._bytes(path, f"{section} table")
            suffix = path.suffix.lower()
            if suffix in UNREADABLE_WORKBOOKS:
                message = f"cannot read {suffix} workbooks; save the sheet as .xlsx or CSV (UTF-8)"
                raise DataError([Problem(str(path), "file", "", message)])
            if suffix in EXCEL_SUFFIXES:
                grid, unit = _excel_grid(data, path, source.sheet), "row"
            else:
                if source.sheet is not None:
                    message = (
                        f"{path.name} is not an Excel workbook (.xlsx); `sheet` is for "
                        "workbooks: leave it out for a CSV file"
                    )
                    raise DataError([Problem(self.declared_in, section, "sheet", message)])
                grid, unit = _csv_grid(decode_utf8(data, path), path, source.delimiter), "line"
        except DataError as exc:
            table.problems += exc.problems
            return table
        content = [(number, cells) for number, cells in grid if not _blank(cells)]
        if not content:
            message = "has no header row; the first row must name the columns: " + ", ".join(
                f.name for f in fields if f.required
            )
            table.problems.append(Problem(str(path), "file", "", message))
            return table
        (header_at, header_cells), rows = content[0], content[1:]
        headers = [_header_text(cell) for cell in header_cells]
        where = f"{unit} {header_at}"
        positions = self._columns(source, fields, headers, str(path), where, section, table)
        if table.problems:
            return table
        kinds = {f.name: f.kind for f in fields}
        for number, cells in rows:
            origin = Origin(str(path), f"{unit} {number}", {f: headers[i] for f, i in positions})
            row = Row({}, origin)
            beyond = [c for c in cells[len(headers) :] if _plain(c) is not None]
            if beyond:
                message = (
                    f"{len(headers) + len(beyond)} values but the header names {len(headers)} "
                    "columns; put a value that contains the delimiter in double quotes"
                )
                row.problems.append(("", message))
            for name, i in positions:
                cell = cells[i] if i < len(cells) else None
                try:
                    value = _convert(cell, kinds[name], source)
                except ValueError as exc:
                    row.problems.append((headers[i], str(exc)))
                    continue
                if value is not None:
                    row.values[name] = value
            if source.channel is not None and "channel" not in row.values:
                row.values["channel"] = source.channel
            table.rows.append(row)
        return table

    def _columns(
        self,
        source: TableSource,
        fields: list[_Field],
        headers: list[str],
        file: str,
        where: str,
        section: str,
        table: Table,
    ) -> list[tuple[str, int]]:
        """(field, column index) of each field found; problems and notes go to ``table``."""
        names = {f.name: f for f in fields} | {f.alias: f for f in fields if f.alias}
        for given in source.columns:
            if given not in names:
                message = (
                    f"unknown field {given!r}; the fields of a {section} table: "
                    f"{', '.join(f.name for f in fields)}"
                )
                table.problems.append(
                    Problem(self.declared_in, section, f"columns.{given}", message)
                )
        mapped = {names[k].name: v.strip() for k, v in source.columns.items() if k in names}
        found = ", ".join(repr(h) for h in headers if h) or "none"
        positions: list[tuple[str, int]] = []
        for spec in fields:
            wanted = mapped.get(spec.name)
            candidates = [wanted] if wanted else [spec.name, *([spec.alias] if spec.alias else [])]
            index, twice = _find(headers, candidates)
            if twice:
                message = f"column {twice!r} given twice; give it once"
                table.problems.append(Problem(file, where, twice, message))
            elif index is not None:
                positions.append((spec.name, index))
            elif wanted:
                message = (
                    f"no column {wanted!r} (the column of {spec.name} in the plant file's "
                    f"`columns`); columns found: {found}"
                )
                table.problems.append(Problem(file, where, wanted, message))
            elif spec.required:
                message = (
                    f"missing column {spec.name!r}: every row needs it; columns found: "
                    f"{found}; name its column in `columns` ({spec.name}: <header>) or add it"
                )
                table.problems.append(Problem(file, where, spec.name, message))
        used = {i for _, i in positions}
        ignored = [h for i, h in enumerate(headers) if h and i not in used]
        if ignored:
            message = (
                f"columns ignored: {', '.join(repr(h) for h in ignored)} (not fields of a "
                f"{section} table); map one in `columns` to read it"
            )
            table.notes.append(Problem(file, where, "", message))
        return positions


def table_files(raw: Any, folder: Path) -> list[Path]:
    """The table files a plant file's sections name (read from the mapping, not validated):
    outputs must never overwrite them."""
    files: list[Path] = []
    if not isinstance(raw, dict):
        return files

    def visit(value: Any) -> None:
        if isinstance(value, str):
            files.append(folder / value)
        elif isinstance(value, dict) and isinstance(value.get("file"), str):
            files.append(folder / value["file"])
            for nested in ("receipts", "downtime"):
                visit(value.get(nested))
        elif isinstance(value, list):
            for item in value:
                if is_table_source(item):
                    visit(item)

    for section in ("orders", "customers", "resources", "wip", "materials"):
        visit(raw.get(section))
    return files


def _table_fields(model: type[BaseModel], key: str | None) -> list[_Field]:
    """The fields of ``model`` that hold one value (a column each), and the ``key`` column."""
    fields = [_Field(key, None, "text", True)] if key else []
    for name, info in model.model_fields.items():
        parts = list(_walk(info.annotation)) + list(info.metadata)
        if any(get_origin(p) is list for p in parts):
            continue  # nested records (a resource's downtime): not a column
        if any(isinstance(p, BeforeValidator) and p.func in _DATE_PARSERS for p in parts):
            kind = "date"
        elif int in parts or float in parts:
            kind = "number"
        else:
            kind = "text"
        fields.append(_Field(name, info.alias, kind, info.is_required()))
    return fields


def _walk(annotation: Any):
    """Every type and ``Annotated`` metadata item inside an annotation."""
    yield annotation
    if get_origin(annotation) is Annotated:
        yield from annotation.__metadata__
        yield from _walk(get_args(annotation)[0])
    else:
        for arg in get_args(annotation):
            yield from _walk(arg)


def _find(headers: list[str], candidates: list[str]) -> tuple[int | None, str | None]:
    """Index of the first candidate header found (exactly, else ignoring case), or the header
    found twice."""
    for compare in (str, str.casefold):
        for wanted in candidates:
            hits = [i for i, h in enumerate(headers) if h and compare(h) == compare(wanted)]
            if len(hits) > 1:
                return None, headers[hits[0]]
            if hits:
                return hits[0], None
    return None, None


def _excel_grid(data: bytes, path: Path, sheet: str | None) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of one sheet of a workbook, blank rows included."""
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
        names = [str(n) for n in book.sheet_names]
        if sheet is not None and sheet not in names:
            message = f"no sheet {sheet!r} in the workbook; sheets: {', '.join(names)}"
            raise DataError([Problem(str(path), "file", "sheet", message)])
        name = book.sheet_names[names.index(sheet)] if sheet is not None else book.sheet_names[0]
        frame = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
    except DataError:
        raise
    except Exception as exc:  # a damaged or foreign file: openpyxl and zipfile raise many kinds
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = f"cannot read Excel workbook: {reason}; save it again as .xlsx"
        raise DataError([Problem(str(path), "file", "", message)]) from None
    return [
        (i + 1, list(cells)) for i, cells in enumerate(frame.itertuples(index=False, name=None))
    ]


def _sniff(text: str) -> str:
    """The delimiter that splits the header line into the most columns (comma on a tie)."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = [len(next(csv.reader([line], delimiter=d), [])) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]


def _csv_grid(text: str, path: Path, delimiter: str | None) -> list[tuple[int, list[Any]]]:
    """(line number, cells) of a CSV text, blank lines included; quotes are checked."""
    delimiter = delimiter or _sniff(text)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True
    )
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        message = f"cannot read CSV: {exc}; check the quotes on this line"
        raise DataError([Problem(str(path), f"line {reader.line_num}", "", message)]) from None
    return rows


def _plain(cell: Any) -> Any:
    """A cell as a plain value; None when empty."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell.strip() or None
    if isinstance(cell, pd.Timestamp):
        return None if pd.isna(cell) else cell.to_pydatetime()
    if isinstance(cell, float):
        if cell != cell:  # NaN: an empty cell of a workbook
            return None
        if cell.is_integer() and abs(cell) < 2**63:
            return int(cell)  # 300.0 from a workbook is the number 300, 1001.0 the id 1001
    if cell is pd.NaT:
        return None
    return cell


def _blank(cells: list[Any]) -> bool:
    return all(_plain(c) is None for c in cells)


def _header_text(cell: Any) -> str:
    value = _plain(cell)
    return "" if value is None else str(value)


def _convert(cell: Any, kind: str, source: TableSource) -> Any:
    """A cell's value for its field; ValueError with a message for an unreadable date."""
    value = _plain(cell)
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, datetime):
            # A date cell of a workbook is a datetime at midnight: a date, so that a due date
            # means the end of that day as it does in the YAML.
            return value.date() if value.time() == time() else value
        if isinstance(value, str) and source.date_format:
            fmt = source.date_format
            try:
                moment = datetime.strptime(value, fmt)
            except ValueError:
                example = datetime(2026, 11, 26, 14, 30).strftime(fmt)
                raise ValueError(
                    f"cannot read date {value!r} with date_format {fmt!r} (which reads dates "
                    f"such as {example!r}); correct the cell or the date_format"
                ) from None
            return moment if any(d in fmt for d in _TIME_DIRECTIVES) else moment.date()
        return value
    if kind == "number" and isinstance(value, str) and source.decimal == ",":
        return value.replace(".", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return value
