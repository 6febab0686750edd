"""Generate the core-plus example portfolio (deterministic; output committed as holdings.csv).

Run from the repository root: ``python examples/core_plus/generate_holdings.py``.

The book is illustrative, not a real fund: 220 positions across Treasuries, agencies, investment
grade corporates, agency MBS pools and agency callables (both carrying supplied OAS-based
analytics, as an OAS model would deliver them), taxable municipals and ABS. Yields are the US
Treasury par curve of 2023-12-29 (published by the US Treasury) interpolated at each maturity plus
a sector spread, rounded to 0.1 bp.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ANALYSIS_DATE = dt.date(2023, 12, 29)
# 2023-12-29 par yields (percent), tenors in years: 1M 2M 3M 4M 6M 1Y 2Y 3Y 5Y 7Y 10Y 20Y 30Y.
PAR_TENORS = np.array([1 / 12, 2 / 12, 0.25, 4 / 12, 0.5, 1, 2, 3, 5, 7, 10, 20, 30])
PAR_YIELDS = np.array(
    [5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]
)

# sector, count, maturity range (years), spread range (bp), coupon frequency, day count
SLEEVES = [
    ("government", 55, (0.5, 30.0), (0.0, 2.0), 2, "ACT/ACT"),
    ("agency", 15, (1.0, 10.0), (8.0, 25.0), 2, "30/360"),
    ("corporate", 70, (1.0, 30.0), (70.0, 190.0), 2, "30/360"),
    ("municipal", 15, (2.0, 25.0), (40.0, 110.0), 2, "30/360"),
    ("securitized", 15, (1.0, 6.0), (55.0, 120.0), 12, "30/360"),  # ABS, monthly pay
]
N_MBS = 30
N_CALLABLE = 20
#: Servicing plus guarantee fee of the example's pools (WAC - pass-through coupon), decimal.
MBS_FEE = 0.0070
#: Call styles of the example's callables, in turn (CALL-001 Bermudan).
CALL_STYLES = ("bermudan", "american", "european")


def par_yield(years: np.ndarray) -> np.ndarray:
    """Par yield (decimal) interpolated linearly in maturity."""
    return np.interp(years, PAR_TENORS, PAR_YIELDS) / 100.0


def maturity_after(years: float, rng: np.random.Generator) -> dt.date:
    day = [1, 15, 15, 28][int(rng.integers(0, 4))]
    months = round(years * 12)
    y, m = divmod(ANALYSIS_DATE.month - 1 + months, 12)
    return dt.date(ANALYSIS_DATE.year + y, m + 1, day)


def main() -> None:
    rng = np.random.default_rng(20231229)
    rows: list[dict[str, object]] = []
    for sector, count, (lo, hi), (s_lo, s_hi), freq, dc in SLEEVES:
        for i in range(count):
            years = float(rng.uniform(lo, hi))
            mat = maturity_after(years, rng)
            y = float(par_yield(np.array([years]))[0] + rng.uniform(s_lo, s_hi) / 1e4)
            coupon = round(float(np.clip(y + rng.normal(0, 0.012), 0.005, 0.08)) * 8, 2) / 8
            face = float(rng.choice([2, 3, 5, 7.5, 10, 15, 20])) * 1e6
            prefix = {
                "government": "UST",
                "agency": "AGY",
                "corporate": "CORP",
                "municipal": "MUNI",
                "securitized": "ABS",
            }[sector]
            rows.append(
                {
                    "id": f"{prefix}-{i + 1:03d}",
                    "face": face,
                    "coupon": round(coupon, 5),
                    "maturity": mat.isoformat(),
                    "yield": round(y, 6),
                    "frequency": freq,
                    "day_count": dc,
                    "sector": sector,
                    "description": f"{sector} {coupon * 100:.3f}% {mat.isoformat()}",
                }
            )
    # Agency MBS pools: 30-year and 15-year UMBS pass-throughs with pool terms, modelled by the
    # planner (Hull-White Monte Carlo, rate-dependent prepayment) from a Treasury OAS. A vendor's
    # analytics are kept beside them for reconciliation: durations reflect prepayment, and the
    # convexities are quoted per 100 as vendors often do (the planner flags the unit).
    oas_rng = np.random.default_rng(14)  # separate stream: the book's other draws are unchanged
    for i in range(N_MBS):
        term = 30 if i < 22 else 15
        coupon = float(
            rng.choice([0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.065])
        )
        issue_year = int(rng.integers(2013, 2024))
        mat = dt.date(issue_year + term, int(rng.integers(1, 13)), 1)
        if mat <= ANALYSIS_DATE:
            mat = dt.date(ANALYSIS_DATE.year + 10, mat.month, 1)
        oas_duration = float(np.clip(8.2 - 60 * (coupon - 0.02), 2.4, 7.8)) * (
            0.62 if term == 15 else 1.0
        )
        convexity = float(-0.4 - 28 * abs(coupon - 0.05))
        wal = max((mat - ANALYSIS_DATE).days / 365.25 * 0.35, 2.0)
        y = float(par_yield(np.array([wal]))[0] + rng.uniform(0.0045, 0.0075))
        krd = _mbs_krd(oas_duration, coupon)
        del y  # drawn to keep the stream; pools are quoted by OAS
        wam = (mat.year - ANALYSIS_DATE.year) * 12 + mat.month - ANALYSIS_DATE.month
        rows.append(
            {
                "id": f"MBS-{i + 1:03d}",
                "face": float(rng.choice([5, 10, 15, 25])) * 1e6,
                "coupon": coupon,
                "maturity": mat.isoformat(),
                "oas": round(float(oas_rng.uniform(0.0040, 0.0070)), 4),
                "kind": "mbs",
                "wac": round(coupon + MBS_FEE, 5),
                "wam_months": wam,
                "wala_months": max(term * 12 - wam, 0),
                "delay_days": 55,
                "prepayment": "refi",
                "frequency": 12,
                "day_count": "30/360",
                "sector": "securitized",
                "description": f"agency MBS pool {coupon * 100:.1f}% {term}y (OAS analytics)",
                "effective_duration": round(oas_duration, 4),
                "effective_convexity": round(convexity, 4),
                "spread_duration": round(oas_duration * 1.05, 4),
                **{f"krd_{k}": round(v, 4) for k, v in krd.items()},
            }
        )
    # Agency callables: duration between the call date and maturity; supplied, negative convexity.
    for i in range(N_CALLABLE):
        years = float(rng.uniform(3, 15))
        mat = maturity_after(years, rng)
        coupon = round(float(rng.uniform(0.045, 0.06)) * 8, 2) / 8
        y = float(par_yield(np.array([years]))[0] + rng.uniform(0.004, 0.009))
        call_years = float(rng.uniform(0.5, 2.0))
        ed = round(float(call_years + 0.35 * (years - call_years)) * 0.95, 4)
        style = CALL_STYLES[i % 3]
        rows.append(
            {
                "id": f"CALL-{i + 1:03d}",
                "face": float(rng.choice([3, 5, 10])) * 1e6,
                "coupon": round(coupon, 5),
                "maturity": mat.isoformat(),
                # Quoted by OAS: the spread drawn over the par curve (40-90 bp).
                "oas": round(y - float(par_yield(np.array([years]))[0]), 4),
                "kind": "callable",
                "call_schedule": _call_schedule(mat, call_years, style),
                "call_style": style,
                "notice_days": 10 if style == "american" else 0,
                "frequency": 2,
                "day_count": "30/360",
                "sector": "agency",
                "description": f"agency callable {coupon * 100:.3f}% {mat.isoformat()} (OAS)",
                "effective_duration": ed,
                "effective_convexity": round(-0.6 - 0.08 * years, 4),
                "spread_duration": ed,
            }
        )
    columns = [
        "id",
        "face",
        "coupon",
        "maturity",
        "yield",
        "price",
        "frequency",
        "day_count",
        "sector",
        "description",
        "effective_duration",
        "effective_convexity",
        "spread_duration",
        "oas",
        "kind",
        "call_schedule",
        "call_style",
        "notice_days",
        "wac",
        "wam_months",
        "wala_months",
        "delay_days",
        "prepayment",
        *[f"krd_{k}" for k in ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")],
    ]
    _write(rows, columns)
    # Callables and pools are marked by price, as traders quote them: the planner's own model
    # price at the drawn OAS (second pass over the case), rounded to 1e-6.
    prices = _model_prices()
    for row in rows:
        if row["id"] in prices:
            row["price"] = round(prices[row["id"]], 6)
            row.pop("oas")
    _write(rows, columns)
    print(f"wrote {len(rows)} holdings to {HERE / 'holdings.csv'}")


def _write(rows: list[dict[str, object]], columns: list[str]) -> None:
    with (HERE / "holdings.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def _model_prices() -> dict[str, float]:
    """Clean prices of the OAS-quoted holdings from the planner's analysis of the case."""
    from hedge_planner.cases import load_analysis_case
    from hedge_planner.workflow import analyze_case

    case, name = load_analysis_case(HERE / "case.yaml")
    analysis = analyze_case(case, name)
    frame = analysis.yield_frame
    quoted = {r.id for r in analysis.holdings.rows if r.modelled}
    return {
        hid: float(price)
        for hid, price in zip(frame["id"], frame["clean_price"], strict=True)
        if hid in quoted
    }


