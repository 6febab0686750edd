"""Closed-form futures hedge ratios: the package's one home for them.

DV01s are currency per bp, durations years, prices per 100 face; contracts are unrounded and
negative means sell. The plan's baseline hedge uses :func:`dv01_hedge_contracts`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.errors import AnalyticsError

# --------------------------------------------------------------------------------------------
# Hedge ratios
# --------------------------------------------------------------------------------------------


def futures_dv01_per_contract(
    ctd_dv01: npt.ArrayLike, conversion_factor: npt.ArrayLike, contract_size: npt.ArrayLike
) -> FloatArray:
    """Futures DV01 per contract from the CTD: ``ctd_dv01 / CF * contract_size / 100``.

    Parameters
    ----------
    ctd_dv01
        CTD price change per 1 bp, per 100 face (forward/at delivery).
    conversion_factor
        CTD conversion factor.
    contract_size
        Face value per contract, currency.

    Returns
    -------
    numpy.ndarray
        Currency per 1 bp per contract.
    """
    return (
        np.asarray(ctd_dv01, dtype=np.float64)
        / np.asarray(conversion_factor, dtype=np.float64)
        * np.asarray(contract_size, dtype=np.float64)
        / 100.0
    )


def duration_hedge_contracts(
    portfolio_value: npt.ArrayLike,
    portfolio_duration: npt.ArrayLike,
    futures_price: npt.ArrayLike,
    futures_duration: npt.ArrayLike,
    contract_size: npt.ArrayLike = 100_000.0,
    target_duration: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Contracts to move a portfolio's duration to a target: ``(D_T - D_P) P / (D_F F)``.

    Parameters
    ----------
    portfolio_value
        Portfolio value ``P``, currency.
    portfolio_duration, futures_duration, target_duration
        Durations in years (modified durations of the same flavour).
    futures_price
        Futures price per 100.
    contract_size
        Face per contract, currency; ``F = futures_price / 100 * contract_size``.

    Returns
    -------
    numpy.ndarray
        Contracts (unrounded); negative means sell.
    """
    f_value = np.asarray(futures_price, dtype=np.float64) / 100.0 * np.asarray(contract_size)
    if np.any(np.asarray(futures_duration) * f_value == 0):
        raise AnalyticsError("futures duration and contract value must be non-zero")
    return (
        (np.asarray(target_duration) - np.asarray(portfolio_duration))
        * np.asarray(portfolio_value, dtype=np.float64)
        / (np.asarray(futures_duration) * f_value)
    )


def dv01_hedge_contracts(
    portfolio_dv01: npt.ArrayLike,
    dv01_per_contract: npt.ArrayLike,
    target_dv01: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Contracts moving a portfolio's DV01 to a target: ``(DV01_T - DV01_P) / DV01_contract``.

    The one closed-form futures hedge ratio of the package (the plan's baseline uses it). All
    DV01s are currency per bp; ``target_dv01 = 0`` gives the DV01-neutral hedge; negative means
    sell.

    Raises
    ------
    AnalyticsError
        If a DV01 per contract is zero.
    """
    per_contract = np.asarray(dv01_per_contract, dtype=np.float64)
    if np.any(per_contract == 0):
        raise AnalyticsError("DV01 per contract must be non-zero")
    return (
        np.asarray(target_dv01, dtype=np.float64) - np.asarray(portfolio_dv01, dtype=np.float64)
    ) / per_contract
