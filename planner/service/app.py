"""The HTTP service: plans, reports, the desk's hedge call, validation, keys, health.

Build it with :func:`create_app`; ``hedge-planner serve`` runs it under uvicorn. The OpenAPI
document is at ``/openapi.json`` and the interactive docs at ``/docs``. Solves run in a bounded
worker pool, off the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from hedge_planner.provenance import package_version
from hedge_planner.service.desk import HedgeRequest, hedge_overrides
from hedge_planner.service.hedge_pool import HedgePool, PoolKind
from hedge_planner.service.http import (
    BodySizeLimit,
    RateLimiter,
    install_error_handlers,
    read_submission,
    require,
    user_error,
)
from hedge_planner.service.jobs import (
    MarketContext,
    run_submission,
    software_versions,
    solver_status,
    validate_submission,
)
from hedge_planner.service.keys import KeyInfo, list_keys, revoke_key
from hedge_planner.service.page import plans_page
from hedge_planner.service.store import PlanStore, StoredPlan

logger = logging.getLogger(__name__)

__all__ = ["ServiceSettings", "create_app"]

T = TypeVar("T")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CASE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The case: a JSON object or YAML text (holdings inline), or a multipart "
        "form whose 'case' part is the YAML and whose other file parts are the files it names "
        "(a holdings CSV).",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "case": {"type": "string", "format": "binary"},
                        "holdings": {"type": "string", "format": "binary"},
                    },
                    "required": ["case"],
                }
            },
        },
    }
}


@dataclass
class ServiceSettings:
    """How the service runs.

    Attributes
    ----------
    db_url
        Database URL (default: SQLite in the user's data folder, see
        :func:`hedge_planner.service.store.default_database_url`).
    market
        A case file whose market data, universe and limits the desk's ``POST /v1/hedge`` uses.
    workers
        Plan submissions and validations run at the same time (threads of the worker pool).
    hedge_workers
        Desk hedge calls run at the same time (default: the machine's cores).
    hedge_pool
        Where hedge calls run: ``"process"`` (worker processes, each holding the market warm;
        default) or ``"thread"`` (threads of the server's process); see
        :mod:`hedge_planner.service.hedge_pool`.
    rate_limit
        Requests per key per minute.
    max_body_bytes
        Largest request body accepted.
    """

    db_url: str | None = None
    market: str | Path | None = None
    workers: int = 2
    hedge_workers: int | None = None
    hedge_pool: PoolKind = "process"
    rate_limit: int = 600
    max_body_bytes: int = 20 * 1024 * 1024


def _stored(store: PlanStore, plan_id: str) -> StoredPlan:
    row = store.get_plan(plan_id)
    if row is None:
        raise HTTPException(404, f"no stored plan {plan_id[:40]!r}")
    return row


def create_app(settings: ServiceSettings | None = None, store: PlanStore | None = None) -> FastAPI:
    """The FastAPI application (``store`` overrides ``settings.db_url``)."""
    cfg = settings or ServiceSettings()
    pool = ThreadPoolExecutor(max_workers=cfg.workers, thread_name_prefix="hp-solve")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        hedges: HedgePool | None = app.state.hedges
        if hedges is not None:
            # Ready only once every hedge worker holds the market warm.
            await hedges.warm()
        try:
            yield
        finally:
            if hedges is not None:
                hedges.shutdown()
            pool.shutdown(wait=True, cancel_futures=True)

    app = FastAPI(
        title="hedge-planner",
        version=package_version(),
        description="Plans, reports and hedge sizing for fixed-income portfolios. "
        "Authorization: Bearer KEY (keys from `hedge-planner keys create`).",
        lifespan=lifespan,
    )
    app.state.store = store if store is not None else PlanStore(cfg.db_url)
    app.state.limiter = RateLimiter(cfg.rate_limit)
    app.state.market = MarketContext(cfg.market) if cfg.market is not None else None
    app.state.hedges = (
        HedgePool(app.state.market, cfg.hedge_workers, cfg.hedge_pool)
        if app.state.market is not None
        else None
    )
    app.add_middleware(BodySizeLimit, max_bytes=cfg.max_body_bytes)
    install_error_handlers(app)

    async def off_loop(fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    _health_routes(app)
    _plan_routes(app, off_loop)

    @app.post("/v1/validate", openapi_extra=CASE_BODY, tags=["plans"])
    async def validate(request: Request, key: KeyInfo = require("planner")) -> dict[str, Any]:
        """Check a case's inputs without optimising; 422 lists every problem."""
        sub = await read_submission(request)
        return {"valid": True, "summary": await off_loop(validate_submission, sub)}

    @app.post("/v1/hedge", tags=["desk"], response_model=dict[str, Any])
    async def hedge(body: HedgeRequest, key: KeyInfo = require("planner")) -> Response:
        """Size a hedge for a book (holdings or key-rate DV01s) on the server's market data."""
        market: MarketContext | None = app.state.market
        if market is None:
            raise user_error("market", "the service has no market data", "serve --market CASE")
        overrides = hedge_overrides(body, market)
        # Why the encoded body: the document is already plain JSON data (``model_dump(mode=
        # "json")`` in the worker); FastAPI's own validation and encoding of the returned dict
        # walked its ~26 KB again in the server's process (~1.5 ms a call, on the event loop),
        # and even a JSONResponse's encoding (~0.3 ms) ran there: the worker encodes it.
        body = await app.state.hedges.hedge_json(overrides)
        return Response(body, media_type="application/json")

    _key_routes(app)
    return app


def _health_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> Response:
        """The database answers (503 otherwise)."""
        ready = app.state.store.ping()
        body = json.dumps({"status": "ready" if ready else "database unavailable"})
        return Response(body, status_code=200 if ready else 503, media_type="application/json")

    @app.get("/", response_class=HTMLResponse, tags=["page"])
    def page() -> str:
        """The PM's page: stored plans with their reports, and a form to submit a case."""
        return plans_page()


def _plan_routes(app: FastAPI, off_loop: Any) -> None:
    store: PlanStore = app.state.store

    @app.post("/v1/plans", status_code=201, openapi_extra=CASE_BODY, tags=["plans"])
    async def submit(
        request: Request,
        portfolio: str = Query("default", min_length=1, max_length=200),
        key: KeyInfo = require("planner"),
    ) -> dict[str, Any]:
        """Run a case to its plan and store it: 201 with the plan id and document."""
        sub = await read_submission(request)
        result = await off_loop(run_submission, sub)
        status = solver_status(result.document)
        plan_id = await off_loop(
            lambda: store.add_plan(
                portfolio=portfolio,
                analysis_date=dt.date.fromisoformat(result.plan.analysis_date),
                status=status,
                inputs=sub.inputs(),
                document=result.document,
                versions=software_versions(),
                report_html=result.report_html,
                report_xlsx=result.report_xlsx,
                key_id=key.id,
            )
        )
        return {"id": plan_id, "status": status, "plan": result.document}

    @app.get("/v1/plans", tags=["plans"])
    def list_plans(
        portfolio: str | None = Query(None, max_length=200),
        date_from: dt.date | None = Query(None, description="analysis date on or after"),
        date_to: dt.date | None = Query(None, description="analysis date on or before"),
        limit: int = Query(50, ge=1, le=200),
        offset: int = Query(0, ge=0, le=10**9),
        key: KeyInfo = require("viewer"),
    ) -> dict[str, Any]:
        """Stored plans, newest first, filtered by portfolio and analysis date, paginated."""
        page = store.list_plans(
            portfolio=portfolio, date_from=date_from, date_to=date_to, limit=limit, offset=offset
        )
        more = page.offset + len(page.items) < page.total
        return {
            "items": page.items,
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "next_offset": page.offset + len(page.items) if more else None,
        }

    @app.get("/v1/plans/{plan_id}", tags=["plans"])
    def get_plan(plan_id: str, key: KeyInfo = require("viewer")) -> dict[str, Any]:
        """A stored plan: its summary, versions and plan document."""
        row = _stored(store, plan_id)
        return row.summary() | {
            "versions": json.loads(row.versions),
            "plan": json.loads(row.document),
        }

    @app.get("/v1/plans/{plan_id}/inputs", tags=["plans"])
    def get_inputs(plan_id: str, key: KeyInfo = require("viewer")) -> dict[str, Any]:
        """The full inputs a stored plan was made from (case text and submitted files)."""
        return dict(json.loads(_stored(store, plan_id).inputs))

    @app.get("/v1/plans/{plan_id}/report.html", response_class=HTMLResponse, tags=["plans"])
    def report_html(plan_id: str, key: KeyInfo = require("viewer")) -> Response:
        """The stored plan's HTML report."""
        return Response(_stored(store, plan_id).report_html, media_type="text/html")

    @app.get("/v1/plans/{plan_id}/report.xlsx", tags=["plans"])
    def report_xlsx(plan_id: str, key: KeyInfo = require("viewer")) -> Response:
        """The stored plan's Excel report."""
        name = f'attachment; filename="plan-{plan_id}.xlsx"'
        body = _stored(store, plan_id).report_xlsx
        return Response(body, media_type=XLSX, headers={"Content-Disposition": name})


def _key_routes(app: FastAPI) -> None:
    store: PlanStore = app.state.store

    @app.get("/v1/keys", tags=["keys"])
    def keys(key: KeyInfo = require("admin")) -> list[dict[str, Any]]:
        """Every key's record (never the key itself)."""
        return [k.as_dict() for k in list_keys(store)]

    @app.delete("/v1/keys/{key_id}", tags=["keys"])
    def revoke(key_id: int, key: KeyInfo = require("admin")) -> dict[str, Any]:
        """Revoke a key; its next request is a 401."""
        if not revoke_key(store, key_id):
            raise HTTPException(404, f"no key {key_id}")
        return {"revoked": key_id}
