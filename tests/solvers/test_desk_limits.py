"""Vega and gross-notional hard limits, on problems solved by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.solvers.desk_limits import GrossNotionalLimit, VegaLimit
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import DurationBand, TrackingErrorTerm


def _problem(constraints: list, kind: str = "swaption") -> HedgeOptimizer:
    """Book DV01 5000 on MV 1e7 against a zero benchmark; one instrument cutting DV01 by 1 per
    unit (a long payer swaption, say): without limits the TE-minimising hedge sells all 5000
    of DV01, i.e. 5000 units."""
    port = PortfolioRisk(1e7, np.array([5000.0]), bench_krd_dv01=[0.0])
    ins = Instrument("OPT", kind, np.array([-1.0]), lo=0.0, hi=1e5)
    return HedgeOptimizer(port, [ins], np.array([[100.0]]), [TrackingErrorTerm(1e-6)], constraints)


def test_vega_limit_caps_the_option_position_by_hand() -> None:
    # 4 of vega per bp of normal vol per unit, limit 8,000: at most 2,000 units.
    opt = _problem([VegaLimit(8_000.0, np.array([4.0]))])
    res = opt.solve()
    assert res.status == "optimal"
    assert res.quantities["OPT"] == pytest.approx(2_000.0, rel=1e-7)
    (rep,) = res.constraints
    assert rep.name == "vega_max" and rep.units == "currency/bp vol"
    assert rep.value == pytest.approx(8_000.0, rel=1e-7) and rep.binding
    # the bucket form is named by its bucket and reads its own parameter
    bucket = VegaLimit(4_000.0, np.array([4.0]), "1yx10y")
    assert bucket.name == "vega_max[1yx10y]"
    res = _problem([bucket]).solve()
    assert res.quantities["OPT"] == pytest.approx(1_000.0, rel=1e-7)
    without = _problem([]).solve()
    assert without.quantities["OPT"] == pytest.approx(5_000.0, rel=1e-6)


def test_gross_notional_limit_by_hand() -> None:
    # 100,000 of notional per contract, limit 150mm: at most 1,500 contracts.
    opt = _problem([GrossNotionalLimit(1.5e8, np.array([1e5]))], kind="future")
    res = opt.solve()
    assert res.quantities["OPT"] == pytest.approx(1_500.0, rel=1e-7)
    assert res.constraints[0].value == pytest.approx(1.5e8, rel=1e-7)


def test_vega_limit_named_in_the_conflict_with_its_amount() -> None:
    # Duration 0.5 +- 0.05 needs DV01 <= 550: at least 4,450 units -> vega 17,800 by hand.
    opt = _problem([DurationBand(0.5, 0.05), VegaLimit(8_000.0, np.array([4.0]))])
    res = opt.solve()
    assert res.status == "infeasible"
    alone = {v.name: v for v in res.alternatives}
    assert alone["vega_max"].required == pytest.approx(17_800.0, rel=1e-6)
    # or, with the 2,000 units vega allows, DV01 3000 = duration 3.0: the band must be 2.5
    assert alone["duration_band"].required == pytest.approx(2.5, rel=1e-6)
