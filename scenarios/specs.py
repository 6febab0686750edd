"""Scenario specs of a case file (YAML, discriminated by ``kind``) and the default scenario set.

The specs are validated user input; :func:`spec_to_scenario` turns one into a
:class:`hedge_planner.scenarios.definitions.Scenario` on the analysis key tenors.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bootstrap import key_tenor, tenor_label, tenor_years
from hedge_planner.models.errors import InputError
from hedge_planner.models.input_files import (
    BadNumber,
    StrictModel,
    clip,
    did_you_mean,
    error_message,
    load_yaml,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS
from hedge_planner.scenarios.definitions import (
    CURVE_SHAPE_KINDS,
    DEFAULT_BUTTERFLY_BP,
    DEFAULT_COMBINED_RATE_BP,
    DEFAULT_PARALLEL_BP,
    DEFAULT_SHAPE_BP,
    DEFAULT_SPREAD_WIDENING_BP,
    MAX_DESCRIPTION_CHARS,
    MAX_HISTORICAL_SCALE,
    MAX_SHIFT_BP,
    KeyTenorsLike,
    Scenario,
    ScenarioError,
    _check_unique,
    _episode_text,
    _make,
    _normalize_sectors,
    bear_flattener,
    bear_steepener,
    bull_flattener,
    bull_steepener,
    butterfly,
    interpolate_shifts,
    load_historical_episodes,
    parallel_shift,
    resolve_key_tenors,
    twist,
)
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

# --------------------------------------------------------------------------------------------
# User specs (YAML case file), discriminated by ``kind``
# --------------------------------------------------------------------------------------------


def _tenor_field(value: Any) -> str:
    # YAML may give a tenor as a label ("5y") or as a number of years (5).
    if isinstance(value, bool):
        raise ValueError("tenor must be a label like '5y' or a number of years")
    if isinstance(value, (int, float)):
        return tenor_label(value)
    return key_tenor(value)[0]


TenorField = Annotated[str, BeforeValidator(_tenor_field)]


class _SpecBase(StrictModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)


class ParallelSpec(_SpecBase):
    """Parallel shift of ``shift_bp`` bp."""

    kind: Literal["parallel"]
    shift_bp: float = Field(ge=-MAX_SHIFT_BP, le=MAX_SHIFT_BP)

    def default_name(self) -> str:
        return f"parallel_{self.shift_bp:+g}bp"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        return parallel_shift(years, self.shift_bp)


class CurveShapeSpec(_SpecBase):
    """Bull/bear steepener/flattener of ``size_bp`` (> 0) bp between two anchor tenors."""

    kind: Literal["bull_steepener", "bear_steepener", "bull_flattener", "bear_flattener"]
    size_bp: float = Field(default=DEFAULT_SHAPE_BP, gt=0, le=MAX_SHIFT_BP)
    short_tenor: TenorField = "2y"
    long_tenor: TenorField = "30y"

    @model_validator(mode="after")
    def _order(self) -> CurveShapeSpec:
        if tenor_years(self.short_tenor) >= tenor_years(self.long_tenor):
            raise ValueError(
                f"short_tenor {self.short_tenor} must be shorter than long_tenor {self.long_tenor}"
            )
        return self

    def default_name(self) -> str:
        return f"{self.kind}_{self.size_bp:g}bp"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        fn = {
            "bull_steepener": bull_steepener,
            "bear_steepener": bear_steepener,
            "bull_flattener": bull_flattener,
            "bear_flattener": bear_flattener,
        }[self.kind]
        return fn(years, self.size_bp, tenor_years(self.short_tenor), tenor_years(self.long_tenor))


class TwistSpec(_SpecBase):
    """Twist: slope change ``size_bp`` bp around ``pivot`` (positive steepens)."""

    kind: Literal["twist"]
    size_bp: float = Field(default=DEFAULT_SHAPE_BP, ge=-MAX_SHIFT_BP, le=MAX_SHIFT_BP)
    pivot: TenorField = "5y"
    short_tenor: TenorField = "2y"
    long_tenor: TenorField = "30y"

    @model_validator(mode="after")
    def _order(self) -> TwistSpec:
        s, p, lg = (tenor_years(x) for x in (self.short_tenor, self.pivot, self.long_tenor))
        if not s < p < lg:
            raise ValueError(
                f"need short_tenor < pivot < long_tenor, got {self.short_tenor}, {self.pivot}, "
                f"{self.long_tenor}"
            )
        return self

    def default_name(self) -> str:
        return f"twist_{self.size_bp:+g}bp_around_{self.pivot}"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        return twist(
            years,
            self.size_bp,
            tenor_years(self.pivot),
            tenor_years(self.short_tenor),
            tenor_years(self.long_tenor),
        )


class ButterflySpec(_SpecBase):
    """Butterfly: wings ``+size_bp/2``, belly ``-size_bp/2`` bp."""

    kind: Literal["butterfly"]
    size_bp: float = Field(default=DEFAULT_BUTTERFLY_BP, ge=-MAX_SHIFT_BP, le=MAX_SHIFT_BP)
    short_wing: TenorField = "2y"
    belly_start: TenorField = "7y"
    belly_end: TenorField = "10y"
    long_wing: TenorField = "30y"

    @model_validator(mode="after")
    def _order(self) -> ButterflySpec:
        ys = [tenor_years(x) for x in (self.short_wing, self.belly_start, self.belly_end)]
        ys.append(tenor_years(self.long_wing))
        if not ys[0] < ys[1] <= ys[2] < ys[3]:
            raise ValueError(
                "need short_wing < belly_start <= belly_end < long_wing, got "
                f"{self.short_wing}, {self.belly_start}, {self.belly_end}, {self.long_wing}"
            )
        return self

    def default_name(self) -> str:
        return f"butterfly_{self.size_bp:+g}bp"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        belly = (tenor_years(self.belly_start), tenor_years(self.belly_end))
        wings = (tenor_years(self.short_wing), tenor_years(self.long_wing))
        return butterfly(years, self.size_bp, wings[0], belly, wings[1])


class CustomSpec(_SpecBase):
    """Custom key-rate shifts ``{tenor: bp}``, interpolated linearly, flat beyond the ends."""

    kind: Literal["custom"]
    shifts_bp: dict[TenorField, float] = Field(min_length=1)

    @field_validator("shifts_bp")
    @classmethod
    def _distinct(cls, value: dict[str, float]) -> dict[str, float]:
        years = [tenor_years(k) for k in value]
        if len(set(years)) != len(years):
            raise ValueError(f"duplicate tenors in {list(value)}")
        wild = [k for k, v in value.items() if abs(v) > MAX_SHIFT_BP]
        if wild:
            raise ValueError(
                f"shift beyond the plausible +/-{MAX_SHIFT_BP:g} bp at {', '.join(wild[:5])}"
            )
        return value

    def default_name(self) -> str:
        return "custom"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        return interpolate_shifts(self.shifts_bp, years)


class HistoricalSpec(_SpecBase):
    """Replay of a committed historical episode, optionally scaled."""

    kind: Literal["historical"]
    episode: str
    scale: float = Field(default=1.0, ge=-MAX_HISTORICAL_SCALE, le=MAX_HISTORICAL_SCALE)

    @field_validator("episode")
    @classmethod
    def _known(cls, value: str) -> str:
        table = load_historical_episodes()
        if value not in table:
            raise ValueError(
                f"unknown historical episode {clip(value)}; available: {sorted(table)}"
            )
        return value

    def default_name(self) -> str:
        suffix = "" if self.scale == 1.0 else f"_x{self.scale:g}"
        return f"historical_{self.episode}{suffix}"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        ep = load_historical_episodes()[self.episode]
        return self.scale * interpolate_shifts(ep.changes_bp, years)


RateSpec = Annotated[
    ParallelSpec | CurveShapeSpec | TwistSpec | ButterflySpec | CustomSpec | HistoricalSpec,
    Field(discriminator="kind"),
]


class SpreadSpec(_SpecBase):
    """Sector spread shifts ``{sector: bp}`` (positive widens), optionally with a rate scenario."""

    kind: Literal["spread"]
    spreads_bp: dict[str, float] = Field(min_length=1)
    rates: RateSpec | None = None

    @field_validator("spreads_bp", mode="before")
    @classmethod
    def _sectors(cls, value: Any) -> Any:
        return _normalize_sectors(value) if isinstance(value, Mapping) else value

    def default_name(self) -> str:
        if self.rates is None:
            return "spread_shift"
        return f"{self.rates.name or self.rates.default_name()}_with_spreads"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        if self.rates is None:
            return np.zeros_like(years)
        return self.rates.rate_shifts_bp(years)


#: Largest plausible normal-vol shift of a vol scenario, bp of normal vol.
MAX_VOL_SHIFT_BP = 500.0


class VolSpec(_SpecBase):
    """Normal-vol shift of the options: parallel (``vol_bp``) and/or by expiry, rates fixed."""

    kind: Literal["vol"]
    vol_bp: float = Field(default=0.0, ge=-MAX_VOL_SHIFT_BP, le=MAX_VOL_SHIFT_BP)
    vol_by_expiry_bp: dict[TenorField, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _some_shift(self) -> VolSpec:
        if self.vol_bp == 0 and not any(self.vol_by_expiry_bp.values()):
            raise ValueError("a vol scenario needs vol_bp or vol_by_expiry_bp")
        if any(abs(v) > MAX_VOL_SHIFT_BP for v in self.vol_by_expiry_bp.values()):
            raise ValueError(f"vol shifts must be within +/-{MAX_VOL_SHIFT_BP:g} bp")
        return self

    def vol_shifts_bp(self) -> dict[str, float]:
        out = {"all": self.vol_bp} if self.vol_bp else {}
        return out | dict(self.vol_by_expiry_bp)

    def default_name(self) -> str:
        if not self.vol_by_expiry_bp:
            return f"normal_vol_{self.vol_bp:+g}bp"
        return "normal_vol_by_expiry"

    def rate_shifts_bp(self, years: FloatArray) -> FloatArray:
        return np.zeros_like(years)


ScenarioSpec = Annotated[
    ParallelSpec
    | CurveShapeSpec
    | TwistSpec
    | ButterflySpec
    | CustomSpec
    | HistoricalSpec
    | SpreadSpec
    | VolSpec,
    Field(discriminator="kind"),
]

_SPEC_ADAPTER: TypeAdapter[Any] = TypeAdapter(ScenarioSpec)


def spec_to_scenario(spec: Any, key_tenors: KeyTenorsLike = DEFAULT_KEY_TENORS) -> Scenario:
    """Evaluate a :data:`ScenarioSpec` on ``key_tenors`` (labels or years)."""
    labels, years = resolve_key_tenors(key_tenors)
    shifts = spec.rate_shifts_bp(years)
    spreads: dict[str, float] = {}
    kind = spec.kind
    if isinstance(spec, SpreadSpec):
        spreads = dict(spec.spreads_bp)
        kind = "spread" if spec.rates is None else "combined"
    if isinstance(spec, HistoricalSpec):
        episode = load_historical_episodes()[spec.episode]
        spreads = {sector: spec.scale * bp for sector, bp in episode.spread_changes_bp.items()}
    description = spec.description
    if not description and isinstance(spec, HistoricalSpec):
        description = _episode_text(load_historical_episodes()[spec.episode])
    out = _make(spec.name or spec.default_name(), kind, labels, shifts, description, spreads)
    if isinstance(spec, VolSpec):
        if not description:
            parts = [f"{spec.vol_bp:+g} bp parallel"] if spec.vol_bp else []
            parts += [f"{k} {v:+g} bp" for k, v in spec.vol_by_expiry_bp.items()]
            text = "Normal vol of the options " + ", ".join(parts) + "; curves unchanged."
            out = out.model_copy(update={"description": text})
        out = out.model_copy(update={"vol_shifts_bp": spec.vol_shifts_bp()})
    return out


def parse_scenario_specs(data: Any, source: str = "scenarios") -> list[Any]:
    """Validate user scenario definitions (e.g. the ``scenarios:`` list of a YAML case file).

    Parameters
    ----------
    data
        A list of mappings, each with a ``kind`` (``parallel``, ``bull_steepener``,
        ``bear_steepener``, ``bull_flattener``, ``bear_flattener``, ``twist``, ``butterfly``,
        ``custom``, ``historical``, ``spread``), or a mapping with a ``scenarios`` key holding it.
    source
        Name used in error messages.

    Returns
    -------
    list
        Validated spec models (members of :data:`ScenarioSpec`).

    Raises
    ------
    ScenarioError
        Listing every problem as ``source[i] (name): field: message``; duplicate names too.
    """
    if isinstance(data, Mapping) and "scenarios" in data:
        data = data["scenarios"]
    if not isinstance(data, list):
        raise ScenarioError(f"{source}: expected a list of scenario definitions")
    specs: list[Any] = []
    problems: list[str] = []
    issues: list[tuple[tuple[Any, ...], str, str]] = []
    for i, item in enumerate(data):
        label = f"{source}[{i}]"
        if isinstance(item, Mapping) and item.get("name"):
            label += f" ({clip(item['name'], 40)[1:-1]})"
        try:
            specs.append(_SPEC_ADAPTER.validate_python(item))
        except ValidationError as exc:
            for err in exc.errors():
                path, reason, hint = _spec_problem(item, err)
                loc = ".".join(str(p) for p in err["loc"]) or "<scenario>"
                msg = err["input"].reason if isinstance(err["input"], BadNumber) else err["msg"]
                problems.append(f"{label}: {loc}: {msg}" + (f" ({hint})" if hint else ""))
                issues.append(((i, *path), reason, hint))
    names = [s.name or s.default_name() for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        problems.append(f"{source}: duplicate scenario names {dupes}")
        issues.append(((), f"duplicate scenario names {dupes}", "give each scenario a name"))
    if problems:
        raise ScenarioError("invalid scenario definitions:\n  - " + "\n  - ".join(problems), issues)
    return specs


_SPEC_MODELS: dict[str, type[BaseModel]] = {
    kind: model
    for model in (
        ParallelSpec,
        CurveShapeSpec,
        TwistSpec,
        ButterflySpec,
        CustomSpec,
        HistoricalSpec,
        SpreadSpec,
        VolSpec,
    )
    for kind in typing.get_args(model.model_fields["kind"].annotation)
}


def _spec_problem(item: Any, err: Mapping[str, Any]) -> tuple[tuple[Any, ...], str, str]:
    """The user's key path (without pydantic's union tag), a reason and a did-you-mean hint."""
    # pydantic inserts the union member's tag (the kind) after each level it enters; the
    # user's path keeps only the keys that exist in the spec.
    path: list[Any] = []
    node, model = item, None
    for part in err["loc"]:
        if isinstance(node, Mapping) and part == node.get("kind") and part in _SPEC_MODELS:
            model = _SPEC_MODELS[part]
            continue
        path.append(part)
        node = node.get(part) if isinstance(node, Mapping) else None
    loc = tuple(path)
    if err["type"] == "extra_forbidden":
        allowed = list(model.model_fields) if model is not None else []
        hint = did_you_mean(str(loc[-1]), allowed) or (
            f"allowed keys: {', '.join(allowed)}" if allowed else ""
        )
        return loc, f"unknown key {clip(loc[-1])}", hint
    if err["type"] == "union_tag_invalid":
        kind = node.get("kind") if isinstance(node, Mapping) else None
        others = [k for k in _SPEC_MODELS if k != kind and not (loc and k == "spread")]
        hint = did_you_mean(str(kind), others) or f"kinds: {', '.join(others)}"
        return (*loc, "kind"), f"scenario kind {clip(kind)} is not allowed here", hint
    return loc, error_message(err), ""


def scenario_specs_from_yaml(text: str, source: str = "scenarios") -> list[Any]:
    """Parse YAML text (a list, or a mapping with ``scenarios:``) into validated specs."""
    try:
        data, _ = load_yaml(text, source)
    except InputError as exc:
        raise ScenarioError(f"{source}: {exc.issues[0].reason}") from None
    return parse_scenario_specs(data, source)


def build_scenarios(
    specs: Sequence[Any], key_tenors: KeyTenorsLike = DEFAULT_KEY_TENORS
) -> list[Scenario]:
    """Evaluate validated specs on ``key_tenors``; names must be unique."""
    out = [spec_to_scenario(s, key_tenors) for s in specs]
    _check_unique([s.name for s in out])
    return out


# --------------------------------------------------------------------------------------------
# Default set
# --------------------------------------------------------------------------------------------


def default_scenario_specs() -> list[Any]:
    """Specs of the standard set (see :func:`build_default_scenarios`)."""
    specs: list[Any] = [ParallelSpec(kind="parallel", shift_bp=s) for s in DEFAULT_PARALLEL_BP]
    specs += [CurveShapeSpec(kind=k, size_bp=DEFAULT_SHAPE_BP) for k in CURVE_SHAPE_KINDS]
    specs.append(TwistSpec(kind="twist", size_bp=DEFAULT_SHAPE_BP))
    specs.append(ButterflySpec(kind="butterfly", size_bp=DEFAULT_BUTTERFLY_BP))
    specs.append(
        SpreadSpec(
            kind="spread",
            name="spread_widening",
            description="Credit spread widening by sector, rates unchanged.",
            spreads_bp=DEFAULT_SPREAD_WIDENING_BP,
        )
    )
    specs.append(
        SpreadSpec(
            kind="spread",
            name="rates_up_spreads_wider",
            description=f"Parallel +{DEFAULT_COMBINED_RATE_BP:g} bp with the sector widening.",
            spreads_bp=DEFAULT_SPREAD_WIDENING_BP,
            rates=ParallelSpec(kind="parallel", shift_bp=DEFAULT_COMBINED_RATE_BP),
        )
    )
    specs += [HistoricalSpec(kind="historical", episode=key) for key in load_historical_episodes()]
    return specs


def build_default_scenarios(key_tenors: KeyTenorsLike = DEFAULT_KEY_TENORS) -> list[Scenario]:
    """The standard scenario set on ``key_tenors`` (labels or years).

    In order: parallels +/-25, +/-50, +/-100 bp; bull/bear steepener/flattener (50 bp, 2y-30y
    anchors); twist +50 bp around 5y; butterfly +25 bp (2y/30y wings vs 7y-10y belly); spread
    widening (corporate +50, securitized +25, municipal +20, agency +10 bp); rates +100 bp with
    that widening; one replay per committed historical episode.
    """
    return build_scenarios(default_scenario_specs(), key_tenors)
