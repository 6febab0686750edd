"""A branch-and-bound that starts from the leaves of the previous search of the same problem.

A desk sizes many hedges of one structure whose data differ a little from call to call (the
book's exposures move the objective's linear part and the limits' right-hand sides). The
previous search's finished tree is a partition of the root box into leaves (boxes pruned by
bound, infeasible, integral, or still open but closed by the incumbent); each leaf solved by
the interior point keeps its relaxation's multipliers. On the new data:

* any multipliers give a certified lower bound of a leaf's relaxation (weak duality: the
  Lagrangian minimised over the leaf's box, :mod:`~hedge_planner.solvers.dual_bound`), in
  a few vector operations for all leaves at once; the leaf's old multipliers, carried in
  the units of their rows' lot coefficients
  (:meth:`~hedge_planner.solvers.clarabel_backend.ClarabelNodes.bounds_at`), give one close
  to its new optimum (the desk's consecutive books: within 0.002 currency units);
* a leaf whose bound closes the gap against the incumbent (the previous plan's integers
  re-optimised on the new data first) holds no better plan and is done without a solve;
* every other leaf is solved as a node and the ordinary best-first search goes on from the
  ones still open.

The leaves cover every integer point of the root box, so the search's proof is complete on
the new data: a warm tree changes how many node QPs the proof costs, never what it proves.
Only a search that ended optimal with no box narrowed (by the legs' implied big-M or a level
set, whose boxes hold only for the data they were implied from) and no node left to an
approximate or failed solve leaves a tree; a new root box discards it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hedge_planner.solvers.highs_backend import NodeOutcome

__all__ = [
    "MAX_LEAVES",
    "MIN_CLOSED_SHARE",
    "Certify",
    "Leaf",
    "SearchTree",
    "TreeRecorder",
    "box_pieces",
    "leaf_bounds",
    "replay",
]

#: A replay pays when its bounds close at least this share of the leaves. Why: it solves
#: every leaf they leave open, and a search from the root takes about three node QPs per
#: leaf of its tree (the desk example's ladder books: ~190 node QPs, 60 leaves); measured,
#: a replay on a very different book (the service's warm-up book: no leaf closed) took 214
#: node QPs where the root took 189, one on the next book 1 (every leaf closed; the
#: previous plan's integers re-optimised).
MIN_CLOSED_SHARE = 0.5

#: Trees with more leaves are not kept. Why: a replay bounds all leaves at once in dense
#: arrays of ``leaves x (rows + columns)`` floats (~25 MB at this size on the desk example's
#: 247 rows and 140 columns), and a search that left this many is one whose data moves would
#: reopen many leaves anyway.
MAX_LEAVES = 5_000

#: ``(multipliers, lo, hi) -> certified lower bounds`` (currency, ``-inf`` where none) on the
#: current data: row ``l`` of each array is one box and its multipliers.
Certify = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Leaf:
    """A leaf box on the integer positions and its relaxation's multipliers (None: none)."""

    lo: np.ndarray
    hi: np.ndarray
    dual: np.ndarray | None


@dataclass(frozen=True)
class SearchTree:
    """The leaves of a finished search: a partition of the integer points of its root box."""

    lo0: np.ndarray
    hi0: np.ndarray
    leaves: tuple[Leaf, ...]

    def fits(self, lo0: np.ndarray, hi0: np.ndarray) -> bool:
        """True when the new search's root box is this tree's."""
        return bool(np.array_equal(lo0, self.lo0) and np.array_equal(hi0, self.hi0))


