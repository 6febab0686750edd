"""``models.short_rate.volatility: calibrate``: Hull-White sigma (and the mean reversion) fitted to
the case's ATM normal swaption vols, used by the OAS models and reported in the plan's OAS check.

References: the fit against the models-level calibration on the same curve and quotes (itself
tested against QuantLib's Jamshidian engine), and the holdings' prices under the fitted
parameters against a case that states them as numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.case_models import calibration_quotes
from hedge_planner.cases import load_analysis_case
from hedge_planner.models.errors import InputError
from hedge_planner.models.hw_calibration import calibrate
from hedge_planner.quality import _oas
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


def _case(tmp_path: Path, short_rate: dict, swaptions: list | None = None) -> Path:
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    base.setdefault("models", {})["short_rate"] = short_rate
    if swaptions is not None:
        base["hedge"]["universe"]["swaptions"] = swaptions
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base))
    return path


@pytest.mark.parametrize("fit_a", [False, True])
def test_calibrated_case_uses_and_reports_the_fit(tmp_path, fit_a) -> None:
    spec = {"volatility": "calibrate", "mean_reversion": "calibrate" if fit_a else 0.03}
    case, name = load_analysis_case(_case(tmp_path, spec))
    analysis = analyze_case(case, name)
    cal = analysis.calibration
    assert cal is not None and len(cal.quotes) == 3  # 1y x 10y pair shares one quote
    assert case.hedge is not None
    quotes = calibration_quotes(case.hedge.universe.swaptions)
    ref = calibrate(analysis.curves.treasury, quotes, None if fit_a else 0.03)
    assert cal.model.volatility == pytest.approx(ref.model.volatility, rel=1e-10)
    assert analysis.short_rate is not None
    assert analysis.short_rate.volatility == cal.model.volatility
    assert cal.rms_bp < 10.0
    check = _oas(analysis)
    assert "fitted to 3 ATM normal swaption vols" in check.detail and "RMS" in check.detail
    # the same numbers stated in the case give the same model prices
    stated = {"volatility": cal.model.volatility, "mean_reversion": cal.model.mean_reversion}
    case2, name2 = load_analysis_case(_case(tmp_path, stated))
    again = analyze_case(case2, name2)
    assert again.modelled is not None and analysis.modelled is not None
    np.testing.assert_allclose(again.modelled.dirty_price, analysis.modelled.dirty_price)


def test_calibration_without_swaptions_is_a_located_error(tmp_path) -> None:
    path = _case(tmp_path, {"volatility": "calibrate"}, swaptions=[])
    case, name = load_analysis_case(path)
    with pytest.raises(InputError) as err:
        analyze_case(case, name)
    assert "models.short_rate.volatility" in str(err.value)


def test_mean_reversion_alone_cannot_be_calibrated(tmp_path) -> None:
    path = _case(tmp_path, {"mean_reversion": "calibrate", "volatility": 0.01})
    with pytest.raises(InputError) as err:
        load_analysis_case(path)
    assert "volatility: calibrate" in str(err.value)
