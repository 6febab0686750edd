"""Multi-factor risk model for tracking error: key rates, the Treasury-SOFR swap spread and sector
spreads, with Euler contributions by factor and by group.

Units
-----
* Factor moves are in bp (``unit="bp"``) except the duration-times-spread (DTS) credit factors
  (``unit="relative_pct"``), whose moves are **relative spread changes in percent** (``ds / s``
  x 100: a 100 bp spread widening by 1 bp is +1 %). The covariance is in the product of the two
  factors' units per year (bp^2, bp x %, %^2).
* An exposure is a DV01-like figure: **currency gained per unit fall** of the factor (a key
  rate's KRD DV01, a sector's spread DV01 = spread duration x market value x 1e-4, a swap's DV01
  to the swap spread; for a DTS factor, market value x DTS x 1e-6 = currency per 1 % relative
  spread change, with DTS = spread duration (years) x spread level (bp)). Active exposure =
  portfolio - benchmark (the benchmark scaled to the portfolio's market value), so the P&L of
  the active book under factor moves ``dx`` (in the factors' units) is ``-e . dx``.
* Tracking error in currency per year is ``sqrt(e' S e)``; in bp per year of the portfolio's
  market value, ``1e4 x TE / MV``. The Euler contribution of factor ``i`` is
  ``e_i (S e)_i / TE``: contributions sum exactly to the total, and a group's contribution is
  the sum over its factors.

Groups: ``rates`` (one factor per key tenor), ``swap_spread`` (a common factor and one per key
tenor, independent) and ``spread:<sector>`` (one factor per sector spread).

DTS (Ben Dor et al., "DTS (Duration Times Spread)", Journal of Portfolio Management 33(2), 2007):
spread changes are proportional to the spread level, ``ds = s x (ds / s)`` with a relative vol
``sigma_rel`` stable across levels. A sector's DTS factor has vol ``sigma_rel`` (% per year); the
shipped relative vols are the absolute vols of the sector table divided by a reference spread
level, so a book whose spreads sit at the reference level has the same tracking error under
either convention (``sigma_rel x s_ref = sigma_abs``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.errors import HedgePlannerError
from hedge_planner.models.tracking_error import tracking_error
from hedge_planner.models.units import BP_PER_UNIT

RATES = "rates"
SWAP_SPREAD = "swap_spread"
SPREAD_PREFIX = "spread:"
#: Relative tolerance on negative eigenvalues before a covariance is called indefinite.
PSD_TOLERANCE = 1e-10
#: Unit of a DTS factor: relative spread change in percent.
RELATIVE_PCT = "relative_pct"
#: A DTS factor's exposure per unit of market value x DTS (years x bp): a 1 % relative change
#: moves a spread of ``s`` bp by ``s / 100`` bp, so it costs ``MV x SD x 1e-4 x s / 100`` =
#: ``MV x DTS x 1e-6`` currency.
DTS_EXPOSURE_SCALE = 1e-6


class RiskModelError(HedgePlannerError, ValueError):
    """A risk model that cannot be built as specified (indefinite covariance, unknown factor)."""


@dataclass(frozen=True)
class Factor:
    """One risk factor.

    Attributes
    ----------
    name
        Identifier, e.g. ``rate:10y``, ``swap_spread``, ``swap_spread:10y``, ``spread:corporate``.
    group
        ``rates``, ``swap_spread`` or ``spread:<sector>``.
    vol_bp
        Volatility of the factor's moves, bp per year (None for a relative DTS factor).
    source
        Where the figure comes from (estimation window or publication).
    assumed
        True when the figure is an assumption rather than an estimate from data.
    vol_relative_pct
        For a DTS credit factor: volatility of relative spread changes, percent per year.
    """

    name: str
    group: str
    vol_bp: float | None
    source: str
    assumed: bool = False
    vol_relative_pct: float | None = None

    @property
    def unit(self) -> str:
        """``"bp"`` (absolute moves) or ``"relative_pct"`` (relative spread changes, %)."""
        return "bp" if self.vol_relative_pct is None else RELATIVE_PCT

    @property
    def vol(self) -> float:
        """The factor's vol in its own unit (bp or % per year)."""
        value = self.vol_bp if self.vol_relative_pct is None else self.vol_relative_pct
        assert value is not None
        return float(value)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``vol_bp`` in bp per year, ``vol_relative_pct`` in % per year)."""
        return {
            "name": self.name,
            "group": self.group,
            "vol_bp": self.vol_bp,
            "vol_relative_pct": self.vol_relative_pct,
            "unit": self.unit,
            "source": self.source,
            "assumed": self.assumed,
        }


# --------------------------------------------------------------------------------------------
# sector spread table
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SectorSpreadRisk:
    """Spread-change volatility of one sector and its correlation with key-rate changes."""

    sector: str
    vol_bp: float
    rate_correlation: float
    source: str
    assumed: bool


@dataclass(frozen=True)
class SpreadRiskTable:
    """Annualised sector spread vols, correlations between sectors and with rates.

    Attributes
    ----------
    sectors
        Canonical sector name -> its figures.
    aliases
        Lower-case alternative names -> canonical sector.
    pair_correlations
        ``(a, b)`` (sorted canonical names) -> correlation of spread changes.
    default_correlation
        Correlation of two sectors the table has no figure for.
    independent
        Sectors uncorrelated with every other sector.
    other
        Figures given to a sector the table does not name.
    window
        Estimation window and method, for reports.
    """

    sectors: Mapping[str, SectorSpreadRisk]
    aliases: Mapping[str, str]
    pair_correlations: Mapping[tuple[str, str], float]
    default_correlation: float
    independent: frozenset[str]
    other: SectorSpreadRisk
    window: str

    def lookup(self, sector: str) -> SectorSpreadRisk:
        """Figures of a holdings sector name (canonical, alias, or the table's default)."""
        key = sector.strip().lower()
        key = self.aliases.get(key, key)
        found = self.sectors.get(key)
        if found is not None:
            return found
        return SectorSpreadRisk(
            key,
            self.other.vol_bp,
            self.other.rate_correlation,
            self.other.source,
            True,
        )

    def correlation(self, a: str, b: str) -> float:
        """Correlation of the spread changes of two sectors."""
        ka, kb = self.lookup(a).sector, self.lookup(b).sector
        if ka == kb:
            return 1.0
        if ka in self.independent or kb in self.independent:
            return 0.0
        pair = (min(ka, kb), max(ka, kb))
        return self.pair_correlations.get(pair, self.default_correlation)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpreadRiskTable:
        """Parse the JSON form of ``models/data/sector_spread_risk.json``."""
        sectors: dict[str, SectorSpreadRisk] = {}
        aliases: dict[str, str] = {}
        for name, row in data["sectors"].items():
            sectors[name] = SectorSpreadRisk(
                name,
                float(row["vol_bp"]),
                float(row["rate_correlation"]),
                str(row["source"]),
                bool(row["assumed"]),
            )
            aliases.update({alias.lower(): name for alias in row.get("aliases", [])})
        other = data["default_for_other_sectors"]
        corr = data["correlations"]
        pairs = {
            tuple(sorted(key.split("|"))): float(value["value"])
            for key, value in corr.items()
            if "|" in key
        }
        return cls(
            sectors=sectors,
            aliases=aliases,
            pair_correlations={(a, b): v for (a, b), v in pairs.items()},
            default_correlation=float(corr["default"]["value"]),
            independent=frozenset(corr.get("independent_sectors", {}).get("sectors", [])),
            other=SectorSpreadRisk(
                "other",
                float(other["vol_bp"]),
                float(other["rate_correlation"]),
                str(other["source"]),
                True,
            ),
            window=str(data["window"]),
        )


@functools.lru_cache(maxsize=1)
def load_default_spread_table() -> SpreadRiskTable:
    """The shipped sector spread table (sources and window inside the file).

    Read once per process: the file ships with the package and the table is frozen (callers
    only read its mappings); the desk's hedge calls read and parsed it on every call.
    """
    text = resources.files("hedge_planner.models.data").joinpath("sector_spread_risk.json")
    return SpreadRiskTable.from_dict(json.loads(text.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class RelativeSpreadVol:
    """Relative spread-change vol of one credit sector (the DTS factor's vol).

    Attributes
    ----------
    sector
        Canonical sector name (as in the sector spread table).
    relative_vol_pct
        Volatility of relative spread changes ``ds / s``, percent per year.
    reference_spread_bp
        Spread level at which ``relative_vol_pct x reference / 100`` equals the sector's absolute
        vol in the spread table, bp.
    source
        Publication and period, or how the figure was derived.
    assumed
        True when the figure is an assumption rather than an estimate from data.
    """

    sector: str
    relative_vol_pct: float
    reference_spread_bp: float
    source: str
    assumed: bool


@dataclass(frozen=True)
class RelativeSpreadTable:
    """Relative spread-change vols of the sectors measured by DTS (the credit sectors).

    Sectors the table does not name keep spread-DV01 exposures with absolute vols.
    """

    sectors: Mapping[str, RelativeSpreadVol]
    window: str

    def lookup(self, sector: str, spread_table: SpreadRiskTable) -> RelativeSpreadVol | None:
        """The entry of a holdings sector name (aliases resolved by ``spread_table``), or None."""
        return self.sectors.get(spread_table.lookup(sector).sector)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RelativeSpreadTable:
        """Parse the JSON form of ``models/data/sector_relative_spread_vol.json``."""
        sectors: dict[str, RelativeSpreadVol] = {}
        for name, row in data["sectors"].items():
            vol, ref = float(row["relative_vol_pct"]), float(row["reference_spread_bp"])
            if not (np.isfinite(vol) and vol > 0 and np.isfinite(ref) and ref > 0):
                raise ValueError(f"sector {name!r}: relative vol and reference level must be > 0")
            sectors[name] = RelativeSpreadVol(
                name, vol, ref, str(row["source"]), bool(row["assumed"])
            )
        return cls(sectors=sectors, window=str(data["window"]))


def load_default_relative_table() -> RelativeSpreadTable:
    """The shipped relative spread-vol table of the DTS option (sources inside the file)."""
    text = resources.files("hedge_planner.models.data").joinpath("sector_relative_spread_vol.json")
    return RelativeSpreadTable.from_dict(json.loads(text.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrackingErrorBreakdown:
    """Tracking error with Euler contributions.

    Attributes
    ----------
    total_bp
        Bp per year of the portfolio's market value.
    total_currency
        Currency per year.
    by_group
        Group -> contribution, bp per year (sums to ``total_bp``).
    by_factor
        Factor name -> contribution, bp per year (sums to ``total_bp``).
    by_group_currency
        Group -> contribution, currency per year.
    """

    total_bp: float
    total_currency: float
    by_group: dict[str, float]
    by_factor: dict[str, float]
    by_group_currency: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``total_bp``, ``total_currency``, ``by_group`` (bp), ``by_factor`` (bp),
        ``by_group_currency``."""
        return {
            "total_bp": self.total_bp,
            "total_currency": self.total_currency,
            "by_group": dict(self.by_group),
            "by_factor": dict(self.by_factor),
            "by_group_currency": dict(self.by_group_currency),
        }


@dataclass(frozen=True)
class RiskModel:
    """Factors and their covariance (bp^2 per year).

    Attributes
    ----------
    factors
        The factors, in covariance order.
    covariance
        Covariance of factor moves per year in the factors' units (bp^2; % and bp x % for DTS
        factors), shape ``(n, n)``, positive semidefinite.
    window
        Estimation windows and weighting of each block, for reports.
    """

    factors: tuple[Factor, ...]
    covariance: FloatArray
    window: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cov = np.asarray(self.covariance, dtype=np.float64)
        n = len(self.factors)
        if cov.shape != (n, n) or not np.all(np.isfinite(cov)):
            raise RiskModelError(f"risk-model covariance must be a finite {n}x{n} matrix")
        if not np.allclose(cov, cov.T, rtol=1e-12, atol=0.0):
            raise RiskModelError("risk-model covariance must be symmetric")
        eig = np.linalg.eigvalsh(cov)
        if eig[0] < -PSD_TOLERANCE * max(float(eig[-1]), 1.0):
            raise RiskModelError(
                f"risk-model covariance is not positive semidefinite (smallest eigenvalue "
                f"{eig[0]:.3g} bp^2/yr): lower the rate-spread or sector correlations"
            )
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise RiskModelError("risk-model factor names must be unique")

    @property
    def names(self) -> tuple[str, ...]:
        """Factor names in covariance order."""
        return tuple(f.name for f in self.factors)

    @property
    def groups(self) -> tuple[str, ...]:
        """Distinct groups in factor order."""
        return tuple(dict.fromkeys(f.group for f in self.factors))

    def vector(self, exposures: Mapping[str, float]) -> FloatArray:
        """Exposure mapping (factor name -> currency per bp) as a vector in factor order.

        Raises
        ------
        RiskModelError
            If a name is not a factor of the model.
        """
        index = {name: i for i, name in enumerate(self.names)}
        unknown = sorted(set(exposures) - set(index))
        if unknown:
            raise RiskModelError(f"exposure to unknown factors {unknown}")
        out = np.zeros(len(index))
        for name, value in exposures.items():
            out[index[name]] = float(value)
        return out

    def tracking_error(
        self, active: npt.ArrayLike | Mapping[str, float], market_value: float
    ) -> TrackingErrorBreakdown:
        """Tracking error of active exposures (currency per bp per factor).

        Parameters
        ----------
        active
            Active exposure vector in factor order, or a mapping by factor name.
        market_value
            The portfolio's market value, currency (the bp denominator).
        """
        e = self.vector(active) if isinstance(active, Mapping) else np.asarray(active, float)
        if e.shape != (len(self.factors),) or not np.all(np.isfinite(e)):
            raise RiskModelError("active exposures must be finite, one per factor")
        if not market_value > 0:
            raise RiskModelError("market value must be positive to express TE in bp")
        te, contrib = tracking_error(e, self.covariance)
        to_bp = BP_PER_UNIT / market_value
        by_factor = {f.name: float(c * to_bp) for f, c in zip(self.factors, contrib, strict=True)}
        by_group_ccy: dict[str, float] = dict.fromkeys(self.groups, 0.0)
        for f, c in zip(self.factors, contrib, strict=True):
            by_group_ccy[f.group] += float(c)
        return TrackingErrorBreakdown(
            total_bp=te * to_bp,
            total_currency=te,
            by_group={g: v * to_bp for g, v in by_group_ccy.items()},
            by_factor=by_factor,
            by_group_currency=by_group_ccy,
        )

    def group_indices(self, group: str) -> list[int]:
        """Positions of a group's factors."""
        return [i for i, f in enumerate(self.factors) if f.group == group]

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``factors`` (name, group, vol bp/yr, source, assumed) and ``window``."""
        return {"factors": [f.as_dict() for f in self.factors], "window": dict(self.window)}


def build_risk_model(
    tenors: Sequence[str],
    rate_covariance: npt.ArrayLike,
    rate_source: str,
    sectors: Sequence[str],
    spread_table: SpreadRiskTable,
    swap_spread_vol_bp: float | None = None,
    swap_spread_tenor_vol_bp: float | None = None,
    swap_spread_source: str = "assumed",
    relative: Mapping[str, RelativeSpreadVol] | None = None,
    relative_window: str | None = None,
) -> RiskModel:
    """Assemble the factor model.

    Parameters
    ----------
    tenors
        Key tenor labels of the rate block.
    rate_covariance
        Key-rate covariance, bp^2 per year, ``(n_keys, n_keys)``.
    rate_source
        Window and weighting of the rate block (for reports).
    sectors
        Spread sectors to carry (one factor each, in this order, duplicates dropped).
    spread_table
        Sector vols, sector correlations and rate-spread correlations.
    swap_spread_vol_bp, swap_spread_tenor_vol_bp
        Common and per-tenor Treasury-SOFR swap-spread vols, bp per year; ``None`` leaves the
        swap-spread factors out (no swaps anywhere in the book or the universe).
    swap_spread_source
        Where the swap-spread vols come from.
    relative
        Sectors (as named in ``sectors``) measured by duration times spread: their factor is the
        relative spread change (% per year vol from this mapping) instead of the absolute one;
        correlations with the other sectors and with rates are the table's.
    relative_window
        Source and period of the relative vols (for reports).

    Notes
    -----
    The rate-spread block is ``rho_s vol_s cov(r_k, L) / vol_L`` for sector ``s`` and key ``k``,
    where ``L`` is the rate level (first principal component of the rate block) and ``rho_s`` the
    table's correlation of the sector's spread changes with Treasury yield changes (estimated
    against the 10y, which is almost all level: corr(10y, L) is about 0.95). Swap-spread factors
    are independent of everything else (the objective has always priced them so).
    """
    rc = np.asarray(rate_covariance, dtype=np.float64)
    n_k = len(tenors)
    if rc.shape != (n_k, n_k):
        raise RiskModelError(f"rate covariance must be {n_k}x{n_k} for tenors {list(tenors)}")
    rate_vol = np.sqrt(np.clip(np.diag(rc), 0.0, None))
    factors = [
        Factor(f"rate:{t}", RATES, float(v), rate_source)
        for t, v in zip(tenors, rate_vol, strict=True)
    ]
    seen: dict[str, SectorSpreadRisk] = {}
    for s in sectors:
        row = spread_table.lookup(s)
        seen.setdefault(s, row)
    names = list(seen)
    rows = [seen[s] for s in names]
    rel = relative or {}
    factors += [_spread_factor(s, r, rel.get(s)) for s, r in zip(names, rows, strict=True)]
    # Vols in each factor's own unit (bp, or % for DTS): the correlations are unit-free.
    sv = np.array([f.vol for f in factors[n_k:]])
    corr = np.array([[spread_table.correlation(a, b) for b in names] for a in names])
    sc = corr * np.outer(sv, sv) if names else np.zeros((0, 0))
    # Spreads correlate with the rate *level* (the first principal component of the rate block):
    # cov(r_k, s) = rho_s vol_s cov(r_k, L) / vol_L. Unlike one correlation with every key rate
    # separately, this is a proper joint model (a spread = loading on L + independent residual)
    # and stays positive semidefinite whatever rate covariance the case brings.
    cross = np.outer(_level_loadings(rc), np.array([r.rate_correlation for r in rows]) * sv)
    blocks = [[rc, cross], [cross.T, sc]]
    if swap_spread_vol_bp is not None:
        tenor_vol = swap_spread_tenor_vol_bp or 0.0
        factors.append(
            Factor(SWAP_SPREAD, SWAP_SPREAD, float(swap_spread_vol_bp), swap_spread_source, True)
        )
        factors += [
            Factor(f"{SWAP_SPREAD}:{t}", SWAP_SPREAD, float(tenor_vol), swap_spread_source, True)
            for t in tenors
        ]
        sw = np.diag(np.concatenate(([swap_spread_vol_bp], np.full(n_k, tenor_vol))) ** 2)
        n_s = len(names)
        blocks = [
            [rc, cross, np.zeros((n_k, n_k + 1))],
            [cross.T, sc, np.zeros((n_s, n_k + 1))],
            [np.zeros((n_k + 1, n_k)), np.zeros((n_k + 1, n_s)), sw],
        ]
    cov = np.block(blocks)
    window = {
        "rates": rate_source,
        "spreads": spread_table.window,
        "swap_spread": swap_spread_source,
    }
    if rel:
        window["relative_spreads"] = relative_window or "relative spread-change vols (assumed)"
    return RiskModel(tuple(factors), cov, window)


def _spread_factor(sector: str, row: SectorSpreadRisk, rel: RelativeSpreadVol | None) -> Factor:
    name = f"{SPREAD_PREFIX}{sector}"
    if rel is None:
        return Factor(name, name, row.vol_bp, row.source, row.assumed)
    source = (
        f"{rel.source}; duration-times-spread factor: relative spread changes, reference "
        f"level {rel.reference_spread_bp:g} bp"
    )
    return Factor(name, name, None, source, rel.assumed, rel.relative_vol_pct)


def _level_loadings(rate_cov: FloatArray) -> FloatArray:
    """``cov(r_k, L) / vol_L`` for the level factor ``L = v' r`` (top eigenvector, positive sum)."""
    if rate_cov.size == 0:
        return np.zeros(0)
    _, vecs = np.linalg.eigh(rate_cov)
    v = vecs[:, -1] * (1.0 if vecs[:, -1].sum() >= 0 else -1.0)
    var = float(v @ rate_cov @ v)
    return np.asarray(rate_cov @ v / np.sqrt(var), dtype=np.float64) if var > 0 else v * 0.0


def active_exposures(
    tenors: Sequence[str],
    krd_dv01_active: npt.ArrayLike,
    spread_dv01_active: Mapping[str, float],
    swap_dv01: npt.ArrayLike | None = None,
) -> dict[str, float]:
    """Exposure mapping from the usual risk figures.

    Parameters
    ----------
    tenors
        Key tenor labels.
    krd_dv01_active
        Active KRD DV01 per key tenor, currency per bp.
    spread_dv01_active
        Active spread DV01 per sector, currency per bp.
    swap_dv01
        KRD DV01 per key tenor of the swap-like positions (SOFR-discounted: swaps, swaptions),
        currency per bp; they load on the common and the per-tenor swap-spread factors.
    """
    krd = np.asarray(krd_dv01_active, dtype=np.float64)
    out = {f"rate:{t}": float(v) for t, v in zip(tenors, krd, strict=True)}
    out.update({f"{SPREAD_PREFIX}{s}": float(v) for s, v in spread_dv01_active.items()})
    if swap_dv01 is not None:
        sw = np.asarray(swap_dv01, dtype=np.float64)
        out[SWAP_SPREAD] = float(sw.sum())
        out.update({f"{SWAP_SPREAD}:{t}": float(v) for t, v in zip(tenors, sw, strict=True)})
    return out
