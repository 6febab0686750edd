"""The ``hedge-planner`` command line: every command is a thin view over a :class:`PlanRun`.

Exit statuses (see :mod:`hedge_planner.exits`): 0 success; 1 a bug (short message, ``--debug``
for the traceback); 2 a user error (every located problem listed on standard error, no
traceback); 3 infeasible limits or no proven plan (outputs still written). Logs go to standard
error; with ``--json`` standard output carries the JSON document and nothing else.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import logging
import math
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from hedge_planner import cli_more
from hedge_planner.cli_common import (
    CaseArg,
    JsonFlag,
    SchedulerOpt,
    WorkersOpt,
    ZipFlag,
    err_console,
    out_console,
)
from hedge_planner.cli_service import keys_app, serve
from hedge_planner.exits import (
    EXIT_USER_ERROR,
    exit_status,
    install_signal_handlers,
    raise_if_unproven,
    settings,
    user_errors,
)
from hedge_planner.jsonout import dumps, emit_json
from hedge_planner.logs import configure_logging
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import parse_number
from hedge_planner.models.schemas import parse_iso_date
from hedge_planner.outputs import (
    DEFAULT_OUTPUTS,
    OUTPUT_FILES,
    parse_outputs,
    prepare_out_folder,
    write_plan_set,
)
from hedge_planner.provenance import package_version, versions

app = typer.Typer(
    name="hedge-planner",
    help="Measure, compare, hedge and stress the rate risk of a bond portfolio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Start-up cost: the commands import what they need inside their bodies (the optimiser
# with cvxpy, the Excel writer with xlsxwriter, the scenario engine), so ``validate``,
# ``analyze`` and ``--help`` do not pay for the libraries only ``hedge`` and ``plan`` use.
# tests/planner/test_startup.py checks which modules each command loads.

#: Command dependencies resolved through this module on first use: tests (and users' debugging
#: sessions) may replace them here, e.g. ``cli.write_excel = ...``, as when they were imported
#: at the top.
_LAZY = {
    "PlanRun": "hedge_planner.run",
    "run_baseline": "hedge_planner.yield_analysis",
    "write_excel": "hedge_planner.report_excel",
    "write_html": "hedge_planner.report_html",
}


def _lazy(name: str) -> Any:
    """The command dependency ``name``: this module's attribute, imported on first use."""
    if name not in globals():
        globals()[name] = getattr(importlib.import_module(_LAZY[name]), name)
    return globals()[name]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return _lazy(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


logger = logging.getLogger(__name__)
__all__ = ["EXIT_USER_ERROR", "app", "emit_json", "main", "user_errors"]


def _show_version(value: bool) -> None:
    if value:
        libs = ", ".join(f"{k} {v}" for k, v in versions().items() if k != "hedge-planner")
        typer.echo(f"hedge-planner {package_version()} ({libs})")
        raise typer.Exit(0)


@app.callback()
def _global_options(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="Log progress to standard error; -vv for debug."
        ),
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Log errors only (standard error).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Print the traceback of internal errors (bugs).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version (and library versions) and exit.",
        ),
    ] = False,
) -> None:
    """Global options; they go before the command, e.g. ``hedge-planner -v plan CASE``."""
    configure_logging(verbose, quiet)
    settings.debug = debug


