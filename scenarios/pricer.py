"""The :class:`ScenarioPricer` protocol: what a hedge must offer to be stressed beside the book."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.vol_shift import VolShift


# --------------------------------------------------------------------------------------------
# Hedge instruments
# --------------------------------------------------------------------------------------------
@runtime_checkable
class ScenarioPricer(Protocol):
    """What a hedge instrument must offer to be stressed beside the book (per unit held).

    Attributes
    ----------
    dv01
        Currency gained per unit when every zero rate falls 1 bp (positive for a long bond).
    dollar_convexity
        Second derivative of the value per unit with respect to a parallel zero-rate move, in
        currency per (decimal rate)^2, so that ``dV ~ -dv01 * dy_bp + dollar_convexity * dy^2 / 2``
        with ``dy`` decimal and ``dy_bp = dy * 1e4``.
    krd_dv01
        Key-rate DV01s, currency per bp per unit, shape ``(K,)``, on the key tenors of the
        scenarios being run (they should sum to ``dv01``).
    """

    # Read-only members: instruments expose these as frozen fields or properties.
    @property
    def dv01(self) -> float: ...

    @property
    def dollar_convexity(self) -> float: ...

    @property
    def krd_dv01(self) -> FloatArray: ...

    def scenario_values(self, key_years: FloatArray, shifts: FloatArray) -> FloatArray:
        """Full-revaluation value per unit (currency) under each shift vector.

        Parameters
        ----------
        key_years
            Key tenors, years, shape ``(K,)``.
        shifts
            Continuously compounded zero-rate tent shifts, decimal, shape ``(S, K)``.

        Returns
        -------
        numpy.ndarray
            Values per unit, currency, shape ``(S,)``.
        """
        ...

    def base_value(self) -> float:
        """Value per unit on the unshifted curve, currency."""
        ...


@runtime_checkable
class VolScenarioPricer(Protocol):
    """An option hedge a vol scenario reprices (swaptions, caps/floors, options on futures)."""

    def base_value(self) -> float:
        """Value per unit at the base vols, currency."""
        ...

    def vol_scenario_value(self, shift: VolShift) -> float:
        """Value per unit repriced in full with the normal vol shifted by ``shift``, currency."""
        ...

    def vol_scenario_approximation(self, shift: VolShift) -> float:
        """First-order change per unit: vega x the vol move, currency."""
        ...
