"""Portfolio rate risk: computed and supplied analytics per holding, sector contributions, checks.

Holdings the engine prices as bullets get **computed** effective analytics (curve-based, see
:mod:`models.risk`). Holdings the engine cannot model (MBS pools, callables, anything with an
embedded option) may carry **supplied** analytics from an OAS model: ``effective_duration``,
``effective_convexity``, ``spread_duration`` and ``krd_<tenor>`` columns. Supplied figures are used
as given and labelled "supplied (OAS-based)"; the engine's bullet-equivalent figures are kept
beside them and differences beyond a tolerance are flagged (for an option-bearing security a
large difference is expected: the flag says how much of its duration the option explains).

Rules for partially supplied holdings (stated in every report):

* supplied effective duration without KRDs: the computed KRD profile is scaled so it sums to the
  supplied duration (the cash-flow timing of the bullet equivalent, the size of the OAS model);
* missing supplied spread duration: the supplied effective duration is used;
* missing supplied convexity: the computed one is used and the holding is marked mixed.

A holding without supplied KRDs gets its computed KRD profile scaled to sum exactly to the
effective duration it reports, a computed one included: the key-rate central differences miss
the parallel one by second-order terms (about 1e-7 relative for bullets), which this removes.
The KRD-sum check (``krd_sum_tolerance``) therefore tests supplied KRDs only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import BoolArray, FloatArray
from hedge_planner.models.risk import CurveRisk, KeyRateSensitivity
from hedge_planner.models.units import BP

if TYPE_CHECKING:  # pandas is imported where a table is asked for as a DataFrame
    import pandas as pd

METHOD_COMPUTED = "effective (curve-based, computed)"
METHOD_SUPPLIED = "supplied (OAS-based)"
#: Sectors every report lists even when empty, in this order; others follow as given.
STANDARD_SECTORS = ("government", "agency", "corporate", "securitized", "municipal")


@dataclass(frozen=True)
class SuppliedAnalytics:
    """Supplied analytics of each holding, NaN where not supplied.

    Attributes
    ----------
    effective_duration, spread_duration
        Years.
    effective_convexity
        Years^2.
    krd
        ``(n, K)`` KRDs in years aligned with the key tenors; NaN rows where none was supplied.
    """

    effective_duration: FloatArray
    effective_convexity: FloatArray
    spread_duration: FloatArray
    krd: FloatArray

    @property
    def has_any(self) -> npt.NDArray[np.bool_]:
        """Holdings with at least one supplied figure."""
        return (
            np.isfinite(self.effective_duration)
            | np.isfinite(self.effective_convexity)
            | np.isfinite(self.spread_duration)
            | np.isfinite(self.krd).any(axis=1)
        )


@dataclass(frozen=True)
class Flag:
    """A finding about a holding or the portfolio: level ``warn`` or ``fail``."""

    level: str
    code: str
    message: str
    holding: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """JSON-friendly form."""
        return {
            "level": self.level,
            "code": self.code,
            "holding": self.holding,
            "message": self.message,
        }


@dataclass(frozen=True)
class HoldingRisk:
    """Final (used) rate and spread risk of every holding, with its provenance.

    Attributes
    ----------
    ids, sectors
        Holding ids and sector labels.
    market_value
        Dirty market value, currency.
    effective_duration, spread_duration
        Years, as used (supplied where given, else computed).
    effective_convexity
        Years^2, as used.
    krd
        Key rate durations as used.
    source
        ``"computed"``, ``"supplied"`` or ``"mixed"`` per holding.
    computed
        The engine's own (bullet-equivalent) figures for every holding.
    flags
        Reconciliation and consistency findings.
    """

    ids: tuple[str, ...]
    sectors: tuple[str, ...]
    market_value: FloatArray
    effective_duration: FloatArray
    effective_convexity: FloatArray
    spread_duration: FloatArray
    krd: KeyRateSensitivity
    source: tuple[str, ...]
    computed: CurveRisk
    flags: tuple[Flag, ...] = field(default_factory=tuple)

    @property
    def dv01(self) -> FloatArray:
        """Effective DV01 per holding, currency per bp."""
        return self.effective_duration * self.market_value * BP

    @property
    def spread_dv01(self) -> FloatArray:
        """Spread DV01 per holding, currency per bp of spread widening (positive = loses)."""
        return self.spread_duration * self.market_value * BP

    @property
    def dollar_convexity(self) -> FloatArray:
        """Dollar convexity per holding, currency per unit rate^2."""
        return self.effective_convexity * self.market_value

    def totals(self) -> dict[str, float]:
        """Market-value-weighted effective figures and summed DV01s of the portfolio."""
        mv = float(self.market_value.sum())
        return {
            "market_value": mv,
            "effective_duration": float(self.dv01.sum() / (mv * BP)),
            "effective_convexity": float(self.dollar_convexity.sum() / mv),
            "spread_duration": float(self.spread_dv01.sum() / (mv * BP)),
            "dv01": float(self.dv01.sum()),
            "spread_dv01": float(self.spread_dv01.sum()),
        }


def combine_risk(
    ids: Sequence[str],
    sectors: Sequence[str],
    computed: CurveRisk,
    supplied: SuppliedAnalytics,
    *,
    duration_tolerance: float = 0.25,
    krd_sum_tolerance: float = 0.01,
) -> HoldingRisk:
    """Merge computed and supplied analytics and flag inconsistencies.

    Parameters
    ----------
    ids, sectors
        Holding ids and sectors, in the order of ``computed``.
    computed
        Engine figures for every holding (bullet-equivalent).
    supplied
        Supplied figures (NaN where absent).
    duration_tolerance
        Years: supplied vs computed effective duration differences above this are flagged.
    krd_sum_tolerance
        Relative: a holding whose KRDs miss its effective duration by more is flagged.

    Returns
    -------
    HoldingRisk
        The figures used downstream, with provenance and flags.
    """
    n = len(ids)
    keys = computed.krd
    flags: list[Flag] = []
    sup_ed = supplied.effective_duration
    has_ed = np.isfinite(sup_ed)
    ed = np.where(has_ed, sup_ed, computed.effective_duration)
    cvx = np.where(
        np.isfinite(supplied.effective_convexity),
        supplied.effective_convexity,
        computed.effective_convexity,
    )
    sd = np.where(
        np.isfinite(supplied.spread_duration),
        supplied.spread_duration,
        np.where(has_ed, sup_ed, computed.spread_duration),
    )
    has_krd: BoolArray = np.asarray(np.isfinite(supplied.krd).any(axis=1))
    profile = computed.krd.krd
    total = profile.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(np.abs(total) > 0, profile / total, 0.0) * ed[:, None]
    krd = np.where(has_krd[:, None], np.nan_to_num(supplied.krd), scaled)

    any_supplied = supplied.has_any
    fully = has_ed & np.isfinite(supplied.effective_convexity)
    source = tuple(
        "computed" if not any_supplied[i] else ("supplied" if fully[i] else "mixed")
        for i in range(n)
    )

    gap = sup_ed - computed.effective_duration
    for i in np.flatnonzero(has_ed & (np.abs(gap) > duration_tolerance)).tolist():
        flags.append(
            Flag(
                "warn",
                "supplied_vs_computed_duration",
                f"supplied (OAS-based) effective duration {sup_ed[i]:.3f} differs from the "
                f"engine's bullet-equivalent {computed.effective_duration[i]:.3f} by "
                f"{gap[i]:+.3f} years (tolerance {duration_tolerance:g}); expected for MBS and "
                "callables, whose options shorten duration, otherwise check the source",
                ids[i],
            )
        )
    krd_sum = krd.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        miss = np.abs(krd_sum - ed) / np.maximum(np.abs(ed), 1e-12)
    for i in np.flatnonzero(miss > krd_sum_tolerance).tolist():
        flags.append(
            Flag(
                "warn",
                "krd_sum",
                f"KRDs sum to {krd_sum[i]:.4f} but effective duration is {ed[i]:.4f} "
                f"({100 * miss[i]:.2f}% apart, tolerance {100 * krd_sum_tolerance:g}%)",
                ids[i],
            )
        )
    return HoldingRisk(
        ids=tuple(ids),
        sectors=tuple(sectors),
        market_value=computed.market_value,
        effective_duration=ed,
        effective_convexity=cvx,
        spread_duration=sd,
        krd=KeyRateSensitivity(keys.tenors, keys.tenor_years, krd, computed.market_value),
        source=source,
        computed=computed,
        flags=tuple(flags),
    )


def _sector_masks(risk: HoldingRisk) -> list[tuple[str, np.ndarray]]:
    """Each sector present with its rows' mask: standard sectors first, others alphabetically."""
    sectors = np.array(risk.sectors, dtype=object)
    present = sorted(set(risk.sectors))
    order = [s for s in STANDARD_SECTORS if s in present] + [
        s for s in present if s not in STANDARD_SECTORS
    ]
    return [(sector, sectors == sector) for sector in order]


