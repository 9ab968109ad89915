"""The checker's Violation record, shared by the schedule and supply checks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One broken rule: its kind, where, and a sentence a planner can read."""

    kind: str
    order: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"
