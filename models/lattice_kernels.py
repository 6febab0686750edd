"""The compiled lattice loops (``models/_lattice_c.c``) behind the numpy lattice's interface.

The extension is built by ``pip install`` (pyproject's ``ext-modules``, optional: without a C
compiler the install goes on and every lattice runs the numpy loops). :func:`enabled` says
whether a call goes to the compiled loops: the extension imported and the environment variable
``HEDGE_PLANNER_KERNELS`` not set to ``numpy`` (tests and benchmarks set it to compare the two).

The compiled loops do the numpy code's elementwise arithmetic in the same order; their sums over
a level's nodes run left to right where numpy sums pairwise, so the figures agree to rounding
(about 1e-15 relative), not bit for bit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray

_c: ModuleType | None
try:
    from hedge_planner.models import _lattice_c as _c
except ImportError:  # built without a C compiler: the numpy loops run
    _c = None

#: Set ``HEDGE_PLANNER_KERNELS`` to this to run the numpy loops even where the extension is built.
NUMPY = "numpy"


def built() -> bool:
    """True where the compiled extension imported."""
    return _c is not None


def enabled() -> bool:
    """True where lattice loops go to the compiled extension (built, and not switched off with
    ``HEDGE_PLANNER_KERNELS=numpy``)."""
    return _c is not None and os.environ.get("HEDGE_PLANNER_KERNELS", "") != NUMPY


class TreeLevels(Protocol):
    """What the compiled loops read of a :class:`models.short_rate.TrinomialTree` (a protocol:
    this module is imported by that one)."""

    x: list[FloatArray]
    child: list[IntArray]
    prob: list[FloatArray]
    dt: FloatArray
    scale: FloatArray | None


@dataclass(frozen=True)
class FlatTree:
    """A tree's levels end to end: node ``x (T,)``, level starts ``offs (N+2,)``, middle child
    ``child (P,)`` and probabilities ``prob (3, P)`` of the ``P`` nodes of levels ``0..N-1``,
    step lengths ``dt (N,)`` (years)."""

    x: FloatArray
    offs: IntArray
    child: IntArray
    prob: FloatArray
    dt: FloatArray


def flat(tree: TreeLevels) -> FlatTree:
    """The tree's :class:`FlatTree` (built once per tree; rescaled copies share it)."""
    cached: FlatTree | None = tree.__dict__.get("_flat")
    if cached is None:
        sizes = np.array([len(x) for x in tree.x], dtype=np.int64)
        offs = np.zeros(sizes.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=offs[1:])
        cached = FlatTree(
            np.ascontiguousarray(np.concatenate(tree.x), dtype=np.float64),
            offs,
            np.ascontiguousarray(np.concatenate(tree.child), dtype=np.int64),
            np.ascontiguousarray(np.concatenate(tree.prob, axis=1), dtype=np.float64),
            np.ascontiguousarray(tree.dt, dtype=np.float64),
        )
        tree.__dict__["_flat"] = cached
    return cached


def _scale(tree: TreeLevels) -> FloatArray:
    return np.ones(1) if tree.scale is None else np.ascontiguousarray(tree.scale, np.float64)


def _module() -> ModuleType:
    if _c is None:  # callers check enabled() first
        raise RuntimeError("the compiled lattice extension is not built")
    return _c


def fit(tree: TreeLevels, df: FloatArray) -> FloatArray:
    """:meth:`TrinomialTree.fit` of discount factors ``df (S, N)``: ``phi (S, N)``."""
    f = flat(tree)
    n_rows, n_steps = df.shape
    scale = _scale(tree)
    if scale.size not in (1, n_rows):
        raise ValueError(f"a tree of {scale.size} rows cannot fit {n_rows} curves")
    phi = np.empty((n_rows, n_steps))
    _module().fit(
        f.x, f.offs, f.child, f.prob, f.dt, scale, np.ascontiguousarray(df, np.float64), phi,
        n_steps, n_rows, scale.size,
    )  # fmt: skip
    return phi


def bands(tree: TreeLevels, threshold: float) -> list[tuple[int, int]]:
    """Rollback bands ``[lo, hi)`` per level (:meth:`TrinomialTree.band`)."""
    f = flat(tree)
    n_steps = f.dt.size
    lo = np.empty(n_steps + 1, dtype=np.int64)
    hi = np.empty(n_steps + 1, dtype=np.int64)
    _module().bands(f.x, f.offs, f.child, f.prob, f.dt, float(threshold), lo, hi, n_steps)
    return list(zip(lo.tolist(), hi.tolist(), strict=True))


@dataclass(frozen=True)
class BondEvents:
    """A block's events on the grid: flows on nodes and exercise values ``(b, N+1)`` (NaN where
    not exercisable), puts ``(b,)``, and the flows strictly inside steps sorted by level."""

    on_node: FloatArray
    strike: FloatArray
    put: npt.NDArray[np.uint8]
    inside_bond: IntArray
    inside_level: IntArray
    inside_amount: FloatArray
    inside_tau: FloatArray


def rollback(
    tree: TreeLevels,
    events: BondEvents,
    phi: FloatArray,
    spread: FloatArray,
    top: int,
    band: list[tuple[int, int]],
    masks: dict[int, npt.NDArray[np.bool_]] | None = None,
) -> FloatArray:
    """Root values ``(S, b)`` of a block rolled back from level ``top`` on ``band`` (per level
    ``[lo, hi)``, levels ``0..top``), ``phi (S, N)``, ``spread (S, b)`` (decimal).

    ``masks``: filled, as :func:`models.lattice_pricing._rollback` fills it, with row 0's
    exercise decisions (level -> ``(b, n_i)``, True where the bond continues) at every level
    where some bond of the block is exercisable."""
    f = flat(tree)
    n_rows, n_bonds = spread.shape
    n_steps = f.dt.size
    lo = np.zeros(n_steps + 1, dtype=np.int64)
    hi = np.ones(n_steps + 1, dtype=np.int64)
    lo[: top + 1], hi[: top + 1] = np.asarray(band, dtype=np.int64).T
    scale = _scale(tree)
    out = np.empty((n_rows, n_bonds))
    flags = None if masks is None else np.empty((n_bonds, int(f.offs[top + 1])), dtype=np.uint8)
    _module().rollback(
        f.x, f.offs, f.child, f.prob, f.dt, lo, hi, scale,
        np.ascontiguousarray(phi, np.float64), np.ascontiguousarray(spread, np.float64),
        events.on_node, events.strike, events.put, events.inside_bond, events.inside_level,
        events.inside_amount, events.inside_tau, out,
        n_steps, n_rows, scale.size, n_bonds, events.inside_bond.size, top, flags,
    )  # fmt: skip
    if masks is not None and flags is not None:
        exercisable = np.isfinite(events.strike[:, : top + 1]).any(axis=0)
        for i in np.flatnonzero(exercisable).tolist():
            masks[i] = flags[:, f.offs[i] : f.offs[i + 1]].astype(bool)
    return out


def crr(
    values: FloatArray, exercise: FloatArray, p: float, q: float, disc: float, n_american: int
) -> None:
    """Binomial backward induction in place on ``values (R, N+1)`` to column 0 (R rows, each
    of forward ``r % F``), early exercise against ``exercise (F, 2N+1)`` on the first
    ``n_american`` rows: :func:`models.futures_options._lattices`' steps in one call."""
    n_rows, width = values.shape
    _module().crr(values, exercise, p, q, disc, n_rows, exercise.shape[0], n_american, width - 1)
