"""Order blotter: the plan's trades as a CSV an order management system can import.

One row per trade, UTF-8, comma-separated, a header row with the column names below, ``.``
as the decimal mark and no thousands separators; empty cells where a column does not apply.

========================  ===================================================================
column                    content
========================  ===================================================================
``plan_id``               run id of the plan (``provenance.run_id`` in plan.json): ties every
                          order to the plan that proposed it
``line``                  1-based line number within the plan
``account``               the account given (``plan --account``), else the case file's name
``instrument``            the plan's instrument identifier (``TYH4``, ``SOFR 10y``)
``instrument_type``       ``FUTURE``, ``IRS`` (overnight-index swap), ``SWAPTION``, ``CDX``
                          (credit index), ``FUTURE_OPTION``, ``CAP`` or ``FLOOR``
``contract``              futures contract code (``TY``); the floating index (``SOFR``) of a
                          swap; the index and series of a CDX (``CDX IG``)
``contract_month``        futures delivery month, ``YYYY-MM``
``tenor``                 swap or CDX tenor (``10y``, ``5y``)
``start_date``            swap start, ISO date: spot, the analysis date (as priced: no spot
                          lag, unadjusted)
``maturity_date``         swap or CDX maturity, ISO date, unadjusted (month-end rule as priced)
``side``                  ``BUY``/``SELL`` (futures, swaptions), ``PAY_FIXED``/
                          ``RECEIVE_FIXED`` (swaps), ``BUY_PROTECTION``/``SELL_PROTECTION``
                          (CDX)
``quantity``              positive: whole contracts, or notional in ``currency`` rounded to
                          whole units
``quantity_unit``         ``CONTRACTS`` or ``NOTIONAL``
``lot_size``              the tradable increment in ``quantity_unit``: the trade's lot (1
                          contract; e.g. 1000000 notional), 1 currency unit when continuous
``currency``              the plan's currency
``notional``              currency notional of the trade (futures: contracts × price ×
                          contract size as the plan computes it), positive
``dv01``                  DV01 change of the trade, currency per bp (signed: + gains as rates
                          fall)
``price_reference``       what the order is priced against: futures' cheapest-to-deliver and
                          conversion factor; swaps' par fixed rate, percent; a CDX's index
                          spread, bp
``fixed_rate``            swap fixed rate, decimal (par at the analysis date)
========================  ===================================================================

:func:`read_blotter` reads the file back (the round trip is tested against the plan).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hedge_planner.document import Plan
from hedge_planner.document_sections import Trade
from hedge_planner.models.bootstrap import tenor_maturity
from hedge_planner.models.dates import to_date

__all__ = ["COLUMNS", "blotter_rows", "read_blotter", "render_blotter", "write_blotter"]

COLUMNS: tuple[str, ...] = (
    "plan_id",
    "line",
    "account",
    "instrument",
    "instrument_type",
    "contract",
    "contract_month",
    "tenor",
    "start_date",
    "maturity_date",
    "side",
    "quantity",
    "quantity_unit",
    "lot_size",
    "currency",
    "notional",
    "dv01",
    "price_reference",
    "fixed_rate",
)

_TYPES = {"future": "FUTURE", "swap": "IRS", "swaption": "SWAPTION", "cdx": "CDX"}
_SIDES = {"buy": "BUY", "sell": "SELL", "pay": "PAY_FIXED", "receive": "RECEIVE_FIXED"}
#: A CDX quantity is notional of protection SOLD when positive (long credit, as a bond holder).
_CDX_SIDES = {"buy": "SELL_PROTECTION", "sell": "BUY_PROTECTION"}
_CDX_NAME = re.compile(r"^(CDX \S+)\s+(\d+[my])$", re.IGNORECASE)
#: Futures month codes (CME): F Jan ... Z Dec.
_MONTH_CODES = "FGHJKMNQUVXZ"
_FUTURE_CODE = re.compile(r"^([A-Z0-9]{1,3}?)([FGHJKMNQUVXZ])(\d)$")
_SWAP_NAME = re.compile(r"^(\S+)\s+(\d+[dwmy])$", re.IGNORECASE)


def _future_fields(code: str, analysis: dt.date) -> dict[str, Any]:
    """Contract and delivery month of a futures code such as ``TYH4`` (the one-digit year is
    the first year at or after the analysis year that ends in that digit)."""
    m = _FUTURE_CODE.match(code)
    if m is None:
        return {"contract": code}
    root, month_code, digit = m.group(1), m.group(2), int(m.group(3))
    year = analysis.year + (digit - analysis.year % 10) % 10
    return {
        "contract": root,
        "contract_month": f"{year:04d}-{_MONTH_CODES.index(month_code) + 1:02d}",
    }


def _swap_fields(name: str, analysis: dt.date, detail: Mapping[str, Any]) -> dict[str, Any]:
    """Index, tenor, spot start and unadjusted maturity of a swap named ``<INDEX> <tenor>``."""
    out: dict[str, Any] = {}
    m = _SWAP_NAME.match(name)
    if m is not None:
        index, tenor = m.group(1), m.group(2).lower()
        # A month-end anchor rolls to month ends, as the swap pricer does.
        eom = (analysis + dt.timedelta(days=1)).month != analysis.month
        out.update(
            contract=index,
            tenor=tenor,
            start_date=analysis.isoformat(),
            maturity_date=to_date(tenor_maturity(analysis, tenor, eom)).isoformat(),
        )
    rate = detail.get("par_rate", detail.get("fixed_rate"))
    if isinstance(rate, int | float):
        out["fixed_rate"] = f"{rate:.6f}"
        out["price_reference"] = f"par fixed rate {100 * rate:.4f}%"
    return out


def _cdx_fields(t: Trade, analysis: dt.date) -> dict[str, Any]:
    """Side (protection bought or sold), index, tenor, maturity and spread of a CDX trade."""
    out: dict[str, Any] = {"side": _CDX_SIDES.get(t.direction, t.direction.upper())}
    m = _CDX_NAME.match(t.instrument)
    if m is not None:
        tenor = m.group(2).lower()
        eom = (analysis + dt.timedelta(days=1)).month != analysis.month
        maturity = to_date(tenor_maturity(analysis, tenor, eom)).isoformat()
        out.update(contract=m.group(1), tenor=tenor, maturity_date=maturity)
    spread = t.detail.get("spread")
    if isinstance(spread, int | float):
        out["price_reference"] = f"index spread {spread * 1e4:.2f} bp"
    return out


def _row(line: int, t: Trade, plan: Plan, analysis: dt.date, account: str) -> dict[str, Any]:
    contracts = t.unit == "contracts"
    qty = abs(t.quantity)
    row: dict[str, Any] = {
        "plan_id": plan.provenance.run_id if plan.provenance is not None else "",
        "line": line,
        "account": account,
        "instrument": t.instrument,
        "instrument_type": _TYPES.get(t.kind, t.kind.upper()),
        "side": _SIDES.get(t.direction, t.direction.upper()),
        "quantity": f"{qty:.0f}",
        "quantity_unit": "CONTRACTS" if contracts else "NOTIONAL",
        "lot_size": f"{t.lot:.0f}" if t.lot else 1,
        "currency": plan.currency or "",
        "notional": f"{abs(t.notional):.2f}",
        "dv01": f"{t.dv01_change:.2f}",
    }
    if t.kind == "future":
        row.update(_future_fields(t.instrument, analysis))
        ctd, cf = t.detail.get("ctd_id"), t.detail.get("conversion_factor")
        if ctd:
            row["price_reference"] = f"CTD {ctd}" + (f" CF {cf:.4f}" if cf else "")
    elif t.kind == "swap":
        row.update(_swap_fields(t.instrument, analysis, t.detail))
    elif t.kind == "cdx":
        row.update(_cdx_fields(t, analysis))
    else:
        strike = t.detail.get("strike")
        if isinstance(strike, int | float):
            row["price_reference"] = f"strike {100 * strike:.4f}%"
    return row


def blotter_rows(
    plan: Plan | Mapping[str, Any], account: str | None = None
) -> list[dict[str, Any]]:
    """One row (column -> value) per trade of the plan, in the plan's order.

    Parameters
    ----------
    plan : Plan or mapping
        The plan (typed, or a ``plan.json`` document).
    account : str, optional
        The order system's account; default the case file's name (``Path(plan.case).stem`` of
        its folder and file, e.g. ``core_plus/case``).
    """
    typed = Plan.from_json(plan)
    if typed.hedge is None:
        return []
    if account is None:
        case = Path(typed.case or "")
        account = f"{case.parent.name}/{case.stem}".strip("/")
    analysis = dt.date.fromisoformat(str(typed.analysis_date))
    trades = typed.hedge.trades
    return [_row(i, t, typed, analysis, account) for i, t in enumerate(trades, start=1)]


def render_blotter(plan: Plan | Mapping[str, Any], account: str | None = None) -> str:
    """The blotter as CSV text (header row first; ``\\r\\n`` line ends, as RFC 4180)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    for row in blotter_rows(plan, account):
        writer.writerow(row)
    return buf.getvalue()


def write_blotter(
    plan: Plan | Mapping[str, Any], path: str | Path, account: str | None = None
) -> Path:
    """Write :func:`render_blotter` to ``path`` (UTF-8)."""
    out = Path(path)
    out.write_text(render_blotter(plan, account), encoding="utf-8", newline="")
    return out


def read_blotter(path: str | Path) -> list[dict[str, str]]:
    """Read a blotter back: its rows as column -> text.

    Raises
    ------
    ValueError
        The header is not :data:`COLUMNS` (names the file and the columns that differ).
    """
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        if header != COLUMNS:
            missing = [c for c in COLUMNS if c not in header]
            extra = [c for c in header if c not in COLUMNS]
            raise ValueError(
                f"{path}: row 1: not a hedge-planner blotter header (missing {missing}, "
                f"unexpected {extra}); expected the columns {', '.join(COLUMNS)}"
            )
        return [dict(r) for r in reader]
