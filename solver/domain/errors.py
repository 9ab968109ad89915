"""Errors the engine raises: bad input (DataError) and failed solves (SolveError)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what would be valid.

    Attributes
    ----------
    file : str
        The file the value came from.
    record : str
        The record, e.g. ``orders 'O17'`` or ``plant``.
    field : str
        The field inside the record, e.g. ``due`` or ``routing[1].resources[0].per_unit``.
    message : str
        What is wrong and what would be valid.
    """

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class DataError(Exception):
    """Input that cannot be planned with; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input:\n{lines}")


class SolveError(Exception):
    """The solver could not produce any plan (e.g. proven infeasible, or a model error).

    ``infeasible``: the model was proven to have no plan (not merely none found in time).
    """

    def __init__(self, message: str = "", infeasible: bool = False):
        super().__init__(message)
        self.infeasible = infeasible
