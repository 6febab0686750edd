"""Property-based fuzzing driven by the OpenAPI document: no request makes a 5xx.

Every operation of ``/openapi.json`` gets requests generated from its own description: path and
query parameters of the declared types (and arbitrary text in their place), JSON bodies built
from the declared properties and stray keys with arbitrary JSON values, YAML and multipart
bodies of arbitrary text. Bounded: a fixed number of examples per operation, no deadline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hedge_planner.service.app import ServiceSettings, create_app
from hedge_planner.service.keys import create_key
from hedge_planner.service.store import PlanStore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.planner.service.conftest import bearer

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"
EXAMPLES_PER_OPERATION = int(os.environ.get("HP_FUZZ_EXAMPLES", "25"))

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# The document the operations are read from (an in-memory store: only the routes matter).
_SPEC = create_app(ServiceSettings(), store=PlanStore("sqlite://")).openapi()
TENORS = st.sampled_from(["6m", "1y", "2y", "5y", "10y", "30y", "1m", "7x", ""])


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    store = PlanStore(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'plans.db'}")
    key, _ = create_key(store, "admin")
    app = create_app(ServiceSettings(market=EXAMPLE), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, bearer(key)
    store.engine.dispose()


def _operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in sorted(_SPEC["paths"].items())
        for method in sorted(item)
        if method in {"get", "post", "delete"}
    ]


def _param_value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    kinds = {s.get("type") for s in schema.get("anyOf", [schema])}
    typed: st.SearchStrategy[Any] = st.text(max_size=12)
    if "integer" in kinds:
        typed = st.integers(min_value=-(2**40), max_value=2**40)
    elif schema.get("format") == "date" or any(
        s.get("format") == "date" for s in schema.get("anyOf", [])
    ):
        typed = st.dates().map(lambda d: d.isoformat())
    return typed | st.text(max_size=12)


def _json_body(schema: dict[str, Any], spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    ref = schema.get("$ref")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    props = schema.get("properties") or {}
    known = {
        name: (
            st.dictionaries(TENORS, st.floats(allow_nan=True) | st.integers(), max_size=4)
            if name == "krd_dv01"
            else JSON_VALUES
        )
        for name in props
    }
    return st.fixed_dictionaries({}, optional=known) | JSON_VALUES


@st.composite
def _request(draw: st.DrawFn, method: str, path: str) -> dict[str, Any]:
    spec = _SPEC
    op = spec["paths"][path][method.lower()]
    url = path
    query: dict[str, Any] = {}
    for p in op.get("parameters", []):
        value = draw(_param_value(p.get("schema", {})))
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", quote(str(value), safe="") or "x")
        elif p["in"] == "query" and draw(st.booleans()):
            query[p["name"]] = value
    out: dict[str, Any] = {"method": method, "url": url, "params": query}
    content = (op.get("requestBody") or {}).get("content") or {}
    if not content:
        return out
    kind = draw(st.sampled_from(sorted(content)))
    if kind == "application/json":
        body = draw(_json_body(content[kind].get("schema", {}), spec))
        out["content"] = json.dumps(body, allow_nan=True)
        out["headers"] = {"content-type": "application/json"}
    elif kind == "multipart/form-data":
        case = draw(st.text(max_size=200)).encode()
        out["files"] = {"case": ("case.yaml", case), "holdings": ("h.csv", b"id,face\nA,1\n")}
    else:
        out["content"] = draw(st.text(max_size=200)).encode()
        out["headers"] = {"content-type": kind}
    return out


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_request_makes_a_server_error(
    app_client: tuple[TestClient, dict], method: str, path: str
) -> None:
    client, auth = app_client

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(_request(method, path))
    def check(req: dict[str, Any]) -> None:
        headers = auth | req.pop("headers", {})
        r = client.request(headers=headers, **req)
        assert r.status_code < 500, (req, r.status_code, r.text[:500])

    check()
