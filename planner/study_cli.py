"""Command bodies of multi-parameter ``sweep`` grids and ``fleet`` runs (registered in cli).

Exit statuses: 0 every point or mandate has a proven plan; 2 a bad input before any work (the
manifest, a template, a ``--param``), or, after everything was written, a mandate whose inputs
failed; 3 some points or mandates have no proven plan (written with their status).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from hedge_planner.engine import ProgressFn
from hedge_planner.fleet import load_manifest, run_fleet, summary_frame, summary_row
from hedge_planner.grid import (
    CaseBundle,
    grid_points,
    parse_param,
    rows_frame,
    run_grid,
    write_table,
)
from hedge_planner.io import read_text
from hedge_planner.jsonout import dumps, emit_json, sanitize
from hedge_planner.models.errors import EXIT_NO_PROVEN_PLAN, EXIT_USER_ERROR
from hedge_planner.outputs import prepare_out_folder, write_plan_set
from hedge_planner.provenance import provenance
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

logger = logging.getLogger(__name__)

#: Rows of a grid shown on the terminal (all rows are in the files).
SHOWN_ROWS = 40


@contextmanager
def _bar(console: Console, label: str) -> Iterator[ProgressFn]:
    """A progress bar following the tasks (done, total) on standard error."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _run_id() -> str:
    return str(provenance("-", case_text="")["run_id"])


def grid_command(
    out_console: Console,
    err_console: Console,
    case: str,
    params: list[str],
    *,
    zipped: bool,
    out: str | None,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """``sweep`` over several parameters: rows to the terminal (or JSON) and Parquet/CSV."""
    parsed = [parse_param(p) for p in params]
    names = [n for n, _ in parsed]
    points = grid_points(parsed, zipped)
    folder = prepare_out_folder(out) if out is not None else None
    text, name = read_text(case)
    with _bar(err_console, f"{len(points)} points") as progress:
        rows = run_grid(
            CaseBundle(text, name), points, workers=workers, scheduler=scheduler, progress=progress
        )
    frame = rows_frame(rows, names)
    if folder is not None:
        written = write_table(frame, folder, "grid", _run_id())
        logger.info("wrote %s", ", ".join(map(str, written)))
    if as_json:
        emit_json({"points": sanitize(rows)})
    else:
        _print_grid(out_console, frame, names)
        if folder is not None:
            out_console.print(f"wrote {folder / 'grid.parquet'}, {folder / 'grid.csv'}")
    if not all(r.get("proven") for r in rows):
        raise typer.Exit(EXIT_NO_PROVEN_PLAN)


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return f"{v:,.{digits}f}" if isinstance(v, float) else str(v)


def _print_grid(console: Console, frame: Any, names: list[str]) -> None:
    table = Table(title=f"What-if grid over {', '.join(names)} ({len(frame)} points)")
    cols = [*names, "status", "post_hedge_te_bp", "objective", "binding", "error"]
    cols = [c for c in cols if c in frame.columns]
    for c in cols:
        table.add_column(c, justify="right" if c not in ("status", "binding", "error") else "left")
    for rec in frame.head(SHOWN_ROWS).to_dict("records"):
        table.add_row(*(escape(_fmt(rec.get(c), 2 if c != "objective" else 0)) for c in cols))
    console.print(table)
    if len(frame) > SHOWN_ROWS:
        console.print(f"... {len(frame) - SHOWN_ROWS} more rows in the output files")


def fleet_command(
    out_console: Console,
    err_console: Console,
    manifest: str,
    out: str,
    *,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
    db: str | None = None,
) -> None:
    """Plan every mandate of a manifest; plan.json per mandate and the ranked summary.

    With ``db`` (a database URL) every plan also goes to the plan store with its full inputs
    and reports (:mod:`hedge_planner.fleet_store`); the summary gains its ``plan_id``.
    """
    folder = prepare_out_folder(out)
    template, mandates = load_manifest(manifest)
    store = None
    options: dict[str, Any] = {"workers": workers, "scheduler": scheduler}
    if db is not None:
        from hedge_planner.fleet_store import open_store, plan_fleet_store_batch

        store = open_store(db)  # a bad URL stops here, before any mandate runs
        options["batch_fn"] = plan_fleet_store_batch
    with _bar(err_console, f"{len(mandates)} mandates") as progress:
        outcomes = run_fleet(template, mandates, progress=progress, **options)
    if store is not None:
        from hedge_planner.engine import TaskOutcome
        from hedge_planner.fleet_store import store_plans

        ids = store_plans(store, [m.name for m in mandates], outcomes)
        outcomes = [
            o if o.error is not None else TaskOutcome(o.index, o.value["document"], None, o.seconds)
            for o in outcomes
        ]
    rows = []
    for mandate, outcome in zip(mandates, outcomes, strict=True):
        if outcome.error is None:
            sub = prepare_out_folder(folder / mandate.name)
            write_plan_set(sub, outcome.value, {}, dumps)
        else:
            logger.warning("mandate %s failed: %s", mandate.name, outcome.error)
        rows.append(summary_row(mandate.name, outcome))
        if store is not None:
            rows[-1]["plan_id"] = ids.get(mandate.name)
    frame = summary_frame(rows)
    write_table(frame, folder, "fleet_summary", _run_id())
    if as_json:
        emit_json({"mandates": sanitize(frame.to_dict("records"))})
    else:
        _print_fleet(out_console, frame, folder)
    _fleet_exit(frame)


def _print_fleet(console: Console, frame: Any, folder: Path) -> None:
    table = Table(title="Fleet: ranked by limit breaches, tracking error and hedge cost")
    fmt: dict[str, Callable[[Any], str]] = {
        "tracking_error_bp": lambda v: _fmt(v, 2),
        "hedge_cost": lambda v: _fmt(v, 0),
    }
    for c in frame.columns:
        table.add_column(c, justify="left" if c in ("mandate", "status", "error") else "right")
    for rec in frame.to_dict("records"):
        table.add_row(*(escape(fmt.get(c, _fmt)(rec[c])) for c in frame.columns))
    console.print(table)
    console.print(f"wrote {folder / 'fleet_summary.parquet'}, {folder / 'fleet_summary.csv'}")


def _fleet_exit(frame: Any) -> None:
    if (frame["status"] == "error").any():
        raise typer.Exit(EXIT_USER_ERROR)
    if (~frame["status"].isin(["optimal", "no hedge section"])).any():
        raise typer.Exit(EXIT_NO_PROVEN_PLAN)
