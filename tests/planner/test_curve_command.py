"""Case curves from bonds, zero rates and discount factors; the ``curve`` command's contract."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hedge_planner.run import PlanRun

CLI = [sys.executable, "-m", "hedge_planner.cli"]

HEAD = """\
analysis_date: 2024-03-15
holdings:
  - {id: H1, face: 1000000, coupon: 0.04, maturity: 2030-05-15, price: 99.0}
  - {id: H2, face: 2000000, coupon: 0.03, maturity: 2027-02-15, price: 97.5}
curves:
"""

ZERO_SECTION = """\
  treasury:
    zero_rates:
      compounding: semiannual
      day_count: ACT/360
      points: {6m: 0.051, 2025-03-17: 0.048, 2y: 0.045, 5y: 0.041, 2034-03-15: 0.040, 30y: 0.042}
  sofr:
    discount_factors:
      points: {1y: 0.9535, 2026-03-16: 0.912, 5y: 0.835, 10y: 0.69, 30y: 0.31}
"""

BONDS = [
    ("B0", 0.0425, "2024-09-30", 99.60),
    ("B1", 0.0150, "2025-02-15", 97.80),
    ("B2", 0.0500, "2025-08-31", 100.20),
    ("B3", 0.0200, "2026-05-15", 95.40),
    ("B4", 0.04125, "2027-01-31", 99.00),
    ("B5", 0.03125, "2028-11-15", 95.20),
    ("B6", 0.0375, "2030-06-30", 98.10),
    ("B7", 0.0400, "2033-08-15", 99.30),
]


def bonds_section(fit: str = "exact", bonds: list[tuple] | None = None) -> str:
    rows = "\n".join(
        f"      - {{id: {i}, coupon: {c}, maturity: {m}, price: {p}}}"
        for i, c, m, p in (BONDS if bonds is None else bonds)
    )
    return f"  treasury:\n    fit: {fit}\n    bonds:\n{rows}\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)


def test_zero_rates_and_discount_factors_round_trip_through_curve_json(tmp_path: Path) -> None:
    proc = run_cli("curve", str(write(tmp_path, ZERO_SECTION)), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # stdout alone is the JSON document
    tsy = doc["curves"]["treasury"]["points"]
    assert [p["date"] for p in tsy] == [
        "2024-09-15", "2025-03-17", "2026-03-15", "2029-03-15", "2034-03-15", "2054-03-15",
    ]  # fmt: skip
    assert [p["zero_rate"] for p in tsy] == pytest.approx(
        [0.051, 0.048, 0.045, 0.041, 0.040, 0.042], abs=1e-13
    )
    for p in tsy:
        assert p["compounding"] == "semiannual" and p["day_count"] == "ACT/360"
        # Same point, by hand: DF = (1 + z/2)^(-2 days/360); continuous zero on ACT/365F.
        days = p["time"] * 365
        assert p["discount_factor"] == pytest.approx(
            (1 + p["zero_rate"] / 2) ** (-2 * days / 360), rel=1e-13
        )
        assert p["zero_rate_continuous"] == pytest.approx(
            -math.log(p["discount_factor"]) / p["time"], rel=1e-13
        )
    sofr = doc["curves"]["sofr"]["points"]
    assert [p["discount_factor"] for p in sofr] == pytest.approx(
        [0.9535, 0.912, 0.835, 0.69, 0.31], abs=1e-15
    )
    assert set(sofr[0]) >= {
        "date", "time", "discount_factor", "zero_rate_continuous", "zero_rate", "compounding",
        "par_rate",
    }  # fmt: skip


def test_curve_at_requested_dates(tmp_path: Path) -> None:
    proc = run_cli(
        "curve", str(write(tmp_path, ZERO_SECTION)), "--json", "--dates", "2025-03-17,3y",
        "--compounding", "continuous", "--day-count", "ACT/365F",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    pts = json.loads(proc.stdout)["curves"]["treasury"]["points"]
    assert [p["date"] for p in pts] == ["2025-03-17", "2027-03-15"]
    for p in pts:
        assert p["zero_rate"] == pytest.approx(p["zero_rate_continuous"], abs=1e-15)


def test_bond_curve_reports_repricing_and_nss_residuals(tmp_path: Path) -> None:
    exact = PlanRun.load(write(tmp_path, bonds_section()))
    from hedge_planner.curve_view import curve_document

    doc = curve_document(exact.case, exact.source)
    fit = doc["curves"]["treasury"]["fit"]
    assert fit["method"] == "exact_bootstrap"
    assert fit["max_abs_price_error"] < 1e-10
    assert len(doc["curves"]["treasury"]["points"]) == len(BONDS)

    nss = PlanRun.load(write(tmp_path, bonds_section("nss")))
    analysis = nss.measure().to_json()
    residuals = analysis["curve_fits"]["treasury"]["residuals"]
    assert [r["id"] for r in residuals] == [b[0] for b in BONDS]
    assert all(math.isfinite(r["residual_bp"]) for r in residuals)
    assert analysis["portfolio"]["market_value"] > 0


@pytest.mark.parametrize(
    ("body", "where", "fragment"),
    [
        (
            "  treasury:\n    zero_rates:\n      points: {2y: 0.04, 1y: 0.04}\n",
            "curves.treasury.zero_rates",
            "increasing date order",
        ),
        (
            "  treasury:\n    discount_factors:\n      points: {1y: 0.95, 2y: -0.9}\n",
            "curves.treasury.discount_factors",
            "must be positive",
        ),
        (bonds_section(bonds=[BONDS[0], BONDS[0]]), "curves.treasury.bonds", "repeats"),
        (
            bonds_section(bonds=[("X", 0.04, "2030-01-15", 400.0)]),
            "curves.treasury.bonds[0].price",
            "less than or equal",
        ),
        (bonds_section("nss", BONDS[:3]), "curves.treasury", "at least 6 bonds"),
        (
            bonds_section(bonds=[BONDS[0], ("Y", 0.01, BONDS[0][2], 99.0)]),
            "curves.treasury",
            "same date",
        ),
        (
            "  treasury:\n    par_yields: {1y: 0.04}\n    zero_rates:\n      points: {1y: 0.04}\n",
            "curves.treasury",
            "exactly one of",
        ),
    ],
)
def test_bad_curve_inputs_are_located(tmp_path: Path, body: str, where: str, fragment: str) -> None:
    proc = run_cli("curve", str(write(tmp_path, body)), "--json")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert where in proc.stderr and fragment in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_implied_par_quotes_of_a_par_curve_rebuild_it_under_bumps() -> None:
    """A curve from the standard tenors' par yields: implied quotes give the yields back, and
    bumped quotes move it exactly as bootstrapping the bumped yields does (par KRD invariant)."""
    import numpy as np
    from hedge_planner.case_curves import IMPLIED_PAR_TENORS, implied_quotes
    from hedge_planner.models.bootstrap import bootstrap_treasury_par

    rates = np.array([0.053, 0.052, 0.051, 0.048, 0.044, 0.042, 0.040, 0.041, 0.041, 0.044, 0.042])
    curve = bootstrap_treasury_par("2024-03-15", IMPLIED_PAR_TENORS, rates)
    quotes = implied_quotes(curve, "treasury")
    assert quotes.tenors == IMPLIED_PAR_TENORS
    np.testing.assert_allclose(quotes.rates, rates, rtol=0, atol=1e-12)
    assert quotes.build() is curve
    bump = np.zeros(rates.size)
    bump[5] = 1e-4
    t = np.linspace(0.01, 35.0, 300)
    np.testing.assert_allclose(
        quotes.build(bump).discount(t),
        bootstrap_treasury_par("2024-03-15", IMPLIED_PAR_TENORS, rates + bump).discount(t),
        rtol=1e-12,
    )


def test_example_from_its_own_discount_factors_gives_the_same_analysis(tmp_path: Path) -> None:
    """Invariant: the example's Treasury curve given as the discount factors at its nodes (read
    from the curve view) measures the book exactly as the par-yield case does; par KRDs agree
    too except at 6m, where the implied quotes lack the example's 2m and 4m bills."""
    from hedge_planner.curve_view import curve_document

    root = Path(__file__).resolve().parents[2] / "examples" / "core_plus"
    base = PlanRun.load(root / "case.yaml")
    doc = curve_document(base.case, base.source)
    points = ", ".join(
        f"{p['date']}: {p['discount_factor']!r}" for p in doc["curves"]["treasury"]["points"]
    )
    text = (root / "case.yaml").read_text(encoding="utf-8")
    text = text.replace("holdings: holdings.csv", f"holdings: {root / 'holdings.csv'}")
    start, end = text.index("  treasury:\n"), text.index("  sofr:\n")
    text = (
        text[:start]
        + f"  treasury:\n    discount_factors:\n      points: {{{points}}}\n"
        + text[end:]
    )
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    a = base.measure().to_json()["portfolio"]
    b = PlanRun.load(case).measure().to_json()["portfolio"]
    for key in ("market_value", "effective_duration", "effective_convexity", "dv01"):
        assert b[key] == pytest.approx(a[key], rel=1e-12), key
    for tenor, value in a["krd"].items():
        assert b["krd"][tenor] == pytest.approx(value, rel=1e-12, abs=1e-14), tenor
    for tenor, value in a["krd_par"].items():
        tol = 1e-3 if tenor == "6m" else 1e-9
        assert b["krd_par"][tenor] == pytest.approx(value, rel=tol), tenor
