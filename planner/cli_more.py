"""Commands that inspect a case or run many of them: ``curve``, ``cashflows``, ``drift`` and
``fleet`` (registered on the application in :mod:`hedge_planner.cli`). Each imports its engine
when it runs, so the CLI starts fast."""

from __future__ import annotations

from typing import Annotated

import typer
from hedge_planner.cli_common import (
    CaseArg,
    JsonFlag,
    SchedulerOpt,
    WorkersOpt,
    err_console,
    out_console,
)
from hedge_planner.exits import user_errors
from hedge_planner.jsonout import emit_json

__all__ = ["cashflows", "curve", "drift", "fleet"]


@user_errors
def curve(
    case: CaseArg,
    dates: Annotated[
        list[str] | None,
        typer.Option(
            "--dates",
            help="Dates YYYY-MM-DD or tenors (6m, 10y), comma-separated or repeated; default: "
            "the curve's nodes.",
        ),
    ] = None,
    compounding: Annotated[
        str | None,
        typer.Option(
            help="Compounding of zero_rate: continuous, simple, annual, semiannual, "
            "quarterly, monthly (default: the input's, else semiannual Treasury / annual SOFR)."
        ),
    ] = None,
    day_count: Annotated[
        str | None,
        typer.Option(help="Day count of zero_rate: ACT/365F, ACT/360 or 30/360."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Discount factors, zero rates (continuous and at a stated compounding), forward and par
    rates of the case's Treasury and SOFR curves, with the bond repricing errors or fit."""
    from hedge_planner.curve_view import curve_document, render_curves
    from hedge_planner.run import PlanRun

    run = PlanRun.load(case)
    document = curve_document(run.case, run.source, dates, compounding, day_count)
    if as_json:
        emit_json(document)
    else:
        render_curves(out_console, document)


@user_errors
def cashflows(
    case: CaseArg,
    holding_id: Annotated[str, typer.Option("--id", help="Holding id.")],
    as_json: JsonFlag = False,
) -> None:
    """Projected cash flows of one holding, currency for its face (MBS under the pricing-date
    prepayment assumption, to check a pool against published PSA tables)."""
    from hedge_planner.cashflows import cashflow_document, render_cashflows
    from hedge_planner.run import PlanRun

    run = PlanRun.load(case)
    document = cashflow_document(run.case, run.source, holding_id)
    if as_json:
        emit_json(document)
    else:
        render_cashflows(out_console, document)


@user_errors
def drift(
    before: Annotated[
        str, typer.Argument(help="The earlier snapshot's case YAML.", metavar="BEFORE.yaml")
    ],
    after: Annotated[
        str, typer.Argument(help="The later snapshot's case YAML.", metavar="AFTER.yaml")
    ],
    activity: Annotated[
        str | None,
        typer.Option(
            help="Activity CSV between the snapshots (id, kind trade|paydown|call, face, "
            "optional ordered); without it trades and paydowns are inferred.",
            metavar="ACTIVITY.csv",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Duration drift between two snapshots: the change of effective duration, DV01, KRDs
    (zero and par), spread duration, duration gap and tracking error attributed exactly to time,
    cash flows, paydowns, market, trades and the benchmark; holdings in one snapshot only
    classified."""
    from hedge_planner.drift import drift_document

    document = drift_document(before, after, activity)
    if as_json:
        emit_json(document)
    else:
        from hedge_planner.drift_render import render_drift

        render_drift(out_console, document)


@user_errors
def fleet(
    manifest: Annotated[
        str, typer.Argument(help="Fleet manifest YAML (cases, or template + holdings_dir).")
    ],
    out: Annotated[
        str, typer.Option(help="Folder for MANDATE/plan.json and fleet_summary.parquet/.csv.")
    ] = "out",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    as_json: JsonFlag = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Also store every plan, with its full inputs and reports, in the plan store "
            "of the service: sqlite:///PATH or postgresql://USER@HOST/DB.",
        ),
    ] = None,
) -> None:
    """Plan many mandates from one manifest and rank them by limit breaches, tracking error and
    hedge cost; a mandate that fails is reported with its located error, the others complete."""
    from hedge_planner.study_cli import fleet_command

    fleet_command(out_console, err_console, manifest, out,
                  workers=workers, scheduler=scheduler, as_json=as_json, db=db)  # fmt: skip
