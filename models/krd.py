"""Key rate durations in stated conventions: zero or par basis, compounding, shift, price basis.

Two conventions are in use in the industry and they give different numbers for the same bond:

* **Zero KRDs** (the engine's default, and e.g. a published toolbox's ``krdur``-style figure): the
  curve's zero rates are shifted by a tent at one key tenor (1 at the key, 0 at the neighbouring
  keys, flat beyond the first and last key), the book is repriced at unchanged spread, and
  ``KRD_k = (P(-h e_k) - P(+h e_k)) / (2 h P_ref)``. The zero rate shifted can be the continuously
  compounded one or one compounded ``m`` times a year.
* **Par KRDs** (index providers' convention): the same tent is applied to the curve's **par
  yields** at their own tenors, the curve is bootstrapped again from the shifted quotes, and the
  book is repriced. A par bond maturing exactly on a key tenor then has its whole par KRD in that
  tenor (its own quote is the only one that moves its price).

Both sum, up to O(h^2), to the effective duration of the matching parallel shift (zero or par).
``P_ref`` is the dirty price (``price_basis="full"``) or the clean price (``"clean"``).

Conversion between the bases for a whole book (a benchmark profile, supplied KRDs) uses a linear
map through the zero tents (see :class:`KrdBasisMap`): it round-trips to rounding, and it is a
first-order approximation of a full par revaluation, because nine zero KRDs do not tell where
between two keys a book's flows sit while a par tent moves zero rates unevenly between keys.
Holdings are therefore always measured in both bases by revaluation; the map serves only inputs
that come as one vector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import BondBook, CashflowSchedule, build_schedule
from hedge_planner.models.bootstrap import bootstrap_sofr_ois, bootstrap_treasury_par, tenor_years
from hedge_planner.models.curves import Interpolation, YieldCurve
from hedge_planner.models.dates import add_months, is_end_of_month
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import tent_coordinates
from hedge_planner.models.tents import tent_weights
from hedge_planner.models.units import BP
from pydantic import BaseModel, ConfigDict, Field

RateBasis = Literal["zero", "par"]
KrdCompounding = Literal["continuous", "annual", "semiannual", "quarterly", "monthly"]
PriceBasis = Literal["full", "clean"]
#: Periods per year of each discrete compounding.
PERIODS_PER_YEAR: dict[str, int] = {"annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}
#: Largest shift accepted, bp: beyond it a "duration" is a scenario, not a sensitivity.
MAX_SHIFT_BP = 100.0


@dataclass(frozen=True)
class KrdConvention:
    """How a key-rate-duration vector was (or is to be) measured.

    Attributes
    ----------
    rate_basis
        ``"zero"``: tent shifts of zero rates; ``"par"``: tent shifts of the curve's par yields
        with the curve bootstrapped again.
    compounding
        For ``zero``: the compounding of the zero rate that is shifted (``continuous`` or
        ``m`` times a year). For ``par``: the quote convention of the par yields (US Treasury
        par yields are semiannual bond-equivalent, SOFR OIS par rates annual).
    shift_bp
        Size of the up and down shifts, bp (central difference).
    price_basis
        ``"full"`` (dirty price, the default) or ``"clean"`` as the denominator.
    shape
        Shift shape; ``"tent"`` on the key tenors is the one in use.
    """

    rate_basis: RateBasis = "zero"
    compounding: KrdCompounding = "continuous"
    shift_bp: float = 1.0
    price_basis: PriceBasis = "full"
    shape: Literal["tent"] = "tent"

    def __post_init__(self) -> None:
        if self.rate_basis not in ("zero", "par"):
            raise ValueError(f"rate_basis must be 'zero' or 'par', got {self.rate_basis!r}")
        if self.compounding != "continuous" and self.compounding not in PERIODS_PER_YEAR:
            raise ValueError(f"unknown compounding {self.compounding!r}")
        if self.rate_basis == "par" and self.compounding == "continuous":
            raise ValueError("par yields are quoted with a frequency, not continuously")
        if not (np.isfinite(self.shift_bp) and 0.0 < self.shift_bp <= MAX_SHIFT_BP):
            raise ValueError(f"shift_bp must be in (0, {MAX_SHIFT_BP:g}] bp, got {self.shift_bp}")
        if self.price_basis not in ("full", "clean"):
            raise ValueError(f"price_basis must be 'full' or 'clean', got {self.price_basis!r}")

    @property
    def shift(self) -> float:
        """Shift as a decimal rate."""
        return self.shift_bp * BP

    def label(self) -> str:
        """Human-readable description, e.g. ``par yields (semiannual), tent, 1 bp, full price``."""
        rate = "zero rates" if self.rate_basis == "zero" else "par yields"
        return (
            f"{rate} ({self.compounding}), {self.shape}, {self.shift_bp:g} bp, "
            f"{self.price_basis} price"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON form: rate basis, compounding, shift size in bp, price basis, shape."""
        return asdict(self)

    def same_measure(self, other: KrdConvention) -> bool:
        """True when two vectors in these conventions can be compared without conversion."""
        return (self.rate_basis, self.compounding, self.price_basis) == (
            other.rate_basis,
            other.compounding,
            other.price_basis,
        )


