"""The first store: plants, plans, evaluations, decisions.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False, index=True),
        sa.Column("files", sa.JSON, nullable=False),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("plant_id", sa.Integer, sa.ForeignKey("plants.id"), nullable=False, index=True),
        sa.Column("baseline_id", sa.Integer, nullable=True),
        sa.Column("released_id", sa.Integer, nullable=True),
        sa.Column("scenario", sa.Text, nullable=False),
        sa.Column("scenario_text", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(40), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("plant_id", sa.Integer, sa.ForeignKey("plants.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("objective", sa.Float, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("kpis", sa.JSON, nullable=False),
        sa.Column("provenance", sa.JSON, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("now", sa.String(40), nullable=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=True),
        sa.Column(
            "evaluation_id",
            sa.Integer,
            sa.ForeignKey("evaluations.id"),
            nullable=True,
            index=True,
        ),
        sa.Column("variant", sa.String(200), nullable=True),
        sa.Column("plan", sa.JSON, nullable=False),
    )
    with op.batch_alter_table("evaluations") as batch:
        batch.create_foreign_key("fk_evaluation_baseline", "plans", ["baseline_id"], ["id"])
        batch.create_foreign_key("fk_evaluation_released", "plans", ["released_id"], ["id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", WHEN, nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=True),
        sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluations.id"), nullable=True),
        sa.Column("variant", sa.String(200), nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("decisions")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint("fk_evaluation_released", type_="foreignkey")
        batch.drop_constraint("fk_evaluation_baseline", type_="foreignkey")
    op.drop_table("plans")
    op.drop_table("evaluations")
    op.drop_table("plants")
