"""API keys and roles: 401 without a valid key, 403 below the role, 429 over the rate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hedge_planner.service.app import ServiceSettings, create_app
from hedge_planner.service.keys import ROLES, allows, create_key
from hedge_planner.service.store import PlanStore

from tests.planner.service.conftest import SMALL_CASE, bearer

YAML = {"content-type": "application/yaml"}

#: (method, path, least role) of every protected route.
ROUTES = [
    ("GET", "/v1/plans", "viewer"),
    ("GET", "/v1/plans/x", "viewer"),
    ("GET", "/v1/plans/x/report.html", "viewer"),
    ("GET", "/v1/plans/x/report.xlsx", "viewer"),
    ("GET", "/v1/plans/x/inputs", "viewer"),
    ("POST", "/v1/plans", "planner"),
    ("POST", "/v1/validate", "planner"),
    ("POST", "/v1/hedge", "planner"),
    ("GET", "/v1/keys", "admin"),
    ("DELETE", "/v1/keys/999", "admin"),
]


@pytest.fixture
def client(sqlite_store: PlanStore) -> Iterator[TestClient]:
    app = create_app(ServiceSettings(), store=sqlite_store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_role_order() -> None:
    assert [r for r in ROLES if allows(r, "planner")] == ["planner", "admin"]
    assert not allows("nobody", "viewer")


@pytest.mark.parametrize(("method", "path", "role"), ROUTES)
def test_every_route_needs_a_valid_key(
    client: TestClient, keys: dict[str, str], method: str, path: str, role: str
) -> None:
    for headers in ({}, bearer("hp_wrong"), bearer(keys["revoked"]), {"Authorization": "Basic x"}):
        r = client.request(method, path, headers=headers | YAML, content=SMALL_CASE)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "role"), ROUTES)
def test_roles(client: TestClient, keys: dict[str, str], method: str, path: str, role: str) -> None:
    for who in ROLES:
        r = client.request(method, path, headers=bearer(keys[who]) | YAML, content=SMALL_CASE)
        if allows(who, role):  # type: ignore[arg-type]
            assert r.status_code not in (401, 403), (who, r.text)
        else:
            assert r.status_code == 403, (who, r.text)


def test_admin_revokes_a_key_over_http(client: TestClient, keys: dict[str, str]) -> None:
    listed = client.get("/v1/keys", headers=bearer(keys["admin"])).json()
    viewer = next(k for k in listed if k["role"] == "viewer")
    assert "key" not in viewer and "key_hash" not in viewer
    assert client.get("/v1/plans", headers=bearer(keys["viewer"])).status_code == 200
    r = client.delete(f"/v1/keys/{viewer['id']}", headers=bearer(keys["admin"]))
    assert r.status_code == 200
    assert client.get("/v1/plans", headers=bearer(keys["viewer"])).status_code == 401


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_rate_limit_per_key(sqlite_store: PlanStore) -> None:
    first, _ = create_key(sqlite_store, "viewer")
    second, _ = create_key(sqlite_store, "viewer")
    app = create_app(ServiceSettings(rate_limit=3), store=sqlite_store)
    with TestClient(app) as c:
        codes = [c.get("/v1/plans", headers=bearer(first)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert c.get("/v1/plans", headers=bearer(second)).status_code == 200  # per key
