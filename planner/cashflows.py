"""``hedge-planner cashflows CASE --id ID``: a holding's projected cash flows.

MBS pools are projected under the pricing-date prepayment assumption (``cpr`` / ``psa`` as given;
``refi`` along the forward curve, no volatility) so a user can check a pool against published PSA
tables; bullets, callables and putables list their scheduled coupons and redemption (to
maturity: exercise is the model's decision, not a scheduled flow). Amounts are currency for the
holding's face; ``smm`` is a decimal monthly rate.
"""

from __future__ import annotations

from typing import Any

from hedge_planner.cases import AnalysisCase, load_holdings_section
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.dates import to_days, to_iso
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.mbs import cashflow_table, projected_smm
from hedge_planner.models.oas import pool_book
from hedge_planner.models.schemas import Holdings
from hedge_planner.workflow import build_curves
from rich.console import Console
from rich.table import Table

COLUMNS = (
    "month",
    "date",
    "beginning_balance",
    "smm",
    "scheduled_principal",
    "prepayment",
    "net_interest",
    "total_cash_flow",
)


def cashflow_document(case: AnalysisCase, source: str, holding_id: str) -> dict[str, Any]:
    """``{"id", "kind", "face", "cashflows": [{COLUMNS...}]}`` of one holding."""
    holdings, _ = load_holdings_section(case.holdings, source, "holdings", case.analysis_date)
    if holding_id not in holdings.ids:
        near = ", ".join(holdings.ids[:6])
        raise InputError(
            [InputIssue(source, None, "--id", f"no holding {holding_id!r}", f"ids: {near}, ...")]
        )
    row = holdings.rows[holdings.ids.index(holding_id)]
    settle = int(to_days(case.analysis_date))
    if row.kind == "mbs":
        curve = build_curves(case, source).treasury
        settings = case.models.short_rate.settings()
        pools = pool_book([row], settle)
        smm = projected_smm(pools, curve, settings.hull_white, settings.refi)[0]
        flows = cashflow_table(pools, 0, curve, smm)
        for f in flows:
            f["date"] = to_iso([int(f["date"])])[0]  # type: ignore[call-overload]
    else:
        sched = build_schedule(Holdings((row,)).book(), settle)
        scale = row.face / 100.0
        dates = to_iso(sched.pay_dates)
        n = len(dates)
        flows = []
        for k in range(n):
            principal = 100.0 * scale if k == n - 1 else 0.0
            interest = float(sched.amounts[k]) * scale - principal
            flows.append(
                {
                    "month": k + 1,
                    "date": dates[k],
                    "beginning_balance": row.face,
                    "smm": 0.0,
                    "scheduled_principal": principal,
                    "prepayment": 0.0,
                    "net_interest": interest,
                    "total_cash_flow": principal + interest,
                }
            )
    return {"id": row.id, "kind": row.kind, "face": row.face, "cashflows": flows}


def render_cashflows(console: Console, document: dict[str, Any]) -> None:
    """The cash flows as a table (currency)."""
    table = Table(title=f"{document['id']} ({document['kind']}), face {document['face']:,.0f}")
    for c in COLUMNS:
        table.add_column(c, justify="right")
    for f in document["cashflows"]:
        table.add_row(
            str(f["month"]),
            str(f["date"]),
            *(f"{f[c]:,.2f}" for c in ("beginning_balance",)),
            f"{f['smm']:.6f}",
            *(
                f"{f[c]:,.2f}"
                for c in ("scheduled_principal", "prepayment", "net_interest", "total_cash_flow")
            ),
        )
    console.print(table)
