"""Vega per bp of normal vol of the universe's swaptions, and the case's vega buckets."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from hedge_planner.case_hedge import SwaptionSpec
from hedge_planner.hedge_limits import vega_bucket, vega_per_bp


def _member(model: str, vega: float, forward: float) -> SimpleNamespace:
    spec = SwaptionSpec(expiry="1y", tenor="10y", type="receiver", vol=0.0115, model=model)
    risk = SimpleNamespace(kind="swaption", details={"vega": vega, "forward_swap_rate": forward})
    return SimpleNamespace(spec=spec, risk=risk)


def test_bachelier_vega_per_bp_by_hand() -> None:
    # ATM Bachelier vega per 1.00 of vol = annuity x sqrt(T) x phi(0); per bp: x 1e-4. The
    # example's 1y10y: annuity 8.10991 years, T = 366/365: 225mm notional carries ~72.9k per bp
    # of normal vol (the figure the issue quotes, about 73k).
    annuity, t = 8.10991370189773, 366 / 365
    vega = annuity * math.sqrt(t) / math.sqrt(2 * math.pi)
    member = _member("bachelier", vega, 0.0334)
    assert vega_per_bp(member) == pytest.approx(vega * 1e-4, rel=1e-12)
    assert 225e6 * vega_per_bp(member) == pytest.approx(72_893, rel=1e-3)
    assert vega_bucket(member.spec) == "1yx10y"


def test_lognormal_vega_is_converted_to_normal() -> None:
    # sigma_N ~ sigma_LN x F: one bp of normal vol is 1e-4 / F of lognormal vol.
    member = _member("black76", 40.0, 0.04)
    assert vega_per_bp(member) == pytest.approx(40.0 / 0.04 * 1e-4, rel=1e-12)
    future = SimpleNamespace(spec=None, risk=SimpleNamespace(kind="future", details={}))
    assert vega_per_bp(future) == 0.0