def _call_schedule(maturity: dt.date, call_years: float, style: str) -> str:
    """Calls at 100 on the coupon dates from the first one at least ``call_years`` away (the
    first only for a European call; American calls run from the first date to maturity)."""
    first = ANALYSIS_DATE + dt.timedelta(days=round(call_years * 365.25))
    dates = []
    k = 1
    while True:
        months = maturity.month - 1 - 6 * k
        d = dt.date(maturity.year + months // 12, months % 12 + 1, min(maturity.day, 28))
        if d < first:
            break
        dates.append(d)
        k += 1
    dates = sorted(dates)
    if style != "bermudan":
        dates = dates[:1]
    return ";".join(f"{d.isoformat()}:100" for d in dates)


def _mbs_krd(duration: float, coupon: float) -> dict[str, float]:
    """A plausible MBS KRD profile (years) that sums to the duration: belly heavy."""
    shape = np.array([0.02, 0.05, 0.12, 0.14, 0.22, 0.18, 0.17, 0.07, 0.03])
    # Premium (high coupon) pools pull risk to the front.
    tilt = np.linspace(1.0 + 8 * (coupon - 0.04), 1.0 - 8 * (coupon - 0.04), len(shape))
    w = shape * np.clip(tilt, 0.2, None)
    w = w / w.sum() * duration
    tenors = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
    return dict(zip(tenors, w.tolist(), strict=True))


if __name__ == "__main__":
    main()
