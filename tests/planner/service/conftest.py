"""Fixtures of the service tests: stores on SQLite and PostgreSQL, keys, a small case.

PostgreSQL: the URL comes from ``HEDGE_PLANNER_TEST_PG`` (``.ci/run`` starts a server and sets
it). Without it the PostgreSQL variants skip locally, and fail in CI (``CI`` set), so CI always
runs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hedge_planner.service.keys import create_key
from hedge_planner.service.store import PlanStore
from sqlalchemy import create_engine, text

PG_ENV = "HEDGE_PLANNER_TEST_PG"

#: A small case (two bonds, no hedge): a plan in well under a second.
SMALL_CASE = """\
analysis_date: 2024-01-02
holdings: holdings.csv
curves:
  treasury:
    par_yields: {1y: 0.048, 2y: 0.043, 5y: 0.039, 10y: 0.039, 30y: 0.041}
"""
SMALL_HOLDINGS = """\
id,face,coupon,maturity,yield
BOND-A,1000000,0.04,2029-01-02,0.040
BOND-B,2000000,0.03,2033-01-02,0.041
"""


def _reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS plans, api_keys, alembic_version CASCADE"))
    engine.dispose()


def postgres_url() -> str:
    """The test database's URL, or skip (fail in CI)."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip(f"PostgreSQL not configured ({PG_ENV})")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'plans.db'}"
    url = postgres_url()
    _reset_postgres(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[PlanStore]:
    s = PlanStore(db_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[PlanStore]:
    s = PlanStore(f"sqlite:///{tmp_path / 'plans.db'}")
    yield s
    s.engine.dispose()


@pytest.fixture
def keys(sqlite_store: PlanStore) -> dict[str, str]:
    """One key per role (and a revoked one) in ``sqlite_store``."""
    from hedge_planner.service.keys import revoke_key

    out = {role: create_key(sqlite_store, role)[0] for role in ("viewer", "planner", "admin")}
    revoked, info = create_key(sqlite_store, "admin")
    revoke_key(sqlite_store, info.id)
    out["revoked"] = revoked
    return out


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