#: The engine's default: continuously compounded zero rates, 1 bp, full price.
ZERO_CONTINUOUS = KrdConvention()
#: Index providers' convention on the Treasury curve: semiannual par yields, 1 bp, full price.
PAR_TREASURY = KrdConvention("par", "semiannual")
#: The two vectors every holding and portfolio carries (``krd`` and ``krd_par``), as JSON.
KRD_CONVENTIONS: dict[str, dict[str, Any]] = {
    "krd": ZERO_CONTINUOUS.as_dict(),
    "krd_par": PAR_TREASURY.as_dict(),
}


# --------------------------------------------------------------------------------------------
# par curve inputs (quotes that can be shifted and bootstrapped again)
# --------------------------------------------------------------------------------------------
#: Bootstrapped curves one :class:`ParQuotes` keeps (par KRDs need 2 per key tenor + 2).
_MAX_CACHED_CURVES = 256


@dataclass(frozen=True)
class ParQuotes:
    """Par quotes a curve is bootstrapped from, kept so that they can be shifted and rebuilt.

    Attributes
    ----------
    anchor
        Curve date (day serial).
    tenors
        Quote tenor labels, strictly increasing.
    rates
        Par yields / par swap rates, decimal.
    interpolation
        Curve interpolation.
    kind
        ``"treasury"`` (bills and semiannual par bonds) or ``"sofr"`` (annual OIS swaps).
    """

    anchor: int
    tenors: tuple[str, ...]
    rates: FloatArray
    interpolation: Interpolation = "log_linear_df"
    kind: Literal["treasury", "sofr"] = "treasury"
    #: The curve itself when it was not bootstrapped from these quotes (bonds, zero rates,
    #: discount factors, a fit): the quotes are then read off it, see :meth:`build`.
    base: YieldCurve | None = field(default=None, compare=False)
    tenor_years: FloatArray = field(init=False)
    #: Curves already bootstrapped, by the exact bytes of their (bumped) quotes: the par KRDs
    #: of the holdings and the par basis map bootstrap the same bumped quotes.
    _built: dict[bytes, YieldCurve] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenor_years", np.array([tenor_years(t) for t in self.tenors]))

    def build(self, bumps: npt.ArrayLike | None = None) -> YieldCurve:
        """The curve bootstrapped from the quotes plus ``bumps`` (decimal, one per quote).

        With a ``base`` curve, no bumps give ``base`` itself and bumps move it by the change of
        the bootstrapped curve: ``DF = DF_base * DF_boot(bumped) / DF_boot(quotes)`` on the union
        of the nodes (exact between nodes for log-linear discount factors).
        """
        rates = self.rates if bumps is None else self.rates + np.asarray(bumps, dtype=np.float64)
        if self.base is None:
            return self._bootstrap(rates)
        if bumps is None:
            return self.base
        moved = self._bootstrap(rates)
        ref = self._bootstrap(self.rates)
        grid = np.union1d(self.base.node_times, moved.node_times)
        df = self.base.discount(grid) * moved.discount(grid) / ref.discount(grid)
        return YieldCurve(self.anchor, grid, df, self.base.interpolation)  # type: ignore[arg-type]

    def _bootstrap(self, rates: FloatArray) -> YieldCurve:
        """The curve bootstrapped from ``rates`` (cached: a curve is immutable)."""
        key = np.ascontiguousarray(rates, dtype=np.float64).tobytes()
        curve = self._built.get(key)
        if curve is None:
            boot = bootstrap_treasury_par if self.kind == "treasury" else bootstrap_sofr_ois
            curve = boot(self.anchor, list(self.tenors), rates, self.interpolation)
            if len(self._built) >= _MAX_CACHED_CURVES:
                self._built.clear()
            self._built[key] = curve
        return curve

    def key_tents(self, key_years: npt.ArrayLike) -> FloatArray:
        """Tent weight of each key at each quote tenor, shape ``(n_keys, n_quotes)``."""
        return tent_weights(self.tenor_years, key_years)