def _weight(risk: HoldingRisk, mask: np.ndarray, mv_total: float) -> float:
    """Market value weight of the rows ``mask`` (fraction of ``mv_total``)."""
    return float(risk.market_value[mask].sum() / mv_total)


def sector_weights(risk: HoldingRisk) -> dict[str, float]:
    """Market value weight by sector (fraction of MV), in :func:`sector_contributions`' order.

    The ``weight`` column of :func:`sector_contributions` (the same numbers) without building
    its DataFrame: the desk's hedge call needs only these.
    """
    mv_total = float(risk.market_value.sum())
    return {sector: _weight(risk, m, mv_total) for sector, m in _sector_masks(risk)}


def sector_contributions(risk: HoldingRisk) -> pd.DataFrame:
    """:func:`sector_rows` as a DataFrame (imports pandas)."""
    import pandas as pd

    return pd.DataFrame(sector_rows(risk))


def sector_rows(risk: HoldingRisk) -> list[dict[str, Any]]:
    """Market value weight and contributions to duration, DV01 and KRDs by sector.

    Returns
    -------
    list of dict
        One row per sector (standard sectors first, then others alphabetically): ``sector``,
        ``n_holdings``, ``market_value`` (currency), ``weight`` (fraction of MV),
        ``duration_contribution`` (years of portfolio effective duration),
        ``spread_duration_contribution`` (years), ``dv01`` (currency per bp), and ``krd_<tenor>``
        contributions (years). Contributions sum to the portfolio figures.
    """
    mv_total = float(risk.market_value.sum())
    rows: list[dict[str, Any]] = []
    krd_dv01 = risk.krd.krd_dv01
    for sector, m in _sector_masks(risk):
        row = {
            "sector": sector,
            "n_holdings": int(m.sum()),
            "market_value": float(risk.market_value[m].sum()),
            "weight": _weight(risk, m, mv_total),
            "duration_contribution": float(risk.dv01[m].sum() / (mv_total * BP)),
            "spread_duration_contribution": float(risk.spread_dv01[m].sum() / (mv_total * BP)),
            "dv01": float(risk.dv01[m].sum()),
        }
        for k, tenor in enumerate(risk.krd.tenors):
            row[f"krd_{tenor}"] = float(krd_dv01[m, k].sum() / (mv_total * BP))
        rows.append(row)
    return rows
