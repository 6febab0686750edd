"""Nelson-Siegel-Svensson curve fitted to many bonds, with per-bond rich/cheap residuals.

The continuously compounded zero rate (ACT/365F years ``t`` from the curve date) is

``z(t) = b0 + b1 L(t/l1) + b2 (L(t/l1) - exp(-t/l1)) + b3 (L(t/l2) - exp(-t/l2))``,
``L(x) = (1 - exp(-x)) / x``

(Svensson 1994; the Federal Reserve's GSW Treasury curve uses this form). The six parameters
minimise the sum of squared bond errors, either in price (per 100) or in yield (price errors
divided by each bond's curve DV01, i.e. first-order yield errors in bp), by a bounded
Levenberg-Marquardt-type solver started from several decay pairs.

The fitted function is handed to the rest of the package as a :class:`YieldCurve` with a node at
every cash-flow date of the fitted bonds (and monthly in between), so those bonds' prices on the
curve object equal the fitted function's prices exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bond_curve import CurveBond, bond_schedule, check_bonds
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.curves import YieldCurve, _as_day
from hedge_planner.models.dates import add_months, to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import BP, DAYS_PER_YEAR
from hedge_planner.models.yield_risk import yield_from_dirty_price

logger = logging.getLogger(__name__)

#: Fewest bonds an NSS fit accepts (six parameters).
MIN_FIT_BONDS = 6
_DECAY_BOUNDS = (0.05, 50.0)
_STARTS = ((1.0, 10.0), (0.5, 5.0), (2.0, 15.0), (3.0, 0.8))


def _loading(t: FloatArray, decay: float) -> tuple[FloatArray, FloatArray]:
    """``L(t/decay)`` and ``L - exp(-t/decay)`` with the ``t -> 0`` limits (1 and 0)."""
    x = t / decay
    small = x < 1e-8
    safe = np.where(small, 1.0, x)
    level = np.where(small, 1.0 - x / 2.0, -np.expm1(-safe) / safe)
    return level, level - np.exp(-x)


def nss_zero(t: npt.ArrayLike, params: npt.ArrayLike) -> FloatArray:
    """Continuous zero rates (decimal) at ``t`` years for ``params = (b0, b1, b2, b3, l1, l2)``."""
    tt = np.asarray(t, dtype=np.float64)
    b0, b1, b2, b3, l1, l2 = (float(p) for p in np.asarray(params, dtype=np.float64))
    s1, c1 = _loading(tt, l1)
    _, c2 = _loading(tt, l2)
    return b0 + b1 * s1 + b2 * c1 + b3 * c2


def nss_discount(t: npt.ArrayLike, params: npt.ArrayLike) -> FloatArray:
    """Discount factors ``exp(-z(t) t)`` of the NSS curve."""
    tt = np.asarray(t, dtype=np.float64)
    return np.exp(-nss_zero(tt, params) * tt)


@dataclass(frozen=True)
class NssFit:
    """A fitted NSS curve and how well it prices the bonds.

    Attributes
    ----------
    params
        ``(b0, b1, b2, b3, l1, l2)``: rates decimal, decays in years.
    curve
        The fitted curve as a :class:`YieldCurve` (nodes at the bonds' flow dates and monthly).
    objective
        ``"price"`` or ``"yield"``.
    residuals
        One record per bond: ``id``, ``maturity``, ``price`` (quoted clean), ``model_price``
        (clean on the fit), ``price_error`` (model - quoted, per 100), ``market_yield`` and
        ``model_yield`` (decimal, the bond's own compounding), ``residual_bp`` (market - model
        yield, bp: positive = cheap, the bond yields more than the curve; negative = rich).
    rmse_bp
        Root-mean-square of ``residual_bp``.
    """

    params: tuple[float, ...]
    curve: YieldCurve
    objective: str
    residuals: list[dict[str, Any]]
    rmse_bp: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (parameters named, residuals per bond)."""
        names = ("beta0", "beta1", "beta2", "beta3", "tau1", "tau2")
        return {
            "method": "nelson_siegel_svensson",
            "objective": self.objective,
            "parameters": dict(zip(names, self.params, strict=True)),
            "rmse_bp": self.rmse_bp,
            "residuals": self.residuals,
        }


def _model_dirty(params: FloatArray, t: FloatArray, sched: CashflowSchedule) -> FloatArray:
    return sched.per_bond(sched.amounts * nss_discount(t, params))


def _initial(t_mat: FloatArray, yields: FloatArray, decays: tuple[float, float]) -> FloatArray:
    long = float(yields[np.argmax(t_mat)])
    short = float(yields[np.argmin(t_mat)])
    return np.array([long, short - long, 0.0, 0.0, *decays])


def fit_nss(
    anchor: Any,
    bonds: Sequence[CurveBond],
    objective: Literal["price", "yield"] = "price",
) -> NssFit:
    """Fit NSS to bonds quoted at clean prices (all settling on ``anchor``).

    Raises
    ------
    AnalyticsError
        Fewer than :data:`MIN_FIT_BONDS` bonds, duplicate ids, implausible prices, or no
        converged fit.
    """
    if len(bonds) < MIN_FIT_BONDS:
        raise AnalyticsError(
            f"an NSS fit needs at least {MIN_FIT_BONDS} bonds (six parameters), got {len(bonds)}"
        )
    start = _as_day(anchor)
    _check_ids_and_prices(start, bonds)
    sched = bond_schedule(start, bonds)
    t = np.asarray((sched.pay_dates - start) / DAYS_PER_YEAR, dtype=np.float64)
    market_dirty = np.array([b.price for b in bonds]) + sched.accrued
    market_yield = yield_from_dirty_price(sched, market_dirty)
    # Weights: 1 per 100 of price, or 1 / (DV01 per bp) so residuals are yield errors in bp.
    if objective == "yield":
        weights = 1.0 / (
            sched.per_bond(sched.amounts * np.exp(-market_yield[sched.bond] * t) * t) * BP
        )
    else:
        weights = np.ones(len(bonds))
    t_mat = np.array([t[sched.offsets[i + 1] - 1] for i in range(len(bonds))])

    def resid(p: FloatArray) -> FloatArray:
        return (_model_dirty(p, t, sched) - market_dirty) * weights

    # Imported here: scipy.optimize costs a few hundred ms and only NSS fits need it.
    from scipy.optimize import least_squares

    lo = np.array([-1.0, -1.0, -1.0, -1.0, _DECAY_BOUNDS[0], _DECAY_BOUNDS[0]])
    hi = np.array([1.0, 1.0, 1.0, 1.0, _DECAY_BOUNDS[1], _DECAY_BOUNDS[1]])
    best = None
    for decays in _STARTS:
        x0 = _initial(t_mat, market_yield, decays)
        sol = least_squares(
            resid, x0, bounds=(lo, hi), xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=4000
        )
        if best is None or sol.cost < best.cost:
            best = sol
    assert best is not None
    if not np.all(np.isfinite(best.x)):
        raise AnalyticsError("the NSS fit did not converge")
    params = np.asarray(best.x, dtype=np.float64)
    curve = _as_curve(start, params, sched)
    model_dirty = _model_dirty(params, t, sched)
    model_yield = yield_from_dirty_price(sched, model_dirty)
    residuals: list[dict[str, Any]] = []
    for i, b in enumerate(bonds):
        residuals.append(
            {
                "id": b.id,
                "maturity": to_iso([_as_day(b.maturity)])[0],
                "price": float(b.price),
                "model_price": float(model_dirty[i] - sched.accrued[i]),
                "price_error": float(model_dirty[i] - market_dirty[i]),
                "market_yield": float(market_yield[i]),
                "model_yield": float(model_yield[i]),
                "residual_bp": float((market_yield[i] - model_yield[i]) * 1e4),
            }
        )
    rmse = float(np.sqrt(np.mean([r["residual_bp"] ** 2 for r in residuals])))
    logger.debug("NSS fit %s: rmse %.3f bp", params, rmse)
    return NssFit(tuple(float(p) for p in params), curve, objective, residuals, rmse)


def _check_ids_and_prices(start: int, bonds: Sequence[CurveBond]) -> None:
    """The bootstrap's checks except one-bond-per-maturity, which a fit does not need."""
    by_maturity: dict[int, list[CurveBond]] = {}
    for b in bonds:
        by_maturity.setdefault(_as_day(b.maturity), []).append(b)
    # One representative per maturity through the common checks; ids checked across all.
    ids = [b.id for b in bonds]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise AnalyticsError(f"bond {dup[0]!r} is given twice")
    for group in by_maturity.values():
        for b in group:
            check_bonds(start, [b])


def _as_curve(start: int, params: FloatArray, sched: CashflowSchedule) -> YieldCurve:
    """The fitted function on a node grid: every flow date of the fitted bonds, and monthly."""
    last = int(sched.pay_dates.max())
    months = add_months(np.full(1, start), np.arange(1, 12 * 60 + 1), False)
    grid = np.union1d(sched.pay_dates, months[months < last])
    t = (grid - start) / DAYS_PER_YEAR
    return YieldCurve(start, t, nss_discount(t, params), "log_linear_df")
