"""Rollback of a book of callable/putable bonds on the Hull-White lattice, in blocks of bonds, and
the adjoint (reverse-mode) derivative of each price with respect to the lattice drift.

Blocks: bonds are sorted by their last cash-flow level and cut into blocks; each block is rolled
back from its own last level (a 3-year bond does not walk the 15-year lattice), with working arrays
small enough to stay in cache, and blocks run on a small thread pool (numpy and the compiled loops
release the GIL). A block's walk down the levels runs in one call of the compiled loop
(:mod:`models.lattice_kernels`, the same arithmetic to rounding) where the extension is built, in
:func:`_rollback`'s numpy loop otherwise. Every bond's arithmetic is the same as in one whole-book
rollback, so prices do not depend on the blocking. Many scenario rows are cut into row chunks of
about :data:`ROLL_ELEMENTS` values (rows are independent: the same arithmetic), and a large job
carries only the tree's rollback bands (:meth:`models.short_rate.TrinomialTree.band`: the far tails
of a wide tree, reached with probability below 1e-30, are left out).

Adjoint: a price is ``V0 = sum over levels of the flows collected there`` along the lattice, with
exercise decided node by node. With the exercise decisions of the base rollback held (they change
only on a set of measure zero), ``dV0 / dphi_i`` (``phi_i`` the fitted drift of step ``i``) follows
from one forward pass of per-bond *continuation state prices* ``Q`` (Arrow-Debreu prices of the
nodes reached without exercise): ``phi_i`` enters the one-step discount
``exp(-(x + phi_i + s) dt_i)`` of the continuation (worth ``V0 - F_i`` at time 0, ``F_i`` the
value collected at levels ``<= i``) and the discount of the flows paid inside step ``i`` (over
``tau``)::

    dV0 / dphi_i = -dt_i (V0 - F_i) - sum_inside tau Q~_i . amount exp(-(r + s) tau)

A curve shift moves the fitted drift deterministically (``phi`` is linear in ``ln P(0, t)``), so
the derivative of the price along any curve shift ``dphi`` is ``g . dphi``: every key rate duration
is one dot product (:func:`models.callable.callable_risk`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models import lattice_kernels
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.short_rate import TrinomialTree
from hedge_planner.models.threads import workers

logger = logging.getLogger(__name__)

#: Bonds per block: ``(S, block, nodes)`` working arrays of a few hundred kB.
BLOCK = 24
#: Values ``(rows, bonds, nodes)`` of one job at a block's widest level (512 kB of doubles).
ROLL_ELEMENTS = 65_536
#: Rows x bonds x widest level from which a rollback carries the tree's bands only.
BAND_MIN_WORK = 20_000


@dataclass(frozen=True)
class LatticeBook:
    """Callable/putable bonds laid on one lattice grid (events per bond and grid level)."""

    grid: FloatArray
    #: ``(B, N+1)`` flows paid exactly at each grid time, per 100 face.
    on_node: FloatArray
    #: Flows strictly inside a step: bond, level of the step start, amount, time past the level.
    inside_bond: npt.NDArray[np.int64]
    inside_level: npt.NDArray[np.int64]
    inside_amount: FloatArray
    inside_tau: FloatArray
    #: ``(B, N+1)`` exercise value (clean price + accrued) per 100, NaN where not exercisable.
    strike: FloatArray
    #: ``(B,)`` True for puts.
    put: npt.NDArray[np.bool_]

    def subset(self, bonds: npt.NDArray[np.int64]) -> LatticeBook:
        """The bonds ``bonds`` (in that order) as a book of their own."""
        local = np.full(self.on_node.shape[0], -1, dtype=np.int64)
        local[bonds] = np.arange(bonds.size)
        keep = local[self.inside_bond] >= 0
        return LatticeBook(
            self.grid,
            self.on_node[bonds],
            local[self.inside_bond[keep]],
            self.inside_level[keep],
            self.inside_amount[keep],
            self.inside_tau[keep],
            self.strike[bonds],
            self.put[bonds],
        )

    def last_level(self) -> npt.NDArray[np.int64]:
        """``(B,)`` last grid level at which each bond has a flow (or an inside flow's step + 1)."""
        n_lv = self.on_node.shape[1]
        cols = np.arange(n_lv)[None, :]
        last = np.where(self.on_node != 0, cols, 0).max(axis=1)
        if self.inside_bond.size:
            np.maximum.at(last, self.inside_bond, self.inside_level + 1)
        return np.asarray(np.minimum(last, n_lv - 1))


@dataclass(frozen=True)
class BlockResult:
    """Prices ``(S, b)`` of a block and, when asked, its base-scenario exercise masks (level ->
    ``(b, n_i)`` True where the bond continues) and the drift gradient ``(b, N)``."""

    prices: FloatArray
    gradient: FloatArray | None = None


def scatter_add(target: npt.NDArray[np.float64], index: IntArray, values: FloatArray) -> None:
    """``np.add.at(target, index, values)`` along the first axis, bit for bit: without
    repeated indices a plain fancy-index add (the same additions, without ``add.at``'s fixed
    cost of tens of microseconds, paid per lattice level otherwise)."""
    if np.unique(index).size == index.size:
        target[index] += values
    else:
        np.add.at(target, index, values)


def _rollback(
    book: LatticeBook,
    tree: TrinomialTree,
    phi: FloatArray,
    spread: FloatArray,
    top: int,
    masks: dict[int, npt.NDArray[np.bool_]] | None,
    banded: bool = True,
) -> FloatArray:
    """Values at the root ``(S, b)`` of one block rolled back from level ``top``; the exercise
    decisions of scenario 0 go into ``masks`` when it is given; ``banded``: carry the tree's
    rollback bands (:meth:`TrinomialTree.band`), else every node."""
    if lattice_kernels.enabled():
        return _compiled_rollback(book, tree, phi, spread, top, banded, masks)
    n_s, n_b = spread.shape
    last = len(book.grid) - 1
    band = tree.band if banded else _whole_levels(tree)
    step = tree.rollback_band if banded else tree.rollback
    bands = [band(i) for i in range(top + 1)]
    lo, hi = bands[top]  # the nodes carried (the far tails of a wide tree are left out)
    values = np.zeros((n_s, n_b, hi - lo))
    on_any: list[bool] = (book.on_node != 0).any(axis=0).tolist()
    order = np.argsort(book.inside_level, kind="stable")
    lv_sorted = book.inside_level[order]
    ex_any: list[bool] = np.asarray(np.isfinite(book.strike).any(axis=0), dtype=bool).tolist()
    # per level: the inside flows' range in ``order`` and exp(-(phi + spread) dt) (S, B), all
    # levels at once (the per-level figures bit for bit: the same elementwise operations)
    bounds: list[int] = np.searchsorted(lv_sorted, np.arange(top + 2)).tolist()
    per_curve = np.exp(-(phi[:, :top, None] + spread[:, None, :]) * tree.dt[None, :top, None])
    for i in range(top, -1, -1):
        if i < top:
            values = step(values, i, phi[:, i], spread, per_curve[:, i])
            lo, hi = bands[i]
        a, b = bounds[i], bounds[i + 1]
        if b > a:
            idx = order[a:b]
            # (no flow lies strictly after the last level: the grid ends at the last flow)
            r = tree.node_x(i)[:, None, lo:hi] + phi[:, min(i, last - 1), None, None]
            bond = book.inside_bond[idx]
            disc = np.exp(-(r + spread[:, bond, None]) * book.inside_tau[idx][None, :, None])
            add = book.inside_amount[idx][None, :, None] * disc
            # (S, B, n) -> (B, S, n) view so repeated bonds accumulate
            scatter_add(values.swapaxes(0, 1), bond, add.swapaxes(0, 1))
        if ex_any[i]:
            k = book.strike[:, i]
            ex = np.asarray(np.isfinite(k))
            kk = k[ex][None, :, None]
            sub = values[:, ex, :]
            is_put = book.put[ex][None, :, None]
            new = np.where(is_put, np.maximum(sub, kk), np.minimum(sub, kk))
            if masks is not None:  # whole levels: nodes outside the band continue
                keep = np.ones((n_b, len(tree.x[i])), dtype=bool)
                in_band = keep[:, lo:hi]
                in_band[ex] = new[0] == sub[0]
                masks[i] = keep
            values[:, ex, :] = new
        if on_any[i]:
            values += book.on_node[None, :, i, None]
    return np.asarray(values[:, :, 0])


def _compiled_rollback(
    book: LatticeBook,
    tree: TrinomialTree,
    phi: FloatArray,
    spread: FloatArray,
    top: int,
    banded: bool,
    masks: dict[int, npt.NDArray[np.bool_]] | None,
) -> FloatArray:
    """:func:`_rollback` in the compiled loops (:func:`models.lattice_kernels.rollback`): the
    same figures and exercise decisions to rounding."""
    band = tree.band if banded else _whole_levels(tree)
    keep = np.flatnonzero(book.inside_level <= top)
    order = keep[np.argsort(book.inside_level[keep], kind="stable")]
    events = lattice_kernels.BondEvents(
        np.ascontiguousarray(book.on_node, dtype=np.float64),
        np.ascontiguousarray(book.strike, dtype=np.float64),
        np.ascontiguousarray(book.put, dtype=np.uint8),
        np.ascontiguousarray(book.inside_bond[order], dtype=np.int64),
        np.ascontiguousarray(book.inside_level[order], dtype=np.int64),
        np.ascontiguousarray(book.inside_amount[order], dtype=np.float64),
        np.ascontiguousarray(book.inside_tau[order], dtype=np.float64),
    )
    bands = [band(i) for i in range(top + 1)]
    return lattice_kernels.rollback(tree, events, phi, spread, top, bands, masks)


def _drift_gradient(
    book: LatticeBook,
    tree: TrinomialTree,
    phi0: FloatArray,
    spread0: FloatArray,
    top: int,
    masks: dict[int, npt.NDArray[np.bool_]],
    v0: FloatArray,
) -> FloatArray:
    """``dV0 / dphi_i`` ``(b, N)`` of one block by a forward pass of continuation state prices
    (see the module docstring); ``phi0 (N,)``, ``spread0 (b,)``, ``v0 (b,)`` the base prices."""
    n_b = spread0.size
    last = len(book.grid) - 1
    grad = np.zeros((n_b, last))
    q = np.ones((n_b, 1))
    collected = np.zeros(n_b)
    order = np.argsort(book.inside_level, kind="stable")
    lv_sorted = book.inside_level[order]
    for i in range(top + 1):
        collected += q.sum(axis=1) * book.on_node[:, i]
        if i in masks:
            keep = masks[i]
            k = np.nan_to_num(book.strike[:, i])
            collected += (q * ~keep).sum(axis=1) * k
            q = q * keep
        if i == top:
            break
        r = tree.node_x(i)[:1] + phi0[i] + spread0[:, None]  # (b, n_i), scenario 0
        a, b = np.searchsorted(lv_sorted, [i, i + 1])
        if b > a:
            idx = order[a:b]
            bond = book.inside_bond[idx]
            tau = book.inside_tau[idx]
            pv = (q[bond] * np.exp(-r[bond] * tau[:, None])).sum(axis=1)
            pv *= book.inside_amount[idx]
            scatter_add(collected, bond, pv)
            scatter_add(grad[:, i], bond, -tau * pv)
        grad[:, i] -= tree.dt[i] * (v0 - collected)
        q = tree.forward(q * np.exp(-r * tree.dt[i]), i)
    return grad


def _blocks(book: LatticeBook) -> list[tuple[npt.NDArray[np.int64], int]]:
    """Bonds sorted by last flow level, cut into blocks of :data:`BLOCK`, with each block's top."""
    last = book.last_level()
    order = np.argsort(last, kind="stable")
    return [
        (order[k : k + BLOCK], int(last[order[k : k + BLOCK]].max()))
        for k in range(0, order.size, BLOCK)
    ]


def lattice_prices(
    book: LatticeBook,
    tree: TrinomialTree,
    phi: FloatArray,
    spread: FloatArray,
    gradient: bool = False,
) -> tuple[FloatArray, FloatArray | None]:
    """Dirty prices per 100 of every bond under every fitted curve, ``(S, B)``, and optionally
    ``dV0 / dphi`` ``(B, N)`` of scenario 0 (per 100 per unit of drift, exercise held).

    Parameters
    ----------
    phi
        ``(S, N)`` fitted drift of each curve scenario (:meth:`TrinomialTree.fit`).
    spread
        ``(S, B)`` OAS per scenario and bond, decimal continuous.
    gradient
        Also return the adjoint drift gradient of scenario 0.
    """
    n_s, n_b = spread.shape
    out = np.empty((n_s, n_b))
    grad = np.zeros((n_b, tree.n_steps)) if gradient else None

    def run(job: tuple[npt.NDArray[np.int64], int, slice]) -> None:
        bonds, top, rows = job
        sub = book.subset(bonds)
        first = rows.start == 0  # the chunk holding scenario 0 keeps its exercise decisions
        masks: dict[int, npt.NDArray[np.bool_]] | None = {} if gradient and first else None
        sp = np.ascontiguousarray(spread[rows, bonds])
        p = _rollback(sub, tree.row_slice(rows), phi[rows], sp, top, masks, banded)
        out[rows, bonds] = p
        if grad is not None and masks is not None:
            grad[bonds] = _drift_gradient(sub, tree, phi[0], spread[0, bonds], top, masks, p[0])

    # bands pay where the rollback's arrays are large; small ones are per-level overhead
    banded = n_s * n_b * tree.width >= BAND_MIN_WORK
    band = tree.band if banded else _whole_levels(tree)
    jobs = [
        (bonds, top, rows)
        for bonds, top in _blocks(book)
        for rows in _row_chunks(n_s, bonds.size, band(top)[1] - band(top)[0])
    ]
    n_w = min(workers(), len(jobs))
    if n_w > 1:
        with ThreadPoolExecutor(n_w) as pool:
            list(pool.map(run, jobs))
    else:
        for job in jobs:
            run(job)
    return out, grad


def _whole_levels(tree: TrinomialTree) -> Callable[[int], tuple[int, int]]:
    """Every node of each level (the band of an unbanded rollback)."""
    return lambda i: (0, len(tree.x[i]))


def _row_chunks(n_s: int, n_b: int, width: int) -> list[slice]:
    """Scenario rows rolled back together: about :data:`ROLL_ELEMENTS` values ``(rows, bonds,
    nodes)`` at the widest level, so many scenarios do not push a block's working arrays out
    of cache. Rows are independent in the rollback (the same arithmetic whatever the
    chunking)."""
    size = max(1, ROLL_ELEMENTS // max(n_b * width, 1))
    return [slice(k, min(k + size, n_s)) for k in range(0, n_s, size)]
