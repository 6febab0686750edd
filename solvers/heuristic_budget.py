"""How many node QPs the branch-and-bound's incumbent heuristics may spend.

The dives and the curvature-ranked roundings (:mod:`~hedge_planner.solvers.branch_and_bound`)
only look for incumbents; the proof is the best-first search's. Where they find the
optimum early (the examples: ~20-300 node QPs in all) they pay; where the optimum is not
near any node they dive from, they do not. Measured on desk hedges of key-rate ladder books
with ``max_legs: 6`` (``benchmarks/bench_integer.py --ladders``): 2,700-4,500 node QPs per
search, of which the heuristics took 20-35% (~100 dives, ~600 roundings) and improved the
incumbent 2-4 times, because the node bound there, not the incumbent, decides the search
(the root bound lies ~75% below the optimum; with the optimum as warm start the searches
took as many node QPs). So a heuristic runs only while the QPs spent on heuristics since
the last time one of them improved the incumbent stay within ``free + share * node QPs``:
a search whose heuristics keep finding better plans keeps them; one whose heuristics fail
spends at most ``share`` of its node QPs on them. Which incumbent the search ends with
never depends on it: every open node is still solved to the proven gap.

:class:`DiveSchedule` sets when the search dives: after a few node QPs, then at an interval
that doubles after each dive that fails to improve an incumbent and returns to its start
when one improves it (while there is no incumbent it stays at its start).
"""

from __future__ import annotations

import math

__all__ = ["DiveSchedule", "HeuristicBudget"]

#: Heuristic node QPs always allowed since the last improvement (the examples' whole
#: heuristic spend stays within it).
FREE = 80.0
#: Share of the search's node QPs the heuristics may spend beyond ``FREE`` without
#: improving the incumbent.
SHARE = 0.05


class HeuristicBudget:
    """Node QPs the incumbent heuristics of one search spent since they last paid.

    Parameters
    ----------
    free : float
        QPs always allowed since the last improvement.
    share : float
        Further QPs allowed per node QP of the search.
    """

    def __init__(self, free: float = FREE, share: float = SHARE) -> None:
        self.free, self.share = free, share
        self.spent = 0  # heuristic node QPs since the last improvement
        self.total = 0  # all heuristic node QPs of the search

    def allows(self, nodes: int) -> bool:
        """True when a heuristic may run after ``nodes`` node QPs of the search."""
        return self.spent <= self.free + self.share * nodes

    def charge(self, qps: int, improved: bool) -> None:
        """A heuristic spent ``qps`` node QPs; ``improved``: it lowered the incumbent."""
        self.total += qps
        self.spent = 0 if improved else self.spent + qps


# Why: on the benchmark sweep most points close within ~6 node QPs of the root (bound-side
# gap); a dive there is wasted. Points whose gap is the incumbent's need one early.
DIVE_AFTER = 6  # node QPs of the search proper before the first dive
# Why: with the legs' binaries the root relaxation trades a little of everything, and a
# dive from it fixes a poor set of legs (the desk example: five legs, 2.4% above the
# optimum, ~40 QPs); after ~30 node QPs best-first has branched on the large legs and the
# first dive finds the optimum's legs (desk example 86 -> 48 node QPs, legs 110 -> 72).
DIVE_AFTER_LEGS = 30
DIVE_EVERY = 24  # node QPs between dives at first, and after a dive that improved
#: Longest interval between dives (node QPs): a long search still dives now and then.
DIVE_EVERY_MAX = 768


class DiveSchedule:
    """When the branch-and-bound dives next, in node QPs (dives included).

    The first dive comes after ``DIVE_AFTER`` node QPs (``DIVE_AFTER_LEGS`` with legs), the
    next ``DIVE_EVERY`` later. A dive from an incumbent that leaves it unchanged doubles the
    interval (up to ``DIVE_EVERY_MAX``); one that improves it resets the interval. A dive
    the :class:`HeuristicBudget` skips counts as one that failed (the heuristics are
    failing). Without an incumbent the interval stays at ``DIVE_EVERY``: the
    leg-elimination dives look for a first plan, and until there is one nothing is pruned
    by bound.

    Why: on the leg families the dives found 1-4 incumbents in 13-32 dives (15-26% of the
    node QPs), and the best-first search proves the gap whatever they find. Doubling the
    interval after a dive that fails (measured against a fixed 24): ``fut_swaps_legs``
    seeds 0 / 2 911 -> 785 / 929 -> 849 node QPs, ``lots_legs`` seeds 0 / 1 / 2 1,086 ->
    978 / 719 -> 683 / 273 -> 302, the examples ``case_legs.yaml`` 153 -> 135 and with
    ``max_legs: 6`` 106 -> 91 (``case.yaml`` 21, unchanged), the desk ladder books
    (``bench_integer.py --ladders 12``) as many or fewer on each. Doubling it without an
    incumbent as well took the hardest ladder book from 9,401 to 10,833 node QPs: its
    dives never found a plan, but the node QPs they spend bring its deferred big-M
    tightening forward. The one search found worse: ``fut_swaps_legs`` seed 1 (60 s cap)
    23,380 -> 29,189 node QPs; it ends when a rounding meets the optimum, and fewer dives
    met it later (benchmarks/HISTORY.md, twelfth session).

    Parameters
    ----------
    nodes : int
        Node QPs solved when the search loop starts.
    legs : bool
        The search has leg binaries (first dive after ``DIVE_AFTER_LEGS``, else
        ``DIVE_AFTER``).
    """

    def __init__(self, nodes: int, legs: bool) -> None:
        self.every = DIVE_EVERY
        self.next = nodes + (DIVE_AFTER_LEGS if legs else DIVE_AFTER)

    def due(self, nodes: int) -> bool:
        """True when a dive is due after ``nodes`` node QPs."""
        return nodes >= self.next

    def dived(self, nodes: int, ub_before: float, ub_after: float) -> None:
        """A dive ended after ``nodes`` node QPs; the incumbent went from ``ub_before`` to
        ``ub_after`` (``inf``: none)."""
        if math.isfinite(ub_before):
            improved = ub_after < ub_before
            self.every = DIVE_EVERY if improved else min(2 * self.every, DIVE_EVERY_MAX)
        self.next = nodes + self.every
