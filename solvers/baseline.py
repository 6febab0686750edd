"""Closed-form hedges: the linear-system bond hedge.

The futures hedge ratios have one home, :mod:`hedge_planner.models.futures`
(``duration_hedge_contracts``, ``dv01_hedge_contracts``).

These are the textbook answers the optimiser is checked against. The linear-system hedge chooses
weights ``w`` of ``n`` hedge instruments so that ``A w = b``, where each row of ``A`` holds one
per-unit exposure (modified duration, convexity, DV01, a key rate duration...) and the last row,
optionally, forces the weights to sum to one. Weights are then scaled to a portfolio value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.errors import HedgePlannerError

#: Condition numbers above this are refused: the answer would be dominated by rounding.
MAX_CONDITION = 1e10


class HedgeSystemError(HedgePlannerError, ValueError):
    """The hedge system has no reliable unique solution (singular, ill-conditioned, bad shape)."""


@dataclass(frozen=True)
class LinearHedge:
    """Solution of a linear-system hedge.

    Attributes
    ----------
    row_names
        Names of the matched rows (e.g. ``modified_duration``, ``convexity``, ``sum_of_weights``).
    weights
        Value weights of the hedge instruments (fractions of ``portfolio_value``).
    achieved
        ``A @ weights``: the matched figures, in each row's own units.
    targets
        The requested figures.
    condition_number
        2-norm condition number of the system matrix.
    amounts
        Units of each instrument to hold: ``weights * portfolio_value / unit_prices`` (set by
        :func:`scale_to_value`; ``None`` before).
    """

    row_names: tuple[str, ...]
    weights: FloatArray
    achieved: FloatArray
    targets: FloatArray
    condition_number: float
    amounts: FloatArray | None = None


def solve_linear_hedge(
    exposures: npt.ArrayLike,
    targets: npt.ArrayLike,
    row_names: Sequence[str],
    *,
    weights_sum_to_one: bool = True,
    max_condition: float = MAX_CONDITION,
) -> LinearHedge:
    """Solve ``A w = b`` for the weights of the hedge instruments.

    Parameters
    ----------
    exposures
        ``(k, n)`` per-unit-value exposures: row ``i`` holds exposure ``i`` of each of the ``n``
        instruments (e.g. modified durations in years, convexities in years^2).
    targets
        ``(k,)`` target portfolio exposures in the same units.
    row_names
        ``k`` names used in results and error messages.
    weights_sum_to_one
        Append the row ``sum(w) = 1`` (the weights are then portfolio weights).
    max_condition
        Refuse systems whose condition number exceeds this.

    Returns
    -------
    LinearHedge
        Weights and the figures they achieve.

    Raises
    ------
    HedgeSystemError
        If the system is not square, is singular or ill-conditioned (the message names the rows
        that are nearly dependent), or contains non-finite numbers.
    """
    a = np.atleast_2d(np.asarray(exposures, dtype=np.float64))
    b = np.atleast_1d(np.asarray(targets, dtype=np.float64))
    names = list(row_names)
    if a.shape[0] != len(b) or len(names) != len(b):
        raise HedgeSystemError(
            f"{a.shape[0]} exposure rows, {len(b)} targets and {len(names)} names must agree"
        )
    if weights_sum_to_one:
        a = np.vstack([a, np.ones(a.shape[1])])
        b = np.append(b, 1.0)
        names.append("sum_of_weights")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise HedgeSystemError("the hedge system contains NaN or infinite values")
    k, n = a.shape
    if k != n:
        raise HedgeSystemError(
            f"{k} conditions ({', '.join(names)}) need exactly {k} hedge instruments, got {n}; "
            "add or remove instruments or targets"
        )
    u, s, _ = np.linalg.svd(a)
    cond = float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
    if cond > max_condition:
        # The left singular vector of the smallest singular value shows which rows combine
        # into (almost) nothing: those conditions cannot be met independently.
        weight = np.abs(u[:, -1])
        culprits = [names[i] for i in np.flatnonzero(weight > 0.1 * weight.max())]
        raise HedgeSystemError(
            f"the hedge system is singular or ill-conditioned (condition number {cond:.3g} > "
            f"{max_condition:.0e}): the conditions {', '.join(culprits)} are nearly dependent "
            "for these hedge instruments; choose instruments with more distinct exposures or "
            "drop a condition"
        )
    w = np.asarray(np.linalg.solve(a, b), dtype=np.float64)
    return LinearHedge(
        row_names=tuple(names),
        weights=w,
        achieved=a @ w,
        targets=b,
        condition_number=cond,
    )


def scale_to_value(
    hedge: LinearHedge, unit_prices: npt.ArrayLike, portfolio_value: float
) -> LinearHedge:
    """Units of each instrument for a hedge portfolio worth ``portfolio_value``.

    Parameters
    ----------
    hedge
        A solved linear hedge.
    unit_prices
        Price of one unit of each instrument, currency (e.g. the dirty value of the position).
    portfolio_value
        Value to scale to, currency.

    Returns
    -------
    LinearHedge
        The same hedge with ``amounts = weights * portfolio_value / unit_prices``.
    """
    prices = np.asarray(unit_prices, dtype=np.float64)
    if (prices <= 0).any():
        raise HedgeSystemError("unit prices must be positive to scale the hedge")
    return LinearHedge(
        row_names=hedge.row_names,
        weights=hedge.weights,
        achieved=hedge.achieved,
        targets=hedge.targets,
        condition_number=hedge.condition_number,
        amounts=hedge.weights * portfolio_value / prices,
    )