# --------------------------------------------------------------------------------------------
# zero-basis KRDs under any compounding
# --------------------------------------------------------------------------------------------
def _reference_price(sched: CashflowSchedule, dirty: FloatArray, basis: PriceBasis) -> FloatArray:
    ref = dirty if basis == "full" else dirty - sched.accrued
    if np.any(ref <= 0.0):
        raise AnalyticsError("the clean price must be positive to serve as a KRD denominator")
    return ref


def zero_krd(
    sched: CashflowSchedule,
    curve: YieldCurve,
    z_spread: npt.ArrayLike,
    key_years: npt.ArrayLike,
    convention: KrdConvention = ZERO_CONTINUOUS,
) -> FloatArray:
    """Zero-basis key rate durations of every bond, years, shape ``(n_bonds, n_keys)``.

    Each flow at time ``t`` (ACT/365F from the curve's anchor) is discounted by
    ``DF(t) exp(-z t)``. The shifted zero rate ``r`` is the continuous one or
    ``r_m = m (exp(z_c / m) - 1)``; a tent bump ``+/- h w_k(t)`` of ``r_m`` changes the continuous
    rate to ``m ln(1 + (r_m +/- h w_k) / m)``. Every bumped price is an exact revaluation; because a
    tent touches at most two keys per flow the whole book costs O(flows).
    """
    if convention.rate_basis != "zero":
        raise ValueError("zero_krd computes zero-basis KRDs; use par_krd for the par basis")
    keys = np.asarray(key_years, dtype=np.float64)
    t = np.asarray(curve.time(sched.pay_dates), dtype=np.float64)
    z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (sched.n_bonds,))
    v = sched.amounts * curve.discount(t) * np.exp(-z[sched.bond] * t)
    h = convention.shift
    if convention.compounding == "continuous":

        def down_minus_up(w: FloatArray) -> FloatArray:
            return 2.0 * v * np.sinh(h * w * t)

    else:
        m = float(PERIODS_PER_YEAR[convention.compounding])
        zc = curve.zero_rate(t)
        rm = m * np.expm1(zc / m)

        def down_minus_up(w: FloatArray) -> FloatArray:
            dz_dn = m * np.log1p((rm - h * w) / m) - zc
            dz_up = m * np.log1p((rm + h * w) / m) - zc
            return v * (np.exp(-dz_dn * t) - np.exp(-dz_up * t))

    n, n_keys = sched.n_bonds, keys.size
    k, u = tent_coordinates(t, keys)
    right = np.minimum(k + 1, n_keys - 1)
    cells = n * n_keys
    diff = np.bincount(sched.bond * n_keys + k, down_minus_up(1.0 - u), cells)
    diff += np.bincount(sched.bond * n_keys + right, down_minus_up(u), cells)
    ref = _reference_price(sched, sched.per_bond(v), convention.price_basis)
    return diff.reshape(n, n_keys) / (2.0 * h * ref[:, None])


# --------------------------------------------------------------------------------------------
# par-basis KRDs by re-bootstrapping
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParKrdResult:
    """Par key rate durations of a book and the par parallel duration they sum to.

    Attributes
    ----------
    krd
        Years, shape ``(n_bonds, n_keys)``.
    parallel_duration
        Effective duration under a parallel shift of every par quote, years, ``(n_bonds,)``.
    convention
        The convention measured.
    """

    krd: FloatArray
    parallel_duration: FloatArray
    convention: KrdConvention


