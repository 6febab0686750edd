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
"""

from __future__ import annotations

__all__ = ["HeuristicBudget"]

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
