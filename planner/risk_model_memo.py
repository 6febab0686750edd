"""The book's factor model, built once per set of inputs.

:func:`~hedge_planner.models.risk_model.build_risk_model` depends on the key tenors, the rate
covariance in the book's KRD basis, the sectors and the spread table, not on the book's sizes:
the desk's service rebuilds the same model for every book of one request shape. This memo
returns the model built before when every input is equal (the spread table: the same object).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.risk_model import (
    RelativeSpreadVol,
    RiskModel,
    SpreadRiskTable,
    build_risk_model,
)

__all__ = ["risk_model"]

_MEMO_SIZE = 8
_memo: OrderedDict[Hashable, tuple[SpreadRiskTable, RiskModel]] = OrderedDict()
_lock = threading.Lock()


def risk_model(
    tenors: Sequence[str],
    rate_covariance: npt.ArrayLike,
    rate_source: str,
    sectors: Sequence[str],
    spread_table: SpreadRiskTable,
    *,
    relative: Mapping[str, RelativeSpreadVol] | None = None,
    **options: Any,
) -> RiskModel:
    """:func:`~hedge_planner.models.risk_model.build_risk_model` of these inputs (same
    parameters), memoised; its covariance is read-only. Models with duration-times-spread
    sectors (``relative``) are built every time."""
    if relative:
        return build_risk_model(
            tenors,
            rate_covariance,
            rate_source,
            sectors,
            spread_table,
            relative=relative,
            **options,
        )
    rc = np.ascontiguousarray(rate_covariance, dtype=np.float64)
    key = (
        tuple(tenors),
        rc.shape,
        rc.tobytes(),
        rate_source,
        tuple(sectors),
        id(spread_table),
        tuple(sorted(options.items())),
    )
    with _lock:
        entry = _memo.get(key)
        if entry is not None and entry[0] is spread_table:
            _memo.move_to_end(key)
            return entry[1]
    model = build_risk_model(tenors, rc, rate_source, sectors, spread_table, **options)
    model.covariance.setflags(write=False)  # shared by every caller from now on
    with _lock:
        _memo[key] = (spread_table, model)  # the table kept: its id is not reused
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return model
