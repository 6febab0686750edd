"""The plan store: stored plans and API keys in a SQL database (SQLAlchemy).

SQLite is the zero-setup default (a file in the user's data folder); a ``postgresql://`` URL
selects PostgreSQL through psycopg 3. The schema is created and upgraded by the Alembic
migrations in :mod:`hedge_planner.service.migrations` when a store opens.

A stored plan keeps its full inputs (the case text and every file submitted with it, so the
market data and holdings travel with it), the plan document, both reports, the package and
solver versions, the key that asked and the time. Stored plans are immutable: the store has no
update, and an ORM update of a plan row is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

logger = logging.getLogger(__name__)

__all__ = [
    "ApiKey",
    "Base",
    "PlanStore",
    "StoredPlan",
    "database_url",
    "default_database_url",
    "utc",
]

#: Environment variable naming the database when ``--db`` is not given.
DB_ENV = "HEDGE_PLANNER_DB"


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class ApiKey(Base):
    """An API key: only its SHA-256 is stored (the key itself is shown once, at creation)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StoredPlan(Base):
    """A plan as produced: inputs, document, reports, versions, key and time (immutable)."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    portfolio: Mapped[str] = mapped_column(String(200), index=True)
    analysis_date: Mapped[dt.date] = mapped_column(Date, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(40))
    inputs: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    versions: Mapped[str] = mapped_column(Text)
    report_html: Mapped[bytes] = mapped_column(LargeBinary)
    report_xlsx: Mapped[bytes] = mapped_column(LargeBinary)

    def summary(self) -> dict[str, Any]:
        """The listing's view: id, portfolio, date, status, key, time (no document)."""
        return {
            "id": self.id,
            "portfolio": self.portfolio,
            "analysis_date": self.analysis_date.isoformat(),
            "created_at": utc(self.created_at).isoformat(),
            "status": self.status,
            "key_id": self.key_id,
        }


@event.listens_for(StoredPlan, "before_update")
def _refuse_update(*_: Any) -> None:
    raise PermissionError("stored plans are immutable")


def utc(value: dt.datetime) -> dt.datetime:
    """A stored time as UTC (SQLite returns naive datetimes; they were written in UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _data_folder() -> Path:
    """The user's data folder for hedge-planner (XDG on Linux, the platform's elsewhere)."""
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return root / "hedge-planner"


def default_database_url() -> str:
    """``$HEDGE_PLANNER_DB``, else a SQLite file ``plans.db`` in the user's data folder."""
    env = os.environ.get(DB_ENV)
    if env:
        return env
    return f"sqlite:///{_data_folder() / 'plans.db'}"


def database_url(url: str | None) -> str:
    """The SQLAlchemy URL of a user's database URL (``postgresql://`` uses psycopg 3)."""
    url = url or default_database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Threads of the worker pool share the engine; wait for the writer instead of failing.
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)


@dataclass(frozen=True)
class Page:
    """One page of a listing: the items, the total count and the paging used."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class PlanStore:
    """Plans and keys in one database.

    Parameters
    ----------
    url
        A database URL (``sqlite:///path``, ``postgresql://user@host/db``); default
        :func:`default_database_url`.
    migrate
        Bring the schema to the newest migration on opening (default true).
    """

    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = _engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            from hedge_planner.service.migrate import upgrade

            upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        with self._sessions() as s, s.begin():
            yield s

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except Exception:  # any driver error means "not ready"
            logger.warning("database not ready", exc_info=True)
            return False

    # -- plans ---------------------------------------------------------------------------

    def add_plan(
        self,
        *,
        portfolio: str,
        analysis_date: dt.date,
        status: str,
        inputs: dict[str, Any],
        document: dict[str, Any],
        versions: dict[str, Any],
        report_html: bytes,
        report_xlsx: bytes,
        key_id: int | None,
    ) -> str:
        """Store a plan; returns its new id."""
        plan_id = uuid.uuid4().hex
        row = StoredPlan(
            id=plan_id,
            portfolio=portfolio,
            analysis_date=analysis_date,
            created_at=dt.datetime.now(dt.UTC),
            key_id=key_id,
            status=status,
            inputs=json.dumps(inputs),
            document=json.dumps(document),
            versions=json.dumps(versions),
            report_html=report_html,
            report_xlsx=report_xlsx,
        )
        with self.session() as s:
            s.add(row)
        return plan_id

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        """A stored plan by id, or ``None``."""
        with self.session() as s:
            return s.get(StoredPlan, plan_id)

    def list_plans(
        self,
        *,
        portfolio: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        """Stored plans, newest first, filtered by portfolio and analysis date (inclusive)."""
        query = select(StoredPlan)
        if portfolio is not None:
            query = query.where(StoredPlan.portfolio == portfolio)
        if date_from is not None:
            query = query.where(StoredPlan.analysis_date >= date_from)
        if date_to is not None:
            query = query.where(StoredPlan.analysis_date <= date_to)
        with self.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(
                query.order_by(StoredPlan.created_at.desc(), StoredPlan.id)
                .limit(limit)
                .offset(offset)
            ).all()
            return Page([r.summary() for r in rows], int(total), limit, offset)
