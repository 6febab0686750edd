"""Supplied (OAS-based) analytics of holdings, aligned with the key tenors."""

from __future__ import annotations

import numpy as np
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.portfolio import SuppliedAnalytics
from hedge_planner.models.schemas import Holdings

__all__ = ["supplied_analytics"]


def supplied_analytics(
    holdings: Holdings, tenors: tuple[str, ...], source: str
) -> SuppliedAnalytics:
    """Supplied OAS-based analytics aligned with the key tenors (NaN where not supplied)."""
    rows = holdings.rows
    issues = []
    krd = np.full((len(rows), len(tenors)), np.nan)
    for i, row in enumerate(rows):
        for tenor, value in row.krd.items():
            if tenor not in tenors:
                issues.append(
                    InputIssue(
                        source,
                        None,
                        f"krd_{tenor}",
                        f"holding {row.id!r} supplies a KRD at {tenor}, which is not a key tenor",
                        f"key tenors are {', '.join(tenors)}",
                    )
                )
                continue
            krd[i, tenors.index(tenor)] = value
        if row.krd:
            krd[i] = np.nan_to_num(krd[i])
    if issues:
        raise InputError(issues)

    def col(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(r, name) is None else getattr(r, name) for r in rows])

    return SuppliedAnalytics(
        effective_duration=col("effective_duration"),
        effective_convexity=col("effective_convexity"),
        spread_duration=col("spread_duration"),
        krd=krd,
    )
