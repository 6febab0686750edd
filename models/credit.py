"""Credit default swap spread risk: spread DV01 and the P&L of a spread move.

Sign convention: ``notional`` is positive for protection sold (long credit), which gains when
spreads tighten. Spread duration in years; spread DV01 in currency per bp of tightening.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hedge_planner.models.units import BP


def cds_spread_dv01(notional: float, spread_duration: float) -> float:
    """Spread DV01 of a CDS position, ``notional * spread_duration * 1e-4``, currency per bp."""
    return notional * spread_duration * BP


def cds_spread_pnl(
    notional: float, spread_duration: float, spread_move_bp: npt.ArrayLike
) -> np.ndarray:
    """First-order P&L of a CDS position under spread moves (widening positive), currency.

    ``-spread DV01 * move``: sold protection loses when its sector's spread widens. The CDS has
    no rate sensitivity by convention.
    """
    move = np.asarray(spread_move_bp, dtype=np.float64)
    return -cds_spread_dv01(notional, spread_duration) * move
