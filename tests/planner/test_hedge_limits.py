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


def test_vega_limit_buckets_cover_caps_and_futures_options(tmp_path) -> None:
    """vega_max buckets of a cap pillar and a futures option compile to vectors holding only
    that option's per-unit vega, from the pricers' own figures: a Bachelier cap's pillar vega
    (per 1.00 of vol) x 1e-4; the total row is the sum of every option's buckets."""
    from pathlib import Path

    import numpy as np
    import yaml
    from hedge_planner.cases import load_analysis_case
    from hedge_planner.hedge_limits import desk_limits
    from hedge_planner.hedging import build_universe
    from hedge_planner.workflow import analyze_case

    src = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"
    case = yaml.safe_load(src.read_text())
    case["holdings"] = str(src.parent / "holdings.csv")
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    spec, name = load_analysis_case(str(path))
    analysis = analyze_case(spec, name)
    assert spec.hedge is not None
    members = build_universe(analysis, spec.hedge, name)
    kinds = [m.risk.kind for m in members]
    cap, opt = members[kinds.index("cap")], members[kinds.index("future_option")]
    opt_bucket = f"{opt.risk.details['expiry_date']}x{opt.risk.details['underlying']}"
    limits = {"total": 1e5, "2yx3m": 1e4, opt_bucket: 5e3}
    hedge = spec.hedge.model_copy(
        update={"limits": spec.hedge.limits.model_copy(update={"vega_max": limits})}
    )
    out = {c.bucket: c for c in desk_limits(hedge, members, name)}
    i_cap, i_opt = kinds.index("cap"), kinds.index("future_option")
    cap_vec = out["2yx3m"].vega_bp
    assert cap_vec[i_cap] == pytest.approx(cap.risk.details["vega_by_expiry"]["2y"] * 1e-4)
    assert np.count_nonzero(cap_vec) == 1
    assert np.count_nonzero(out[opt_bucket].vega_bp) == 1 and out[opt_bucket].vega_bp[i_opt] > 0
    total = out["total"].vega_bp
    assert total[i_cap] == pytest.approx(cap.risk.details["vega"] * 1e-4, rel=1e-12)
    assert total[i_opt] == pytest.approx(out[opt_bucket].vega_bp[i_opt], rel=1e-12)
