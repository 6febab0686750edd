"""Multi-factor risk model for tracking error: key rates, the Treasury-SOFR swap spread and sector
spreads, with Euler contributions by factor and by group.

Units
-----
* Factor moves are in bp; the covariance is in **bp^2 per year**.
* An exposure is a DV01-like figure: **currency gained per 1 bp fall** of the factor (a key rate's
  KRD DV01, a sector's spread DV01 = spread duration x market value x 1e-4, a swap's DV01 to the
  swap spread). Active exposure = portfolio - benchmark (the benchmark scaled to the portfolio's
  market value), so the P&L of the active book under factor moves ``dx`` (bp) is ``-e . dx``.
* Tracking error in currency per year is ``sqrt(e' S e)``; in bp per year of the portfolio's
  market value, ``1e4 x TE / MV``. The Euler contribution of factor ``i`` is
  ``e_i (S e)_i / TE``: contributions sum exactly to the total, and a group's contribution is
  the sum over its factors.

Groups: ``rates`` (one factor per key tenor), ``swap_spread`` (a common factor and one per key
tenor, independent) and ``spread:<sector>`` (one factor per sector spread).
"""

from __future__ import annotations

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
        Volatility of the factor's moves, bp per year.
    source
        Where the figure comes from (estimation window or publication).
    assumed
        True when the figure is an assumption rather than an estimate from data.
    """

    name: str
    group: str
    vol_bp: float
    source: str
    assumed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``vol_bp`` in bp per year)."""
        return {
            "name": self.name,
            "group": self.group,
            "vol_bp": self.vol_bp,
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


def load_default_spread_table() -> SpreadRiskTable:
    """The shipped sector spread table (sources and window inside the file)."""
    text = resources.files("hedge_planner.models.data").joinpath("sector_spread_risk.json")
    return SpreadRiskTable.from_dict(json.loads(text.read_text(encoding="utf-8")))


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
        Covariance of factor moves, bp^2 per year, shape ``(n, n)``, positive semidefinite.
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
    factors += [
        Factor(f"{SPREAD_PREFIX}{s}", f"{SPREAD_PREFIX}{s}", r.vol_bp, r.source, r.assumed)
        for s, r in zip(names, rows, strict=True)
    ]
    sv = np.array([r.vol_bp for r in rows])
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
    return RiskModel(tuple(factors), cov, window)


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
