"""Events inside a horizon that can move a book's risk profile.

* **FOMC decisions**: the Federal Reserve's published meeting schedule, shipped as data
  (``models/data/events_fomc.json``, source cited in the file; a user file in the same format
  may replace it). Each touches the whole book's DV01.
* **Maturities**: holdings maturing inside the horizon, with their share of the book's market
  value and DV01 (the duration that leaves the book).
* **Monthly-pay (MBS/ABS) payments and factor dates**: each payment date of a monthly-pay
  holding inside the horizon, and the factor publication date of that month, taken as the 4th
  business day (US calendar) of the payment's month (an approximation of the agencies'
  schedules; a factor moves the face of every monthly-pay pool).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.calendar import add_business_days
from hedge_planner.models.dates import to_date, to_days
from hedge_planner.models.errors import AnalyticsError

#: Business day of the month on which monthly-pay factors are taken to be published.
FACTOR_BUSINESS_DAY = 4


@dataclass(frozen=True)
class HorizonEvent:
    """One dated event and the exposure it touches.

    Attributes
    ----------
    date
        ISO date.
    kind
        ``fomc``, ``maturity``, ``mbs_payment`` or ``mbs_factor``.
    description
        What happens.
    market_value
        Market value touched, currency.
    dv01_share
        Share of the book's DV01 touched, decimal (1.0 = the whole book).
    """

    date: str
    kind: str
    description: str
    market_value: float
    dv01_share: float

    def as_dict(self) -> dict[str, Any]:
        """JSON row."""
        return asdict(self)


def load_fomc_calendar(path: str | Path | None = None) -> list[dict[str, Any]]:
    """FOMC meetings (``first_day``, ``decision``, ``sep``) from the shipped file or ``path``.

    Raises
    ------
    AnalyticsError
        If the file is not in the expected format.
    """
    if path is None:
        text = resources.files("hedge_planner.models.data").joinpath("events_fomc.json")
        raw = json.loads(text.read_text())
    else:
        raw = json.loads(Path(path).read_text())
    try:
        meetings = [
            {
                "first_day": dt.date.fromisoformat(m["first_day"]),
                "decision": dt.date.fromisoformat(m["decision"]),
                "sep": bool(m.get("sep", False)),
            }
            for m in raw["meetings"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise AnalyticsError(f"FOMC calendar: bad meeting entry ({exc})") from None
    return sorted(meetings, key=lambda m: m["decision"])


def horizon_events(
    book: BondBook,
    market_value: FloatArray,
    dv01: FloatArray,
    start: dt.date,
    end: dt.date,
    fomc: list[dict[str, Any]] | None = None,
) -> list[HorizonEvent]:
    """Events in ``(start, end]``, date order, with the exposure each touches.

    Parameters
    ----------
    book
        The holdings (alive after ``start``).
    market_value, dv01
        Per holding: dirty market value (currency) and DV01 (currency per bp).
    start, end
        The horizon (dates).
    fomc
        Meetings from :func:`load_fomc_calendar` (default: the shipped calendar).
    """
    meetings = load_fomc_calendar() if fomc is None else fomc
    mv = np.asarray(market_value, dtype=np.float64)
    d = np.asarray(dv01, dtype=np.float64)
    total_mv, total_dv01 = float(mv.sum()), float(d.sum())
    share = (lambda x: x / total_dv01) if total_dv01 != 0.0 else (lambda x: 0.0)
    events = [
        HorizonEvent(
            m["decision"].isoformat(),
            "fomc",
            f"FOMC decision ({m['first_day']:%b} {m['first_day'].day}-{m['decision'].day}"
            + (", with projections" if m["sep"] else "")
            + f"): touches the whole book's DV01 ({total_dv01:,.0f} per bp)",
            total_mv,
            1.0,
        )
        for m in meetings
        if start < m["decision"] <= end
    ]
    s, e = int(to_days(start)), int(to_days(end))
    for i in np.flatnonzero((book.maturity > s) & (book.maturity <= e)):
        events.append(
            HorizonEvent(
                to_date(book.maturity[i]).isoformat(),
                "maturity",
                f"{book.ids[i]} matures: {book.face[i]:,.0f} face, "
                f"{mv[i] / total_mv:.1%} of market value, {share(d[i]):.1%} of DV01 leaves",
                float(mv[i]),
                float(share(d[i])),
            )
        )
    events.extend(_monthly_pay_events(book, mv, d, s, e, share))
    return sorted(events, key=lambda ev: (ev.date, ev.kind))


def _monthly_pay_events(
    book: BondBook, mv: FloatArray, d: FloatArray, s: int, e: int, share: Any
) -> list[HorizonEvent]:
    """Payment and factor dates of monthly-pay holdings, aggregated per date."""
    monthly = np.flatnonzero(np.asarray(book.frequency) == 12)
    if monthly.size == 0:
        return []
    sched = build_schedule(book.subset(monthly), s)
    inside = (sched.pay_dates > s) & (sched.pay_dates <= e)
    out = []
    factor_bonds: dict[dt.date, set[int]] = {}
    for day in np.unique(sched.pay_dates[inside]):
        bonds = monthly[np.unique(sched.bond[inside & (sched.pay_dates == day)])]
        pay = to_date(day)
        out.append(
            HorizonEvent(
                pay.isoformat(),
                "mbs_payment",
                f"{bonds.size} monthly-pay holding(s) pay principal and interest; "
                f"{share(float(d[bonds].sum())):.1%} of DV01",
                float(mv[bonds].sum()),
                float(share(float(d[bonds].sum()))),
            )
        )
        first = to_days(pay.replace(day=1)) - 1
        factor = to_date(add_business_days(np.array([first]), FACTOR_BUSINESS_DAY)[0])
        if s < int(to_days(factor)) <= e:
            factor_bonds.setdefault(factor, set()).update(int(b) for b in bonds)
    for factor, members in sorted(factor_bonds.items()):
        idx = np.array(sorted(members))
        out.append(
            HorizonEvent(
                factor.isoformat(),
                "mbs_factor",
                f"factor publication (taken as business day {FACTOR_BUSINESS_DAY}) for "
                f"{idx.size} monthly-pay holding(s): face resets with prepayments; "
                f"{share(float(d[idx].sum())):.1%} of DV01",
                float(mv[idx].sum()),
                float(share(float(d[idx].sum()))),
            )
        )
    return out
