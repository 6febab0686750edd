"""How a command ends: exit statuses, error messages and interrupts.

=====  ==========================================================================================
code   meaning
=====  ==========================================================================================
0      success
1      a bug: any exception that is not the package's own error (short message; ``--debug``
       prints the traceback)
2      a user error: bad input files, options or output folder; every located problem is listed
3      the hedge limits are infeasible, or the solver ended without a proven plan; the outputs
       (report with the relaxation, JSON) are still written
130    interrupted (SIGINT); 143: terminated (SIGTERM). Outputs of earlier runs are left intact.
=====  ==========================================================================================
"""

from __future__ import annotations

import functools
import logging
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import typer
from hedge_planner.case_keys import case_key
from hedge_planner.cli_common import lazy_console
from hedge_planner.jsonout import json_stdout
from hedge_planner.models.errors import (
    EXIT_BUG,
    EXIT_NO_PROVEN_PLAN,
    EXIT_USER_ERROR,
    HedgePlannerError,
    InfeasibleLimitsError,
    InputError,
    InputIssue,
    NoProvenPlanError,
    Relaxation,
)

logger = logging.getLogger(__name__)

__all__ = [
    "EXIT_BUG",
    "EXIT_NO_PROVEN_PLAN",
    "EXIT_USER_ERROR",
    "exit_status",
    "install_signal_handlers",
    "raise_if_unproven",
    "settings",
    "user_errors",
]

#: Longest quoted value shown from a user's file in an error message (characters).
QUOTE_LIMIT = 20
#: Longest exception message shown for an internal error (characters).
BUG_MESSAGE_LIMIT = 300

F = TypeVar("F", bound=Callable[..., Any])
err_console = lazy_console(stderr=True)


class _Settings:
    """Process-wide CLI settings made by the global options."""

    debug: bool = False


settings = _Settings()
_last_signal: list[int] = []

_LONG = QUOTE_LIMIT + 1
_QUOTED = re.compile(rf"'([^'\n]{{{_LONG},}})'|\"([^\"\n]{{{_LONG},}})\"")


def shorten_quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Cut every quoted value longer than ``limit`` characters to its first ``limit`` and '…'.

    Error messages quote values from the user's files; a short excerpt locates the problem
    without copying a file's contents (which may be confidential) into logs and terminals.
    """

    def cut(m: re.Match[str]) -> str:
        quote = "'" if m.group(1) is not None else '"'
        body = m.group(1) if m.group(1) is not None else m.group(2)
        return f"{quote}{body[:limit]}…{quote}"

    return _QUOTED.sub(cut, text)


def format_issue(issue: InputIssue) -> str:
    """``location: reason (hint: ...)`` with long quoted values shortened."""
    text = f"{issue.location()}: {shorten_quoted(issue.reason)}"
    return f"{text} (hint: {shorten_quoted(issue.hint)})" if issue.hint else text


def _print(text: str) -> None:
    err_console.print(text, markup=False, highlight=False, soft_wrap=True)


def _report_no_plan(exc: NoProvenPlanError) -> None:
    _print(f"error: {shorten_quoted(exc.summary())}")
    for r in exc.relaxations:
        key = case_key(r.constraint)
        where = f"; case key {key}" if key != r.constraint else ""
        _print(
            f"  - {r.constraint}: limit {r.limit:g} -> required {r.required:g} {r.unit} "
            f"(change {r.change:+g}){where}".rstrip()
        )


def _report_bug(exc: BaseException) -> None:
    if settings.debug:
        traceback.print_exception(exc, file=sys.stderr)
    message = shorten_quoted(str(exc))
    if len(message) > BUG_MESSAGE_LIMIT:
        message = message[:BUG_MESSAGE_LIMIT] + "…"
    _print(
        f"internal error: {type(exc).__name__}: {message}; please report"
        + ("" if settings.debug else "; rerun with --debug for the traceback")
    )


def exit_status(exc: BaseException) -> int:
    """Map an exception escaping a command to its exit status, printing the message."""
    if isinstance(exc, InputError):
        n = len(exc.issues)
        _print(f"error: {n} input problem{'s' if n != 1 else ''}")
        for issue in exc.issues:
            _print(f"  - {format_issue(issue)}")
        return exc.exit_code
    if isinstance(exc, NoProvenPlanError):
        _report_no_plan(exc)
        return exc.exit_code
    if isinstance(exc, HedgePlannerError):
        _print(f"error: {shorten_quoted(str(exc))}")
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        signum = _last_signal[-1] if _last_signal else signal.SIGINT
        _print("interrupted; files from earlier runs were left as they were")
        return 128 + int(signum)
    _report_bug(exc)
    return EXIT_BUG


def user_errors(func: F) -> F:
    """Run a command: user errors exit 2 (or 3), bugs exit 1, ``--json`` keeps stdout clean.

    Typer's own exits (usage errors, ``typer.Exit``) pass through unchanged. With ``as_json``
    set, the command runs under :func:`hedge_planner.jsonout.json_stdout`.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            with json_stdout(bool(kwargs.get("as_json", False))):
                result = func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors and deliberate exits: typer reports them itself
        except (Exception, KeyboardInterrupt) as exc:
            code = exit_status(exc)
            logger.info("%s exited with status %d", func.__name__, code)
            raise typer.Exit(code) from None
        logger.info("%s finished in %.2f s", func.__name__, time.perf_counter() - started)
        return result

    return wrapper  # type: ignore[return-value]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def raise_if_unproven(hedge: Mapping[str, Any] | None) -> None:
    """Raise :class:`NoProvenPlanError` unless the hedge document's solve is proven optimal.

    Parameters
    ----------
    hedge
        A ``hedge --json`` document (or plan.json's ``hedge`` section); ``None`` (a case
        without a hedge section) is fine.

    Raises
    ------
    InfeasibleLimitsError
        Status ``infeasible``; carries the relaxations.
    NoProvenPlanError
        Any other status but ``optimal`` (time or node limit, unbounded, solver error).
    """
    if hedge is None:
        return
    status = str((hedge.get("solver") or {}).get("status", "unknown"))
    if status == "optimal":
        return
    info = hedge.get("infeasibility") or {}
    message = str(info.get("message") or (hedge.get("solver") or {}).get("message") or "")
    if status == "infeasible":
        relax = [
            Relaxation(
                str(r.get("constraint")),
                _number(r.get("limit")),
                _number(r.get("required")),
                str(r.get("unit") or ""),
            )
            for r in info.get("relaxations") or []
        ]
        raise InfeasibleLimitsError(message, relax)
    if status in ("time_limit", "node_limit"):
        message += (
            "; raise hedge.solver.time_limit_seconds or loosen hedge.solver.gap"
            if status == "time_limit"
            else "; loosen hedge.solver.gap or the hedge limits"
        )
    raise NoProvenPlanError(status, message)


def _on_signal(signum: int, _frame: object) -> None:
    _last_signal.append(signum)
    raise KeyboardInterrupt


def install_signal_handlers() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt so clean-up code runs on either."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)
