"""Units and day-count constants shared by every risk code path (one home, no literals).

Rates are decimals, so one basis point is ``BP = 1e-4`` of a rate and a DV01 is
``duration * market value * BP`` (currency per bp). Times on the curve axis are ACT/365F years
(``days / DAYS_PER_YEAR``); daily covariances annualise with ``TRADING_DAYS_PER_YEAR``.
"""

from __future__ import annotations

from typing import Final

#: One basis point as a decimal rate.
BP: Final = 1e-4
#: Basis points per unit of decimal rate (``1 / BP``), for decimal -> bp conversions.
BP_PER_UNIT: Final = 1e4
#: Days per year of the ACT/365F axis (curve times, accrual over a horizon, option expiries).
DAYS_PER_YEAR: Final = 365.0
#: Trading days per year: annualisation of daily yield-change variances.
TRADING_DAYS_PER_YEAR: Final = 252
