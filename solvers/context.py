"""Compiled numbers of one hedge problem, shared by terms, constraints and reports.

:class:`HedgeContext` turns the data contract (:mod:`hedge_planner.solvers.problem`) into
arrays (per-unit exposures, bounds in scaled lots, the covariance factor) and evaluates risk
at any quantities independently of every solver.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hedge_planner.models.array_memo import ArrayMemo
from hedge_planner.models.tracking_error import tracking_error
from hedge_planner.solvers.problem import (
    FactorRisk,
    HedgeInputError,
    Instrument,
    PortfolioRisk,
    checked_covariance,
    factor_covariance,
)

__all__ = ["HedgeContext", "RiskSummary"]


@dataclass
class RiskSummary:
    """Risk figures of a (pre- or post-hedge) book.

    dv01 currency/bp; duration years; krd_dv01 currency/bp per bucket; dollar_convexity
    currency per (unit rate)^2; convexity years^2; te currency/yr (the factor model's);
    te_bp bp/yr of MV;
    margin currency (hedge margin only).
    """

    dv01: float
    duration: float
    krd_dv01: np.ndarray
    dollar_convexity: float
    convexity: float
    te: float
    te_bp: float
    margin: float


#: Factorisations of the covariance and range bases of the exposures, by value.
_MEMO = ArrayMemo(16)


def _range_basis(m: np.ndarray) -> np.ndarray:
    """Orthonormal basis of ``m``'s range (SVD: robust when ``m`` is rank deficient)."""
    u, sv, _ = np.linalg.svd(m, full_matrices=False)
    return u[:, sv > 1e-12 * max(float(sv[0]) if sv.size else 0.0, 1e-300)]


class HedgeContext:
    """Compiled numbers shared by terms, constraints and reports.

    Parameters
    ----------
    portfolio : PortfolioRisk
        Pre-hedge risk and benchmark.
    instruments : sequence of Instrument
        Hedge universe; per-unit analytics.
    covariance : array_like, shape (n_b, n_b)
        Key-rate covariance, bp^2 per year.
    factor_risk : FactorRisk, optional
        Factor model the tracking error (and the KRD gap of the KRD tolerances) is measured
        with. Default: the key-rate model, factors = buckets, covariance ``covariance``,
        exposures = the book's KRD DV01 gap to the benchmark, loadings = the instruments'
        KRD DV01s.
    """

    def __init__(
        self,
        portfolio: PortfolioRisk,
        instruments: Sequence[Instrument],
        covariance: Any,
        factor_risk: FactorRisk | None = None,
    ) -> None:
        if len(instruments) == 0:
            raise HedgeInputError("instruments", "need at least one hedge instrument")
        names = [i.name for i in instruments]
        if len(set(names)) != len(names):
            raise HedgeInputError("instruments", f"names must be unique, got {names}")
        self.portfolio = portfolio
        self.instruments = tuple(instruments)
        self.names = names
        self.labels = list(portfolio.bucket_labels or ())
        self.n = len(instruments)
        self.n_b = portfolio.n_buckets
        for ins in instruments:
            if ins.krd_dv01.shape[0] != self.n_b:
                raise HedgeInputError(
                    f"instruments[{ins.name}].krd_dv01",
                    f"must have length {self.n_b}, got {ins.krd_dv01.shape[0]}",
                )
        self.mv = portfolio.market_value
        self.dv01_scale = portfolio.dv01_scale  # currency/bp per year of duration
        self.U = np.array([i.krd_dv01 for i in instruments])  # (n, n_b) currency/bp per unit
        self.dv01_unit = self.U.sum(axis=1)
        self.conv_unit = np.array([i.dollar_convexity for i in instruments])
        self.carry = np.array([i.carry for i in instruments])
        self.half_spread = np.array([i.half_spread for i in instruments])
        self.impact = np.array([i.impact for i in instruments])
        self.margin = np.array([i.margin for i in instruments])
        self.q0 = np.array([i.q0 for i in instruments])
        self.krd0 = portfolio.krd_dv01
        self.bench = np.asarray(portfolio.bench_krd_dv01)
        self.gap0 = self.krd0 - self.bench
        self.pre_dv01 = float(self.krd0.sum())
        self.pre_duration = self.pre_dv01 / self.dv01_scale
        self.pre_dollar_convexity = portfolio.dollar_convexity
        self.pre_convexity = portfolio.dollar_convexity / self.mv
        # one home for covariance checks (shape, finite, symmetric, PSD): models.covariance
        buckets = [f"key-rate bucket {k}" for k in range(self.n_b)]
        self.cov = checked_covariance(covariance, self.n_b, "covariance", buckets)
        self._set_factor_risk(factor_risk)
        # Memoised by value (read-only): the desk's books of one model share the factor model.
        fcov = self.fcov
        self.factor = _MEMO.get([fcov], lambda: factor_covariance(fcov), "factor")  # (n_f, r)
        self.factor_q = self.factor.T @ self.fload  # (r, n)
        self.factor_0 = self.factor.T @ self.fexp0  # (r,)
        self.scale = self._variable_scale()
        # Why: exposures F'g are ~1e4..1e8 currency*bp; solvers see them divided by this
        # scale (|.| ~ 1) so the Hessian is not ~1e-8 (HiGHS' QP mis-reads tiny curvature).
        fq = self.factor_q * self.scale
        self.factor_scale = max(
            1.0,
            float(np.max(np.abs(self.factor_0), initial=0.0)),
            float(np.max(np.abs(fq).sum(axis=1), initial=0.0)),
        )
        self.factor_row_scale = self._factor_row_scale(fq)
        self._reduce_factor_exposures()
        self.integer = np.array([i.integer for i in instruments], dtype=bool)
        lo = np.empty(self.n)
        hi = np.empty(self.n)
        for k, ins in enumerate(instruments):
            elo, ehi = ins.effective_bounds()
            lo[k], hi[k] = elo / self.scale[k], ehi / self.scale[k]
            if ins.integer:
                lo[k] = math.ceil(lo[k] - 1e-9) if math.isfinite(lo[k]) else lo[k]
                hi[k] = math.floor(hi[k] + 1e-9) if math.isfinite(hi[k]) else hi[k]
                if lo[k] > hi[k]:
                    raise HedgeInputError(
                        f"instruments[{ins.name}].lo/hi",
                        f"no whole lot of {ins.lot_size:g} fits in [{elo:g}, {ehi:g}]",
                    )
        self.x_lo, self.x_hi = lo, hi  # bounds in scaled units (lots)

    def _set_factor_risk(self, factor_risk: FactorRisk | None) -> None:
        """The factor model of the tracking error (default: the key-rate buckets) and its parts."""
        if factor_risk is None:
            factor_risk = FactorRisk(
                names=tuple(self.labels),
                covariance=self.cov,
                exposures=self.gap0,
                loadings=self.U.T,
                krd_rows=tuple(range(self.n_b)),
            )
        if factor_risk.loadings.shape[1] != self.n:
            raise HedgeInputError(
                "factor_risk.loadings", f"must have {self.n} columns (one per instrument)"
            )
        if len(factor_risk.krd_rows) != self.n_b:
            raise HedgeInputError("factor_risk.krd_rows", f"must name {self.n_b} rate factors")
        self.factor_risk = factor_risk
        self.fcov = factor_risk.covariance  # (n_f, n_f) bp^2/yr
        self.fexp0 = factor_risk.exposures  # a: (n_f,) currency/bp
        self.fload = factor_risk.loadings  # B: (n_f, n) currency/bp per unit
        rows = np.asarray(factor_risk.krd_rows, dtype=int)
        self.krd_gap0 = self.fexp0[rows]  # KRD DV01 gap in the TE's convention
        self.krd_unit = self.fload[rows].T  # (n, n_b)

    def _reduce_factor_exposures(self) -> None:
        """``||F'(a + B q)||^2 = ||c_r + F'B x||^2 + const``, ``x = q / scale``, ``c_r`` the part
        of ``c = F'a`` in the range of ``F'B``.

        Used by the tracking-error limit (:mod:`hedge_planner.solvers.te_limit`): exposures the
        instruments cannot move (sector spreads, swap-spread factors of a futures-only
        universe) are the constant; the limit is then a ball in the movable part, whose
        supporting cuts are tight. ``te_rows`` (r x n, per scaled lot), ``te_c``, ``te_const``
        (currency^2/yr); ``te_scale`` is a row normaliser.
        """
        m = self.factor_q * self.scale  # (r, n): exposures per scaled lot
        if m.shape[0] == 0:
            self.te_rows, self.te_c = np.zeros((0, self.n)), np.zeros(0)
            self.te_const, self.te_scale = float(self.factor_0 @ self.factor_0), 1.0
            return
        qm = _MEMO.get([m], lambda: _range_basis(m), "range")  # a structure's books share m
        c_par = qm @ (qm.T @ self.factor_0)
        c_perp = self.factor_0 - c_par
        if float(np.linalg.norm(c_perp)) <= 1e-9 * float(np.linalg.norm(self.factor_0)):
            c_par, c_perp = self.factor_0, np.zeros_like(self.factor_0)  # nothing to split
        self.te_rows = m  # rows of F'B (per scaled lot): the same model, only c is split
        self.te_c = c_par
        self.te_const = float(c_perp @ c_perp)
        self.te_scale = max(
            1.0,
            float(np.max(np.abs(c_par), initial=0.0)),
            float(np.max(np.abs(m).sum(axis=1), initial=0.0)),
        )

    def _factor_row_scale(self, fq: np.ndarray) -> np.ndarray:
        """Per-row normaliser of the factor exposures ``F'(a + B q)``, a power of two per row.

        Why: one scale for every row (:attr:`factor_scale`) is set by the largest row, the
        book's sector-spread exposure (~2.6e7 on the example); the rate rows' coefficients
        then fall to ~1e-5..1e-8 of it. With a CDX in the universe that row is hedged away
        and HiGHS' QP stopped "optimal" with a 9e-5 infeasibility on a 30y row (a "Solve
        error"; regularised solvers shifted the root bound by ~1e-3 relative). Each row
        divided by its own size (constant or movable part, whichever is larger) has O(1)
        coefficients; the curvature moves to the Hessian diagonal (``s_i^2``), where it
        belongs. Powers of two keep the rescaling exact.
        """
        size = np.maximum(np.abs(self.factor_0), np.abs(fq).sum(axis=1))
        out = np.ones(size.shape[0])
        ok = size > 0
        out[ok] = 2.0 ** np.round(np.log2(size[ok]))
        return out

    def _variable_scale(self) -> np.ndarray:
        """Units of q per internal variable: lot size for integer lots, else a power of 10.

        Why: swap notionals are ~1e8 with DV01 ~1e-4 per unit; rescaling to ~100 currency/bp
        per variable keeps the QP well conditioned. Powers of 10 keep scaling exact.
        """
        out = np.ones(self.n)
        for k, ins in enumerate(self.instruments):
            if ins.integer:
                out[k] = ins.lot_size
            elif ins.kind != "future":
                size = float(np.abs(ins.krd_dv01).sum())
                if size == 0.0:
                    # No rate risk (a CDX): its factor loadings (spread, basis) set the unit.
                    size = float(np.abs(self.fload[:, k]).sum())
                if size > 0:
                    out[k] = 10.0 ** round(math.log10(100.0 / size))
        return out

    # independent evaluations -------------------------------------------------------------
    def post_krd(self, q: np.ndarray) -> np.ndarray:
        """Post-hedge key-rate DV01, currency per bp."""
        return self.krd0 + self.U.T @ q

    def gap(self, q: np.ndarray) -> np.ndarray:
        """Post-hedge gap to benchmark, currency per bp."""
        return self.post_krd(q) - self.bench

    def exposure(self, q: np.ndarray) -> np.ndarray:
        """Post-hedge active factor exposures ``a + B q``, currency per bp."""
        return self.fexp0 + self.fload @ q

    def krd_gap(self, q: np.ndarray) -> np.ndarray:
        """Post-hedge KRD DV01 gap in the factor model's convention, currency per bp."""
        return self.krd_gap0 + self.krd_unit.T @ q

    def tracking_error(self, q: np.ndarray) -> float:
        """Post-hedge tracking error ``sqrt(e' S e)``, currency per year."""
        return tracking_error(self.exposure(q), self.fcov)[0]

    def te_bp(self, q: np.ndarray) -> float:
        """Post-hedge tracking error, bp per year of MV (:meth:`summary`'s ``te_bp``)."""
        return self.tracking_error(q) / self.mv * 1e4

    def post_dv01(self, q: np.ndarray) -> float:
        """Post-hedge DV01, currency per bp."""
        return float(self.post_krd(q).sum())

    def post_duration(self, q: np.ndarray) -> float:
        """Post-hedge duration, years (denominator = pre-hedge MV)."""
        return self.post_dv01(q) / self.dv01_scale

    def post_convexity(self, q: np.ndarray) -> float:
        """Post-hedge convexity, years^2."""
        return (self.pre_dollar_convexity + float(self.conv_unit @ q)) / self.mv

    def summary(self, q: np.ndarray) -> RiskSummary:
        """Risk summary at quantities ``q`` (zeros = pre-hedge)."""
        krd = self.post_krd(q)
        te = self.tracking_error(q)
        dc = self.pre_dollar_convexity + float(self.conv_unit @ q)
        return RiskSummary(
            dv01=float(krd.sum()),
            duration=float(krd.sum()) / self.dv01_scale,
            krd_dv01=krd,
            dollar_convexity=dc,
            convexity=dc / self.mv,
            te=te,
            te_bp=te / self.mv * 1e4,
            margin=float(self.margin @ np.abs(q)),
        )
