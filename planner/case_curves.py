"""Curve inputs a case may give besides par quotes, and building a curve from any of them.

A Treasury or SOFR curve section takes exactly one of: its par quotes (``par_yields`` /
``par_rates``, as before), ``bonds`` (coupon bonds at clean prices, bootstrapped exactly or
fitted with ``fit: nss``), ``zero_rates`` or ``discount_factors`` (points at dates or tenors,
with the zero rates' compounding and day count stated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from hedge_planner.models.bond_curve import (
    MAX_CLEAN_PRICE,
    MIN_CLEAN_PRICE,
    CurveBond,
    bootstrap_bonds,
    repricing_errors,
)
from hedge_planner.models.bootstrap import (
    bootstrap_sofr_ois,
    bootstrap_treasury_par,
    tenor_maturity,
    tenor_years,
    treasury_par_yields,
)
from hedge_planner.models.curve_inputs import (
    RateCompounding,
    curve_from_points,
    point_dates,
    point_day_count,
)
from hedge_planner.models.curves import Interpolation, YieldCurve
from hedge_planner.models.dates import is_end_of_month, to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.input_files import StrictModel, clip
from hedge_planner.models.krd import ParQuotes
from hedge_planner.models.nss import MIN_FIT_BONDS, fit_nss
from hedge_planner.models.schemas import parse_iso_date
from hedge_planner.scenarios.definitions import ScenarioError
from pydantic import ConfigDict, Field, field_validator, model_validator

#: Standard Treasury tenors at which a curve not built from par yields is read back as par
#: quotes (for par-basis KRDs), up to the curve's last node.
IMPLIED_PAR_TENORS = ("1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")


class CurveBondSpec(StrictModel):
    """A fixed-coupon bond quoted for a curve (clean price per 100, settling on the curve date)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    coupon: float = Field(ge=0, le=0.25, description="annual coupon, decimal")
    maturity: dt.date
    price: float = Field(
        ge=MIN_CLEAN_PRICE, le=MAX_CLEAN_PRICE, description="clean price per 100 face"
    )
    frequency: Literal[0, 1, 2, 4, 12] = Field(default=2, description="coupons a year (0 = zero)")
    day_count: str = Field(default="ACT/ACT", description="ACT/ACT, 30/360, ACT/360, ACT/365F")

    @field_validator("maturity", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date:
        return parse_iso_date(value)

    @field_validator("day_count")
    @classmethod
    def _day_count(cls, value: str) -> str:
        return DayCount.parse(value).label

    def to_bond(self) -> CurveBond:
        """The model-side bond."""
        return CurveBond(
            self.id,
            self.coupon,
            self.maturity,
            self.price,
            self.frequency,
            DayCount.parse(self.day_count),
        )


class CurvePointsSpec(StrictModel):
    """Zero rates or discount factors at dates (YYYY-MM-DD) or tenors (6m, 10y), in order."""

    model_config = ConfigDict(extra="forbid")

    points: dict[str, float] = Field(
        min_length=1, description="date or tenor -> zero rate (decimal) or discount factor"
    )
    compounding: RateCompounding = Field(
        default="continuous", description="of the zero rates; ignored for discount factors"
    )
    day_count: str = Field(default="ACT/365F", description="ACT/365F, ACT/360 or 30/360")

    @field_validator("points", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        # YAML reads an unquoted 2025-01-15 as a date: keep every key as text.
        if isinstance(value, dict):
            return {
                (k.isoformat() if isinstance(k, dt.date) else str(k)): v for k, v in value.items()
            }
        return value

    @field_validator("day_count")
    @classmethod
    def _day_count(cls, value: str) -> str:
        return point_day_count(value).label

    def order_problem(self, anchor: dt.date) -> tuple[str, str] | None:
        """The first point out of order or not after ``anchor``: ``(its key, reason)``."""
        days = point_dates(anchor, list(self.points))
        start = int(to_days(anchor))
        labels = list(self.points)
        for i, d in enumerate(days):
            if d <= start:
                return labels[i], f"point {clip(labels[i])} is not after the analysis date"
            if i and d <= days[i - 1]:
                return labels[i], (
                    f"point {clip(labels[i])} is not after {clip(labels[i - 1])}: points must "
                    "be in increasing date order, without repeats"
                )
        return None

    def days(self, anchor: dt.date) -> np.ndarray:
        """Point dates as day serials, checked to be strictly increasing and after ``anchor``."""
        problem = self.order_problem(anchor)
        if problem is not None:
            raise ValueError(problem[1])
        return point_dates(anchor, list(self.points))


class CurveInputsSpec(StrictModel):
    """Curve sources besides par quotes (shared by the Treasury and SOFR curve sections)."""

    model_config = ConfigDict(extra="forbid")

    #: Name of the par-quote field of the subclass.
    _par_field: ClassVar[str] = "par_yields"

    interpolation: Interpolation = "log_linear_df"
    bonds: list[CurveBondSpec] | None = Field(
        default=None, description="coupon bonds at clean prices (bootstrapped or fitted)"
    )
    zero_rates: CurvePointsSpec | None = None
    discount_factors: CurvePointsSpec | None = None
    fit: Literal["exact", "nss"] = Field(
        default="exact",
        description="bonds only: exact bootstrap (one bond per maturity) or a "
        "Nelson-Siegel-Svensson fit with per-bond residuals",
    )
    fit_objective: Literal["price", "yield"] = "price"

    @field_validator("bonds")
    @classmethod
    def _unique(cls, value: list[CurveBondSpec] | None) -> list[CurveBondSpec] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("at least one bond is required")
        seen: dict[str, int] = {}
        issues = []
        for i, b in enumerate(value):
            if b.id in seen:
                reason = f"bond {clip(b.id)} repeats bonds[{seen[b.id]}]"
                issues.append(((i, "id"), reason, "give each bond once, with a unique id"))
            seen.setdefault(b.id, i)
        if issues:
            # A located ValueError: the case loader reports each problem at its own key path.
            raise ScenarioError(issues[0][1], issues)
        return value

    @field_validator("discount_factors")
    @classmethod
    def _positive(cls, value: CurvePointsSpec | None) -> CurvePointsSpec | None:
        if value is not None:
            issues = [
                (
                    ("points", label),
                    f"discount factor {df:g} at {clip(label)} must be positive (and not above 2)",
                    "discount factors are per unit paid at the date, e.g. 0.95",
                )
                for label, df in value.points.items()
                if not 0.0 < df <= 2.0
            ]
            if issues:
                raise ScenarioError(issues[0][1], issues)
        return value

    @field_validator("zero_rates")
    @classmethod
    def _plausible(cls, value: CurvePointsSpec | None) -> CurvePointsSpec | None:
        if value is not None:
            issues = [
                (
                    ("points", label),
                    f"zero rate {z:g} at {clip(label)} is outside -0.05 to 0.25",
                    "rates are decimals: write 0.045 for 4.5%",
                )
                for label, z in value.points.items()
                if not -0.05 <= z <= 0.25
            ]
            if issues:
                raise ScenarioError(issues[0][1], issues)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> CurveInputsSpec:
        given = [
            name
            for name in (self._par_field, "bonds", "zero_rates", "discount_factors")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {self._par_field}, bonds, zero_rates, discount_factors"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.fit == "nss" and self.bonds is None:
            raise ValueError("fit: nss needs bonds")
        if self.fit == "nss" and self.bonds is not None and len(self.bonds) < MIN_FIT_BONDS:
            raise ValueError(
                f"fit: nss needs at least {MIN_FIT_BONDS} bonds (six parameters), got "
                f"{len(self.bonds)}"
            )
        if self.fit == "exact" and self.bonds is not None:
            first: dict[dt.date, str] = {}
            for b in self.bonds:
                if b.maturity in first:
                    raise ValueError(
                        f"bonds {clip(first[b.maturity])} and {clip(b.id)} mature on the same "
                        "date: an exact bootstrap needs one bond per maturity (or fit: nss)"
                    )
                first[b.maturity] = b.id
        return self

    @property
    def source_key(self) -> str:
        """The key of the curve source given (for locating errors)."""
        for name in (self._par_field, "bonds", "zero_rates", "discount_factors"):
            if getattr(self, name) is not None:
                return name
        return self._par_field

    def longest_years(self, anchor: dt.date) -> float:
        """Last input maturity, years (ACT/365F) from ``anchor``."""
        start = int(to_days(anchor))
        if self.bonds is not None:
            last = max(int(to_days(b.maturity)) for b in self.bonds)
        elif self.zero_rates is not None or self.discount_factors is not None:
            pts = self.zero_rates or self.discount_factors
            assert pts is not None
            last = int(max(point_dates(anchor, list(pts.points))))
        else:
            # Par quotes: the nominal tenor length, as the instruments' own tenors are read.
            quotes: dict[str, float] = getattr(self, self._par_field)
            return max(tenor_years(t) for t in quotes)
        return (last - start) / 365.0


@dataclass(frozen=True)
class BuiltCurve:
    """A curve built from a case section, its par quotes and what to report about the fit."""

    curve: YieldCurve
    quotes: ParQuotes
    report: dict[str, Any] = field(default_factory=dict)


def build_case_curve(
    spec: CurveInputsSpec, kind: Literal["treasury", "sofr"], anchor: dt.date
) -> BuiltCurve:
    """Build the curve a case section describes (raises the models' errors, unlocated).

    Curves not built from par quotes carry implied par quotes read off them at the standard
    tenors, with the curve itself as the base (see :class:`models.krd.ParQuotes`).
    """
    start = int(to_days(anchor))
    par: dict[str, float] | None = getattr(spec, spec._par_field)
    if par is not None:
        quotes = ParQuotes(
            start, tuple(par), np.array(list(par.values())), spec.interpolation, kind
        )
        boot = bootstrap_treasury_par if kind == "treasury" else bootstrap_sofr_ois
        curve = boot(start, list(par), list(par.values()), spec.interpolation)
        return BuiltCurve(curve, quotes, {"source": spec._par_field})
    report: dict[str, Any]
    if spec.bonds is not None:
        bonds = [b.to_bond() for b in spec.bonds]
        if spec.fit == "nss":
            fit = fit_nss(start, bonds, spec.fit_objective)
            curve = fit.curve
            report = {"source": "bonds", "fit": fit.as_dict()}
        else:
            curve = bootstrap_bonds(start, bonds, spec.interpolation)
            errors = repricing_errors(curve, start, bonds)
            report = {
                "source": "bonds",
                "fit": {
                    "method": "exact_bootstrap",
                    "max_abs_price_error": max(abs(e["error"]) for e in errors),
                    "repricing": errors,
                },
            }
    else:
        pts = spec.zero_rates if spec.zero_rates is not None else spec.discount_factors
        assert pts is not None
        kind_of: Literal["zero_rate", "discount_factor"] = (
            "zero_rate" if spec.zero_rates is not None else "discount_factor"
        )
        curve = curve_from_points(
            start,
            pts.days(anchor),
            list(pts.points.values()),
            kind_of,
            pts.compounding,
            DayCount.parse(pts.day_count),
            spec.interpolation,
        )
        report = {"source": "zero_rates" if kind_of == "zero_rate" else "discount_factors"}
    return BuiltCurve(curve, implied_quotes(curve, kind), report)


def implied_quotes(curve: YieldCurve, kind: Literal["treasury", "sofr"]) -> ParQuotes:
    """Treasury par yields read off ``curve`` at the standard tenors inside its node range.

    The quotes keep ``curve`` as their base: unbumped they give back ``curve`` itself, bumped
    they move it by the zero-rate change the bumped quotes bootstrap to.
    """
    anchor = int(curve.anchor)
    eom = bool(is_end_of_month(anchor))
    last = anchor + round(float(curve.node_times[-1]) * 365.0)
    tenors = [t for t in IMPLIED_PAR_TENORS if tenor_maturity(anchor, t, eom) <= last]
    if not tenors:
        tenors = [IMPLIED_PAR_TENORS[0]]
    rates = treasury_par_yields(curve, tenors)
    # Par KRDs are defined on Treasury par yields whichever curve they shift.
    del kind
    return ParQuotes(anchor, tuple(tenors), rates, curve.interpolation, "treasury", base=curve)  # type: ignore[arg-type]


def curve_input_issues(curves: Any, anchor: dt.date) -> list[tuple[tuple[Any, ...], str, str]]:
    """Problems of the case's curve inputs found by building them: ``(key path, reason, hint)``.

    Points out of date order are located at the point; anything a curve cannot be built from
    (no discount factor reprices a bond, a zero rate too negative) at the curve's source key.
    """
    out: list[tuple[tuple[Any, ...], str, str]] = []
    for name in ("treasury", "sofr"):
        spec = getattr(curves, name, None)
        if spec is None:
            continue
        for key in ("zero_rates", "discount_factors"):
            pts = getattr(spec, key)
            if pts is None:
                continue
            try:
                problem = pts.order_problem(anchor)
            except ValueError as exc:  # neither a date nor a tenor
                out.append((("curves", name, key, "points"), str(exc), ""))
                continue
            if problem is not None:
                path = ("curves", name, key, "points", problem[0])
                out.append((path, problem[1], "list the points from the nearest date out"))
        if out:
            continue
        try:
            build_case_curve(spec, name, anchor)
        except ValueError as exc:  # AnalyticsError is a ValueError
            out.append((("curves", name, spec.source_key), str(exc).splitlines()[0], ""))
    return out


# ------------------------------------------------------------------------------------------------
# The case's curves section (the specs above are the inputs of one curve)
# ------------------------------------------------------------------------------------------------

#: Par rates above this are taken for percentages.
MAX_DECIMAL_RATE = 0.25
#: Lowest plausible par rate, decimal (-5%).
MIN_DECIMAL_RATE = -0.05


def _decimal_rates(value: dict[str, float], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for tenor, rate in value.items():
        r = float(rate)
        label = str(tenor).strip().lower()
        if len(label) > 8:  # no tenor is this long; keep the message short
            raise ValueError(f"{clip(label)} is not a tenor like 6m or 10y")
        if not np.isfinite(r):
            raise ValueError(f"{what} at {label} is not a finite number")
        if r > MAX_DECIMAL_RATE:
            raise ValueError(
                f"{what} {r:g} at {label} looks like a percentage; rates are decimals "
                f"(write {r / 100:g} for {r:g}%)"
            )
        if r < MIN_DECIMAL_RATE:
            raise ValueError(
                f"{what} {r:g} at {label} is below the plausible minimum {MIN_DECIMAL_RATE:g} "
                f"({MIN_DECIMAL_RATE:.0%})"
            )
        if label in out:
            raise ValueError(f"tenor {label} is given twice")
        out[label] = r
    try:
        years = [tenor_years(t) for t in out]
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    if len(set(years)) != len(years):
        raise ValueError(f"two tenors name the same maturity: {', '.join(out)}")
    if not out:
        raise ValueError(f"at least one {what} is required")
    try:
        # Quotes are kept in maturity order whatever order the file lists them in.
        return dict(sorted(out.items(), key=lambda item: tenor_years(item[0])))
    except ValueError as exc:
        raise ValueError(str(exc)) from None


class TreasuryCurveSpec(CurveInputsSpec):
    """US Treasury curve of the analysis date: par yields (decimals, bond-equivalent), or bonds,
    zero rates or discount factors (see :mod:`hedge_planner.case_curves`)."""

    _par_field: ClassVar[str] = "par_yields"

    par_yields: dict[str, float] | None = None

    @field_validator("par_yields")
    @classmethod
    def _rates(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else _decimal_rates(value, "par yield")


class SofrCurveSpec(CurveInputsSpec):
    """SOFR curve: OIS par swap rates (decimals, annual ACT/360 fixed legs), or bonds, zero
    rates or discount factors (see :mod:`hedge_planner.case_curves`)."""

    _par_field: ClassVar[str] = "par_rates"

    par_rates: dict[str, float] | None = None

    @field_validator("par_rates")
    @classmethod
    def _rates(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else _decimal_rates(value, "par swap rate")


class CurvesSpec(StrictModel):
    """Market curves: the Treasury curve prices bonds; the SOFR curve prices swaps/swaptions."""

    model_config = ConfigDict(extra="forbid")

    treasury: TreasuryCurveSpec
    sofr: SofrCurveSpec | None = None
