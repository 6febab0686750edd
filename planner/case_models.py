"""The case's ``models`` section: options of the short-rate model that prices modelled holdings
(callable/putable bonds, MBS pass-throughs; see :mod:`hedge_planner.models.oas`)."""

from __future__ import annotations

from typing import Literal

from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.input_files import StrictModel
from hedge_planner.models.oas import ShortRateSettings
from hedge_planner.models.prepayment import RefiModel
from pydantic import ConfigDict, Field, field_validator


class ShortRateSpec(StrictModel):
    """``models.short_rate``: Hull-White one-factor options, defaults stated."""

    model_config = ConfigDict(extra="forbid")

    model: Literal["hull_white"] = Field(
        default="hull_white", description="short-rate model (Hull-White one-factor)"
    )
    mean_reversion: float = Field(
        default=0.03, ge=0.0, le=1.0, description="mean reversion a, per year (default 0.03)"
    )
    volatility: float = Field(
        default=0.01,
        ge=0.0,
        le=0.05,
        description="absolute (normal) short-rate volatility, decimal per sqrt(year) "
        "(default 0.01 = 100 bp a year)",
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
        """The models' settings object."""
        return ShortRateSettings(
            model=self.model,
            mean_reversion=self.mean_reversion,
            volatility=self.volatility,
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