def par_krd(
    sched: CashflowSchedule,
    quotes: ParQuotes,
    z_spread: npt.ArrayLike,
    key_years: npt.ArrayLike,
    convention: KrdConvention = PAR_TREASURY,
) -> ParKrdResult:
    """Par key rate durations: shift one key's tent of par quotes, bootstrap again, reprice.

    The z-spread of each bond is held (solved once against the unshifted curve), so the figures
    measure curve risk only, exactly as the zero-basis KRDs do. Cost: ``2 (n_keys + 1)`` bootstraps
    and as many O(flows) repricings.
    """
    if convention.rate_basis != "par":
        raise ValueError("par_krd computes par-basis KRDs; use zero_krd for the zero basis")
    keys = np.asarray(key_years, dtype=np.float64)
    base = quotes.build()
    # Each bumped curve is evaluated once per payment date and gathered to the flows: the same
    # values as evaluating it at every flow. The dates: a dense table from the first to the
    # last date where the flows outnumber its days (no sort of the flows), else the distinct
    # dates (a desk's key-rate ladder: a few zeros, up to 30 years of days).
    first = int(sched.pay_dates.min()) if sched.pay_dates.size else base.anchor
    last = int(sched.pay_dates.max()) if sched.pay_dates.size else base.anchor
    if sched.pay_dates.size < last - first + 1:
        days, date = np.unique(sched.pay_dates, return_inverse=True)
    else:
        days, date = np.arange(first, last + 1), sched.pay_dates - first
    t_date = np.asarray(base.time(days), dtype=np.float64)
    t = t_date[date]
    z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (sched.n_bonds,))
    flows = sched.amounts * np.exp(-z[sched.bond] * t)
    h = convention.shift
    ref = _reference_price(
        sched, sched.per_bond(flows * base.discount(t_date)[date]), convention.price_basis
    )
    bumped = _bumped_curves(quotes, keys, h)
    out = np.empty((sched.n_bonds, len(bumped)))
    for j, (down, up) in enumerate(bumped):
        dn = down.discount(t_date)
        upd = up.discount(t_date)
        out[:, j] = sched.per_bond(flows * (dn - upd)[date]) / (2.0 * h * ref)
    return ParKrdResult(out[:, :-1], out[:, -1], convention)


#: Curves rebuilt from tent-shifted par quotes, per (quotes, keys, shift): the book's par KRDs
#: and the par basis map's ladder shift the same quotes by the same tents, so a run bootstraps
#: each shifted curve once. Keyed by identity, holding the quotes (see ``_PAR_MATRICES``).
_BUMPED: OrderedDict[tuple[int, bytes, float], tuple[Any, list[tuple[YieldCurve, YieldCurve]]]] = (
    OrderedDict()
)
_BUMPED_MAX = 8
_BUMPED_LOCK = threading.Lock()


def _bumped_curves(
    quotes: ParQuotes, keys: FloatArray, h: float
) -> list[tuple[YieldCurve, YieldCurve]]:
    """``(down, up)`` curves for each key's tent of par quotes and, last, the parallel shift."""
    key = (id(quotes), np.ascontiguousarray(keys, dtype=np.float64).tobytes(), float(h))
    with _BUMPED_LOCK:
        hit = _BUMPED.get(key)
        if hit is not None and hit[0] is quotes:
            _BUMPED.move_to_end(key)
            return hit[1]
    tents = quotes.key_tents(keys)
    shapes = np.vstack([tents, np.ones((1, quotes.tenor_years.size))])
    curves = [(quotes.build(-h * shape), quotes.build(h * shape)) for shape in shapes]
    with _BUMPED_LOCK:
        _BUMPED[key] = (quotes, curves)
        while len(_BUMPED) > _BUMPED_MAX:
            _BUMPED.popitem(last=False)
    return curves


