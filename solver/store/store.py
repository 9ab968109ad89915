"""The plan store: plants, plans, what-if evaluations and decisions, over any SQLAlchemy URL.

A path (or nothing: a file beside the model) means SQLite; ``postgresql://...`` a server.
Opening a store brings its schema to the newest Alembic migration. Every write is one
transaction, so a process killed at any moment leaves the store as it was before that write
or after it, never in between.

Plans are addressed by id (``12``), ``released`` (the plan released last), ``released~1``
(the one released before it) or ``candidate`` (the newest nightly candidate).
"""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from solver.domain.errors import DataError, Problem
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.input.loading import load_plant
from solver.store.tables import DecisionRow, EvaluationRow, PlanRow, PlantRow

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
RELEASED, ACCEPTED, REJECTED, SUPERSEDED = "released", "accepted", "rejected", "superseded"
_REFERENCE = re.compile(r"^(released)(?:~(\d+))?$|^(candidate)$|^(\d+)$")


class StoreError(Exception):
    """The store cannot be opened or written (unreachable server, locked or damaged file)."""


def store_url(location: str | Path) -> str:
    """A SQLAlchemy URL for a store location: a URL as it is, a path as a SQLite file."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        # psycopg 3 (``replan[postgres]``), not SQLAlchemy's default psycopg2.
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def default_location(model: str | Path) -> Path:
    """The store beside a model file: ``models/demo.yaml`` -> ``models/demo.replan.db``."""
    model = Path(model)
    return model.with_name(model.stem + ".replan.db")


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Decision:
    """One line of the history."""

    id: int
    when: datetime
    kind: str
    plan_id: int | None
    plan_name: str | None
    evaluation_id: int | None
    variant: str | None
    by: str
    note: str


class Store:
    """A plan store at one URL. Use ``open_store``."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- plumbing ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self.label}: {_reason(exc)}") from None

    @property
    def label(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- plants --------------------------------------------------------------------------

    def save_plant(self, plant: Plant) -> int:
        """The id of the plant's row, added if no row has its input hash yet."""
        with self.transaction() as session:
            found = session.scalars(
                select(PlantRow.id).where(PlantRow.input_hash == plant.input_hash)
            ).first()
            if found is not None:
                return found
            row = PlantRow(
                created_at=now_utc(),
                name=plant.name,
                source=plant.source,
                input_hash=plant.input_hash,
                files=_read_files(plant),
            )
            session.add(row)
            session.flush()
            return row.id

    def plant_row(self, plant_id: int) -> PlantRow:
        with self.transaction() as session:
            row = session.get(PlantRow, plant_id)
        if row is None:
            raise self._missing(f"plant {plant_id}", "no plant with this id")
        return row

    def load_plant(self, plant_id: int, settings_overrides: dict | None = None) -> Plant:
        """The plant rebuilt from the files the store holds (same input hash)."""
        row = self.plant_row(plant_id)
        with tempfile.TemporaryDirectory(prefix="replan-store-") as folder:
            model = _write_files(row, Path(folder))
            plant = load_plant(model, settings_overrides)
        return plant.replace(source=row.source)

    # -- plans ---------------------------------------------------------------------------

    def save_plan(
        self,
        plant_id: int,
        plan: Plan,
        *,
        kind: str,
        name: str,
        kpis: dict | None = None,
        changes: list | None = None,
        now: str | None = None,
        parent_id: int | None = None,
        evaluation_id: int | None = None,
        variant: str | None = None,
        complete: bool = True,
    ) -> int:
        """Add a plan; returns its id."""
        with self.transaction() as session:
            row = _plan_row(
                plant_id,
                plan,
                kind=kind,
                name=name,
                kpis=kpis or {},
                changes=changes or [],
                now=now,
                parent_id=parent_id,
                evaluation_id=evaluation_id,
                variant=variant,
                complete=complete,
            )
            session.add(row)
            session.flush()
            return row.id

    def update_plan(
        self, plan_id: int, plan: Plan, *, kpis: dict | None = None, complete: bool
    ) -> None:
        """Replace a plan's content (a nightly run saving its best plan so far)."""
        with self.transaction() as session:
            row = session.get(PlanRow, plan_id)
            if row is None:
                raise self._missing(str(plan_id), "no plan with this id")
            row.plan = plan.to_dict()
            row.status = plan.status
            row.objective = plan.objective
            row.terms = dict(plan.terms)
            row.provenance = dict(plan.provenance)
            row.complete = complete
            if kpis is not None:
                row.kpis = kpis

    def plan_row(self, reference: str | int) -> PlanRow:
        """The plan a reference names: an id, ``released``, ``released~N`` or ``candidate``.

        Raises
        ------
        DataError
            For a reference that is malformed or names no plan, saying what would be valid.
        """
        text = str(reference).strip()
        match = _REFERENCE.match(text)
        if match is None:
            raise self._missing(
                text, "give a plan id, released, released~N or candidate (or a plan JSON file)"
            )
        with self.transaction() as session:
            if match.group(1):
                back = int(match.group(2) or 0)
                plan_id = session.scalars(
                    select(DecisionRow.plan_id)
                    .where(DecisionRow.kind == RELEASED)
                    .order_by(DecisionRow.id.desc())
                    .offset(back)
                    .limit(1)
                ).first()
                if plan_id is None:
                    released = (
                        "no plan has been released yet"
                        if back == 0
                        else (f"fewer than {back + 1} plans have been released")
                    )
                    raise self._missing(
                        text,
                        f"{released}; release one with `replan plan "
                        "MODEL --store S --release` or `replan accept`",
                    )
                row = session.get(PlanRow, plan_id)
            elif match.group(3):
                row = session.scalars(
                    select(PlanRow).where(PlanRow.kind == "candidate").order_by(PlanRow.id.desc())
                ).first()
                if row is None:
                    raise self._missing(text, "no nightly candidate yet (`replan nightly`)")
            else:
                row = session.get(PlanRow, int(match.group(4)))
                if row is None:
                    raise self._missing(text, "no plan with this id (`replan history` lists them)")
        return row

    def released_id(self) -> int | None:
        with self.transaction() as session:
            return self._released(session)

    @staticmethod
    def plan_of(row: PlanRow) -> Plan:
        return Plan.from_dict(row.plan, f"store plan {row.id}")

    # -- evaluations and decisions -------------------------------------------------------

    def save_evaluation(
        self,
        plant_id: int,
        *,
        scenario: str,
        scenario_text: str,
        verdict: str,
        result: dict,
        baseline_id: int | None,
        released_id: int | None,
        proposals: list[tuple[str, Plan, dict, list, str | None]],
    ) -> tuple[int, dict[str, int]]:
        """An evaluation and its proposals (variant, plan, kpis, changes, now) in one
        transaction; returns the evaluation's id and each variant's plan id."""
        with self.transaction() as session:
            row = EvaluationRow(
                created_at=now_utc(),
                plant_id=plant_id,
                baseline_id=baseline_id,
                released_id=released_id,
                scenario=scenario,
                scenario_text=scenario_text,
                verdict=verdict,
                result=result,
            )
            session.add(row)
            session.flush()
            ids = {}
            for variant, plan, kpis, changes, now in proposals:
                proposal = _plan_row(
                    plant_id,
                    plan,
                    kind="proposal",
                    name=f"what-if {row.id} {variant}",
                    kpis=kpis,
                    changes=changes,
                    now=now,
                    parent_id=baseline_id,
                    evaluation_id=row.id,
                    variant=variant,
                )
                session.add(proposal)
                session.flush()
                ids[variant] = proposal.id
            return row.id, ids

    def evaluation_row(self, evaluation_id: int | str) -> EvaluationRow:
        text = str(evaluation_id).strip()
        if not text.isdigit():
            raise self._missing(text, "give an evaluation id (`replan history` lists them)")
        with self.transaction() as session:
            row = session.get(EvaluationRow, int(text))
        if row is None:
            raise self._missing(text, "no what-if evaluation with this id")
        return row

    def proposals(self, evaluation_id: int) -> list[PlanRow]:
        with self.transaction() as session:
            return list(
                session.scalars(
                    select(PlanRow)
                    .where(PlanRow.evaluation_id == evaluation_id)
                    .order_by(PlanRow.id)
                )
            )

    def release(self, plan_id: int, *, by: str, note: str = "") -> None:
        """Make a plan the released one."""
        with self.transaction() as session:
            if session.get(PlanRow, plan_id) is None:
                raise self._missing(str(plan_id), "no plan with this id")
            self._release(session, plan_id, by, note)

    def accept(self, evaluation_id: int, variant: str | None, *, by: str, note: str = "") -> int:
        """Release the proposal of an evaluation's variant (its first by default).

        Refused (DataError) when the released plan changed since the evaluation was made: its
        verdict was about another plan. Returns the released plan's id.
        """
        with self.transaction() as session:
            evaluation = session.get(EvaluationRow, evaluation_id)
            if evaluation is None:
                raise self._missing(str(evaluation_id), "no what-if evaluation with this id")
            proposals = list(
                session.scalars(
                    select(PlanRow)
                    .where(PlanRow.evaluation_id == evaluation_id)
                    .order_by(PlanRow.id)
                )
            )
            names = [p.variant for p in proposals]
            chosen = next((p for p in proposals if variant in (None, p.variant)), None)
            if chosen is None:
                valid = ", ".join(str(n) for n in names) or "none: every variant was rejected"
                raise self._missing(
                    f"evaluation {evaluation_id} variant {variant}",
                    f"no proposal by that name; the variants with a proposal are {valid}",
                )
            current = self._released(session)
            if current != evaluation.released_id:
                raise self._missing(
                    f"evaluation {evaluation_id}",
                    f"the released plan changed since this what-if was made (then "
                    f"{_plan_name(evaluation.released_id)}, now {_plan_name(current)}): its "
                    "verdict is about another plan; evaluate the change again",
                )
            decided = session.scalars(
                select(DecisionRow.kind).where(
                    DecisionRow.evaluation_id == evaluation_id,
                    DecisionRow.kind.in_((ACCEPTED, REJECTED)),
                )
            ).first()
            if decided is not None:
                raise self._missing(
                    f"evaluation {evaluation_id}", f"already {decided}; evaluate it again"
                )
            session.add(
                DecisionRow(
                    created_at=now_utc(),
                    kind=ACCEPTED,
                    plan_id=chosen.id,
                    evaluation_id=evaluation_id,
                    variant=chosen.variant,
                    by=by,
                    note=note,
                )
            )
            self._release(session, chosen.id, by, note)
            return chosen.id

    def reject(self, evaluation_id: int, *, by: str, note: str = "") -> None:
        with self.transaction() as session:
            if session.get(EvaluationRow, evaluation_id) is None:
                raise self._missing(str(evaluation_id), "no what-if evaluation with this id")
            session.add(
                DecisionRow(
                    created_at=now_utc(),
                    kind=REJECTED,
                    evaluation_id=evaluation_id,
                    by=by,
                    note=note,
                )
            )

    def history(self, since: datetime | None = None, limit: int | None = None) -> list[Decision]:
        """Decisions, newest first."""
        with self.transaction() as session:
            query = (
                select(DecisionRow, PlanRow.name)
                .outerjoin(PlanRow, PlanRow.id == DecisionRow.plan_id)
                .order_by(DecisionRow.id.desc())
            )
            if since is not None:
                query = query.where(DecisionRow.created_at >= since)
            if limit is not None:
                query = query.limit(limit)
            return [
                Decision(
                    d.id,
                    d.created_at,
                    d.kind,
                    d.plan_id,
                    name,
                    d.evaluation_id,
                    d.variant,
                    d.by,
                    d.note,
                )
                for d, name in session.execute(query)
            ]

    def evaluations(self, since: datetime | None = None) -> list[EvaluationRow]:
        with self.transaction() as session:
            query = select(EvaluationRow).order_by(EvaluationRow.id)
            if since is not None:
                query = query.where(EvaluationRow.created_at >= since)
            return list(session.scalars(query))

    def decisions_of(self, evaluation_id: int) -> list[str]:
        with self.transaction() as session:
            return list(
                session.scalars(
                    select(DecisionRow.kind).where(DecisionRow.evaluation_id == evaluation_id)
                )
            )

    def plants(self) -> list[PlantRow]:
        """Every stored plant, oldest first."""
        with self.transaction() as session:
            return list(session.scalars(select(PlantRow).order_by(PlantRow.id)))

    def plant_with_hash(self, input_hash: str) -> int | None:
        """The id of the plant stored with this input hash, if any."""
        with self.transaction() as session:
            query = select(PlantRow.id).where(PlantRow.input_hash == input_hash)
            return session.scalars(query).first()

    def plans(self, plant_id: int | None = None, limit: int = 100) -> list[PlanRow]:
        """Stored plans, newest first; those of one plant when ``plant_id`` is given."""
        query = select(PlanRow).order_by(PlanRow.id.desc()).limit(limit)
        if plant_id is not None:
            query = query.where(PlanRow.plant_id == plant_id)
        with self.transaction() as session:
            return list(session.scalars(query))

    def counts(self) -> dict[str, int]:
        with self.transaction() as session:
            return {
                table.__tablename__: session.scalar(select(func.count()).select_from(table))
                for table in (PlantRow, PlanRow, EvaluationRow, DecisionRow)
            }

    # -- helpers -------------------------------------------------------------------------

    def _released(self, session: Session) -> int | None:
        return session.scalars(
            select(DecisionRow.plan_id)
            .where(DecisionRow.kind == RELEASED)
            .order_by(DecisionRow.id.desc())
            .limit(1)
        ).first()

    def _release(self, session: Session, plan_id: int, by: str, note: str) -> None:
        previous = self._released(session)
        when = now_utc()
        if previous is not None and previous != plan_id:
            session.add(
                DecisionRow(created_at=when, kind=SUPERSEDED, plan_id=previous, by=by, note="")
            )
        session.add(DecisionRow(created_at=when, kind=RELEASED, plan_id=plan_id, by=by, note=note))

    def _missing(self, record: str, message: str) -> DataError:
        return DataError([Problem(self.label, record, "", message)])


def open_store(location: str | Path) -> Store:
    """Open (and create or migrate) the store at a path or SQLAlchemy URL.

    Raises
    ------
    DataError
        For a URL SQLAlchemy cannot read.
    StoreError
        When the database cannot be reached or migrated.
    """
    url = store_url(location)
    try:
        parsed = make_url(url)
        engine = create_engine(parsed)
    except (ArgumentError, ValueError) as exc:
        raise DataError(
            [
                Problem(
                    str(location),
                    "store",
                    "url",
                    f"{exc}; give a path or a URL such as "
                    "sqlite:///plans.db or postgresql://user@host/db",
                )
            ]
        ) from None
    except ModuleNotFoundError as exc:
        raise DataError(
            [
                Problem(
                    str(location),
                    "store",
                    "url",
                    f"no driver for this database "
                    f"({exc.name}); for PostgreSQL: pip install 'replan[postgres]'",
                )
            ]
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise DataError(
                    [Problem(str(location), "store", "path", f"folder {folder} does not exist")]
                )
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine, url)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"store {store.label}: {_reason(exc)}") from None
    return store


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Another process writing: wait for it rather than fail at once.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _reason(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _plan_name(plan_id: int | None) -> str:
    return "none" if plan_id is None else f"plan {plan_id}"


def _read_files(plant: Plant) -> dict[str, dict[str, str]]:
    """Every file of the plant, by name relative to the model's folder (text or base64)."""
    model = Path(plant.files[0]) if plant.files else None
    files: dict[str, dict[str, str]] = {}
    for name in plant.files:
        path = Path(name)
        key = path.name if model is None else _relative(path, model.parent)
        data = path.read_bytes()
        try:
            files[key] = {"encoding": "utf-8", "content": data.decode("utf-8")}
        except UnicodeDecodeError:
            files[key] = {"encoding": "base64", "content": base64.b64encode(data).decode()}
    files["__model__"] = {"encoding": "name", "content": model.name if model else ""}
    return files


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return path.name


def _write_files(row: PlantRow, folder: Path) -> Path:
    model = None
    for key, item in row.files.items():
        if key == "__model__":
            model = item["content"]
            continue
        target = folder / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if item["encoding"] == "base64":
            target.write_bytes(base64.b64decode(item["content"]))
        else:
            target.write_bytes(item["content"].encode("utf-8"))
    return folder / (model or "model.yaml")


def _plan_row(
    plant_id: int, plan: Plan, *, kind: str, name: str, complete: bool = True, **fields: Any
) -> PlanRow:
    """A plan's row: the searchable columns beside the plan file's JSON."""
    return PlanRow(
        created_at=now_utc(),
        plant_id=plant_id,
        kind=kind,
        name=name,
        status=plan.status,
        complete=complete,
        objective=plan.objective,
        terms=dict(plan.terms),
        provenance=dict(plan.provenance),
        plan=plan.to_dict(),
        **fields,
    )
