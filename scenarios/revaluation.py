"""Full revaluation of a bond book (and its hedges) under many scenarios in one batch.

Model
-----
Each bond is priced off the (Treasury) discount curve plus its constant z-spread ``z``, exactly as
in :mod:`models.risk`. A scenario ``s`` adds a continuously compounded zero-rate shift made of
key-rate tents (``B[s, k]`` at key tenor ``k``, decimal) and a spread shift ``ds[s, j]`` (decimal)
for the bond's sector ``j``::

    P_s = sum_f a_f DF(t_f) exp(-(shift_s(t_f) + z + ds[s, sector]) t_f)
    shift_s(t) = B[s, k] (1 - u) + B[s, k + 1] u          (tent coordinates of t, see
                                                           models.risk.tent_coordinates)

with ``a_f`` the flow per 100 face and ``t_f`` in years on the curve's ACT/365F axis. Prices are
dirty, per 100 face; P&L is in currency (``face / 100 * (P_s - P_0)``).

Why it is fast
--------------
The scenario factor ``exp(-(shift_s(t) + ds) t)`` depends on a flow only through its payment
time and its sector, and the bonds of a book pay on far fewer distinct dates than they have
flows (13,500 index-like bonds: ~725k flows, ~43k distinct (date, sector) pairs). The factors are
evaluated once per distinct pair and scenario, and the per-bond sums are one sparse product
``factors (S, U) @ W (U, n)`` where ``W[g, i]`` is the base present value of bond ``i``'s flow in
group ``g``. That is the exact full revaluation (no Taylor step), just without repeated work.
Scenarios are processed in chunks so memory stays ``O(chunk * (U + n))``.

Approximation from sensitivities
--------------------------------
Beside the full revaluation the module reports the second-order estimate from the curve risk of
:func:`models.risk.curve_risk` (effective KRDs ``KRD_k``, spread duration ``SD`` and effective
convexity ``C``, all in years / years^2)::

    dP/P ~ -sum_k KRD_k dr_k - SD ds + 1/2 C dy_eff^2
    dy_eff = (sum_k KRD_k dr_k) / (sum_k KRD_k) + ds

``dy_eff`` is the *duration-weighted average rate shift plus the spread shift*: the parallel move
with the same first-order effect on the bond. For a parallel shift ``h`` it is exactly ``h``, so
the estimate reduces to the classical ``-D h + C h^2 / 2`` and its error is ``O(h^3)``. Because a
continuous z-spread discounts exactly like a parallel zero-rate shift, ``C`` is also the
curvature with respect to the combined rate + spread move.

The book-level *parallel-equivalent* forms use one move for the whole book,
``dy_par = sum_i MV_i (sum_k KRD_ik dr_k + SD_i ds_i) / sum_i MV_i D_i``, in the plain
duration-only (``-MV D dy_par``) and duration + convexity (``+ MV C dy_par^2 / 2``) forms; for a
parallel rate shift without spread shifts ``dy_par`` is the shift itself.

Hedge instruments are revalued through :class:`ScenarioPricer` (full revaluation supplied by the
instrument) and approximated from their ``krd_dv01`` and ``dollar_convexity`` the same way.

Units: rates, shifts and spreads in decimals inside the arrays (``*_bp`` names are basis points),
prices per 100 face, market values and P&L in currency, "bp of MV" = P&L / book MV * 1e4.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import CurveRisk, tent_coordinates
from hedge_planner.models.units import BP
from hedge_planner.scenarios.approximation import (
    _effective_move,
    _rate_term,
    book_approximation,
    duration_approximation,
    duration_convexity_approximation,
    hedge_scenario_pnl,
)
from hedge_planner.scenarios.definitions import Scenario, ScenarioMatrices, scenario_matrices
from hedge_planner.scenarios.flow_groups import group_schedule
from hedge_planner.scenarios.pricer import ScenarioPricer

#: Default number of scenarios revalued together (bounds memory at ``chunk * (U + n)`` floats).
DEFAULT_CHUNK = 32


# --------------------------------------------------------------------------------------------
# The prepared book
# --------------------------------------------------------------------------------------------
def _sector_codes(sectors: Sequence[str | None] | None, n: int) -> tuple[tuple[str, ...], IntArray]:
    """Distinct normalised sector names and each bond's index into them (-1 = no sector)."""
    if sectors is None:
        return (), np.full(n, -1, dtype=np.int64)
    if len(sectors) != n:
        raise AnalyticsError(f"sectors must give one entry per bond ({n}), got {len(sectors)}")
    names: dict[str, int] = {}
    codes = np.full(n, -1, dtype=np.int64)
    for i, sector in enumerate(sectors):
        key = "" if sector is None else str(sector).strip().lower()
        if key:
            codes[i] = names.setdefault(key, len(names))
    return tuple(names), codes


