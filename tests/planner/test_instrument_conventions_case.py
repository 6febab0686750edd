"""Futures delivery/reinvestment and swaption conventions given in a case reach the instruments."""

from __future__ import annotations

from pathlib import Path

from hedge_planner.models.dates import to_days
from hedge_planner.run import PlanRun

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"


def test_case_conventions_reach_the_instruments(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        "holdings: holdings.csv", f"holdings: {EXAMPLE.parent / 'holdings.csv'}"
    ).replace(
        "      - code: TU\n        contract_month: 2024-03\n        repo_rate: 0.0535\n",
        "      - code: TU\n        contract_month: 2024-03\n        repo_rate: 0.0535\n"
        "        delivery: 2024-03-15\n        reinvestment_rate: 0.045\n"
        "        reinvestment_day_count: ACT/365F\n",
    )
    old = "      - {expiry: 1y, tenor: 10y, type: receiver, vol: 0.0115,"
    new = (
        "      - {expiry: 1y, tenor: 10y, type: receiver, fixed_frequency: 2, "
        "fixed_day_count: 30/360, expiry_day_count: ACT/360, vol: 0.0115,"
    )
    assert old in text
    text = text.replace(old, new, 1)
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    run = PlanRun.load(case)
    members = {m.instrument.name: m.instrument for m in run.universe()}
    tu = next(i for n, i in members.items() if n.startswith("TU"))
    assert tu.reinvestment_rate == 0.045 and tu.reinvestment_basis == 365.0
    assert tu.delivery_day == int(to_days("2024-03-15"))
    swo = [i for n, i in members.items() if n.startswith("1yx10y receiver")]
    # 2023-12-29 -> 2024-12-29 is 366 days: ACT/360 expiry.
    assert swo[0].expiry == 366 / 360
    # Semiannual 30/360 leg over 10 years: 20 accruals of exactly 0.5.
    assert list(swo[0]._accrual) == [0.5] * 20
