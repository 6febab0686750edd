"""The factor model the plan reports tracking error with, as the optimiser's input.

The per-unit loadings of the hedge instruments (``B``) depend on the instruments, the curves
and the factor names only, not on the book: a service answering many books on one priced
universe (:class:`~hedge_planner.market_cache.MarketCache` shares the members) computes them
once (a small memo keyed by the identity of the objects they are read from).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from hedge_planner.active_risk import ActiveRisk, position_loadings
from hedge_planner.derivative_hedges import basis_loadings, hedge_risk_model, spread_loadings
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.krd import ParQuotes
from hedge_planner.models.risk_model import RiskModel
from hedge_planner.solvers.problem import FactorRisk
from hedge_planner.workflow import CaseAnalysis

__all__ = ["factor_risk", "unit_loadings"]

#: Loadings kept (one per universe, curve set and factor list).
_MEMO_SIZE = 8
_memo: OrderedDict[Hashable, tuple[tuple[Any, ...], FloatArray]] = OrderedDict()
_lock = threading.Lock()


def unit_loadings(
    active: ActiveRisk,
    members: Sequence[Any],
    model: RiskModel,
    curve: YieldCurve,
    quotes: ParQuotes,
) -> FloatArray:
    """Each member's loadings per unit on the factors of ``model``, ``(factors, n)`` (read-only).

    ``members`` are :class:`~hedge_planner.hedging.UniverseMember`; rate factors in
    ``active``'s KRD convention (:func:`~hedge_planner.active_risk.position_loadings`),
    swap-spread, sector-spread and CDX basis loadings as
    :func:`~hedge_planner.derivative_hedges.spread_loadings` and ``basis_loadings`` give them.
    """
    key = (
        tuple(id(m) for m in members),
        id(curve),
        id(quotes),
        active.tenors,
        active.convention,
        tuple(model.names),
    )
    # The objects keyed by identity stay referenced by the entry, so their ids are not reused.
    held = (*members, curve, quotes)
    with _lock:
        entry = _memo.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], held, strict=True)):
            _memo.move_to_end(key)
            return entry[1]
    loadings = np.zeros((len(model.names), len(members)))
    for j, m in enumerate(members):
        unit = position_loadings(active, [(m.risk.kind, m.risk.krd_dv01)], curve, quotes)
        unit.update(spread_loadings(m.name, m.instrument, 1.0, model.names))
        unit.update(basis_loadings(m.name, m.instrument, 1.0))  # CDX index-vs-book basis
        loadings[:, j] = model.vector(unit)
    loadings.setflags(write=False)
    with _lock:
        _memo[key] = (held, loadings)
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return loadings


_models: OrderedDict[Hashable, tuple[tuple[Any, ...], RiskModel]] = OrderedDict()


def _hedge_model(book_model: RiskModel, members: Sequence[Any]) -> RiskModel:
    """:func:`~hedge_planner.derivative_hedges.hedge_risk_model`, memoised by the identity
    of the book's model (one per set of inputs: :mod:`hedge_planner.risk_model_memo`) and of
    the members."""
    key = (id(book_model), *(id(m) for m in members))
    held = (book_model, *members)
    with _lock:
        entry = _models.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], held, strict=True)):
            _models.move_to_end(key)
            return entry[1]
    model = hedge_risk_model(book_model, [(m.name, m.spec, m.instrument) for m in members])
    with _lock:
        _models[key] = (held, model)
        while len(_models) > _MEMO_SIZE:
            _models.popitem(last=False)
    return model


def factor_risk(analysis: CaseAnalysis, members: Sequence[Any]) -> FactorRisk:
    """The factor model the plan reports tracking error with, as the optimiser's input.

    ``a`` = the book's pre-hedge active exposures (``analysis.active.exposures``: key rates in
    the chosen KRD convention, sector spreads, swap spreads); ``B`` = each instrument's per-unit
    loadings (:func:`unit_loadings`: KRD DV01s on the rate factors in the chosen convention,
    and for swaps and swaptions their zero-basis KRD DV01s on the swap-spread factors). Sector
    spreads are constants the rate instruments cannot move, but through the rate-spread
    covariance they shift the best rate hedge; a CDX loads on its sector's spread factor (beta
    x spread DV01) and on its own index-vs-book basis factor
    (:func:`~hedge_planner.derivative_hedges.hedge_risk_model`). The KRD tolerance limits read
    the rate rows, so they are in the same convention.
    """
    active = analysis.active
    model = _hedge_model(active.risk_model, members)
    quotes = analysis.curves.treasury_quotes
    assert quotes is not None
    loadings = unit_loadings(active, members, model, analysis.curves.treasury, quotes)
    index = {name: i for i, name in enumerate(model.names)}
    return FactorRisk(
        names=model.names,
        covariance=np.array(model.covariance, dtype=np.float64),  # the memo's is shared
        exposures=model.vector(active.exposures),
        loadings=loadings.copy(),
        krd_rows=tuple(index[f"rate:{t}"] for t in active.tenors),
    )
