"""What loading hands to the plant-wide checks: the records that passed their schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solver.domain.settings import Settings
from solver.input.schema import PlantHeader


@dataclass
class Parsed:
    """Records that passed their schema, with where each came from."""

    header: PlantHeader | None = None
    settings: Settings = field(default_factory=Settings)
    records: dict[str, list[Any]] = field(default_factory=dict)
    labels: dict[tuple[str, int], str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    failed_ids: dict[str, set[str]] = field(default_factory=dict)