@dataclass(frozen=True, eq=False)
class ScenarioBook:
    """A book's flows grouped for batched scenario revaluation (build once, run many times).

    Attributes
    ----------
    ids
        Holding identifiers, ``(n,)``.
    face
        Face held, currency, ``(n,)``.
    z_spread
        Z-spread per bond, decimal, continuous on ACT/365F, ``(n,)``.
    base_price
        Dirty price per 100 face on the unshifted curve plus z-spread, ``(n,)``.
    sectors
        Distinct (lower-case) sector names of the book.
    sector_code
        Index of each bond's sector in ``sectors``; -1 = no sector (never spread-shifted).
    group_times
        Payment time of each (time, sector) group, years from the valuation date, ``(U,)``.
    group_sector
        Sector code of each group, ``(U,)``.
    by_bond
        Sparse ``(n, U)`` CSR matrix: base present value per 100 face of bond ``i``'s flow in
        group ``g`` (flow x DF x exp(-z t)), one row per bond so a revaluation streams the book
        once per scenario chunk and writes each bond's prices in place.
    """

    ids: tuple[str, ...]
    face: FloatArray
    z_spread: FloatArray
    base_price: FloatArray
    sectors: tuple[str, ...]
    sector_code: IntArray
    group_times: FloatArray
    group_sector: IntArray
    by_bond: sp.csr_matrix

    @property
    def weights(self) -> sp.csc_matrix:
        """The ``(U, n)`` weights (group x bond), a transposed view of :attr:`by_bond`."""
        return self.by_bond.T

    @property
    def n_bonds(self) -> int:
        """Number of bonds."""
        return len(self.ids)

    @property
    def market_value(self) -> FloatArray:
        """Dirty market value of each position, currency."""
        return self.base_price / 100.0 * self.face

    @classmethod
    def from_flows(
        cls,
        bond: npt.ArrayLike,
        times: npt.ArrayLike,
        present_values: npt.ArrayLike,
        face: npt.ArrayLike,
        z_spread: npt.ArrayLike,
        *,
        ids: Sequence[str] | None = None,
        sectors: Sequence[str | None] | None = None,
    ) -> ScenarioBook:
        """Group flat flows by (payment time, sector).

        Parameters
        ----------
        bond
            Bond index of each flow, ``(N,)``.
        times
            Time of each flow from the valuation date, years (ACT/365F), ``(N,)``; the scenario
            shift at this time applies to the flow.
        present_values
            Base present value per 100 face of each flow (z-spread included), ``(N,)``.
        face
            Face per bond, currency, ``(n,)``.
        z_spread
            Z-spread per bond, decimal (kept for reporting), ``(n,)``.
        ids
            Holding identifiers (default ``"0"``, ``"1"``, ...).
        sectors
            Sector name per bond (None/empty = no sector).
        """
        face = np.asarray(face, dtype=np.float64)
        n = face.size
        bond_idx = np.asarray(bond, dtype=np.int64)
        t = np.asarray(times, dtype=np.float64)
        pv = np.asarray(present_values, dtype=np.float64)
        if not (bond_idx.shape == t.shape == pv.shape) or bond_idx.ndim != 1:
            raise AnalyticsError("bond, times and present_values must be 1-D of equal length")
        if np.any(t < 0) or not np.all(np.isfinite(t)) or not np.all(np.isfinite(pv)):
            raise AnalyticsError("flow times must be finite and >= 0, present values finite")
        names, codes = _sector_codes(sectors, n)
        # Group by exact time (times come from integer day counts / 365, so equal dates give
        # bit-identical floats) and sector: the scenario factor is shared within a group.
        utimes, tinv = np.unique(t, return_inverse=True)
        width = len(names) + 1
        key = tinv.astype(np.int64) * width + (codes[bond_idx] + 1)
        ukey, ginv = np.unique(key, return_inverse=True)
        by_bond = sp.csr_matrix((pv, (bond_idx, ginv)), shape=(n, ukey.size))
        by_bond.sum_duplicates()
        z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (n,)).copy()
        return cls(
            ids=tuple(ids) if ids is not None else tuple(str(i) for i in range(n)),
            face=face.copy(),
            z_spread=z,
            base_price=np.bincount(bond_idx, weights=pv, minlength=n).astype(np.float64),
            sectors=names,
            sector_code=codes,
            group_times=utimes[ukey // width],
            group_sector=(ukey % width - 1).astype(np.int64),
            by_bond=by_bond,
        )

    @classmethod
    def from_schedule(
        cls,
        sched: CashflowSchedule,
        face: npt.ArrayLike,
        curve: YieldCurve,
        z_spread: npt.ArrayLike,
        *,
        ids: Sequence[str] | None = None,
        sectors: Sequence[str | None] | None = None,
    ) -> ScenarioBook:
        """Prepare a book priced off ``curve`` (anchored on the settlement date) plus z-spreads.

        Parameters
        ----------
        sched
            Cash-flow schedule of the book (:func:`models.bonds.build_schedule`).
        face
            Face per position, currency.
        curve
            Discount curve anchored on ``sched.settle``.
        z_spread
            Z-spread per bond, decimal (e.g. ``CurveRisk.z_spread``).
        ids, sectors
            See :meth:`from_flows`.
        """
        if sched.settle != curve.anchor:
            raise AnalyticsError(
                "scenario revaluation needs the curve anchored on the settlement date "
                f"(curve {curve.anchor}, settlement {sched.settle})"
            )
        n = sched.n_bonds
        z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (n,)).copy()
        face = np.broadcast_to(np.asarray(face, dtype=np.float64), (n,)).copy()
        names, codes = _sector_codes(sectors, n)
        grouped = group_schedule(sched, curve, z, codes, len(names) + 1)
        return cls(
            ids=tuple(ids) if ids is not None else tuple(str(i) for i in range(n)),
            face=face,
            z_spread=z,
            base_price=grouped.base_price,
            sectors=names,
            sector_code=codes,
            group_times=grouped.group_times,
            group_sector=grouped.group_sector,
            by_bond=grouped.by_bond,
        )

    def spread_columns(self, scenario_sectors: Sequence[str]) -> IntArray:
        """Column of each book sector in a scenario spread matrix (-1 = not shifted)."""
        cols = {str(s).strip().lower(): j for j, s in enumerate(scenario_sectors)}
        return np.array([cols.get(name, -1) for name in self.sectors], dtype=np.int64)

    def prices(
        self,
        key_years: npt.ArrayLike,
        rate_shifts: npt.ArrayLike,
        spread_shifts: npt.ArrayLike | None = None,
        spread_sectors: Sequence[str] = (),
        *,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> FloatArray:
        """Dirty prices per 100 face under each scenario (full revaluation).

        Parameters
        ----------
        key_years
            Key tenors, years, strictly increasing, ``(K,)``.
        rate_shifts
            Zero-rate tent shifts, decimal, ``(S, K)``.
        spread_shifts
            Spread shifts, decimal, ``(S, J)`` aligned with ``spread_sectors``; a book sector
            not among them (or a bond without sector) is not spread-shifted.
        spread_sectors
            Sector names of the spread columns.
        chunk_size
            Scenarios revalued together.

        Returns
        -------
        numpy.ndarray
            ``(S, n)`` dirty prices per 100 face.
        """
        keys = np.asarray(key_years, dtype=np.float64)
        if keys.ndim != 1 or keys.size == 0 or np.any(np.diff(keys) <= 0):
            raise AnalyticsError("key_years must be a strictly increasing 1-D array")
        shifts = np.atleast_2d(np.asarray(rate_shifts, dtype=np.float64))
        if shifts.ndim != 2 or shifts.shape[1] != keys.size:
            raise AnalyticsError(f"rate_shifts must have shape (S, {keys.size})")
        n_s = shifts.shape[0]
        if spread_shifts is None:
            spreads = np.zeros((n_s, 0))
        else:
            spreads = np.atleast_2d(np.asarray(spread_shifts, dtype=np.float64))
            if spreads.shape != (n_s, len(spread_sectors)):
                raise AnalyticsError(
                    f"spread_shifts must have shape ({n_s}, {len(spread_sectors)}) to match "
                    "spread_sectors"
                )
        if not (np.all(np.isfinite(shifts)) and np.all(np.isfinite(spreads))):
            raise AnalyticsError("scenario shifts must be finite")
        if chunk_size < 1:
            raise AnalyticsError("chunk_size must be >= 1")

        # Spread column of each group: book sector -> scenario column, then a leading zero
        # column so "no sector" and "sector not in the scenarios" read a 0 shift (a trailing
        # -1 entry serves code -1, so an empty book sector list works too).
        lookup = np.append(self.spread_columns(spread_sectors), -1)
        group_col = lookup[self.group_sector]
        padded = np.hstack([np.zeros((n_s, 1)), spreads])
        k, u = tent_coordinates(self.group_times, keys)
        k1 = np.minimum(k + 1, keys.size - 1)
        # Group-major (U, c) factors: per flow the product reads one row of c factors and adds
        # to its bond's c prices in place (the book streamed once per chunk, no scattered writes).
        t = self.group_times[:, None]
        w_left, w_right, col = (1.0 - u)[:, None], u[:, None], group_col + 1
        out = np.empty((n_s, self.n_bonds))
        for lo in range(0, n_s, chunk_size):
            b = shifts[lo : lo + chunk_size].T
            expo = b[k]  # b[k] w_left + b[k1] w_right + spread, in place (one temporary)
            expo *= w_left
            right = b[k1]
            right *= w_right
            expo += right
            expo += padded[lo : lo + chunk_size].T[col]
            expo *= -t
            np.exp(expo, out=expo)
            # (n, U) sparse @ (U, c) dense: the per-bond sums of factor x base PV.
            out[lo : lo + chunk_size] = (self.by_bond @ expo).T
        return out


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
def _money(value: float, market_value: float) -> dict[str, float]:
    return {"currency": float(value), "bp_of_mv": float(value / market_value / BP)}


@dataclass(frozen=True)
class ScenarioResult:
    """Scenario P&L of a book, its hedges and the hedged total.

    Attributes
    ----------
    names
        Scenario names, ``(S,)``.
    key_tenors
        Key tenor labels (columns of ``rate_shifts_bp``).
    sectors
        Sector names (columns of ``spread_shifts_bp``).
    rate_shifts_bp
        Key-rate shifts, bp, ``(S, K)``.
    spread_shifts_bp
        Spread shifts, bp, ``(S, J)`` (positive widens).
    market_value
        Book dirty market value, currency: the denominator of every "bp of MV" figure
        (hedges may be worth ~0, e.g. futures, so they are not in it).
    hedge_value
        Base value of the hedge positions, currency (``sum_i q_i base_value_i``).
    unhedged_pnl, hedge_pnl, hedged_pnl
        Full-revaluation P&L, currency, ``(S,)``; ``hedged = unhedged + hedge`` exactly.
    approx_unhedged_pnl, approx_hedge_pnl, approx_pnl
        Second-order (KRD + spread duration + convexity) estimates, currency, ``(S,)``;
        ``approx_pnl`` is the hedged total.
    duration_only_pnl, duration_convexity_pnl
        Book-level parallel-equivalent estimates of the unhedged P&L, currency, ``(S,)``.
    parallel_equivalent_bp
        The book's parallel-equivalent move used by those two forms, bp, ``(S,)``.
    holding_ids
        Holding identifiers (columns of ``holding_pnl``).
    holding_pnl
        Full-revaluation P&L per scenario and holding, currency, ``(S, n)``, when requested.
    price_return, total_return
        Horizon returns (decimal fraction of ``market_value``), filled by
        :func:`scenarios.horizon.apply_horizon`; ``None`` before that.
    """

    names: tuple[str, ...]
    key_tenors: tuple[str, ...]
    sectors: tuple[str, ...]
    rate_shifts_bp: FloatArray
    spread_shifts_bp: FloatArray
    market_value: float
    hedge_value: float
    unhedged_pnl: FloatArray
    hedge_pnl: FloatArray
    hedged_pnl: FloatArray
    approx_unhedged_pnl: FloatArray
    approx_hedge_pnl: FloatArray
    approx_pnl: FloatArray
    duration_only_pnl: FloatArray
    duration_convexity_pnl: FloatArray
    parallel_equivalent_bp: FloatArray
    holding_ids: tuple[str, ...] = ()
    holding_pnl: FloatArray | None = None
    price_return: FloatArray | None = None
    total_return: FloatArray | None = None

    @property
    def approx_error(self) -> FloatArray:
        """Approximate minus full hedged P&L, currency, ``(S,)``."""
        return self.approx_pnl - self.hedged_pnl

    @property
    def approx_unhedged_error(self) -> FloatArray:
        """Approximate minus full unhedged P&L, currency, ``(S,)``."""
        return self.approx_unhedged_pnl - self.unhedged_pnl

    def bp_of_mv(self, values: npt.ArrayLike) -> FloatArray:
        """Convert currency amounts to bp of the book's market value."""
        return np.asarray(values, dtype=np.float64) / self.market_value / BP

    def with_returns(
        self, price_return: npt.ArrayLike, total_return: npt.ArrayLike | None
    ) -> ScenarioResult:
        """Copy with horizon price/total returns (decimal, ``(S,)``) filled in."""
        pr = np.asarray(price_return, dtype=np.float64)
        tr = None if total_return is None else np.asarray(total_return, dtype=np.float64)
        if pr.shape != (len(self.names),) or (tr is not None and tr.shape != pr.shape):
            raise AnalyticsError("returns must have one entry per scenario")
        return dataclasses.replace(self, price_return=pr, total_return=tr)

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-friendly rows, one per scenario.

        Keys: ``name``; ``shifts`` ``{tenor: bp}``; ``spread_shifts`` ``{sector: bp}``;
        ``unhedged_pnl``, ``hedge_pnl``, ``hedged_pnl``, ``approx_pnl`` (hedged total) and
        ``approx_error`` (approx - full, hedged) each as ``{"currency", "bp_of_mv"}``;
        ``price_return`` (decimal; the instantaneous ``hedged_pnl / market_value`` unless a
        horizon analysis filled it) and ``total_return`` (decimal, ``None`` without a horizon).
        """
        mv = self.market_value
        price_ret = self.hedged_pnl / mv if self.price_return is None else self.price_return
        rows = []
        for s, name in enumerate(self.names):
            rows.append(
                {
                    "name": name,
                    "shifts": {
                        t: float(v)
                        for t, v in zip(self.key_tenors, self.rate_shifts_bp[s], strict=True)
                    },
                    "spread_shifts": {
                        c: float(v)
                        for c, v in zip(self.sectors, self.spread_shifts_bp[s], strict=True)
                    },
                    "unhedged_pnl": _money(self.unhedged_pnl[s], mv),
                    "hedge_pnl": _money(self.hedge_pnl[s], mv),
                    "hedged_pnl": _money(self.hedged_pnl[s], mv),
                    "approx_pnl": _money(self.approx_pnl[s], mv),
                    "approx_error": _money(self.approx_error[s], mv),
                    "price_return": float(price_ret[s]),
                    "total_return": (
                        None if self.total_return is None else float(self.total_return[s])
                    ),
                }
            )
        return rows


def as_matrices(scenarios: ScenarioMatrices | Sequence[Scenario]) -> ScenarioMatrices:
    """Accept either stacked matrices or a list of :class:`~scenarios.definitions.Scenario`."""
    if isinstance(scenarios, ScenarioMatrices):
        return scenarios
    return scenario_matrices(list(scenarios))


def key_years_of(labels: Sequence[str]) -> FloatArray:
    """Years of key tenor labels (``"6m"`` -> 0.5)."""
    return np.array([tenor_years(label) for label in labels], dtype=np.float64)


def holding_spread_shifts(book: ScenarioBook, matrices: ScenarioMatrices) -> FloatArray:
    """Spread shift (decimal) applying to each holding under each scenario, ``(S, n)``."""
    bond_col = np.append(book.spread_columns(matrices.sectors), -1)[book.sector_code]
    padded = np.hstack([np.zeros((matrices.rate_shifts.shape[0], 1)), matrices.spread_shifts])
    return padded[:, bond_col + 1]


def revalue_scenarios(
    book: ScenarioBook,
    scenarios: ScenarioMatrices | Sequence[Scenario],
    risk: CurveRisk,
    hedges: Sequence[ScenarioPricer] = (),
    quantities: npt.ArrayLike | None = None,
    *,
    per_holding: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> ScenarioResult:
    """Full revaluation of the book and hedges under every scenario, with the approximations.

    Parameters
    ----------
    book
        Prepared book (:meth:`ScenarioBook.from_schedule`).
    scenarios
        Scenario matrices (rate shifts ``(S, K)`` and spread shifts ``(S, J)``, decimal) or
        scenario objects sharing key tenors.
    risk
        Curve risk of the same holdings (:func:`models.risk.curve_risk`) with KRDs on the
        scenarios' key tenors: the sensitivities of the approximation.
    hedges
        Hedge instruments (:class:`ScenarioPricer`).
    quantities
        Units held of each hedge (negative = short), ``(H,)``.
    per_holding
        Keep the ``(S, n)`` full-revaluation P&L per holding.
    chunk_size
        Scenarios revalued together (memory ~ ``chunk * (U + n)`` floats).

    Returns
    -------
    ScenarioResult
        P&L in currency (and bp of the book's market value via :meth:`ScenarioResult.to_records`).

    Raises
    ------
    AnalyticsError
        Mismatched key tenors, risk of other holdings, or hedge/quantity mismatches.
    """
    mats = as_matrices(scenarios)
    keys = key_years_of(mats.key_tenors)
    shifts = np.asarray(mats.rate_shifts, dtype=np.float64)
    if risk.krd.krd.shape != (book.n_bonds, keys.size) or not np.allclose(
        risk.krd.tenor_years, keys
    ):
        raise AnalyticsError(
            f"risk KRDs are on tenors {list(risk.krd.tenors)}, scenarios on "
            f"{list(mats.key_tenors)} (and must cover the book's {book.n_bonds} holdings)"
        )
    if not np.allclose(risk.dirty_price, book.base_price, rtol=1e-9, atol=1e-9):
        raise AnalyticsError("risk and book disagree on base prices: not the same holdings")
    quantities = np.zeros(0) if quantities is None else quantities

    prices = book.prices(keys, shifts, mats.spread_shifts, mats.sectors, chunk_size=chunk_size)
    holding = (prices - book.base_price) * (book.face / 100.0)
    unhedged = holding.sum(axis=1)
    spread_by_holding = holding_spread_shifts(book, mats)
    approx_holding = book_approximation(risk, shifts, spread_by_holding)
    approx_unhedged = approx_holding.sum(axis=1)

    hedge_full, hedge_approx = hedge_scenario_pnl(hedges, quantities, keys, shifts)
    hedge_pnl = hedge_full.sum(axis=1)
    q = np.asarray(quantities, dtype=np.float64).reshape(-1)
    hedge_value = float(sum(q[i] * float(h.base_value()) for i, h in enumerate(hedges)))

    # Parallel-equivalent forms for the book: the move whose duration-only P&L equals the
    # first-order KRD + spread-duration P&L, then the classical D and D + C estimates with it.
    mv = risk.market_value
    total_mv = float(mv.sum())
    if total_mv == 0.0:
        raise AnalyticsError("book market value is zero: bp of MV is undefined")
    dollar_dur = float((mv * risk.effective_duration).sum())
    first = (_rate_term(risk.krd.krd, shifts) + risk.spread_duration * spread_by_holding) @ mv
    dy_par = _effective_move(first, np.full(first.shape, dollar_dur), shifts.mean(axis=1))
    book_dur = dollar_dur / total_mv
    book_cvx = float((mv * risk.effective_convexity).sum()) / total_mv
    return ScenarioResult(
        names=tuple(mats.names),
        key_tenors=tuple(mats.key_tenors),
        sectors=tuple(mats.sectors),
        rate_shifts_bp=shifts / BP,
        spread_shifts_bp=np.asarray(mats.spread_shifts, dtype=np.float64) / BP,
        market_value=float(book.market_value.sum()),
        hedge_value=hedge_value,
        unhedged_pnl=unhedged,
        hedge_pnl=hedge_pnl,
        hedged_pnl=unhedged + hedge_pnl,
        approx_unhedged_pnl=approx_unhedged,
        approx_hedge_pnl=hedge_approx.sum(axis=1),
        approx_pnl=approx_unhedged + hedge_approx.sum(axis=1),
        duration_only_pnl=duration_approximation(total_mv, book_dur, dy_par),
        duration_convexity_pnl=duration_convexity_approximation(
            total_mv, book_dur, book_cvx, dy_par
        ),
        parallel_equivalent_bp=dy_par / BP,
        holding_ids=book.ids if per_holding else (),
        holding_pnl=holding if per_holding else None,
    )
