"""Scenario revaluation of modelled holdings by their own model (full revaluation).

A scenario shifts the zero curve by key-rate tents (``rate_shifts (S, K)``, decimal, continuous,
the tents of :meth:`models.curves.YieldCurve.discount_shifted`) and a holding's spread by ``ds``
(decimal). Each modelled holding is repriced under every scenario with its OAS moved by ``ds``:

* callables / putables: the Hull-White lattice refitted to each shifted curve, all scenarios in one
  rollback (:mod:`models.lattice_pricing`);
* pools: the Monte Carlo projection on each shifted curve with the same random numbers as the base
  (common random numbers: the mortgage rate, the prepayments and the discounting all move; the
  sampling noise of a P&L is far below that of a price), rate-independent pools on the curve.

P&L = face x (P_s - P_0) / 100 with ``P_0`` the same engine's base price (currency).

Vol scenarios: a scenario may also shift normal vols (``vol_shifts (S, n)``, decimal per
sqrt(year), per holding): the holding is then repriced with the model's Hull-White ``sigma``
(itself a normal short-rate vol) moved by that shift (floored at 0), same curve, OAS held, same
random numbers. A by-expiry shift is read at each holding's representative expiry
(:meth:`ModelledRevaluer.option_expiry`): a callable's or putable's first exercise date (its
option is first exercisable then, and the co-terminal option expiring then carries most of a
Bermudan's value), a pool's option-adjusted duration (its prepayment option is a strip over the
pool's life; the duration is the rate-risk-weighted time of its flows). :meth:`vega` is the
central difference of the model value in ``sigma`` (1 bp either side), currency per 1.00 of
normal vol: negative for the holder of a callable or a pool (short the option).

Stacking: every (curve, sigma) a call needs is priced in one pass per engine (:class:`_Stack`).
Pools: one Monte Carlo pass over lanes (rate row, pool) with the paths of every sigma scaled
from one set of normals (:mod:`models.mbs_stack`). Callables: the lattice of each grid is built
once and every sigma is a row of it (:meth:`models.short_rate.TrinomialTree.rescaled`), fitted
and rolled back with the curve rows. A vol shift shared by all callables prices them on the
whole set's grid, against the base row of that same grid; a shift that only some callables get
(by-expiry shifts) prices that subset on the subset's own grid, as before stacking, with the
subset's base at the case's sigma as the first row of the same pass: a move is always taken
between two prices on one grid, so the lattice's grid dependence does not leak into a P&L, and
the figures are those of the one-sigma-at-a-time path
(:mod:`models.oas_scenarios_reference`) to rounding.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.callable import lattice_grid, lattice_prices, lay_out
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.mbs import MonteCarloSpec, price_from_flows
from hedge_planner.models.mbs_stack import Lanes, stacked_flows
from hedge_planner.models.oas import (
    LATTICE,
    ModelledAnalytics,
    ShortRateSettings,
    exercise_schedule,
    pool_book,
)
from hedge_planner.models.schemas import HoldingRow
from hedge_planner.models.short_rate import HullWhite, TrinomialTree
from hedge_planner.models.threads import workers
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)

#: Method label of holdings revalued this way.
METHOD_MODEL = "full revaluation by the OAS model (Hull-White lattice / Monte Carlo paths)"
#: Half-width of the vega's central difference in sigma, decimal (1 bp of normal vol).
VEGA_STEP = BP


@dataclass(frozen=True)
class ModelledRevaluer:
    """Everything needed to reprice a book's modelled holdings under scenarios.

    Attributes
    ----------
    rows
        All holdings of the book (as priced).
    sched
        The book's bullet cash-flow schedule.
    curve
        The model's discount curve (anchored on settlement).
    key_years
        Key tenors of the scenarios' rate shifts, years.
    settings
        The short-rate model's settings (the same as for the analytics).
    modelled
        The analytics of the modelled holdings (their OAS and book positions).
    """

    rows: Sequence[HoldingRow]
    sched: CashflowSchedule
    curve: YieldCurve
    key_years: FloatArray
    settings: ShortRateSettings
    modelled: ModelledAnalytics
    _cache: dict[str, FloatArray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def positions(self) -> IntArray:
        """Book positions of the modelled holdings."""
        return self.modelled.index

    def prices(
        self,
        rate_shifts: npt.ArrayLike,
        spread_shifts: npt.ArrayLike,
        vol_shifts: npt.ArrayLike | None = None,
        with_vega: bool = False,
    ) -> FloatArray:
        """Dirty prices per 100 ``(1 + S, n)`` of the modelled holdings: row 0 the base, then
        each scenario (``rate_shifts (S, K)``, ``spread_shifts (S, n)``, decimals; optional
        ``vol_shifts (S, n)``, decimal normal vol added to ``sigma``, floored at 0).

        Every curve and sigma goes in one stacked pass per engine (see the module notes); with
        vol shifts or ``with_vega`` the vega's two sigmas ride along (kept for :meth:`vega`).
        The result is kept per input: the same scenarios asked again (a plan prices them
        before its hedge, for the vega, and its scenario stage asks again) are not repriced."""
        shifts = np.atleast_2d(np.asarray(rate_shifts, dtype=np.float64))
        ds = np.atleast_2d(np.asarray(spread_shifts, dtype=np.float64))
        dv = None if vol_shifts is None else np.atleast_2d(np.asarray(vol_shifts, np.float64))
        key = _inputs_key(shifts, ds, dv)
        if key not in self._cache or (with_vega and "vega" not in self._cache):
            self._cache[key] = self._stacked_prices(shifts, ds, dv, with_vega)
        return self._cache[key].copy()

    def _stacked_prices(
        self, shifts: FloatArray, ds: FloatArray, dv: FloatArray | None, with_vega: bool
    ) -> FloatArray:
        """:meth:`prices` of 2-D float inputs, priced (see there)."""
        bumps = np.vstack([np.zeros((1, shifts.shape[1])), shifts])
        ds = np.vstack([np.zeros((1, ds.shape[1])), ds])
        m = self.modelled
        sigma0 = self.settings.volatility
        stack = _Stack(self)
        everyone = np.arange(m.index.size)
        base = [stack.add(everyone, bumps[r], sigma0, m.oas + ds[r]) for r in range(len(bumps))]
        moves: list[tuple[int, _Ticket]] = []
        vega: list[_Ticket] = []
        if dv is not None:
            for s in np.flatnonzero(np.any(dv != 0.0, axis=1)).tolist():
                for shift in np.unique(dv[s][dv[s] != 0.0]).tolist():
                    kk = np.flatnonzero(dv[s] == shift)
                    sigma = max(sigma0 + shift, 0.0)
                    spread = m.oas[kk] + ds[s + 1, kk]
                    moves.append((s + 1, stack.add(kk, bumps[s + 1], sigma, spread)))
        if (dv is not None or with_vega) and "vega" not in self._cache:
            vega = self._vega_tickets(stack)  # the vega's sigmas, unless priced already
        stack.run()
        out = np.vstack([stack.result(t) for t in base])
        for row, ticket in moves:
            kk = ticket.members
            moved = stack.result(ticket)
            out[row, kk] = out[0, kk] + (moved - stack.base_of(ticket, out[0]))
        if vega:
            self._cache["vega"] = np.vstack([stack.result(t) for t in vega])
        return out

    def pnl(
        self,
        rate_shifts: npt.ArrayLike,
        spread_shifts: npt.ArrayLike,
        face: npt.ArrayLike,
        vol_shifts: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """P&L per scenario and modelled holding, currency ``(S, n)`` (``face (n,)``)."""
        p = self.prices(rate_shifts, spread_shifts, vol_shifts)
        return np.asarray(np.asarray(face, dtype=np.float64)[None, :] * (p[1:] - p[0]) / 100.0)

    def option_expiry(self) -> FloatArray:
        """Representative option expiry per modelled holding, years (see the module notes):
        first exercise date (after any notice) of bonds, OA duration of pools; >= 0."""
        m = self.modelled
        out = np.empty(m.index.size)
        for j, pos in enumerate(m.index.tolist()):
            if m.model[j] == LATTICE:
                sched = exercise_schedule(self.rows[pos])
                first = sched.days[0] + (sched.notice_days if sched.style == "american" else 0)
                out[j] = float(np.asarray(self.curve.time(np.array([first])))[0])
            else:
                out[j] = float(m.duration[j])
        return np.maximum(out, 0.0)

    def vega(self, face: npt.ArrayLike) -> FloatArray:
        """Vega per modelled holding, currency per 1.00 of normal vol (``face (n,)``): the
        central difference of the model value in ``sigma`` (+/- :data:`VEGA_STEP`, one-sided
        at 0), curve and OAS fixed. Both sigmas go in one stacked pass, or come from the last
        :meth:`prices` with vol shifts (which prices them beside its scenarios)."""
        if "vega" not in self._cache:
            stack = _Stack(self)
            tickets = self._vega_tickets(stack)
            stack.run()
            self._cache["vega"] = np.vstack([stack.result(t) for t in tickets])
        up, dn = self._cache["vega"]
        sigma = self.settings.volatility
        lo = max(sigma - VEGA_STEP, 0.0)
        face_arr = np.asarray(face, dtype=np.float64)
        return np.asarray(face_arr * (up - dn) / (sigma + VEGA_STEP - lo) / 100.0)

    def _vega_tickets(self, stack: _Stack) -> list[_Ticket]:
        """The vega's two rows (sigma up, sigma down; base curve, OAS) added to ``stack``."""
        m = self.modelled
        sigma = self.settings.volatility
        zero = np.zeros(len(self.key_years))
        everyone = np.arange(m.index.size)
        return [
            stack.add(everyone, zero, sigma + VEGA_STEP, m.oas),
            stack.add(everyone, zero, max(sigma - VEGA_STEP, 0.0), m.oas),
        ]

    @cached_property
    def pool_months(self) -> int:
        """Months projected for every pool: the longest WAM of the book's pools."""
        m = self.modelled
        rows = [self.rows[p] for j, p in enumerate(m.index.tolist()) if m.model[j] != LATTICE]
        return int(pool_book(rows, self.sched.settle).wam.max()) if rows else 0


