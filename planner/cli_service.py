"""``hedge-planner serve`` and ``hedge-planner keys``: the HTTP service and its API keys.

The service's modules (FastAPI, SQLAlchemy) load only when one of these commands runs, so the
other commands start as fast as before.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any

import typer
from hedge_planner.exits import user_errors
from hedge_planner.jsonout import emit_json
from hedge_planner.models.errors import InputError, InputIssue

logger = logging.getLogger(__name__)

__all__ = ["keys_app", "serve"]

keys_app = typer.Typer(
    help="API keys of the service: create (shown once, stored hashed), list, revoke.",
    no_args_is_help=True,
)


class RoleName(StrEnum):
    """Roles, least to most privileged."""

    viewer = "viewer"
    planner = "planner"
    admin = "admin"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL: sqlite:///PATH or postgresql://USER@HOST/DB (default: "
        "$HEDGE_PLANNER_DB, else plans.db in the user's data folder).",
    ),
]


def _store(db: str | None) -> Any:
    from hedge_planner.service.store import PlanStore
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        return PlanStore(db)
    except (ArgumentError, OperationalError, ValueError) as exc:
        reason = f"cannot open the database: {str(exc).splitlines()[0][:160]}"
        hint = "check the URL, that the server runs and that the user may connect"
        raise InputError([InputIssue("--db", None, None, reason, hint)]) from None


@keys_app.command("create")
@user_errors
def keys_create(
    role: Annotated[RoleName, typer.Option(help="What the key may do.")],
    label: Annotated[str, typer.Option(help="A note on whose key it is.")] = "",
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a key; it is printed once (only its hash is stored)."""
    from hedge_planner.service.keys import create_key

    key, info = create_key(_store(db), role.value, label)
    if as_json:
        emit_json({"key": key} | info.as_dict())
    else:
        typer.echo(key)
        typer.echo(
            f"key id {info.id}, role {info.role}: store it now, it is not shown again", err=True
        )


@keys_app.command("list")
@user_errors
def keys_list(db: DbOption = None) -> None:
    """Every key's id, prefix, role, label, creation and revocation time (JSON)."""
    from hedge_planner.service.keys import list_keys

    emit_json([k.as_dict() for k in list_keys(_store(db))])


@keys_app.command("revoke")
@user_errors
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (from keys list).")],
    db: DbOption = None,
) -> None:
    """Revoke a key: its next request is refused (401)."""
    from hedge_planner.service.keys import revoke_key

    if not revoke_key(_store(db), key_id):
        raise InputError([InputIssue("KEY_ID", None, None, f"no key {key_id}")])
    typer.echo(f"revoked key {key_id}")


@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    db: DbOption = None,
    market: Annotated[
        str | None,
        typer.Option(
            help="Case file whose market data, universe and limits POST /v1/hedge uses.",
            metavar="CASE.yaml",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Solves at once.")] = 2,
    rate_limit: Annotated[int, typer.Option(min=1, help="Requests per key per minute.")] = 600,
    max_body_mb: Annotated[float, typer.Option(min=0.001, help="Largest request body, MB.")] = 20.0,
) -> None:
    """Run the HTTP service (FastAPI on uvicorn): OpenAPI at /openapi.json, docs at /docs."""
    import uvicorn
    from hedge_planner.service.app import ServiceSettings, create_app

    settings = ServiceSettings(
        db_url=db,
        market=market,
        workers=workers,
        rate_limit=rate_limit,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
    )
    store = _store(db)
    app = create_app(settings, store=store)
    logger.info("serving on http://%s:%d (database %s)", host, port, store.engine.url)
    uvicorn.run(app, host=host, port=port, log_level="info")