# --------------------------------------------------------------------------------------------
# conversion between conventions for a whole book
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KrdBasisMap:
    """Linear maps between KRD conventions through the continuously compounded zero rates at the
    key tenors (the canonical basis).

    A unit shift of convention ``X``'s key ``k`` moves the continuous zero curve by (about)
    ``sum_j M_X[j, k] tent_j(t)``; to first order ``KRD_X = KRD_canonical @ M_X``. ``M`` is the
    identity for continuous zero rates, ``diag(exp(-z_c(t_j) / m))`` for zero rates compounded
    ``m`` times a year (``dz_c / dr_m``) and, for par yields, the bootstrap's zero-rate response to
    each par tent projected onto the zero tents (weighted least squares).

    Attributes
    ----------
    key_years
        Key tenors, years.
    curve
        The base curve.
    quotes
        Par quotes of the curve (needed for the par basis), or None.
    shift_bp
        Shift used to measure the par response, bp.
    """

    key_years: FloatArray
    curve: YieldCurve
    quotes: ParQuotes | None = None
    shift_bp: float = 1.0

    def matrix(self, convention: KrdConvention) -> FloatArray:
        """``M_X`` of a convention, shape ``(n_keys, n_keys)``."""
        keys = self.key_years
        if convention.rate_basis == "zero":
            if convention.compounding == "continuous":
                return np.eye(keys.size)
            m = PERIODS_PER_YEAR[convention.compounding]
            return np.diag(np.exp(-self.curve.zero_rate(keys) / m))
        if self.quotes is None:
            raise AnalyticsError("converting to or from par KRDs needs the curve's par quotes")
        return _cached_par_matrix(self)

    def _par_matrix(self) -> FloatArray:
        """Best linear map from continuous-zero to par KRDs over a ladder of bullets.

        The ladder: semiannual bullets maturing every month out to the last key + 10y, with
        coupons at the curve's 10y par level, each measured in both bases by full revaluation;
        ``M`` minimises the squared miss of ``KRD_zero @ M`` against ``KRD_par`` over the ladder.
        A book of bullets is a positive combination of such flows, which is what makes the map
        fit books; an option-laden profile (MBS, callables) is fitted less well, which the
        reports say wherever a converted vector is used.
        """
        assert self.quotes is not None
        keys = self.key_years
        anchor = self.quotes.anchor
        months = np.arange(1, int(12 * (keys[-1] + 10.0)) + 1)
        eom = bool(is_end_of_month(anchor))
        maturity = add_months(np.full(months.size, anchor), months, eom)
        coupon = float(np.interp(10.0, self.quotes.tenor_years, self.quotes.rates))
        ladder = BondBook.from_arrays(
            [f"m{m}" for m in months], 100.0, coupon, maturity, 2, eom=eom
        )
        sched = build_schedule(ladder, anchor)
        conv = KrdConvention("par", "semiannual", self.shift_bp)
        zero = zero_krd(sched, self.curve, 0.0, keys, ZERO_CONTINUOUS)
        par = par_krd(sched, self.quotes, 0.0, keys, conv).krd
        solution, *_ = np.linalg.lstsq(zero, par, rcond=None)
        return np.asarray(solution, dtype=np.float64)

    def convert(
        self, krd: npt.ArrayLike, source: KrdConvention, target: KrdConvention
    ) -> FloatArray:
        """KRDs (years, ``(..., n_keys)``) in ``source``'s convention re-expressed in ``target``'s.

        Raises
        ------
        AnalyticsError
            When the price bases differ: full and clean KRDs differ by each holding's dirty/clean
            price ratio, which a book-level vector does not carry.
        """
        x = np.asarray(krd, dtype=np.float64)
        if source.price_basis != target.price_basis:
            raise AnalyticsError(
                f"cannot convert KRDs from {source.price_basis} to {target.price_basis} price "
                "basis without each holding's prices; supply them on the "
                f"{target.price_basis} price basis"
            )
        if source.same_measure(target):
            return x.copy()
        to_canonical = np.linalg.solve(self.matrix(source).T, x.reshape(-1, x.shape[-1]).T).T
        return (to_canonical @ self.matrix(target)).reshape(x.shape)


#: Par basis maps already fitted, per (curve, quotes, keys, shift): fitting one costs
#: ``2 (n_keys + 1)`` bootstraps of a ~600-bond ladder, and a run converts with the same curve
#: many times (supplied KRDs, the benchmark profile, every hedge instrument's loadings under the
#: par convention, the scenario step). Keyed by object identity and holding the objects, so an
#: id cannot be reused while its entry lives; the oldest entries go first.
_PAR_MATRICES: OrderedDict[tuple[int, int, bytes, float], tuple[Any, Any, FloatArray]] = (
    OrderedDict()
)
_PAR_MATRICES_MAX = 8
_PAR_MATRICES_LOCK = threading.Lock()


