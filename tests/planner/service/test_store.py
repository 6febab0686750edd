"""The plan store on SQLite and PostgreSQL: migrations, round trip, filters, pages, immutability."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hedge_planner.service.keys import check_key, create_key, list_keys, revoke_key
from hedge_planner.service.store import PlanStore, StoredPlan, database_url
from sqlalchemy import inspect, text


def _add(store: PlanStore, portfolio: str, day: int, key_id: int | None = None) -> str:
    return store.add_plan(
        portfolio=portfolio,
        analysis_date=dt.date(2024, 1, day),
        status="optimal",
        inputs={"case_name": "case.yaml", "case": f"day {day}", "files": {"h.csv": "id\n"}},
        document={"analysis_date": f"2024-01-{day:02d}", "x": [1.5, None]},
        versions={"hedge-planner": "0.1.0"},
        report_html=b"<html>" + bytes([day]),
        report_xlsx=b"PK\x03\x04" + bytes(range(256)),
        key_id=key_id,
    )


def test_migration_creates_the_schema(store: PlanStore) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert {"plans", "api_keys", "alembic_version"} <= names
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    # Opening again (a second server, a restart) is a no-op upgrade.
    PlanStore(store.url).engine.dispose()


def test_plan_round_trip(store: PlanStore) -> None:
    _, key = create_key(store, "planner")
    plan_id = _add(store, "core", 5, key.id)
    row = store.get_plan(plan_id)
    assert row is not None
    assert row.portfolio == "core" and row.analysis_date == dt.date(2024, 1, 5)
    assert row.key_id == key.id
    assert json.loads(row.document) == {"analysis_date": "2024-01-05", "x": [1.5, None]}
    assert json.loads(row.inputs)["files"] == {"h.csv": "id\n"}
    assert row.report_xlsx == b"PK\x03\x04" + bytes(range(256))  # binary intact
    assert row.summary()["created_at"].endswith("+00:00")
    assert store.get_plan("nope") is None


def test_filter_and_paginate(store: PlanStore) -> None:
    ids = {(p, d): _add(store, p, d) for p in ("a", "b") for d in (1, 2, 3)}
    page = store.list_plans(portfolio="a", limit=2, offset=0)
    assert page.total == 3 and len(page.items) == 2
    rest = store.list_plans(portfolio="a", limit=2, offset=2)
    assert len(rest.items) == 1
    seen = {i["id"] for i in page.items + rest.items}
    assert seen == {ids[("a", d)] for d in (1, 2, 3)}
    dated = store.list_plans(date_from=dt.date(2024, 1, 2), date_to=dt.date(2024, 1, 2))
    assert {i["id"] for i in dated.items} == {ids[("a", 2)], ids[("b", 2)]}
    assert store.list_plans(portfolio="zzz").total == 0


def test_stored_plans_are_immutable(store: PlanStore) -> None:
    plan_id = _add(store, "core", 5)
    with pytest.raises(PermissionError), store.session() as s:
        row = s.get(StoredPlan, plan_id)
        assert row is not None
        row.status = "tampered"
    row = store.get_plan(plan_id)
    assert row is not None and row.status == "optimal"


def test_keys_hashed_checked_revoked(store: PlanStore) -> None:
    key, info = create_key(store, "viewer", "desk A")
    with store.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT key_hash FROM api_keys"))]
    assert key not in stored and len(stored[0]) == 64  # only the SHA-256 is kept
    assert check_key(store, key) == info
    assert check_key(store, key + "x") is None
    assert revoke_key(store, info.id)
    assert check_key(store, key) is None
    assert list_keys(store)[0].revoked_at is not None
    assert not revoke_key(store, 999)


def test_postgres_urls_use_psycopg3() -> None:
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
