"""Shared pieces of the command line: the consoles and the argument/option types."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "CaseArg",
    "JsonFlag",
    "SchedulerOpt",
    "WorkersOpt",
    "ZipFlag",
    "err_console",
    "lazy_console",
    "out_console",
]


class _LazyConsole:
    """A rich ``Console`` made on first use: ``rich.console`` costs about 25 ms to import, and
    a command that prints JSON never needs it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    # rich's Live (Progress) enters the console it is given: the dunders are looked up on the
    # type, so they are forwarded explicitly (Console has no others).
    def __enter__(self) -> Console:
        return self._real().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._real().__exit__(*exc)

    def __repr__(self) -> str:
        return f"lazy {self._real()!r}"


def lazy_console(**options: Any) -> Console:
    """``Console(**options)``, made when an attribute is first asked of it."""
    return cast("Console", _LazyConsole(**options))


err_console = lazy_console(stderr=True)
# Piped output keeps wide tables readable instead of folding them to 80 columns.
out_console = lazy_console(width=None if sys.stdout.isatty() else 160)

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of tables.")
]

CaseArg = Annotated[
    str, typer.Argument(help="Case YAML (see README); - for standard input.", metavar="CASE.yaml")
]

ZipFlag = Annotated[
    bool, typer.Option("--zip", help="Pair the i-th values of every --param (no product).")
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        min=1, help="Run on a local Dask cluster of N worker processes (needs the dask extra)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Run on an existing Dask cluster at tcp://HOST:PORT (needs the dask extra)."),
]
