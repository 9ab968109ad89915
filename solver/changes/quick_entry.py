"""Quick entry: a what-if asked on the command line, without a scenario file.

``replan whatif MODEL --add-order ID,CUSTOMER,PRODUCT,QTY,DUE[,PRICE] --cancel ID --due ID DATE
--quantity ID QTY [--now DATETIME]`` asks what the scenario file holding the same changes, in
the same order, would ask: each flag becomes the change record a scenario file holds, and the
records go through the scenario schema (``parse_scenario``), so that values are judged exactly
as in a file. Problems name the flag and its field (``--add-order field 4 (QTY)``) instead of
``changes[i]``, both here and when the changes are applied to the plant later
(``flag_problems``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from solver.changes.scenario import InlineSource, Scenario, parse_scenario
from solver.domain.errors import DataError, Problem
from solver.input.loading import read_yaml

LABEL = "quick entry"
"""How the quick entry is named in problems and reports, where a scenario's file name stands."""

MODEL_ARGUMENT = "MODEL"


@dataclass(frozen=True)
class QuickFlag:
    """One quick-entry flag: the change kind it makes and its fields in the order given.

    ``fields`` pairs the name shown to the planner (``QTY``) with the change record's key
    (``quantity``); the last ``optional`` fields may be left out. ``separator`` splits a flag
    given as one word (``--add-order A,B,C``); flags without one take their fields as
    separate words.
    """

    flag: str
    kind: str
    fields: tuple[tuple[str, str], ...]
    optional: int = 0
    separator: str | None = None

    @property
    def usage(self) -> str:
        """``ID,CUSTOMER,PRODUCT,QTY,DUE[,PRICE]`` or ``ID DATE``."""
        glue = self.separator or " "
        names = [name for name, _ in self.fields]
        required = glue.join(names[: len(names) - self.optional])
        extra = "".join(f"[{glue}{name}]" for name in names[len(names) - self.optional :])
        return f"{self.flag} {required}{extra}"

    def field_name(self, key: str) -> str | None:
        """``QTY`` for the record key ``quantity``; None if the flag has no such field."""
        return next((name for name, record_key in self.fields if record_key == key), None)

    def field_label(self, key: str) -> str:
        """``field 4 (QTY)`` for the record key ``quantity``; the key itself if not a field."""
        for number, (name, record_key) in enumerate(self.fields, start=1):
            if record_key == key:
                return f"field {number} ({name})"
        return key


FLAGS = {
    flag.flag: flag
    for flag in (
        QuickFlag(
            "--add-order",
            "add_order",
            (
                ("ID", "id"),
                ("CUSTOMER", "customer"),
                ("PRODUCT", "product"),
                ("QTY", "quantity"),
                ("DUE", "due"),
                ("PRICE", "price"),
            ),
            optional=1,
            separator=",",
        ),
        QuickFlag("--cancel", "cancel_order", (("ID", "order"),)),
        QuickFlag("--due", "change_due", (("ID", "order"), ("DATE", "due"))),
        QuickFlag("--quantity", "change_quantity", (("ID", "order"), ("QTY", "quantity"))),
    )
}

# Said after a schema message that does not already say what to give.
_EXAMPLES = {
    "ID": "an order id, e.g. RUSH-1",
    "CUSTOMER": "a customer id of the model, e.g. ACME",
    "PRODUCT": "a product id of the model, e.g. CTRL-100",
    "QTY": "a whole number of units above 0, e.g. 150",
    "DUE": "a date or date and time, e.g. 2026-11-26 or 2026-11-26T14:00",
    "DATE": "a date or date and time, e.g. 2026-11-26 or 2026-11-26T14:00",
    "PRICE": "a unit price of 0 or more, e.g. 90.0",
}


@dataclass(frozen=True)
class Entry:
    """One quick-entry flag as given: ``("--due", ("SO-1007", "2026-12-01"))``."""

    flag: str
    values: tuple[str, ...]

    @property
    def spec(self) -> QuickFlag:
        return FLAGS[self.flag]

    @property
    def record(self) -> str:
        """The flag and its value as typed: which of several ``--cancel`` a problem is about."""
        return " ".join([self.flag, *self.values]).strip()


def quick_scenario(model: str | Path, entries: list[Entry], now: str | None = None) -> Scenario:
    """The scenario a quick entry asks: the model, ``now`` and one change per flag, in order.

    Parameters
    ----------
    model : str or Path
        The plant model file, relative to the current directory (the names inside it stay
        relative to its own folder, as for any model).
    entries : list of Entry
        The quick-entry flags in the order given on the command line: a later change may
        refer to an order an earlier one adds.
    now : str, optional
        The moment of asking, read as a scenario's ``now``; the plan start when absent.

    Returns
    -------
    Scenario
        The same scenario a file with these changes would load as; its ``path`` is an
        ``InlineSource`` named ``quick entry`` whose content is that file's text.

    Raises
    ------
    DataError
        Every problem at once, each naming the flag and its field (``--add-order field 4
        (QTY)``), the value given and what would be valid: a wrong number of fields, a value
        the scenario schema refuses, a missing model, a scenario file given as the model, or
        no change flag at all.
    """
    if not entries:
        raise DataError([_problem("--now", "", _NOW_ALONE)])
    _refuse_scenario_file(Path(model))
    problems: list[Problem] = []
    kept: list[Entry] = []
    changes: list[dict[str, Any]] = []
    for entry in entries:
        change, found = change_record(entry)
        problems += found
        if change is not None:
            kept.append(entry)
            changes.append(change)
    raw: dict[str, Any] = {"description": _description(entries), "changes": changes}
    if now is not None:
        raw["now"] = now
    # The content is the scenario file that asks the same: kept with a stored what-if, and
    # hashed into its proposals' provenance as a scenario file's bytes are.
    text = yaml.safe_dump({"model": str(Path(model).absolute()), **raw}, sort_keys=False)
    source = InlineSource(LABEL, text.encode())
    try:
        scenario = parse_scenario(raw, source, model=Path(model))
    except DataError as exc:
        problems += flag_problems(exc.problems, kept)
        scenario = None
    if problems:
        raise DataError(_in_typed_order(problems, entries))
    return scenario


