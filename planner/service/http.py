"""HTTP plumbing of the service: error responses, API-key roles, rate and size limits, uploads.

Every user error is a 422 whose ``errors`` list carries each problem located as the command line
locates it (``source``, 1-based ``row``, ``column``, ``reason``, ``hint``) and ``message``, the
very line the CLI prints (``case.yaml, row 3, column 'holdings': ...``). Only a bug is a 500.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hedge_planner.exits import format_issue
from hedge_planner.models.errors import HedgePlannerError, InputError, InputIssue
from hedge_planner.service.jobs import CASE_NAME, Submission
from hedge_planner.service.keys import KeyInfo, Role, allows, check_key
from hedge_planner.service.store import PlanStore
from starlette.datastructures import UploadFile

logger = logging.getLogger(__name__)

__all__ = [
    "BodySizeLimit",
    "RateLimiter",
    "install_error_handlers",
    "read_submission",
    "require",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_TYPES = {"application/json"}
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}


def issue_json(issue: InputIssue) -> dict[str, Any]:
    """One located problem as JSON, with the CLI's message line."""
    return {
        "source": issue.source,
        "row": issue.row,
        "column": issue.column,
        "reason": issue.reason,
        "hint": issue.hint,
        "message": format_issue(issue),
    }


def input_error_response(exc: InputError) -> JSONResponse:
    """422 with every problem located."""
    n = len(exc.issues)
    body = {
        "detail": f"{n} input problem{'s' if n != 1 else ''}",
        "errors": [issue_json(i) for i in exc.issues],
    }
    return JSONResponse(body, status_code=422)


def _request_issue(loc: tuple[Any, ...], reason: str) -> InputIssue:
    # FastAPI's location starts with where the value came from (body, query, path, header).
    where, *path = loc or ("request",)
    column = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path)
    return InputIssue(f"request {where}", None, column.replace(".[", "[") or None, reason)


def install_error_handlers(app: Any) -> None:
    """Map the package's errors and request-validation errors to 422."""

    async def on_input(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, InputError)
        return input_error_response(exc)

    async def on_user(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "errors": []}, status_code=422)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        issues = [_request_issue(tuple(e.get("loc", ())), str(e.get("msg"))) for e in exc.errors()]
        return input_error_response(InputError(issues))

    async def on_bug(_: Request, exc: Exception) -> JSONResponse:
        logger.error("internal error", exc_info=exc)
        return JSONResponse(
            {"detail": f"internal error: {type(exc).__name__}; please report"}, status_code=500
        )

    app.add_exception_handler(InputError, on_input)
    app.add_exception_handler(HedgePlannerError, on_user)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_bug)


def user_error(column: str, reason: str, hint: str = "") -> InputError:
    """A problem of the request itself (not of a case file)."""
    return InputError([InputIssue("request", None, column, reason, hint)])


# -- keys and roles ------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="API key: Authorization: Bearer KEY")


class RateLimiter:
    """At most ``per_minute`` requests per key in any 60-second window (sliding)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key_id: int) -> bool:
        """Count a request of ``key_id``; false when it is over the limit."""
        now = time.monotonic()
        with self._lock:
            times = self._seen[key_id]
            while times and now - times[0] >= 60.0:
                times.popleft()
            if len(times) >= self.per_minute:
                return False
            times.append(now)
            return True


def require(role: Role) -> Any:
    """A FastAPI dependency: a valid key whose role allows ``role``'s calls.

    401 without a key or with an unknown or revoked key; 403 when the key's role is below
    ``role``; 429 over the key's rate limit.
    """

    def check(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> KeyInfo:
        store: PlanStore = request.app.state.store
        unauthorized = {"WWW-Authenticate": "Bearer"}
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "missing API key (Authorization: Bearer KEY)", unauthorized)
        key = check_key(store, credentials.credentials)
        if key is None:
            raise HTTPException(401, "invalid or revoked API key", unauthorized)
        if not allows(key.role, role):
            raise HTTPException(403, f"the key's role {key.role!r} may not do this; needs {role}")
        limiter: RateLimiter = request.app.state.limiter
        if not limiter.allow(key.id):
            raise HTTPException(429, "rate limit exceeded", {"Retry-After": "60"})
        return key

    return Depends(check)


# -- request size --------------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body over {self.max_bytes} bytes"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        # Read the whole body (bounded) before the app sees it, then replay it.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# -- submissions ---------------------------------------------------------------------------


def _text(raw: bytes, column: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise user_error(column, f"not UTF-8 text (byte {exc.start})") from None


async def _multipart(request: Request) -> Submission:
    form = await request.form()
    case_text: str | None = None
    case_name = CASE_NAME
    files: dict[str, str] = {}
    for field, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = _text(await value.read(), field)
            if field == "case":
                case_text, case_name = content, value.filename or CASE_NAME
            else:
                files[value.filename or field] = content
        elif field == "case":
            case_text = value
    if case_text is None:
        raise user_error("case", "no case in the form", "send the case YAML as the 'case' part")
    return Submission(case_text, case_name, files)


async def read_submission(request: Request) -> Submission:
    """A case from the request body: JSON, YAML, or a multipart form with uploaded files.

    JSON is a case object (holdings inline); YAML a case file's text (holdings inline); a
    multipart form has the case YAML as its ``case`` part and any files it names (a holdings
    CSV) as further file parts, each under its file name.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return await _multipart(request)
    body = await request.body()
    if ctype in JSON_TYPES:
        text = _text(body, "body")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise user_error("body", f"not JSON: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(data, dict):
            raise user_error("body", "the case must be a JSON object")
        return Submission(json.dumps(data, indent=1), CASE_NAME)
    if ctype in YAML_TYPES:
        return Submission(_text(body, "body"), CASE_NAME)
    raise user_error(
        "content-type",
        f"unsupported content type {ctype or '(none)'!r}",
        "send application/json, application/yaml or multipart/form-data",
    )