def _cached_par_matrix(bmap: KrdBasisMap) -> FloatArray:
    """``bmap._par_matrix()``, fitted once per curve, quotes, key tenors and shift."""
    keys = np.ascontiguousarray(bmap.key_years, dtype=np.float64)
    key = (id(bmap.curve), id(bmap.quotes), keys.tobytes(), float(bmap.shift_bp))
    with _PAR_MATRICES_LOCK:
        hit = _PAR_MATRICES.get(key)
        if hit is not None and hit[0] is bmap.curve and hit[1] is bmap.quotes:
            _PAR_MATRICES.move_to_end(key)
            return hit[2]
    matrix = bmap._par_matrix()
    matrix.setflags(write=False)  # shared between callers: nobody may change it in place
    with _PAR_MATRICES_LOCK:
        _PAR_MATRICES[key] = (bmap.curve, bmap.quotes, matrix)
        while len(_PAR_MATRICES) > _PAR_MATRICES_MAX:
            _PAR_MATRICES.popitem(last=False)
    return matrix


class KrdConventionSpec(BaseModel):
    """A KRD convention as a case file states it (every field optional, defaults: zero basis,
    continuous compounding, 1 bp, full price; a par basis defaults to semiannual quotes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rate_basis: RateBasis = "zero"
    compounding: KrdCompounding | None = None
    shift_bp: float = Field(default=1.0, gt=0.0, le=MAX_SHIFT_BP, description="bp")
    price_basis: PriceBasis = "full"

    def to_convention(self) -> KrdConvention:
        """The convention (raises ValueError on an impossible combination)."""
        compounding = self.compounding or (
            "continuous" if self.rate_basis == "zero" else "semiannual"
        )
        return KrdConvention(self.rate_basis, compounding, self.shift_bp, self.price_basis)


def describe(conventions: Sequence[KrdConvention]) -> list[str]:
    """Labels of several conventions (for reports)."""
    return [c.label() for c in conventions]


def holdings_par_krd(
    sched: CashflowSchedule,
    quotes: ParQuotes,
    z_spread: npt.ArrayLike,
    key_years: npt.ArrayLike,
    used_krd: npt.ArrayLike,
    computed_rows: npt.ArrayLike,
    supplied_convention: KrdConvention = ZERO_CONTINUOUS,
    curve: YieldCurve | None = None,
) -> FloatArray:
    """Par KRDs of every holding as used: revalued for computed holdings, converted otherwise.

    Parameters
    ----------
    sched
        Cash-flow schedule of the holdings (bullet equivalents).
    quotes
        Par quotes of the discount curve.
    z_spread
        Each holding's z-spread (decimal, continuous) over that curve.
    key_years
        Key tenors, years.
    used_krd
        The KRDs in use per holding (years, ``(n, K)``), in ``supplied_convention`` for the rows
        that are not computed.
    computed_rows
        Boolean mask of holdings whose figures are the engine's own (revalued on the par basis).
    supplied_convention
        Convention of supplied (OAS-based) KRDs.
    curve
        The base curve (bootstrapped from ``quotes`` when not given).

    Returns
    -------
    numpy.ndarray
        ``(n, K)`` par KRDs (semiannual par yields, 1 bp, full price), years.
    """
    keys = np.asarray(key_years, dtype=np.float64)
    used = np.asarray(used_krd, dtype=np.float64)
    mask = np.asarray(computed_rows, dtype=bool)
    out = np.empty_like(used)
    if mask.any():
        sub = sched.subset(np.flatnonzero(mask))
        z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (sched.n_bonds,))
        out[mask] = par_krd(sub, quotes, z[mask], keys, PAR_TREASURY).krd
    if (~mask).any():
        bmap = KrdBasisMap(keys, curve if curve is not None else quotes.build(), quotes)
        out[~mask] = bmap.convert(used[~mask], supplied_convention, PAR_TREASURY)
    return out