class TreeRecorder:
    """The boxes a search solved as tree nodes; the ones it never split are its leaves."""

    def __init__(self) -> None:
        self._boxes: dict[bytes, Leaf] = {}
        #: A box was narrowed, or a node solve failed: no tree (see the module docstring).
        self.spoiled = False

    @staticmethod
    def _key(lo: np.ndarray, hi: np.ndarray) -> bytes:
        return lo.tobytes() + hi.tobytes()

    def solved(self, lo: np.ndarray, hi: np.ndarray, out: NodeOutcome) -> None:
        """A tree node's relaxation (root, child or replayed leaf) was solved."""
        if out.status in ("error", "approximate"):
            self.spoiled = True
            return
        dual = out.dual if out.status == "optimal" else None
        self._boxes[self._key(lo, hi)] = Leaf(lo, hi, dual)

    def keep(self, leaf: Leaf) -> None:
        """A replayed leaf closed without a solve: a leaf of this search too."""
        self._boxes[self._key(leaf.lo, leaf.hi)] = leaf

    def narrowed(
        self, lo: np.ndarray, hi: np.ndarray, new_lo: np.ndarray, new_hi: np.ndarray,
        dual: np.ndarray | None,
    ) -> None:  # fmt: skip
        """The node ``[lo, hi]`` (multipliers ``dual``) was narrowed to ``[new_lo, new_hi]``
        at its own multipliers (reduced-cost tightening): the sub-box and the pieces cut off
        (:func:`box_pieces`) replace it, so the leaves still partition the root box and each
        piece keeps the multipliers that bound it."""
        self.split(lo, hi)
        for p_lo, p_hi in [(new_lo, new_hi), *box_pieces(lo, hi, new_lo, new_hi)]:
            self.keep(Leaf(p_lo, p_hi, dual))

    def split(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """The node ``[lo, hi]`` is branched on: its children replace it."""
        self._boxes.pop(self._key(lo, hi), None)

    def tree(self, lo0: np.ndarray, hi0: np.ndarray) -> SearchTree | None:
        """The finished search's tree over its root box ``[lo0, hi0]`` (None: spoiled, more
        than :data:`MAX_LEAVES` leaves, or too few with multipliers to replay it)."""
        leaves = tuple(self._boxes.values())
        if self.spoiled or not leaves or len(leaves) > MAX_LEAVES:
            return None
        if sum(leaf.dual is not None for leaf in leaves) < MIN_CLOSED_SHARE * len(leaves):
            return None  # a replay could not close enough of them (e.g. HiGHS' nodes)
        return SearchTree(lo0.copy(), hi0.copy(), leaves)


def leaf_bounds(tree: SearchTree, certify: Certify) -> np.ndarray:
    """Certified bound of every leaf on the current data (``-inf``: none, e.g. no multipliers)."""
    bounds = np.full(len(tree.leaves), -math.inf)
    have = [i for i, leaf in enumerate(tree.leaves) if leaf.dual is not None]
    if have:
        leaves = [tree.leaves[i] for i in have]
        duals = np.array([leaf.dual for leaf in leaves])
        lo, hi = np.array([leaf.lo for leaf in leaves]), np.array([leaf.hi for leaf in leaves])
        bounds[have] = certify(duals, lo, hi)
    return bounds


def replay(
    tree: SearchTree,
    certify: Certify,
    is_closed: Callable[[float], bool],
    keep: Callable[[Leaf], None],
    expand: Callable[[np.ndarray, np.ndarray, float], NodeOutcome],
) -> float | None:
    """Close the leaves of ``tree`` their certified bounds close; solve the others as nodes.

    Parameters
    ----------
    tree
        The previous search's leaves (they partition the current root box).
    certify
        Bounds of boxes at multipliers, on the current data (:func:`leaf_bounds`).
    is_closed
        ``bound -> True`` when a box with this bound cannot improve the current incumbent
        by the gap (asked again before each leaf: the incumbent improves as leaves are
        solved).
    keep
        Records a leaf closed without a solve.
    expand
        ``(lo, hi, bound)``: solves a leaf as a tree node of the new search, ``bound`` its
        certified bound (``-inf``: none), which stands where the solve fails (its outcome
        recorded; the node pruned, taken as the incumbent or queued); returns its outcome.

    Returns
    -------
    float or None
        The least bound of the leaves (currency): a lower bound of the whole problem
        (``inf`` when every leaf was infeasible); None (nothing solved) when the bounds
        close fewer than :data:`MIN_CLOSED_SHARE` of the leaves: a search from the root
        is cheaper.

    Notes
    -----
    Leaves are taken from the lowest certified bound up: the ones the new data opened are
    solved first, and an incumbent they improve closes more of the rest.
    """
    bounds = leaf_bounds(tree, certify)
    done = sum(1 for b in bounds if math.isfinite(b) and is_closed(float(b)))
    if done < MIN_CLOSED_SHARE * len(bounds):
        return None
    low = math.inf
    for i in np.argsort(bounds, kind="stable"):
        leaf, b = tree.leaves[int(i)], float(bounds[i])
        if math.isfinite(b) and is_closed(b):
            keep(leaf)
            low = min(low, b)
            continue
        out = expand(leaf.lo, leaf.hi, b)
        if out.status in ("error", "approximate"):
            low = min(low, b)  # unresolved: the search keeps it open, or at its bound
        elif out.status == "optimal" and out.lower is not None:
            low = min(low, out.lower)
    return low


def box_pieces(
    lo: np.ndarray, hi: np.ndarray, new_lo: np.ndarray, new_hi: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Disjoint boxes that cover the whole lots of ``[lo, hi]`` outside ``[new_lo, new_hi]``
    (a sub-box): together with it, a partition of the box's integer points."""
    pieces: list[tuple[np.ndarray, np.ndarray]] = []
    cur_lo, cur_hi = lo.copy(), hi.copy()
    for j in np.flatnonzero((new_lo > lo) | (new_hi < hi)):
        if new_lo[j] > lo[j] and math.ceil(cur_lo[j]) <= new_lo[j] - 1:
            below = cur_hi.copy()  # column j below the kept range, the others as they are
            below[j] = new_lo[j] - 1
            pieces.append((cur_lo.copy(), below))
        if new_hi[j] < hi[j] and new_hi[j] + 1 <= math.floor(cur_hi[j]):
            above = cur_lo.copy()  # column j above it
            above[j] = new_hi[j] + 1
            pieces.append((above, cur_hi.copy()))
        cur_lo[j], cur_hi[j] = new_lo[j], new_hi[j]
    return pieces