def _inputs_key(shifts: FloatArray, ds: FloatArray, dv: FloatArray | None) -> str:
    """Cache key of :meth:`ModelledRevaluer.prices` inputs: their shapes and exact bytes."""
    digest = hashlib.blake2b(digest_size=16)
    for a in (shifts, ds) if dv is None else (shifts, ds, dv):
        digest.update(repr(a.shape).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    return f"prices:{'v' if dv is not None else '-'}:{digest.hexdigest()}"


@dataclass(frozen=True)
class _Ticket:
    """Where a requested row's prices land: modelled rows ``members``; their pools' lanes
    (``pool_cols`` within ``members``) and their callables' lattice group and row."""

    members: IntArray
    pool_cols: IntArray
    lanes: IntArray
    bond_cols: IntArray
    group: tuple[int, ...]
    group_row: int


class _Stack:
    """Requests of one pass: rows (holdings, curve bump, sigma, spread per holding), priced by
    :meth:`run` with one Monte Carlo pass over every pool lane and one lattice pass per grid.

    Callables asked for together with every other callable share the whole set's grid; a
    subset gets its own grid with its base (no bump, the case's sigma, OAS) as its first row.
    """

    def __init__(self, rev: ModelledRevaluer) -> None:
        self.rev = rev
        m = rev.modelled
        self.is_bond = np.array([label == LATTICE for label in m.model], dtype=bool)
        self.all_bonds = tuple(np.flatnonzero(self.is_bond).tolist())
        self.pool_rows = np.flatnonzero(~self.is_bond)
        self.pool_of = np.full(m.index.size, -1, dtype=np.int64)
        self.pool_of[self.pool_rows] = np.arange(self.pool_rows.size)
        self.lane_bump: list[FloatArray] = []
        self.lane_sigma: list[float] = []
        self.lane_pool: list[int] = []
        self.lane_spread: list[float] = []
        self.groups: dict[tuple[int, ...], list[tuple[FloatArray, float, FloatArray]]] = {}
        self.lane_price = np.zeros(0)
        self.group_price: dict[tuple[int, ...], FloatArray] = {}

    def add(self, members: IntArray, bump: FloatArray, sigma: float, spread: FloatArray) -> _Ticket:
        """Ask for modelled rows ``members`` on the curve shifted by ``bump (K,)`` at Hull-White
        ``sigma`` with spreads ``spread (len(members),)`` (decimals)."""
        members = np.asarray(members, dtype=np.int64)
        spread = np.asarray(spread, dtype=np.float64)
        bonds = self.is_bond[members]
        pool_cols = np.flatnonzero(~bonds)
        lanes = np.arange(len(self.lane_pool), len(self.lane_pool) + pool_cols.size)
        for c in pool_cols.tolist():
            self.lane_bump.append(bump)
            self.lane_sigma.append(sigma)
            self.lane_pool.append(int(self.pool_of[members[c]]))
            self.lane_spread.append(float(spread[c]))
        bond_cols = np.flatnonzero(bonds)
        group = tuple(members[bond_cols].tolist())
        row = -1
        if group:
            rows = self.groups.setdefault(group, [])
            if group != self.all_bonds and not rows:
                m = self.rev.modelled
                base_oas = m.oas[np.asarray(group)]
                rows.append(
                    (np.zeros(len(self.rev.key_years)), self.rev.settings.volatility, base_oas)
                )
            row = len(rows)
            rows.append((np.asarray(bump, dtype=np.float64), sigma, spread[bond_cols]))
        return _Ticket(members, pool_cols, lanes, bond_cols, group, row)

    def run(self) -> None:
        """Price every request."""
        rev = self.rev
        if self.lane_pool:
            st = rev.settings
            pos = rev.modelled.index[self.pool_rows]
            pools = pool_book([rev.rows[i] for i in pos], rev.sched.settle)
            lane_pool = np.asarray(self.lane_pool, dtype=np.int64)
            a, tl = stacked_flows(
                pools,
                rev.curve,
                st.mean_reversion,
                st.refi,
                MonteCarloSpec(st.paths, st.seed, st.sampling),
                rev.key_years,
                np.vstack(self.lane_bump),
                np.asarray(self.lane_sigma),
                Lanes(np.arange(lane_pool.size), lane_pool),
                months=rev.pool_months,
                reference=st.volatility,
            )
            spread = np.asarray(self.lane_spread)
            self.lane_price = price_from_flows(a, tl.pay_time[lane_pool], spread)
        self.group_price.update(_lattice_groups(rev, self.groups))

    def result(self, t: _Ticket) -> FloatArray:
        """Prices per 100 ``(len(members),)`` of a request (after :meth:`run`)."""
        out = np.empty(t.members.size)
        out[t.pool_cols] = self.lane_price[t.lanes]
        if t.group:
            out[t.bond_cols] = self.group_price[t.group][t.group_row]
        return out

    def base_of(self, t: _Ticket, base: FloatArray) -> FloatArray:
        """Base prices ``(len(members),)`` a request's move is taken from: ``base`` (row 0, the
        whole set's grid and paths), the subset's own base row for a subset of callables."""
        out = np.asarray(base[t.members], dtype=np.float64).copy()
        if t.group and t.group != self.all_bonds:
            out[t.bond_cols] = self.group_price[t.group][0]
        return out


def _lattice_groups(
    rev: ModelledRevaluer, groups: dict[tuple[int, ...], list[tuple[FloatArray, float, FloatArray]]]
) -> dict[tuple[int, ...], FloatArray]:
    """Prices of every lattice group (:func:`_lattice_group`), the groups spread over a small
    thread pool: each builds its own grid, tree and book, and the compiled fit and rollback
    release the interpreter lock (the 19 one-callable groups of a by-expiry vol scenario: 0.44
    -> 0.37 s for the example's scenario pass on two cores). Each group's prices are those of
    a serial run (nothing is shared but read-only inputs)."""
    items = list(groups.items())
    n_w = min(workers(), len(items))
    if n_w <= 1:
        return {g: _lattice_group(rev, np.asarray(g), rows) for g, rows in items}
    with ThreadPoolExecutor(n_w) as pool:
        prices = pool.map(lambda item: _lattice_group(rev, np.asarray(item[0]), item[1]), items)
        return {g: p for (g, _), p in zip(items, prices, strict=True)}


def _lattice_group(
    rev: ModelledRevaluer, group: IntArray, rows: list[tuple[FloatArray, float, FloatArray]]
) -> FloatArray:
    """Prices ``(R, b)`` of callables ``group`` (modelled rows) on their own grid: one lattice,
    each distinct (bump, sigma, spreads) row fitted and rolled back once, every row together."""
    m, st = rev.modelled, rev.settings
    pos = m.index[group]
    sub = rev.sched.subset(pos)
    schedules = [exercise_schedule(rev.rows[i]) for i in pos]
    grid = lattice_grid(sub, rev.curve, schedules, st.lattice_steps_per_year)
    book = lay_out(sub, rev.curve, schedules, grid, [int(rev.rows[i].day_count) for i in pos])
    bumps = np.vstack([r[0] for r in rows])
    sigmas = np.array([r[1] for r in rows])
    spread = np.vstack([r[2] for r in rows])
    # rows are independent in the fit and the rollback: equal rows are priced once
    _, first, inverse = np.unique(
        np.column_stack([bumps, sigmas, spread]), axis=0, return_index=True, return_inverse=True
    )
    ref = st.volatility if st.volatility > 0 else float(sigmas.max())
    tree = TrinomialTree(HullWhite(st.mean_reversion, ref), grid)
    if np.any(sigmas[first] != ref):
        tree = tree.rescaled(sigmas[first])
    phi = tree.fit(rev.curve.discount_shifted(grid[1:], rev.key_years, bumps[first]))
    return lattice_prices(book, tree, phi, spread[first])[inverse.ravel()]
