"""Shared pieces of the command line: the consoles and the argument/option types."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

__all__ = [
    "CaseArg",
    "JsonFlag",
    "SchedulerOpt",
    "WorkersOpt",
    "ZipFlag",
    "err_console",
    "out_console",
]

err_console = Console(stderr=True)
# Piped output keeps wide tables readable instead of folding them to 80 columns.
out_console = Console(width=None if sys.stdout.isatty() else 160)

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
