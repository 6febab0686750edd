"""The ``hedge-planner`` command line.

User errors (bad files, impossible inputs) are printed as a list of located problems on standard
error and the command exits with status 2, without a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from models.errors import HedgePlannerError, InputError, InputIssue
from models.schemas import parse_iso_date
from planner import render
from planner.cases import load_analysis_case, load_baseline_case
from planner.hedging import build_universe
from planner.io import looks_like_csv, parse_holdings_csv, read_text
from planner.workflow import analyze_case, analyze_holdings, run_baseline

app = typer.Typer(
    name="hedge-planner",
    help="Measure, compare, hedge and stress the rate risk of a bond portfolio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)
# Piped output keeps wide tables readable instead of folding them to 80 columns.
out_console = Console(width=None if sys.stdout.isatty() else 160)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 2


def user_errors(func: F) -> F:
    """Report the package's own errors cleanly and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            err_console.print(f"[bold red]error:[/] {len(exc.issues)} input problem(s)")
            for issue in exc.issues:
                err_console.print(f"  - {issue}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except HedgePlannerError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None

    return wrapper  # type: ignore[return-value]


def emit_json(document: dict[str, Any]) -> None:
    """Print a JSON document with stable key order to standard output."""
    sys.stdout.write(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n")


def _settle(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of tables.")
]


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
    text, name = read_text(source)
    if not text.strip():
        hint = "expected a holdings CSV or a case YAML"
        raise InputError([InputIssue(name, None, None, "the file is empty", hint)])
    is_case = name.lower().endswith((".yaml", ".yml")) or (
        name == "<stdin>" and not looks_like_csv(text)
    )
    if is_case:
        case, case_name = load_analysis_case(name, text)
        analysis = analyze_case(case, case_name)
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
    parsed, bonds = load_baseline_case(case)
    result = run_baseline(parsed, bonds)
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
    text, name = read_text(case)
    parsed, case_name = load_analysis_case(name, text)
    if parsed.hedge is None:
        raise InputError([InputIssue(case_name, None, "hedge", "the case has no hedge section")])
    analysis = analyze_case(parsed, case_name)
    members = build_universe(analysis, parsed.hedge, case_name)
    document = {
        "analysis_date": parsed.analysis_date.isoformat(),
        "key_tenors": list(analysis.tenors),
        "horizon_days": parsed.hedge.horizon_days,
        "instruments": [m.as_dict() for m in members],
        "units": {
            "dv01": "currency per 1 bp fall in rates, per unit (1 contract or 1 of notional)",
            "krd": "currency per 1 bp fall of each key rate, per unit",
            "convexity": "dollar convexity, currency per unit rate^2, per unit",
            "carry": "currency per unit over the horizon (positive earns)",
            "margin": "initial margin, currency per unit",
            "half_spread": "half bid-ask, currency per unit traded",
        },
    }
    if as_json:
        emit_json(document)
    else:
        render.instruments(out_console, document)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
