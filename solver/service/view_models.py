"""Response bodies of the page's own endpoints (``GET /plans/{ref}/gantt``,
``GET /whatifs/{id}/gantt``, ``GET /released``).

Kept apart from ``models.py``: they describe a drawing of a plan for the web page, not a
file the engine reads or writes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Priority = Literal["high", "medium", "low"]


class GanttBar(BaseModel):
    order: str
    step: str
    resource: str
    start: str
    end: str
    priority: Priority = Field(description="the class of the order's tardiness weight")
    late: bool = Field(description="the order completes after its due date")
    moved: bool = Field(description="starts elsewhere or at another time than compared with")
    changed: bool = Field(description="an order of `changed`")
    hover: list[str] = Field(description="lines of plain text to show on hover")


class Window(BaseModel):
    resource: str
    start: str
    end: str


class Card(BaseModel):
    label: str
    value: str


class LateOrder(BaseModel):
    order: str
    customer: str
    product: str
    quantity: int
    priority: Priority
    weight: int
    due: str
    completion: str
    late_by: str = Field(description="how late, or `declined`")
    late_hours: float | None


class GanttView(BaseModel):
    """A plan as the page draws it: times are ISO datetimes of the plant's clock."""

    plan_id: int
    name: str
    kind: str
    released: bool
    plant_id: int
    plant_name: str
    against: int | None = Field(description="the stored plan `moved` compares with, if any")
    compared_with: str | None = Field(description="what `moved` compares with, in words")
    start: str = Field(description="the plant's time zero")
    now: str = Field(description="the plan's moment of asking (the plant's start if none)")
    end: str = Field(description="the last step's end")
    currency: str
    resources: list[str]
    steps: list[GanttBar]
    off_shift: list[Window] = Field(description="no calendar time (downtime not included)")
    downtime: list[Window]
    cards: list[Card]
    late_orders: list[LateOrder] = Field(description="late and declined orders, highest first")
    changed: list[str] = Field(
        description="orders the plan's change set names (those of `against`'s left out)"
    )


class ReleasedRef(BaseModel):
    """The released plan, if any."""

    plan_id: int | None
    plant_id: int | None