def _in_typed_order(problems: list[Problem], entries: list[Entry]) -> list[Problem]:
    """The model and ``--now`` first, then the flags as typed: found in two passes (the shape
    of each flag, then the schema), they are read against the command line."""
    order = {entry.record: k for k, entry in reversed(list(enumerate(entries)))}
    return sorted(problems, key=lambda p: order.get(p.record, -1))


def change_record(entry: Entry) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The change record of one flag (values left as text for the schema to judge), or the
    problems that keep it from being one."""
    spec = entry.spec
    values = _fields(entry)
    least, most = len(spec.fields) - spec.optional, len(spec.fields)
    if not least <= len(values) <= most:
        count = str(most) if least == most else f"{least} or {most}"
        separated = f" separated by '{spec.separator}'" if spec.separator else ""
        message = (
            f"{len(values)} field(s) given in {' '.join(entry.values)!r}; give {count}"
            f"{separated}: {spec.usage}"
        )
        return None, [Problem(LABEL, entry.record, "", message)]
    problems = [
        Problem(LABEL, entry.record, spec.field_label(key), f"is empty; give {_EXAMPLES[name]}")
        for (name, key), value in zip(spec.fields, values, strict=False)
        if not value
    ]
    if problems:
        return None, problems
    change = {"kind": spec.kind}
    change.update((key, value) for (_, key), value in zip(spec.fields, values, strict=False))
    return change, []


def flag_problems(problems: list[Problem], entries: list[Entry]) -> list[Problem]:
    """Problems of the quick entry's scenario as the planner typed it: ``changes[2]
    (change_due)`` becomes the third flag, ``due`` its field ``field 2 (DATE)``, ``now``
    becomes ``--now``. Problems of other files (the model) are left as they are.

    Parameters
    ----------
    problems : list of Problem
        From ``parse_scenario`` or from applying the changes to the plant (``apply_changes``).
    entries : list of Entry
        The flags, in the order their changes were given to the scenario.

    Returns
    -------
    list of Problem
    """
    return [_as_typed(p, entries) if p.file == LABEL else p for p in problems]


@contextmanager
def named_by_flags(entries: list[Entry]) -> Iterator[None]:
    """Re-raise a DataError of the quick entry's scenario with ``flag_problems``: the changes
    are checked against the plant only when the what-if applies them. Without entries (a
    scenario file) problems pass as they are.

    Parameters
    ----------
    entries : list of Entry
        The flags the scenario was made from (``quick_scenario``).
    """
    try:
        yield
    except DataError as exc:
        if not entries:
            raise
        raise DataError(flag_problems(exc.problems, entries)) from None


def _as_typed(problem: Problem, entries: list[Entry]) -> Problem:
    if problem.record == "scenario" and problem.field == "now":
        return dataclasses.replace(problem, record="--now", field="")
    if problem.record == "scenario" and problem.field == "model":
        return dataclasses.replace(problem, record=MODEL_ARGUMENT, field="")
    index = _change_index(problem.record)
    if index is None or index >= len(entries):
        return problem
    entry = entries[index]
    name = entry.spec.field_name(problem.field)
    message = problem.message
    if name is not None and "give" not in message:
        message += f"; give {_EXAMPLES[name]}"
    label = entry.spec.field_label(problem.field)
    return dataclasses.replace(problem, record=entry.record, field=label, message=message)


def _change_index(record: str) -> int | None:
    """2 for ``changes[2] (change_due)``; None for any other record."""
    head, _, rest = record.partition("[")
    number = rest.partition("]")[0]
    return int(number) if head == "changes" and number.isdigit() else None


def _fields(entry: Entry) -> list[str]:
    separator = entry.spec.separator
    words = entry.values[0].split(separator) if separator else list(entry.values)
    # Typed on a phone: a space after a comma is not part of the value.
    return [word.strip() for word in words]


def _refuse_scenario_file(model: Path) -> None:
    """A scenario file where the model belongs is refused with the model it names; any other
    problem of the file is left to the model's own loading, which says it better."""
    try:
        raw = read_yaml(model)
    except DataError:
        return
    if isinstance(raw, dict) and "model" in raw and "plant" not in raw:
        raise DataError(
            [
                _problem(
                    MODEL_ARGUMENT,
                    "",
                    f"{model} is a scenario file, but quick-entry flags ({', '.join(FLAGS)}, "
                    f"--now) take the model file: give the model it names ({raw['model']}) "
                    "with the flags, or the scenario file without them",
                )
            ]
        )


def _description(entries: list[Entry]) -> str:
    return "asked as: " + " ".join(entry.record for entry in entries)


def _problem(record: str, field: str, message: str) -> Problem:
    return Problem(LABEL, record, field, message)


_NOW_ALONE = (
    "--now is the moment of a quick entry; give it with "
    + ", ".join(FLAGS)
    + " (a scenario file gives its own `now:`)"
)
