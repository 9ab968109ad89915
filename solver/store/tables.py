"""The plan store's tables (SQLAlchemy ORM). Alembic migrations in ``migrations/`` create them.

Every row carries its creation time; plans carry the provenance their solve recorded. JSON
columns hold what is read back whole (a plan, an evaluation, the files of a plant); the
columns beside them are what the store is searched and listed by.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PlantRow(Base):
    """A plant as loaded: its input hash and the content of every file it was read from."""

    __tablename__ = "plants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)  # the model file's path when it was loaded
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict] = mapped_column(JSON)  # file name relative to the model -> text


class PlanRow(Base):
    """A plan: made by ``replan plan``, proposed by a what-if, or a nightly candidate.

    ``changes`` is the change set (scenario form) that turns the plant's files into the book
    the plan was made for; ``now`` the moment before which it could not change.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # plan, proposal, candidate
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(40))
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    objective: Mapped[float] = mapped_column(Float)
    terms: Mapped[dict] = mapped_column(JSON)
    kpis: Mapped[dict] = mapped_column(JSON)
    provenance: Mapped[dict] = mapped_column(JSON)
    changes: Mapped[list] = mapped_column(JSON)
    now: Mapped[str | None] = mapped_column(String(40), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluations.id"), nullable=True, index=True
    )
    variant: Mapped[str | None] = mapped_column(String(200), nullable=True)
    plan: Mapped[dict] = mapped_column(JSON)  # the plan file's JSON


class EvaluationRow(Base):
    """A what-if: its changes, verdicts and promises, against which released plan."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id"), index=True)
    baseline_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    released_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    scenario: Mapped[str] = mapped_column(Text)  # the scenario file's path
    scenario_text: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict] = mapped_column(JSON)  # verdicts, promises, moves per variant


class DecisionRow(Base):
    """released, accepted, rejected or superseded: by whom, when, with a note."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id"), nullable=True)
    variant: Mapped[str | None] = mapped_column(String(200), nullable=True)
    by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
