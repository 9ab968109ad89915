"""Why a step started when it did: one small frozen dataclass per kind of cause.

Every cause has a ``kind``. A wait (resource, calendar, downtime, material, idle) covers the
ticks ``[start, end)`` it explains; ``lag``, ``release``, ``work`` and ``pinned`` say why a step
that did not wait started where it did. Fields marked ``MOMENT`` are ticks of the plant's grid
and ``SPAN`` a number of ticks, so that a report can turn every one into a datetime or hours
without knowing the kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MOMENT = {"unit": "moment"}
SPAN = {"unit": "span"}

RESOURCE, CALENDAR, DOWNTIME, MATERIAL = "resource", "calendar", "downtime", "material"
LAG, RELEASE, WORK, PINNED, IDLE = "lag", "release", "work", "pinned", "idle"
WAITS = (RESOURCE, CALENDAR, DOWNTIME, MATERIAL, IDLE)
# Waits for something besides the order's own progress: a step that waited only for its
# calendar (or lag) started as soon as its previous step let it, so the chain goes on back.
HOLDS = (RESOURCE, DOWNTIME, MATERIAL, IDLE)


@dataclass(frozen=True)
class Busy:
    """Another order's step on the awaited resource."""

    order: str
    customer: str
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)


@dataclass(frozen=True)
class ResourceWait:
    """The resource was taken by other orders' steps from ``start`` to ``end``.

    ``closed``: ticks of that window when the resource was off shift between two stretches
    of other orders' work (nights in a wait of several days), counted in the wait.
    """

    kind: str = field(default=RESOURCE, init=False)
    resource: str
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)
    busy: tuple[Busy, ...]
    closed: int = field(default=0, metadata=SPAN)


@dataclass(frozen=True)
class CalendarWait:
    """The resource's calendar was closed from ``closed_from`` to ``closed_to``.

    The wait may begin before the closure: a step that would not finish before the shift ends
    waits for the next one. ``closure`` is True when a holiday or declared closure of the
    calendar falls in the gap, False when it is only off shift.
    """

    kind: str = field(default=CALENDAR, init=False)
    resource: str
    calendar: str
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)
    closed_from: int = field(metadata=MOMENT)
    closed_to: int = field(metadata=MOMENT)
    closure: bool


@dataclass(frozen=True)
class DowntimeWait:
    """A declared downtime of the resource (``units`` None: all of it)."""

    kind: str = field(default=DOWNTIME, init=False)
    resource: str
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)
    down_from: int = field(metadata=MOMENT)
    down_to: int = field(metadata=MOMENT)
    reason: str
    units: int | None


@dataclass(frozen=True)
class MaterialWait:
    """The order's material arrived at ``arrival``: a receipt into stock or a purchase.

    ``source`` is ``stock`` or the supplier bought from; for stock, ``receipt`` names the open
    receipt whose arrival lets the order draw (its ``supplier`` when the receipt gives one).
    """

    kind: str = field(default=MATERIAL, init=False)
    material: str
    quantity: int
    source: str
    mode: str
    receipt: str
    supplier: str
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)
    arrival: int = field(metadata=MOMENT)


@dataclass(frozen=True)
class Idle:
    """Nothing the plant states held the step: the plan could have started it earlier."""

    kind: str = field(default=IDLE, init=False)
    resource: str
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)


@dataclass(frozen=True)
class Lag:
    """No wait beyond the minimum lag after the previous step."""

    kind: str = field(default=LAG, init=False)
    after: str
    lag: int = field(metadata=SPAN)


@dataclass(frozen=True)
class Release:
    """No wait beyond the order's release."""

    kind: str = field(default=RELEASE, init=False)
    release: int = field(metadata=MOMENT)


@dataclass(frozen=True)
class Work:
    """No wait: the step starts as soon as the previous one (or the plan) lets it."""

    kind: str = field(default=WORK, init=False)


@dataclass(frozen=True)
class Pinned:
    """Work in progress (or a step held by the plant): it stays where it is."""

    kind: str = field(default=PINNED, init=False)


Cause = (
    ResourceWait | CalendarWait | DowntimeWait | MaterialWait | Idle | Lag | Release | Work | Pinned
)
