"""Store reads the API needs and ``store.Store`` does not offer (yet): lists of plants and
plans, a plant by input hash. Read-only, one transaction each, through the store's tables.
"""

from __future__ import annotations

from sqlalchemy import select

from solver.store.store import Store
from solver.store.tables import PlanRow, PlantRow


def plants(store: Store) -> list[PlantRow]:
    """Every stored plant, oldest first."""
    with store.transaction() as session:
        return list(session.scalars(select(PlantRow).order_by(PlantRow.id)))


def plant_with_hash(store: Store, input_hash: str) -> int | None:
    """The id of the plant stored with this input hash, if any."""
    with store.transaction() as session:
        return session.scalars(select(PlantRow.id).where(PlantRow.input_hash == input_hash)).first()


def plans(store: Store, plant_id: int | None = None, limit: int = 100) -> list[PlanRow]:
    """Stored plans, newest first; those of one plant when ``plant_id`` is given."""
    query = select(PlanRow).order_by(PlanRow.id.desc()).limit(limit)
    if plant_id is not None:
        query = query.where(PlanRow.plant_id == plant_id)
    with store.transaction() as session:
        return list(session.scalars(query))
