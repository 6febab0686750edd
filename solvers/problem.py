"""Data contract of the hedge optimiser: portfolio risk, hedge instruments, covariance.

Everything here is plain numbers computed elsewhere (instrument analytics live outside
``solvers``). Conventions, used throughout the package:

* ``krd_dv01``: currency P&L GAINED when a key rate FALLS 1 bp (positive for a long bond),
  i.e. ``-dPV/dr_k * 1e-4``; currency per bp. DV01 is the sum over buckets.
* Duration (years) = DV01 / (MV * 1e-4) with MV the portfolio market value; post-hedge
  duration keeps the same denominator (derivatives add DV01, never notional).
* Dollar convexity: ``d2PV/dy2`` in currency per (unit rate)^2; convexity in years^2 is
  dollar convexity / MV.
* Covariance of key-rate changes in bp^2 per year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
from hedge_planner.models.covariance import CovarianceError, validate_covariance_matrix
from hedge_planner.models.errors import HedgePlannerError
from hedge_planner.models.units import BP

__all__ = [
    "BP",
    "FEAS_ATOL",
    "FEAS_RTOL",
    "FactorRisk",
    "HedgeInputError",
    "Instrument",
    "PortfolioRisk",
    "factor_covariance",
]


#: Relative feasibility tolerance of a hard limit: a fraction of the limit's scale
#: ``max(|limit|, |value|)`` in the limit's own units.
FEAS_RTOL: float = 1e-8
#: Absolute floor of the feasibility tolerance, in years of duration equivalent (converted
#: to the limit's units with the limit's normalising weight: 1 year = MV * 1e-4 currency/bp
#: for DV01 limits, 1 year^2 for convexity, the budget for margin). Why 1e-8 and not less:
#: HiGHS meets its rows to ~1e-9 in its scaled units, and sweep points were refused for a
#: duration band missed by 1.6e-9 years (2e9 of book: 0.3 currency per bp of DV01).
FEAS_ATOL: float = 1e-8

Kind = Literal["future", "swap", "swaption", "future_option", "cap", "floor", "cdx"]
#: Kinds held in whole contracts; options are long-only unless told otherwise.
CONTRACT_KINDS = ("future", "future_option")
OPTION_KINDS = ("swaption", "future_option", "cap", "floor")
Direction = Literal["both", "long", "short"]


class HedgeInputError(HedgePlannerError, ValueError):
    """A structural input error; ``field`` names the offending input.

    Parameters
    ----------
    field : str
        Dotted name of the offending field, e.g. ``"limits.duration_band"``.
    message : str
        What is wrong with it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def _finite_vector(name: str, value: object, n: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite float vector (optionally of length ``n``) or raise."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1:
        raise HedgeInputError(name, f"must be a 1-D vector, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise HedgeInputError(name, f"must have length {n} (one per bucket), got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise HedgeInputError(name, "contains NaN or infinite values")
    return arr


def _finite_scalar(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise HedgeInputError(name, f"must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class PortfolioRisk:
    """Pre-hedge portfolio risk and the benchmark it is hedged towards.

    Parameters
    ----------
    market_value : float
        Portfolio market value MV, currency, > 0.
    krd_dv01 : array_like, shape (n_b,)
        Key-rate DV01 of the portfolio, currency per bp (gain when the rate falls).
    dollar_convexity : float
        Portfolio dollar convexity, currency per (unit rate)^2.
    bench_krd_dv01 : array_like, shape (n_b,), optional
        Benchmark key-rate DV01 target, currency per bp (benchmark KRD years * MV * 1e-4).
        Defaults to zeros (hedge the rate risk away).
    bucket_labels : tuple of str, optional
        Names of the key-rate buckets, used in reports. Defaults to ``"b0", "b1", ...``.
    """

    market_value: float
    krd_dv01: np.ndarray
    dollar_convexity: float = 0.0
    bench_krd_dv01: np.ndarray | None = None
    bucket_labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        mv = _finite_scalar("portfolio.market_value", self.market_value)
        if mv <= 0:
            raise HedgeInputError("portfolio.market_value", f"must be > 0, got {mv}")
        krd = _finite_vector("portfolio.krd_dv01", self.krd_dv01)
        n_b = krd.shape[0]
        if n_b == 0:
            raise HedgeInputError("portfolio.krd_dv01", "needs at least one bucket")
        bench = (
            np.zeros(n_b)
            if self.bench_krd_dv01 is None
            else _finite_vector("portfolio.bench_krd_dv01", self.bench_krd_dv01, n_b)
        )
        labels = (
            tuple(f"b{k}" for k in range(n_b))
            if self.bucket_labels is None
            else tuple(str(s) for s in self.bucket_labels)
        )
        if len(labels) != n_b:
            raise HedgeInputError(
                "portfolio.bucket_labels", f"must have {n_b} labels, got {len(labels)}"
            )
        object.__setattr__(self, "market_value", mv)
        object.__setattr__(self, "krd_dv01", krd)
        object.__setattr__(
            self,
            "dollar_convexity",
            _finite_scalar("portfolio.dollar_convexity", self.dollar_convexity),
        )
        object.__setattr__(self, "bench_krd_dv01", bench)
        object.__setattr__(self, "bucket_labels", labels)

    @property
    def n_buckets(self) -> int:
        """Number of key-rate buckets."""
        return int(self.krd_dv01.shape[0])

    @property
    def dv01_scale(self) -> float:
        """Currency per bp that one year of duration represents: ``MV * 1e-4``."""
        return self.market_value * BP


@dataclass(frozen=True)
class Instrument:
    """One hedge instrument; all analytics are PER UNIT.

    The unit is one futures contract (``kind="future"``) or one currency unit of notional
    (swaps, swaptions). Quantity ``q > 0`` is long futures / receive-fixed swap / long
    swaption.

    Parameters
    ----------
    name : str
        Unique identifier.
    kind : {"future", "swap", "swaption"}
        Instrument type.
    krd_dv01 : array_like, shape (n_b,)
        Key-rate DV01 per unit, currency per bp.
    dollar_convexity : float
        Dollar convexity per unit, currency per (unit rate)^2.
    carry : float
        Carry income over the horizon per unit held, currency (positive = earns).
    half_spread : float
        Half bid-ask slippage per unit traded, currency, >= 0.
    impact : float
        Quadratic market impact coefficient, currency per unit^2 traded, >= 0.
    margin : float
        Initial margin per unit of ``|q|``, currency, >= 0.
    lo, hi : float
        Position bounds, units (contracts or notional). Infinite = unbounded.
    direction : {"both", "long", "short"}, optional
        Allowed sign of the position. Default: "long" for swaptions, "both" otherwise.
    integer : bool, optional
        Integer quantities (in multiples of ``lot_size``). Default: True for futures.
    lot_size : float
        Size of one integer lot in units (e.g. 1e6 notional for swaps); > 0.
    q0 : float
        Current position, units; trades are ``q - q0``.
    min_trade : float
        Smallest trade, units (contracts / notional): a trade is 0 or at least this size;
        >= 0 (0: no minimum). See :mod:`hedge_planner.solvers.legs`.
    ticket_cost : float
        Fixed cost of trading this instrument at all, currency per leg; >= 0.
    """

    name: str
    kind: Kind
    krd_dv01: np.ndarray
    dollar_convexity: float = 0.0
    carry: float = 0.0
    half_spread: float = 0.0
    impact: float = 0.0
    margin: float = 0.0
    lo: float = -math.inf
    hi: float = math.inf
    direction: Direction | None = None
    integer: bool | None = None
    lot_size: float = 1.0
    q0: float = 0.0
    min_trade: float = 0.0
    ticket_cost: float = 0.0
    unit: str = field(init=False)

    def __post_init__(self) -> None:
        f = f"instruments[{self.name}]"
        if self.kind not in get_args(Kind):
            raise HedgeInputError(
                f"{f}.kind", f"must be one of {', '.join(get_args(Kind))}, got {self.kind!r}"
            )
        direction = self.direction
        if direction is None:
            direction = "long" if self.kind in OPTION_KINDS else "both"
        if direction not in ("both", "long", "short"):
            raise HedgeInputError(
                f"{f}.direction", f"must be 'both', 'long' or 'short', got {direction!r}"
            )
        integer = (self.kind in CONTRACT_KINDS) if self.integer is None else bool(self.integer)
        object.__setattr__(self, "direction", direction)
        object.__setattr__(self, "integer", integer)
        unit = "contracts" if self.kind in CONTRACT_KINDS else "notional"
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "krd_dv01", _finite_vector(f"{f}.krd_dv01", self.krd_dv01))
        for attr in ("dollar_convexity", "carry", "half_spread", "impact", "margin", "q0"):
            object.__setattr__(self, attr, _finite_scalar(f"{f}.{attr}", getattr(self, attr)))
        for attr in ("min_trade", "ticket_cost"):
            object.__setattr__(self, attr, _finite_scalar(f"{f}.{attr}", getattr(self, attr)))
        for attr in ("half_spread", "impact", "margin", "min_trade", "ticket_cost"):
            if getattr(self, attr) < 0:
                raise HedgeInputError(f"{f}.{attr}", f"must be >= 0, got {getattr(self, attr)}")
        lot = _finite_scalar(f"{f}.lot_size", self.lot_size)
        if lot <= 0:
            raise HedgeInputError(f"{f}.lot_size", f"must be > 0, got {lot}")
        object.__setattr__(self, "lot_size", lot)
        lo, hi = float(self.lo), float(self.hi)
        if math.isnan(lo) or math.isnan(hi):
            raise HedgeInputError(f"{f}.lo/hi", "bounds must not be NaN")
        if lo > hi:
            raise HedgeInputError(f"{f}.lo/hi", f"inverted bounds lo={lo} > hi={hi}")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        elo, ehi = self.effective_bounds()
        if elo > ehi:
            raise HedgeInputError(
                f"{f}.direction",
                f"direction {direction!r} leaves no admissible position within [{lo}, {hi}]",
            )

    def effective_bounds(self) -> tuple[float, float]:
        """Bounds intersected with the allowed direction, units (contracts / notional)."""
        lo, hi = self.lo, self.hi
        if self.direction == "long":
            lo = max(lo, 0.0)
        elif self.direction == "short":
            hi = min(hi, 0.0)
        return lo, hi


@dataclass(frozen=True)
class FactorRisk:
    """Factor model of the active book that the tracking error is measured with.

    The active exposure after the hedge is ``e(q) = exposures + loadings @ q`` (currency per
    bp per factor, gain when the factor falls) and the tracking error is
    ``sqrt(e' covariance e)`` currency per year.

    Parameters
    ----------
    names : tuple of str
        Factor names (``rate:<tenor>``, ``swap_spread``, ``spread:<sector>`` ...).
    covariance : array_like, shape (n_f, n_f)
        Covariance of factor moves, bp^2 per year (symmetric PSD).
    exposures : array_like, shape (n_f,)
        Active exposures of the book before any hedge position, currency per bp.
    loadings : array_like, shape (n_f, n_instruments)
        Exposure per unit of each instrument, currency per bp per unit.
    krd_rows : tuple of int
        Row of each key-rate bucket's factor, in bucket order: the KRD gap that
        :class:`~hedge_planner.solvers.terms.KRDTolerance` limits is
        ``(exposures + loadings @ q)[krd_rows]`` (the same convention as the tracking error).
    """

    names: tuple[str, ...]
    covariance: np.ndarray
    exposures: np.ndarray
    loadings: np.ndarray
    krd_rows: tuple[int, ...]

    def __post_init__(self) -> None:
        n_f = len(self.names)
        cov = checked_covariance(self.covariance, n_f, "factor_risk.covariance")
        a = _finite_vector("factor_risk.exposures", self.exposures, n_f)
        b = np.asarray(self.loadings, dtype=float)
        if b.ndim != 2 or b.shape[0] != n_f or not np.all(np.isfinite(b)):
            raise HedgeInputError("factor_risk.loadings", f"must be a finite ({n_f}, n) matrix")
        rows = tuple(int(r) for r in self.krd_rows)
        if any(not 0 <= r < n_f for r in rows):
            raise HedgeInputError("factor_risk.krd_rows", f"rows must be within 0..{n_f - 1}")
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "covariance", cov)
        object.__setattr__(self, "exposures", a)
        object.__setattr__(self, "loadings", b)
        object.__setattr__(self, "krd_rows", rows)


def checked_covariance(
    cov: object, n_b: int, name: str = "covariance", labels: list[str] | None = None
) -> np.ndarray:
    """A covariance checked by :func:`models.covariance.validate_covariance_matrix`.

    The one home of covariance validation is :mod:`hedge_planner.models.covariance`; this wrapper
    only reports its findings under the optimiser's own field ``name``.

    Parameters
    ----------
    cov : array_like, shape (n_b, n_b)
        Covariance of factor (key-rate) changes, bp^2 per year.
    n_b : int
        Number of rows and columns expected.
    name : str
        Field name used in error messages.
    labels : list of str, optional
        Names of the rows in error messages (default ``"<name> row k"``).

    Returns
    -------
    numpy.ndarray
        The covariance, symmetrised exactly.

    Raises
    ------
    HedgeInputError
        On wrong shape, NaN/inf, asymmetry or a materially negative eigenvalue.
    """
    names = labels if labels is not None else [f"{name} row {k}" for k in range(n_b)]
    try:
        return validate_covariance_matrix(np.asarray(cov, dtype=float), names)
    except CovarianceError as exc:
        raise HedgeInputError(name, str(exc)) from None


def factor_covariance(cov: np.ndarray) -> np.ndarray:
    """Factor a PSD covariance as ``cov = F @ F.T``.

    Parameters
    ----------
    cov : numpy.ndarray, shape (n_b, n_b)
        Validated covariance, bp^2 per year.

    Returns
    -------
    numpy.ndarray, shape (n_b, n_f)
        ``F`` in bp per sqrt(year); eigen-decomposition with negative round-off clipped and
        zero directions dropped (so ``n_f`` = numerical rank).
    """
    w, v = np.linalg.eigh(cov)
    # Why: tiny negative eigenvalues are round-off; dropping null directions keeps the QP small.
    keep = w > 1e-12 * max(float(w[-1]), 1e-300)
    return v[:, keep] * np.sqrt(w[keep])
