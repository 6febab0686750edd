"""Seeded generator of the hard mixed-integer hedge families (benchmarks/bench_integer.py).

Every instance is plain solver input (:mod:`hedge_planner.solvers.problem`): a USD 2bn book
over 9 key-rate buckets with a benchmark gap to hedge, a rates covariance, and a universe of
the family's shape. Families (issue 20, item 4):

* ``fut_swaps``: 10-14 futures (integer contracts, ranges of thousands) and 20-40 swaps;
* ``fut_only``: 10-14 futures only;
* ``near_dup``: 14 near-duplicate futures (DV01 within 1%), ranges of 10k-25k contracts;
* ``lots``: swaps and swaptions in integer lots of 1mm (35-50 integer variables);
* ``*_legs``: the same with minimum trades, ticket costs and ``max_legs``;
* ``*_tight``: tight duration band, KRD tolerances and margin budget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    DurationBand,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)

__all__ = ["FAMILIES", "Instance", "make_instance"]

TENORS = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])
LABELS = ("6M", "1Y", "2Y", "3Y", "5Y", "7Y", "10Y", "20Y", "30Y")
MV = 2e9
BENCH_KRD = np.array([0.05, 0.14, 0.40, 0.55, 1.05, 0.95, 1.20, 1.06, 0.80])  # years

FAMILIES = (
    "fut_swaps",
    "fut_swaps_legs",
    "fut_only",
    "fut_only_tight",
    "near_dup",
    "lots",
    "lots_legs",
    "lots_tight",
)


@dataclass
class Instance:
    """Inputs of one instance and the optimiser options it needs."""

    family: str
    seed: int
    portfolio: PortfolioRisk
    instruments: list[Instrument]
    covariance: np.ndarray
    terms: list[Any]
    constraints: list[Any]
    max_legs: int | None


def _tent(maturity: float) -> np.ndarray:
    """Weights of a bullet at ``maturity`` (years) on the key rates (linear tent)."""
    w = np.zeros(len(TENORS))
    k = int(np.clip(np.searchsorted(TENORS, maturity), 1, len(TENORS) - 1))
    lo, hi = TENORS[k - 1], TENORS[k]
    f = float(np.clip((maturity - lo) / (hi - lo), 0.0, 1.0))
    w[k - 1], w[k] = 1 - f, f
    return w


def _covariance(rng: np.random.Generator) -> np.ndarray:
    vol = rng.uniform(80, 110, len(TENORS))  # bp/yr
    corr = np.exp(-np.abs(np.log(TENORS[:, None]) - np.log(TENORS[None, :])) / 1.5)
    return corr * np.outer(vol, vol)


def _future(rng: np.random.Generator, name: str, maturity: float, span: float) -> Instrument:
    dv01 = 9.0 * maturity**0.8 * rng.uniform(0.9, 1.1)  # currency/bp per contract
    krd = dv01 * (0.85 * _tent(maturity) + 0.15 * _tent(maturity * 0.6))
    return Instrument(
        name=name, kind="future", krd_dv01=krd, carry=rng.normal(0, 40),
        half_spread=rng.uniform(7, 16), margin=rng.uniform(1200, 6500), lo=-span, hi=span,
    )  # fmt: skip


def _swap(
    rng: np.random.Generator, name: str, maturity: float, lot: float | None, swaption: bool
) -> Instrument:
    dur = maturity * (0.93 - 0.006 * maturity)
    krd = dur * 1e-4 * (0.9 * _tent(maturity) + 0.1 * _tent(maturity / 2))  # per notional
    extra: dict[str, Any] = {} if lot is None else {"integer": True, "lot_size": lot}
    if swaption:
        return Instrument(
            name=name, kind="swaption", krd_dv01=krd * 0.45, dollar_convexity=maturity * 0.02,
            carry=-rng.uniform(0.0005, 0.002), half_spread=rng.uniform(2e-4, 6e-4),
            margin=0.0, lo=0.0, hi=1e9, **extra,
        )  # fmt: skip
    return Instrument(
        name=name, kind="swap", krd_dv01=krd, carry=rng.normal(0, 2e-4) * maturity / 10,
        half_spread=dur * 1e-4 * rng.uniform(0.1, 0.25), margin=0.005 + 0.0015 * maturity,
        lo=-5e9, hi=5e9, **extra,
    )  # fmt: skip


def _universe(rng: np.random.Generator, base: str) -> list[Instrument]:
    out: list[Instrument] = []
    if base == "near_dup":
        m0 = rng.uniform(6, 9)
        for k in range(14):
            out.append(
                _future(rng, f"F{k}", m0 * rng.uniform(0.995, 1.005), rng.uniform(1e4, 2.5e4))
            )
        return out
    n_fut = int(rng.integers(10, 15)) if base in ("fut_swaps", "fut_only") else 6
    for k in range(n_fut):
        out.append(_future(rng, f"F{k}", rng.uniform(1.8, 28), rng.uniform(2e3, 2e4)))
    if base == "fut_swaps":
        for k in range(int(rng.integers(20, 41))):
            out.append(_swap(rng, f"S{k}", rng.uniform(1, 30), None, False))
    if base == "lots":
        n_int = int(rng.integers(35, 51)) - n_fut
        n_opt = n_int // 4
        for k in range(n_int - n_opt):
            out.append(_swap(rng, f"S{k}", rng.uniform(1, 30), 1e6, False))
        for k in range(n_opt):
            out.append(_swap(rng, f"O{k}", rng.uniform(5, 30), 1e6, True))
    return out


def make_instance(family: str, seed: int) -> Instance:
    """Instance ``seed`` of ``family`` (see the module docstring); deterministic."""
    rng = np.random.default_rng(abs(hash_family(family)) * 1000 + seed)
    base = family.replace("_legs", "").replace("_tight", "")
    cov = _covariance(rng)
    bench = BENCH_KRD * MV * 1e-4
    krd0 = bench * (1 + rng.normal(0, 0.25, len(TENORS))) + rng.normal(0, 0.15, 9) * MV * 1e-4
    port = PortfolioRisk(MV, krd0, 0.6 * MV, bench, LABELS)
    ins = _universe(rng, base)
    legs = family.endswith("_legs")
    if legs:
        ins = [
            replace(i, min_trade=25.0 if i.kind == "future" else 25e6,
                    ticket_cost=250.0 if i.kind == "future" else 2500.0)
            for i in ins
        ]  # fmt: skip
    tight = family.endswith("_tight")
    target = float(bench.sum() / (MV * 1e-4))
    cons: list[Any] = [
        DurationBand(target, 0.02 if tight else 0.25),
        KRDTolerance(np.full(9, 0.12 if tight else 0.35)),
    ]
    if tight:
        cons.append(MarginBudget(12e6))
    terms = [TrackingErrorTerm(500 / (2 * MV)), CarryTerm(1.0), SlippageTerm(1.0)]
    return Instance(family, seed, port, ins, cov, terms, cons, 6 if legs else None)


def hash_family(family: str) -> int:
    """A stable small integer per family name (Python's hash() is salted per process)."""
    return sum((k + 1) * ord(c) for k, c in enumerate(family)) % 9973
