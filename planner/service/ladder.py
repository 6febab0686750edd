"""A key-rate DV01 ladder measured once per row set and scaled by its faces.

The desk's ladder (:func:`hedge_planner.service.desk.krd_ladder`) is a set of fixed
zero-coupon Treasury rows whose only per-request input is each row's face. On fixed curves
every per-row analytic of such a row is either proportional to its face (market value, DV01,
yield DV01, the position's face itself) or independent of it (prices per 100, yields, z-spread,
durations, convexities, KRDs and par KRDs in years, the cash-flow schedule per 100 face). So
the fast path measures a *unit* ladder (the same rows, face 1) once with
:func:`hedge_planner.workflow.measure_book` and, per request, multiplies the face-proportional
arrays by the faces (:func:`scale_book`); everything the case derives from the rows (totals,
durations as DV01 / MV, sector weights, active exposures, tracking error, the benchmark
comparison) is then computed by the ordinary code from the scaled rows
(:func:`hedge_planner.workflow.analysis_of_book`).

Linearity holds only for rows the engine measures itself: a modelled holding (short-rate
model) or supplied analytics break it, and such a unit is not used (:func:`scalable`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.portfolio import HoldingRisk
from hedge_planner.models.risk import KeyRateSensitivity
from hedge_planner.models.schemas import Holdings
from hedge_planner.workflow import BookRisk, MeasuredBook

logger = logging.getLogger(__name__)

__all__ = ["UNIT_FACE", "scalable", "scale_book"]

#: Face of every row of the unit ladder, currency.
UNIT_FACE = 1.0
#: Columns of the yield frame proportional to the position's face (the others are per 100
#: face or per position-independent: prices, yield, durations, convexity, coupon, dates).
FACE_COLUMNS = ("face", "market_value", "dv01")


def scalable(unit: MeasuredBook) -> bool:
    """Whether every analytic of ``unit`` is face-proportional or face-independent.

    Modelled holdings (priced by the short-rate model) and supplied analytics are not: their
    figures are not the engine's per-row measurement of a fixed bond.
    """
    book = unit.book_risk
    return (
        book.modelled is None
        and all(s == "computed" for s in book.risk.source)
        and bool(np.all(book.book.face == UNIT_FACE))
    )


def _sensitivity(krd: KeyRateSensitivity, market_value: FloatArray) -> KeyRateSensitivity:
    return KeyRateSensitivity(krd.tenors, krd.tenor_years, krd.krd, market_value)


def _scaled_risk(risk: HoldingRisk, faces: FloatArray) -> HoldingRisk:
    """Per-row risk at ``faces``: market values and DV01s scaled, durations kept."""
    comp = risk.computed
    comp_mv = comp.market_value * faces
    computed = dataclasses.replace(
        comp, market_value=comp_mv, dv01=comp.dv01 * faces, krd=_sensitivity(comp.krd, comp_mv)
    )
    mv = risk.market_value * faces
    return dataclasses.replace(
        risk, market_value=mv, krd=_sensitivity(risk.krd, mv), computed=computed
    )


def _scaled_frame(unit_frame: pd.DataFrame, faces: FloatArray) -> pd.DataFrame:
    """The unit ladder's yield table with its face-proportional columns times ``faces``."""
    frame = unit_frame.copy()
    for column in FACE_COLUMNS:
        frame[column] = frame[column].to_numpy() * faces
    return frame


def scale_book(unit: MeasuredBook, faces: Sequence[float]) -> MeasuredBook:
    """The measured book of ``unit``'s rows held at ``faces`` (currency, one per row).

    ``unit`` must be :func:`scalable`; the result equals :func:`measure_book` of the same rows
    at these faces up to rounding (the products are taken in another order).
    """
    f = np.asarray(faces, dtype=np.float64)
    book = unit.book_risk
    if f.shape != (len(book.book),):
        raise ValueError(f"{len(f)} faces for a ladder of {len(book.book)} rows")
    holdings = Holdings(
        tuple(
            row.model_copy(update={"face": float(face)})
            for row, face in zip(unit.holdings.rows, f, strict=True)
        )
    )
    scaled = BookRisk(
        book=dataclasses.replace(book.book, face=f),
        schedule=book.schedule,  # cash flows per 100 face
        # Why lazy: ~0.3 ms of pandas a call, and the hedge document never reads the table.
        frame_source=partial(_scaled_frame, book.yield_frame, f),
        risk=_scaled_risk(book.risk, f),
        krd_par=book.krd_par,
        holdings=None if book.holdings is None else holdings,
        modelled=None,
    )
    return dataclasses.replace(unit, holdings=holdings, book_risk=scaled)
