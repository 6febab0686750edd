"""The case's desk limits (option vega, gross notional) as optimiser constraints.

Vega is in currency per 1 bp of normal vol for every option kind (swaptions, caps/floors,
options on futures): a Bachelier vega per 1.00 of vol x 1e-4; a Black-76 lognormal vega
converted with ``sigma_N ~ sigma_LN x F`` (F the forward swap rate), i.e. vega per 1.00
lognormal / F x 1e-4; an option on a futures price through the future's DV01 (see
:func:`~hedge_planner.derivative_hedges.unit_vega_buckets`). Buckets: swaptions
``<expiry>x<tenor>``, caps/floors ``<vol pillar>x<period>m``, futures options
``<expiry date>x<future>``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hedge_planner.case_hedge import FuturesSpec, HedgeSpec, SwaptionSpec
from hedge_planner.derivative_hedges import unit_vega_buckets
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.solvers.desk_limits import GrossNotionalLimit, VegaLimit

__all__ = [
    "desk_limits",
    "liquidity_cap",
    "member_vega_buckets",
    "vega_bucket",
    "vega_per_bp",
]


def vega_bucket(spec: SwaptionSpec) -> str:
    """Expiry x tenor label of a swaption, e.g. ``"1yx10y"``."""
    return f"{spec.expiry}x{spec.tenor}"


def vega_per_bp(member: Any) -> float:
    """Vega per unit of a universe member, currency per bp of normal vol (0 if not an option).

    Every option kind (swaptions, caps/floors, options on futures) in one normal-vol unit, see
    :func:`~hedge_planner.derivative_hedges.unit_vega_buckets`.
    """
    return float(sum(member_vega_buckets(member).values()))


def member_vega_buckets(member: Any) -> dict[str, float]:
    """Vega per unit of a universe member by expiry x tenor bucket, currency per bp."""
    return unit_vega_buckets(member.spec, getattr(member, "instrument", None), member.risk)


def desk_limits(hedge: HedgeSpec, members: list[Any], source: str) -> list[Any]:
    """``hedge.limits.vega_max`` and ``hedge.limits.gross_notional_max`` as constraints.

    Raises
    ------
    InputError
        When ``vega_max`` names a bucket that no swaption of the universe is in.
    """
    limits = hedge.limits
    out: list[Any] = []
    if limits.gross_notional_max is not None:
        notional = np.array([float(m.risk.notional) for m in members])
        out.append(GrossNotionalLimit(limits.gross_notional_max, notional))
    if limits.vega_max is None:
        return out
    per_bucket = [member_vega_buckets(m) for m in members]
    buckets = {b for unit in per_bucket for b in unit}
    wanted = limits.vega_max if isinstance(limits.vega_max, dict) else {"total": limits.vega_max}
    unknown = [b for b in wanted if b != "total" and b not in buckets]
    if unknown:
        known = sorted(buckets)
        raise InputError(
            [
                InputIssue(
                    source,
                    None,
                    "hedge.limits.vega_max",
                    f"bucket(s) {', '.join(unknown)} match no option of the universe "
                    f"(buckets: {', '.join(known) or 'none'}; or 'total')",
                )
            ]
        )
    for bucket, cap in wanted.items():
        if bucket == "total":
            vega = np.array([sum(unit.values()) for unit in per_bucket], dtype=float)
        else:
            vega = np.array([unit.get(bucket, 0.0) for unit in per_bucket], dtype=float)
        out.append(VegaLimit(float(cap), vega, bucket))
    return out


def liquidity_cap(hedge: HedgeSpec, member: Any, where: str, source: str) -> float | None:
    """Largest futures trade the liquidity limit allows, contracts (``None``: no cap).

    ``min(adv_share x ADV, oi_share x open interest)`` over the shares the case sets; ADV and
    open interest come from the universe entry, else the contract table.

    Raises
    ------
    InputError
        When a share is set but the contract has no figure for it.
    """
    liq = hedge.limits.liquidity
    spec = member.spec
    if liq is None or not isinstance(spec, FuturesSpec):
        return None
    contract = member.instrument.contract
    caps: list[float] = []
    for share, key in ((liq.adv_share, "average_daily_volume"), (liq.oi_share, "open_interest")):
        if share is None:
            continue
        figure = getattr(spec, key) or getattr(contract, key)
        if figure is None:
            raise InputError(
                [
                    InputIssue(
                        source,
                        None,
                        f"{where}.{key}",
                        f"hedge.limits.liquidity needs the {key.replace('_', ' ')} of "
                        f"{member.name}",
                        "give it on the futures entry or in the contracts_file",
                    )
                ]
            )
        caps.append(share * float(figure))
    return min(caps) if caps else None
