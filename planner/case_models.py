"""The case's ``models`` section: options of the short-rate model that prices modelled holdings
(callable/putable bonds, MBS pass-throughs; see :mod:`hedge_planner.models.oas`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

from hedge_planner.case_hedge import SwaptionSpec
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError, InputError, InputIssue
from hedge_planner.models.hw_calibration import Calibration, SwaptionQuote, calibrate
from hedge_planner.models.input_files import StrictModel
from hedge_planner.models.oas import ShortRateSettings
from hedge_planner.models.prepayment import RefiModel
from hedge_planner.models.short_rate import DEFAULT_MEAN_REVERSION, DEFAULT_VOLATILITY
from pydantic import ConfigDict, Field, field_validator, model_validator


class ShortRateSpec(StrictModel):
    """``models.short_rate``: Hull-White one-factor options, defaults stated."""

    model_config = ConfigDict(extra="forbid")

    model: Literal["hull_white"] = Field(
        default="hull_white", description="short-rate model (Hull-White one-factor)"
    )
    mean_reversion: float | Literal["calibrate"] = Field(
        default=0.03,
        description="mean reversion a, per year in [0, 1] (default 0.03), or 'calibrate' "
        "(fitted with the volatility to the case's swaption vols; needs volatility: calibrate)",
    )
    volatility: float | Literal["calibrate"] = Field(
        default=0.01,
        description="absolute (normal) short-rate volatility, decimal per sqrt(year) in "
        "[0, 0.05] (default 0.01 = 100 bp a year), or 'calibrate': fitted to the ATM normal "
        "(bachelier) swaption vols of hedge.universe.swaptions (Jamshidian closed form; the "
        "fit errors are reported in the plan's OAS quality check)",
    )
    paths: int = Field(
        default=256, ge=2, le=100_000, description="Monte Carlo paths for MBS (default 256)"
    )
    seed: int = Field(default=20231229, description="Monte Carlo seed")
    sampling: Literal["antithetic", "sobol"] = Field(
        default="antithetic", description="antithetic normals or scrambled Sobol points"
    )
    lattice_steps_per_year: int = Field(
        default=24, ge=2, le=365, description="trinomial lattice steps per year (default 24)"
    )
    shift_bp: float = Field(
        default=25.0,
        gt=0.0,
        le=100.0,
        description="curve shift for option-adjusted duration, convexity and KRDs, bp",
    )
    prepayment: dict[str, float] = Field(
        default_factory=dict,
        description="overrides of the rate-dependent prepayment model's parameters "
        "(turnover, refi_max, refi_center, refi_width, lockin_slope, lockin_floor, burnout, "
        "mortgage_spread, weight_2y, seasoning_months)",
    )

    @field_validator("mean_reversion")
    @classmethod
    def _a_range(cls, value: float | str) -> float | str:
        if not isinstance(value, str) and not 0.0 <= value <= 1.0:
            raise ValueError(f"mean reversion must be in [0, 1] per year, got {value}")
        return value

    @field_validator("volatility")
    @classmethod
    def _sigma_range(cls, value: float | str) -> float | str:
        if not isinstance(value, str) and not 0.0 <= value <= 0.05:
            raise ValueError(
                f"volatility must be in [0, 0.05] (decimal per sqrt(year)), got {value}"
            )
        return value

    @model_validator(mode="after")
    def _calibrate_together(self) -> ShortRateSpec:
        if self.mean_reversion == "calibrate" and self.volatility != "calibrate":
            raise ValueError("mean_reversion: calibrate needs volatility: calibrate as well")
        return self

    @field_validator("prepayment")
    @classmethod
    def _known(cls, value: dict[str, float]) -> dict[str, float]:
        known = set(RefiModel.__dataclass_fields__)
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"unknown prepayment parameter {unknown[0]!r}; known: {', '.join(sorted(known))}"
            )
        try:
            RefiModel(**value)
        except AnalyticsError as exc:
            raise ValueError(str(exc)) from None
        return value

    def settings(self) -> ShortRateSettings:
        """The models' settings object (a parameter to calibrate holds its default here:
        :func:`short_rate_settings` fits it)."""
        a = self.mean_reversion
        sigma = self.volatility
        return ShortRateSettings(
            model=self.model,
            mean_reversion=DEFAULT_MEAN_REVERSION if isinstance(a, str) else a,
            volatility=DEFAULT_VOLATILITY if isinstance(sigma, str) else sigma,
            paths=self.paths + (self.paths % 2 if self.sampling == "antithetic" else 0),
            seed=self.seed,
            sampling=self.sampling,
            lattice_steps_per_year=self.lattice_steps_per_year,
            shift_bp=self.shift_bp,
            refi=RefiModel(**self.prepayment),
        )


class ModelsSpec(StrictModel):
    """``models``: options of the pricing models."""

    model_config = ConfigDict(extra="forbid")

    short_rate: ShortRateSpec = Field(default_factory=ShortRateSpec)


def calibration_quotes(swaptions: Sequence[SwaptionSpec]) -> list[SwaptionQuote]:
    """ATM normal-vol swaptions of the hedge universe as calibration quotes (one per expiry and
    tenor; the payer and receiver of a pair share their vol)."""
    seen: dict[tuple[float, int], SwaptionQuote] = {}
    for s in swaptions:
        if s.model != "bachelier" or s.strike != "atm":
            continue
        key = (tenor_years(s.expiry), max(round(tenor_years(s.tenor)), 1))
        seen.setdefault(key, SwaptionQuote(key[0], key[1], s.vol))
    return list(seen.values())


def short_rate_settings(
    spec: ShortRateSpec,
    swaptions: Sequence[SwaptionSpec],
    curve: YieldCurve,
    source: str,
) -> tuple[ShortRateSettings, Calibration | None]:
    """The short-rate settings of a case, the volatility (and mean reversion) fitted to the
    swaption vols when the case asks for it (on ``curve``, the model's own curve).

    Raises
    ------
    InputError
        Calibration asked for but the case carries no ATM normal-vol swaption.
    """
    settings = spec.settings()
    if spec.volatility != "calibrate":
        return settings, None
    quotes = calibration_quotes(swaptions)
    if not quotes:
        raise InputError(
            [
                InputIssue(
                    source,
                    None,
                    "models.short_rate.volatility",
                    "calibrate needs ATM normal-vol (bachelier) swaptions in "
                    "hedge.universe.swaptions",
                    "add them, or give the volatility as a number (e.g. 0.01)",
                )
            ]
        )
    a = None if spec.mean_reversion == "calibrate" else float(spec.mean_reversion)
    cal = calibrate(curve, quotes, a)
    fitted = dataclasses.replace(
        settings, mean_reversion=cal.model.mean_reversion, volatility=cal.model.volatility
    )
    return fitted, cal
