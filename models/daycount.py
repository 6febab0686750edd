"""Day-count conventions, vectorised over arrays of date pairs.

Supported conventions (the code is what the holdings file carries):

========== ============ ===========================================================
code       integer id   definition
========== ============ ===========================================================
ACT/ACT    0            ICMA (ISMA) actual/actual: days / (days in reference period *
                        frequency). The US Treasury convention.
30/360     1            30/360 US bond basis (ISDA "bond basis"): D1=31 -> 30; D2=31
                        -> 30 when D1 is 30 or 31; no February adjustment.
ACT/360    2            actual days / 360
ACT/365F   3            actual days / 365
========== ============ ===========================================================
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.dates import ymd
from hedge_planner.models.units import DAYS_PER_YEAR


class DayCount(IntEnum):
    """Day-count convention identifiers (stable integers used in vectorised code)."""

    ACT_ACT = 0
    THIRTY_360 = 1
    ACT_360 = 2
    ACT_365F = 3

    @property
    def label(self) -> str:
        """The convention's name as written in input files."""
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> DayCount:
        """Parse a day-count label (case/spacing insensitive); ``ValueError`` if unknown."""
        key = text.strip().upper().replace(" ", "").replace("_", "/")
        try:
            return _ALIASES[key]
        except KeyError:
            raise ValueError(
                f"unknown day count {text!r}; expected one of {', '.join(_LABELS.values())}"
            ) from None


_LABELS = {
    DayCount.ACT_ACT: "ACT/ACT",
    DayCount.THIRTY_360: "30/360",
    DayCount.ACT_360: "ACT/360",
    DayCount.ACT_365F: "ACT/365F",
}
_ALIASES = {
    "ACT/ACT": DayCount.ACT_ACT,
    "ACTUAL/ACTUAL": DayCount.ACT_ACT,
    "ACT/ACT(ICMA)": DayCount.ACT_ACT,
    "ACT/ACTICMA": DayCount.ACT_ACT,
    "ACT/ACT/ICMA": DayCount.ACT_ACT,
    "ACT/ACT/ISMA": DayCount.ACT_ACT,
    "30/360": DayCount.THIRTY_360,
    "30/360US": DayCount.THIRTY_360,
    "30/360BONDBASIS": DayCount.THIRTY_360,
    "ACT/360": DayCount.ACT_360,
    "ACTUAL/360": DayCount.ACT_360,
    "ACT/365F": DayCount.ACT_365F,
    "ACT/365": DayCount.ACT_365F,
    "ACT/365FIXED": DayCount.ACT_365F,
    "ACTUAL/365": DayCount.ACT_365F,
}


def days_30_360(d1: npt.ArrayLike, d2: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Day count between dates under 30/360 US bond basis (ISDA bond basis)."""
    y1, m1, dd1 = ymd(d1)
    y2, m2, dd2 = ymd(d2)
    dd1 = np.where(dd1 == 31, 30, dd1)
    dd2 = np.where((dd2 == 31) & (dd1 == 30), 30, dd2)
    return 360 * (y2 - y1) + 30 * (m2 - m1) + (dd2 - dd1)


def year_fraction(
    code: npt.ArrayLike,
    d1: npt.ArrayLike,
    d2: npt.ArrayLike,
    ref_start: npt.ArrayLike,
    ref_end: npt.ArrayLike,
    frequency: npt.ArrayLike,
) -> FloatArray:
    """Year fraction between ``d1`` and ``d2`` under each element's day count.

    Parameters
    ----------
    code
        :class:`DayCount` integers, broadcast against the dates.
    d1, d2
        Day serials of the period's start and end.
    ref_start, ref_end
        The regular coupon period that contains ``[d1, d2]`` (used by ACT/ACT ICMA only).
    frequency
        Coupons per year (used by ACT/ACT ICMA only; must be positive there).

    Returns
    -------
    numpy.ndarray
        Year fractions in years.

    Notes
    -----
    ACT/ACT ICMA is evaluated as ``(d2 - d1) / ((ref_end - ref_start) * frequency)``, which is
    exact when ``[d1, d2]`` lies inside the reference period; the schedule builder only asks for
    such pairs (a short first coupon carries its notional regular period as reference).
    """
    d1, d2, ref_start, ref_end, code, frequency = np.broadcast_arrays(
        np.asarray(d1, dtype=np.int64),
        np.asarray(d2, dtype=np.int64),
        np.asarray(ref_start, dtype=np.int64),
        np.asarray(ref_end, dtype=np.int64),
        np.asarray(code, dtype=np.int64),
        np.asarray(frequency, dtype=np.float64),
    )
    actual = (d2 - d1).astype(np.float64)
    out = actual / DAYS_PER_YEAR
    # Each convention is evaluated only where it applies: 30/360 needs calendar fields, which
    # are the expensive part.
    icma = code == DayCount.ACT_ACT
    if icma.any():
        ref_days = (ref_end[icma] - ref_start[icma]).astype(np.float64)
        out[icma] = actual[icma] / (ref_days * frequency[icma])
    thirty = code == DayCount.THIRTY_360
    if thirty.any():
        out[thirty] = days_30_360(d1[thirty], d2[thirty]) / 360.0
    act360 = code == DayCount.ACT_360
    out[act360] = actual[act360] / 360.0
    return out
