"""Grouping a book's flows by (payment date, sector) for batched scenario revaluation.

A scenario's factor ``exp(-(shift(t) + spread shift) t)`` depends on a flow only through its
payment date and its bond's sector, and a book of any size pays on at most a few ten thousand
distinct dates. The groups are found on a dense table indexed by the day after settlement
(no sort of the flows), and the flows' base present values are computed block by block from
per-date discount factors, so the work is linear in the book and the temporaries stay
block-sized.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import BLOCK_FLOWS, CashflowSchedule, bond_blocks
from hedge_planner.models.curves import YieldCurve


@dataclass(frozen=True)
class GroupedFlows:
    """A schedule's flows grouped by (date, sector).

    Attributes
    ----------
    base_price
        Dirty price per 100 face of each bond on the curve plus its z-spread, ``(n,)``.
    group_times
        Curve time of each group's payment date, years (ACT/365F), ``(U,)``, ascending.
    group_sector
        Sector code of each group (-1 = no sector), ``(U,)``.
    by_bond
        ``(n, U)`` CSR matrix of each bond's flow present values per 100 face, by group.
    """

    base_price: FloatArray
    group_times: FloatArray
    group_sector: IntArray
    by_bond: sp.csr_matrix


def group_schedule(
    sched: CashflowSchedule,
    curve: YieldCurve,
    z_spread: FloatArray,
    sector_code: IntArray,
    width: int,
    *,
    block_flows: int = BLOCK_FLOWS,
) -> GroupedFlows:
    """Group the flows of ``sched`` priced off ``curve`` plus each bond's z-spread.

    Parameters
    ----------
    sched
        Cash-flow schedule; ``curve`` must be anchored on its settlement date.
    curve
        Discount curve.
    z_spread
        Z-spread per bond, decimal, continuous on ACT/365F, ``(n,)``.
    sector_code
        Sector index per bond, ``-1`` for none, ``(n,)``; codes are below ``width - 1``.
    width
        Number of sector codes plus one.
    block_flows
        Flows per block (whole bonds); the result does not depend on it.
    """
    n = sched.n_bonds
    last = int(sched.pay_dates.max()) - sched.settle if sched.pay_dates.size else 0
    t_day = np.asarray(curve.time(sched.settle + np.arange(last + 1)), dtype=np.float64)
    df_day = curve.discount(t_day)
    code_plus = np.asarray(sector_code, dtype=np.int64) + 1
    blocks = bond_blocks(sched.offsets, block_flows)

    def keys(f0: int, f1: int) -> IntArray:
        return (sched.pay_dates[f0:f1] - sched.settle) * width + code_plus[sched.bond[f0:f1]]

    present = np.zeros((last + 1) * width, dtype=bool)
    for b0, b1 in blocks:
        present[keys(int(sched.offsets[b0]), int(sched.offsets[b1]))] = True
    group_of_key = np.cumsum(present) - 1
    used = np.flatnonzero(present)
    index_type = np.int32 if max(used.size, sched.amounts.size) < 2**31 - 1 else np.int64
    pv = np.empty(sched.amounts.size)
    group = np.empty(sched.amounts.size, dtype=index_type)
    for b0, b1 in blocks:
        f0, f1 = int(sched.offsets[b0]), int(sched.offsets[b1])
        day = sched.pay_dates[f0:f1] - sched.settle
        t = t_day[day]
        # The same operations, in the same order, as pricing each flow off the curve directly.
        pv[f0:f1] = sched.amounts[f0:f1] * df_day[day] * np.exp(-z_spread[sched.bond[f0:f1]] * t)
        group[f0:f1] = group_of_key[keys(f0, f1)]
    # Within a bond the flows pay on distinct, increasing dates: its row's groups are distinct
    # and ascending, a valid CSR row as it stands.
    indptr = sched.offsets.astype(index_type)
    by_bond = sp.csr_matrix((pv, group, indptr), shape=(n, used.size))
    return GroupedFlows(
        base_price=np.bincount(sched.bond, weights=pv, minlength=n).astype(np.float64),
        group_times=t_day[used // width],
        group_sector=(used % width - 1).astype(np.int64),
        by_bond=by_bond,
    )