def _settle(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
@user_errors
def analyze(
    source: Annotated[
        str,
        typer.Argument(
            help="A holdings CSV (columns id, face, coupon, maturity, yield or price; optional "
            "frequency, day_count, issue_date, sector, description, supplied analytics) for "
            "yield-based analytics, or a case YAML (analysis_date, holdings, curves, risk, "
            "benchmark, covariance) for curve-based risk, KRDs, sectors and the benchmark "
            "comparison. - reads standard input (CSV or YAML, detected from the content).",
            metavar="HOLDINGS.csv|CASE.yaml",
        ),
    ],
    settle: Annotated[
        str | None,
        typer.Option(help="Settlement date YYYY-MM-DD (required for a holdings CSV)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Measure rate risk: yields, durations (Macaulay, modified, effective), convexity, DV01,
    spread duration, key rate durations, sector contributions and benchmark gaps."""
    from hedge_planner import render
    from hedge_planner.io import looks_like_csv, parse_holdings_csv, read_text
    from hedge_planner.run import PlanRun
    from hedge_planner.yield_analysis import analyze_holdings

    text, name = read_text(source)
    if not text.strip():
        hint = "expected a holdings CSV or a case YAML"
        raise InputError([InputIssue(name, None, None, "the file is empty", hint)])
    is_case = name.lower().endswith((".yaml", ".yml")) or (
        name == "<stdin>" and not looks_like_csv(text)
    )
    if is_case:
        analysis = PlanRun.from_text(text, name).measure()
        if as_json:
            emit_json(analysis.to_json())
        else:
            render.case_analysis(out_console, analysis)
        return
    settle_date = _settle(settle)
    if settle_date is None:
        raise typer.BadParameter("--settle is required for a holdings file", param_hint="--settle")
    holdings = parse_holdings_csv(text, name, settle_date)
    result = analyze_holdings(holdings, settle_date)
    if as_json:
        emit_json(result.to_json())
    else:
        render.yield_analysis(out_console, result)


@app.command()
@user_errors
def baseline(
    case: Annotated[
        str,
        typer.Argument(
            help="Baseline case YAML: settle, portfolio_value, targets (modified_duration, "
            "convexity, ...), hedge_bonds (inline list or CSV path). - reads standard input.",
            metavar="CASE.yaml",
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Closed-form hedge: weights of hedge bonds matching target duration/convexity."""
    from hedge_planner import render
    from hedge_planner.cases import load_baseline_case

    parsed, bonds = load_baseline_case(case)
    result = _lazy("run_baseline")(parsed, bonds)
    if as_json:
        emit_json(result)
    else:
        render.baseline(out_console, result)


@app.command()
@user_errors
def instruments(
    case: Annotated[
        str,
        typer.Argument(
            help="Case YAML with a hedge.universe section; - for standard input.",
            metavar="CASE.yaml",
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Per-unit DV01, KRDs, convexity, carry, margin and slippage of every hedge instrument;
    for futures also the CTD, conversion factor, implied repo, net basis and roll date."""
    from hedge_planner import render
    from hedge_planner.run import PlanRun

    document = PlanRun.load(case).instruments_document()
    if as_json:
        emit_json(document)
    else:
        render.instruments(out_console, document)


@app.command()
@user_errors
def hedge(case: CaseArg, as_json: JsonFlag = False) -> None:
    """Optimise the hedge: integer futures, swaps and swaptions under the case's duration band,
    DV01, KRD, convexity, position and margin limits, pricing tracking error, carry and slippage.
    The closed-form futures hedge ratio is shown beside it. Infeasible limits are explained."""
    from hedge_planner import render
    from hedge_planner.run import PlanRun

    run = PlanRun.load(case)
    run.require_hedge()
    hedge_plan = run.hedge()
    assert hedge_plan is not None
    document = hedge_plan.document()
    if as_json:
        emit_json(document.model_dump(mode="json"))
    else:
        render.hedge(out_console, document)
    # Exit 3 after the document is out: infeasible limits or a solve not proven optimal.
    raise_if_unproven(document.model_dump(mode="json"))


#: Most points one ``sweep`` may solve (each is a full mixed-integer solve).
MAX_SWEEP_POINTS = 10_000


def _parse_sweep(text: str) -> tuple[str, list[float]]:
    from hedge_planner.hedging import SWEEP_PARAMS

    name, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or len(parts) != 3:
        raise typer.BadParameter("expected NAME=START:STOP:STEP", param_hint="--param")
    try:
        # Strict decimals, as in every input file: 1_000, Arabic-Indic digits, nan and inf are
        # refused (float() accepts them all).
        start, stop, step = (parse_number(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(
            "START, STOP and STEP must be finite plain decimal numbers such as 0.5 or 1e-3",
            param_hint="--param",
        ) from None
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise typer.BadParameter(
            "START, STOP and STEP must be finite numbers (not nan or inf)", param_hint="--param"
        )
    if step <= 0 or stop < start:
        raise typer.BadParameter("need STEP > 0 and STOP >= START", param_hint="--param")
    if name not in SWEEP_PARAMS:
        raise typer.BadParameter(
            f"unknown parameter {name!r}; one of {', '.join(SWEEP_PARAMS)}", param_hint="--param"
        )
    n = int(np.floor((stop - start) / step + 1e-9)) + 1
    if n > MAX_SWEEP_POINTS:
        raise typer.BadParameter(
            f"{n} points is too many (max {MAX_SWEEP_POINTS}); use a larger STEP",
            param_hint="--param",
        )
    return name, [start + i * step for i in range(n)]


@app.command()
@user_errors
def sweep(
    case: CaseArg,
    param: Annotated[
        list[str],
        typer.Option(
            help="NAME=START:STOP:STEP (inclusive), NAME one of duration_target, duration_band, "
            "dv01_max, dv01_min, convexity_floor, margin_budget, risk_aversion, carry_weight, "
            "slippage_weight (or its case key path, e.g. hedge.limits.duration.band). Repeat it "
            "(or use NAME=v1,v2,..., horizon_days, or a scenario shock: scenarios.parallel_bp, "
            "scenarios.NAME[.FIELD]) for a grid."
        ),
    ],
    zipped: ZipFlag = False,
    out: Annotated[
        str | None,
        typer.Option(
            help="Folder to write into: one parameter gives sweep.csv and sweep.html (the "
            "frontier chart); a grid gives grid.parquet and grid.csv."
        ),
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """What-if study: re-solve the compiled hedge problem over a range of one parameter, or a
    grid of several (Parquet and CSV with --out; see README "What-if grids and fleets")."""
    from hedge_planner.case_hedge import SWEEP_KEYS

    # One plain limit or cost over a range keeps the frontier sweep; anything else is a grid.
    one = param[0].partition("=")[0].strip() if len(param) == 1 else ""
    grid = len(param) != 1 or "," in param[0] or one not in SWEEP_KEYS
    if grid or zipped or workers or scheduler:
        from hedge_planner.study_cli import grid_command

        grid_command(out_console, err_console, case, param, zipped=zipped, out=out,
                     workers=workers, scheduler=scheduler, as_json=as_json)  # fmt: skip
        return
    from hedge_planner import render
    from hedge_planner.run import PlanRun

    name, values = _parse_sweep(param[0])
    folder = prepare_out_folder(out) if out is not None else None
    run = PlanRun.load(case)
    run.require_hedge()
    rows = run.sweep(name, values)
    document = {"param": name, "points": rows}
    written = []
    if folder is not None:
        # Cases carry no currency field: the plan document's currency labels the sweep too.
        from hedge_planner.document import Plan
        from hedge_planner.sweep_report import write_sweep_outputs

        ccy = str(Plan.model_fields["currency"].default)
        written = write_sweep_outputs(document, folder, ccy, run.source, uuid.uuid4().hex)
    if as_json:
        emit_json(document)
    else:
        render.sweep(out_console, document)
        if written:
            out_console.print(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
@user_errors
def scenarios(
    case: CaseArg,
    hedge_file: Annotated[
        str | None,
        typer.Option(
            "--hedge",
            help="A plan.json or hedge JSON whose trades to stress; without it the optimiser "
            "runs first.",
            metavar="PLAN.json",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Stress the unhedged and hedged book: parallel, curve, spread and historical scenarios by
    full revaluation, with the duration/convexity approximation and its error beside it."""
    from hedge_planner import render
    from hedge_planner.run import PlanRun
    from hedge_planner.stress import read_hedge_quantities

    run = PlanRun.load(case)
    quantities = None
    if hedge_file is not None:
        members = run.universe()
        if not members:
            run.require_hedge()
        quantities = read_hedge_quantities(hedge_file, members)
    document = run.stress(quantities).to_json()
    if as_json:
        emit_json(document)
    else:
        render.scenarios(out_console, document)
    optimised = run.hedge() if hedge_file is None else None
    if optimised is not None:
        # The hedged columns used the optimiser's positions: exit 3, as ``hedge`` would, when
        # they are not a proven plan (none at all after a time limit, or the closest hedge).
        raise_if_unproven(optimised.document().model_dump(mode="json"))


@app.command()
@user_errors
def plan(
    case: CaseArg,
    out: Annotated[
        str,
        typer.Option(help="Folder to write plan.json and the reports into."),
    ] = "out",
    output: Annotated[
        str,
        typer.Option(
            "--output",
            help="Reports to write beside plan.json, comma-separated: html (report.html), "
            "xlsx (report.xlsx), pdf (report.pdf, needs the pdf extra), blotter (blotter.csv, "
            "the order blotter).",
        ),
    ] = ",".join(DEFAULT_OUTPUTS),
    account: Annotated[
        str | None,
        typer.Option(help="Account written on every blotter row (default: the case's name)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The PM's run before rebalancing: measure, compare, hedge, stress and report (exposure
    summary, hedge recommendation, scenario matrix, risk dashboard, action items, quality
    checks). Writes plan.json and the --output reports together (the previous set stays
    intact if the run fails or is interrupted). Exits 3 (after writing) when the hedge limits
    are infeasible or the solve is not proven optimal."""
    from hedge_planner.run import PlanRun

    # The folder and the report list are checked before any work: a bad --out or --output
    # fails in a second, not after the solve.
    kinds = parse_outputs(output)
    if "pdf" in kinds:
        from hedge_planner.report_pdf import require_pdf

        require_pdf()
    folder = prepare_out_folder(out)
    run = PlanRun.load(case)
    if sys.stderr.isatty():  # a spinner with the stage on a terminal; nothing on a pipe
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True
        ) as progress:
            task = progress.add_task("starting", total=None)
            plan_doc = run.plan(lambda msg: progress.update(task, description=msg))
    else:
        plan_doc = run.plan()
    document = plan_doc.to_json()

    # The reports carry the run id of plan_doc.provenance; write_plan_set adds the manifest
    # (``outputs``) to the document before plan.json is written, last.
    def _write_pdf(p: Path) -> object:
        from hedge_planner.report_pdf import write_pdf

        return write_pdf(plan_doc, p)

    def _write_blotter(p: Path) -> object:
        from hedge_planner.blotter import write_blotter

        return write_blotter(plan_doc, p, account)

    writers: dict[str, Callable[[Path], object]] = {
        "html": lambda p: _lazy("write_html")(plan_doc, p),
        "xlsx": lambda p: _lazy("write_excel")(plan_doc, p),
        "pdf": _write_pdf,
        "blotter": _write_blotter,
    }
    written = write_plan_set(folder, document, {OUTPUT_FILES[k]: writers[k] for k in kinds}, dumps)
    if as_json:
        emit_json(document)
    else:
        from hedge_planner import render

        render.plan(out_console, plan_doc)
        out_console.print(f"wrote {', '.join(str(p) for p in sorted(written))}")
    raise_if_unproven(document["hedge"])


@app.command()
@user_errors
def validate(case: CaseArg) -> None:
    """Check a case's inputs only (schema, holdings, curves, benchmark, covariance, hedge
    universe, scenarios) without optimising; exit 0 when valid, 2 with every problem listed."""
    from hedge_planner.run import PlanRun

    summary = PlanRun.load(case).validate()
    out_console.print(
        f"[green]valid[/]: {summary['holdings']} holdings, {summary['key_tenors']} key tenors, "
        f"{summary['instruments']} hedge instruments, {summary['scenarios']} scenarios"
        + (f", benchmark {summary['benchmark']!r}" if summary["benchmark"] else "")
    )


@app.command()
@user_errors
def schema(
    which: Annotated[
        str, typer.Argument(help="case (the case-file schema) or plan (plan.json's top level).")
    ] = "case",
) -> None:
    """Print the JSON Schema of case files (exported from the pydantic models) or of plan.json."""
    from hedge_planner.schema import SCHEMAS

    if which not in SCHEMAS:
        raise typer.BadParameter(f"expected one of {', '.join(SCHEMAS)}", param_hint="WHICH")
    emit_json(SCHEMAS[which]())


for _command in (cli_more.curve, cli_more.cashflows, cli_more.drift, cli_more.fleet):
    app.command()(_command)
app.command()(serve)
app.add_typer(keys_app, name="keys")


def tune_garbage_collector() -> None:
    """Collection thresholds for a command's process (the console script sets them first).

    Why: a command's imports (pandas, cvxpy, the pydantic models) leave about a million
    long-lived objects, which the default thresholds (700, 10, 10) rescan: the example's
    ``plan`` ran 380 young and 3 full collections, 0.22 s. These run 99 and none, 0.07 s
    (0.2-0.35 s of wall with the caches the scans no longer evict). Cycles are still
    collected, after 20,000 net allocations instead of 700.
    """
    gc.set_threshold(20_000, 20, 20)


def main() -> None:
    """Console-script entry point (exit statuses: see :mod:`hedge_planner.exits`)."""
    install_signal_handlers()
    tune_garbage_collector()
    try:
        app()
    except (Exception, KeyboardInterrupt) as exc:
        # Safety net for anything outside a command body (option parsing, global options).
        sys.exit(exit_status(exc))


if __name__ == "__main__":
    main()
