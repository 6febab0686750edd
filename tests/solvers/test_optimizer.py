"""Tests of the hedge optimiser against independent references.

References: exhaustive enumeration of futures counts with the continuous leg minimised in
closed form, the GLS hedge formula, hand-computed minimal violations, SCIP (optional).
Nothing is compared with the optimiser's own earlier output.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, replace

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.optimizer import HedgeOptimizer, HedgeResult
from hedge_planner.solvers.problem import HedgeInputError, Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    ConvexityFloor,
    DurationBand,
    DV01Limit,
    ImpactTerm,
    InstrumentFactorRiskTerm,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorL1Term,
    TrackingErrorTerm,
)

warnings.filterwarnings("ignore", category=RuntimeWarning, module="cvxpy")

# --------------------------------------------------------------------------- random instances


@dataclass
class Case:
    """Raw numbers of a random instance, kept apart from the optimiser's own objects."""

    mv: float
    krd0: np.ndarray
    bench: np.ndarray
    conv0: float
    cov: np.ndarray
    U: np.ndarray  # (n, n_b) per-unit krd_dv01
    conv: np.ndarray
    carry: np.ndarray
    hs: np.ndarray
    imp: np.ndarray
    margin: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    q0: np.ndarray
    integer: np.ndarray
    lam: float
    dur_target: float | None
    dur_band: float | None
    dv01_max: float | None
    dv01_min: float | None
    krd_tol: np.ndarray | None  # years
    conv_floor: float | None
    budget: float | None


def random_case(rng: np.random.Generator) -> Case:
    """2-3 integer futures (|q| <= 3..5), maybe one continuous swap, random limits."""
    n_b = int(rng.integers(3, 5))
    n_fut = int(rng.integers(2, 4))
    has_swap = bool(rng.random() < 0.6)
    n = n_fut + has_swap
    mv = 1e6
    scale = mv * 1e-4  # 100 currency/bp per year of duration
    krd0 = rng.uniform(20, 120, n_b)
    bench = krd0 * rng.uniform(0.6, 1.1, n_b)
    b = rng.normal(size=(n_b, n_b))
    cov = b @ b.T * 50 + np.diag(rng.uniform(1, 20, n_b))
    U = np.zeros((n, n_b))
    for i in range(n_fut):
        k = rng.integers(0, n_b)
        U[i, k] = rng.uniform(8, 30)
        U[i, max(k - 1, 0)] += rng.uniform(0, 5)
    if has_swap:
        U[n_fut] = rng.uniform(0, 2e-4, n_b) * (rng.random(n_b) < 0.7)  # per notional
        U[n_fut, -1] += 1e-4
    conv = np.concatenate([rng.uniform(-2e3, 5e3, n_fut), rng.uniform(0, 0.5, int(has_swap))])
    carry = np.concatenate([rng.uniform(-3, 3, n_fut), rng.uniform(-2e-5, 2e-5, int(has_swap))])
    hs = np.concatenate([rng.uniform(0, 3, n_fut), rng.uniform(0, 2e-5, int(has_swap))])
    imp = np.concatenate([rng.uniform(0, 1, n_fut), rng.uniform(0, 1e-11, int(has_swap))])
    margin = np.concatenate([rng.uniform(50, 300, n_fut), rng.uniform(0, 5e-3, int(has_swap))])
    m = rng.integers(3, 6, n_fut)
    lo = np.concatenate([-m.astype(float), [-4e5] * has_swap])
    hi = np.concatenate([m.astype(float), [4e5] * has_swap])
    if rng.random() < 0.3:  # a long-only future
        lo[0] = 0.0
    q0 = np.zeros(n)
    if rng.random() < 0.3:
        q0[:n_fut] = rng.integers(-2, 3, n_fut)
    if rng.random() < 0.1:  # pure MILP: no quadratic part at all
        lam, imp = 0.0, np.zeros(n)
    else:
        lam = float(10 ** rng.uniform(-4, -2))
    # Limits around a random integer plan so that some bind and a few are infeasible.
    qr = np.concatenate([rng.integers(-2, 3, n_fut), rng.uniform(-2e5, 2e5, int(has_swap))])
    post = krd0 + U.T @ qr
    dur = post.sum() / scale
    dur_target = dur_band = dv01_max = dv01_min = conv_floor = budget = None
    krd_tol = None
    if rng.random() < 0.7:
        dur_target = dur + rng.normal(0, 0.1)
        dur_band = float(rng.uniform(0.0, 0.4))
    if rng.random() < 0.5:
        dv01_max = post.sum() + rng.uniform(-10, 40)
    if rng.random() < 0.3:
        dv01_min = post.sum() - rng.uniform(0, 60)
        if dv01_max is not None:
            dv01_min = min(dv01_min, dv01_max)
    if rng.random() < 0.4:
        krd_tol = np.abs(post - bench) / scale + rng.uniform(0.0, 0.3, n_b)
        krd_tol[rng.random(n_b) < 0.3] = math.inf
    if rng.random() < 0.4:
        conv_floor = (0.0 + conv @ qr) / mv + rng.normal(0, 0.005)
    if rng.random() < 0.4:
        budget = float(margin @ np.abs(qr)) * rng.uniform(0.8, 1.5)
    return Case(
        mv, krd0, bench, 0.0, cov, U, conv, carry, hs, imp, margin, lo, hi, q0,
        np.arange(n) < n_fut, lam, dur_target, dur_band, dv01_max, dv01_min, krd_tol,
        conv_floor, budget,
    )  # fmt: skip


def build(case: Case, **kw: object) -> HedgeOptimizer:
    """Optimiser for a random case (the object under test)."""
    port = PortfolioRisk(case.mv, case.krd0, case.conv0, case.bench)
    ins = [
        Instrument(
            name=f"i{i}",
            kind="future" if case.integer[i] else "swap",
            krd_dv01=case.U[i],
            dollar_convexity=case.conv[i],
            carry=case.carry[i],
            half_spread=case.hs[i],
            impact=case.imp[i],
            margin=case.margin[i],
            lo=case.lo[i],
            hi=case.hi[i],
            q0=case.q0[i],
        )
        for i in range(len(case.lo))
    ]
    terms = [TrackingErrorTerm(case.lam), CarryTerm(), SlippageTerm(), ImpactTerm()]
    cons: list = []
    if case.dur_target is not None:
        cons.append(DurationBand(case.dur_target, case.dur_band))
    if case.dv01_max is not None or case.dv01_min is not None:
        cons.append(DV01Limit(dv01_min=case.dv01_min, dv01_max=case.dv01_max))
    if case.krd_tol is not None:
        cons.append(KRDTolerance(case.krd_tol))
    if case.conv_floor is not None:
        cons.append(ConvexityFloor(case.conv_floor))
    if case.budget is not None:
        cons.append(MarginBudget(case.budget))
    return HedgeOptimizer(port, ins, case.cov, terms, cons, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- references


def objective(case: Case, q: np.ndarray) -> float:
    """Objective recomputed from the raw numbers (currency)."""
    g = case.krd0 + case.U.T @ q - case.bench
    t = q - case.q0
    return float(
        case.lam * g @ case.cov @ g - case.carry @ q + case.hs @ np.abs(t) + case.imp @ (t * t)
    )


def linear_rows(case: Case) -> list[tuple[np.ndarray, float, float, float]]:
    """Constraints as (coef on q, lo, hi, tolerance) from the raw numbers, own units."""
    scale = case.mv * 1e-4
    d0 = case.krd0.sum()
    rows = []
    dv = case.U.sum(axis=1)
    if case.dur_target is not None:
        rows.append((dv / scale, case.dur_target - case.dur_band - d0 / scale,
                     case.dur_target + case.dur_band - d0 / scale, 1e-7))  # fmt: skip
    if case.dv01_max is not None:
        rows.append((dv, -math.inf, case.dv01_max - d0, 1e-5))
    if case.dv01_min is not None:
        rows.append((dv, case.dv01_min - d0, math.inf, 1e-5))
    if case.krd_tol is not None:
        gap0 = (case.krd0 - case.bench) / scale
        for k, tol in enumerate(case.krd_tol):
            if math.isfinite(tol):
                rows.append((case.U[:, k] / scale, -tol - gap0[k], tol - gap0[k], 1e-7))
    if case.conv_floor is not None:
        rows.append((case.conv / case.mv, case.conv_floor - case.conv0 / case.mv, math.inf, 1e-7))
    return rows


def feasible(case: Case, q: np.ndarray, rtol: float = 1.0) -> bool:
    """Every constraint (rows, margin, bounds, integrality) at q, recomputed independently."""
    for coef, lo, hi, tol in linear_rows(case):
        v = coef @ q
        if v < lo - rtol * tol or v > hi + rtol * tol:
            return False
    if case.budget is not None and case.margin @ np.abs(q) > case.budget + 1e-6 * rtol:
        return False
    span = np.maximum(1.0, np.abs(q))
    if np.any(q < case.lo - 1e-9 * span) or np.any(q > case.hi + 1e-9 * span):
        return False
    qi = q[case.integer]
    return bool(np.all(qi == np.round(qi)))


def best_swap(case: Case, qf: np.ndarray) -> tuple[float, float] | None:
    """Exact minimum over the single continuous swap with futures fixed at ``qf``.

    The feasible set in s is an interval (all constraints are linear in s, margin bounds |s|)
    and the objective is a convex piecewise quadratic with a kink at s0, so the minimum is at
    an interval end, the kink, or a clipped stationary point of one of the two pieces.
    """
    n_f = len(qf)
    s_lo, s_hi = case.lo[n_f], case.hi[n_f]
    base = np.concatenate([qf, [0.0]])
    for coef, lo, hi, _ in linear_rows(case):
        a, b = coef[:n_f] @ qf, coef[n_f]
        if abs(b) < 1e-300:
            if a < lo - 1e-12 or a > hi + 1e-12:
                return None
            continue
        r1, r2 = (lo - a) / b, (hi - a) / b
        s_lo, s_hi = max(s_lo, min(r1, r2)), min(s_hi, max(r1, r2))
    if case.budget is not None:
        room = case.budget - case.margin[:n_f] @ np.abs(qf)
        if room < 0:
            return None
        if case.margin[n_f] > 0:
            s_lo, s_hi = max(s_lo, -room / case.margin[n_f]), min(s_hi, room / case.margin[n_f])
    if s_lo > s_hi:
        return None
    u = case.U[n_f]
    g1 = case.krd0 + case.U[:n_f].T @ qf - case.bench
    s0 = case.q0[n_f]
    a2 = case.lam * u @ case.cov @ u + case.imp[n_f]
    cands = [s_lo, s_hi]
    if s_lo <= s0 <= s_hi:
        cands.append(s0)
    for sign in (-1.0, 1.0):  # pieces s < s0 and s > s0
        lin = 2 * case.lam * u @ case.cov @ g1 - case.carry[n_f] - 2 * case.imp[n_f] * s0
        lin += sign * case.hs[n_f]
        if a2 > 0:
            cands.append(float(np.clip(-lin / (2 * a2), s_lo, s_hi)))
    best = None
    for s in cands:
        q = base.copy()
        q[n_f] = s
        f = objective(case, q)
        if best is None or f < best[0]:
            best = (f, s)
    return best


def brute_force(case: Case) -> tuple[float, np.ndarray] | None:
    """Enumerate every futures count combination (the reference optimum)."""
    n_f = int(case.integer.sum())
    ranges = [range(int(case.lo[i]), int(case.hi[i]) + 1) for i in range(n_f)]
    best: tuple[float, np.ndarray] | None = None
    has_swap = len(case.lo) > n_f
    for combo in itertools.product(*ranges):
        qf = np.array(combo, dtype=float)
        if has_swap:
            r = best_swap(case, qf)
            if r is None:
                continue
            q = np.concatenate([qf, [r[1]]])
            f = r[0]
        else:
            q = qf
            if not feasible(case, q, rtol=0.0):
                continue
            f = objective(case, q)
        if best is None or f < best[0]:
            best = (f, q)
    return best


def check_plan(case: Case, res: HedgeResult) -> None:
    """The plan satisfies every constraint and the reported figures match recomputation."""
    q = res.q
    assert feasible(case, q), f"plan violates a constraint: {q}"
    assert res.objective == pytest.approx(objective(case, q), rel=1e-9, abs=1e-9)
    scale = case.mv * 1e-4
    post = case.krd0 + case.U.T @ q
    assert res.post.dv01 == pytest.approx(post.sum(), rel=1e-12, abs=1e-9)
    assert res.post.duration == pytest.approx(post.sum() / scale, rel=1e-12, abs=1e-12)
    g = post - case.bench
    te = math.sqrt(g @ case.cov @ g)
    assert res.post.te == pytest.approx(te, rel=1e-9)
    assert res.post.te_bp == pytest.approx(te / case.mv * 1e4, rel=1e-9)
    assert res.post.convexity == pytest.approx((case.conv0 + case.conv @ q) / case.mv, abs=1e-12)
    for rep in res.constraints:
        assert rep.slack >= -1e-5 * max(1.0, abs(rep.limit)), rep


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", range(120))
def test_integer_optimum_matches_brute_force(seed: int) -> None:
    """B&B / MILP optimum equals exhaustive enumeration; the plan satisfies its constraints."""
    case = random_case(np.random.default_rng(seed))
    ref = brute_force(case)
    res = build(case).solve()
    if ref is None:
        assert res.status == "infeasible"
        assert res.violations, "infeasible result must say which limits to move"
        return
    assert res.status == "optimal", res.message
    check_plan(case, res)
    f_ref = ref[0]
    tol = 2e-6 * max(1.0, abs(f_ref)) + 1e-7
    assert res.objective <= f_ref + tol
    assert res.objective >= f_ref - tol
    assert res.rel_gap <= 1e-6
    assert res.best_bound <= res.objective + 1e-9


def gls_setup(
    seed: int, n_b: int = 6, n: int = 4
) -> tuple[PortfolioRisk, list[Instrument], np.ndarray]:
    rng = np.random.default_rng(seed)
    b = rng.normal(size=(n_b, n_b))
    cov = b @ b.T * 40 + np.eye(n_b)
    U = rng.uniform(-1e-4, 5e-4, (n, n_b))
    krd0 = rng.uniform(1e3, 5e3, n_b)
    bench = rng.uniform(1e3, 5e3, n_b)
    port = PortfolioRisk(5e8, krd0, 0.0, bench)
    ins = [Instrument(f"s{i}", "swap", U[i]) for i in range(n)]
    return port, ins, cov


@pytest.mark.parametrize("backend", ["cvxpy", "highspy"])
@pytest.mark.parametrize("seed", range(3))
def test_gls_baseline(seed: int, backend: str) -> None:
    """Zero costs, no integrality, no limits: q* = -(U S U')^-1 U S g0 to 1e-8 relative."""
    port, ins, cov = gls_setup(seed)
    opt = HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(1e-6)], continuous_backend=backend)
    res = opt.solve()
    U = np.array([i.krd_dv01 for i in ins])
    g0 = port.krd_dv01 - port.bench_krd_dv01
    q_ref = -np.linalg.solve(U @ cov @ U.T, U @ cov @ g0)
    assert res.status == "optimal"
    np.testing.assert_allclose(res.q, q_ref, rtol=1e-8)
    g = g0 + U.T @ q_ref
    assert res.objective == pytest.approx(1e-6 * g @ cov @ g, rel=1e-8)


def test_scip_cross_check() -> None:
    """Where SCIP is installed, the same MIQP through cvxpy gives the same objective."""
    pytest.importorskip("pyscipopt")
    done = 0
    for seed in range(200, 260):
        case = random_case(np.random.default_rng(seed))
        if case.lam == 0:
            continue
        opt = build(case)
        res = opt.solve()
        if res.status != "optimal":
            continue
        opt.cp_problem.solve(solver="SCIP", scip_params={"limits/gap": 1e-9})
        assert opt.cp_problem.value == pytest.approx(res.objective, rel=1e-5, abs=1e-5)
        done += 1
        if done == 8:
            break
    assert done >= 5


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"band": -0.1}, "duration_band"),
        ({"dv01": (10.0, 5.0)}, "dv01_min/dv01_max"),
        ({"cov": np.eye(3)}, "covariance"),
        ({"cov": np.array([[1.0, 0.5], [0.4, 1.0]])}, "covariance"),
        ({"cov": np.array([[1.0, 2.0], [2.0, 1.0]])}, "covariance"),
        ({"cov": np.array([[1.0, np.nan], [np.nan, 1.0]])}, "covariance"),
        ({"krd": np.array([1.0, np.nan])}, "portfolio.krd_dv01"),
        ({"mv": -1.0}, "portfolio.market_value"),
        ({"ins_lo_hi": (5.0, 1.0)}, "instruments[F].lo/hi"),
        ({"ins_krd": np.ones(3)}, "instruments[F].krd_dv01"),
    ],
)
def test_input_errors(kwargs: dict, field: str) -> None:
    """Structural input errors raise HedgeInputError naming the field."""

    def make() -> HedgeOptimizer:
        port = PortfolioRisk(kwargs.get("mv", 1e7), kwargs.get("krd", np.array([100.0, 200.0])))
        lo, hi = kwargs.get("ins_lo_hi", (-5.0, 5.0))
        ins = [Instrument("F", "future", kwargs.get("ins_krd", np.array([1.0, 2.0])), lo=lo, hi=hi)]
        cons: list = [DurationBand(1.0, kwargs.get("band", 0.1))]
        if "dv01" in kwargs:
            cons.append(DV01Limit(*kwargs["dv01"]))
        cov = kwargs.get("cov", np.eye(2))
        return HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(1e-6)], cons)

    with pytest.raises(HedgeInputError) as err:
        make()
    assert err.value.field == field
    assert field in str(err.value)
    assert isinstance(err.value, ValueError)


def test_input_errors_misc() -> None:
    """Negative KRD tolerance, bad direction, unknown/negative parameters."""
    with pytest.raises(HedgeInputError, match="krd_tol"):
        KRDTolerance(np.array([0.1, -0.1]))
    with pytest.raises(HedgeInputError, match="direction"):
        Instrument("X", "swaption", np.ones(2), lo=-10.0, hi=-1.0)
    port = PortfolioRisk(1e7, np.array([100.0, 200.0]))
    opt = HedgeOptimizer(
        port, [Instrument("F", "future", np.array([1.0, 2.0]), lo=-5, hi=5)], np.eye(2),
        [TrackingErrorTerm(1e-6)], [DurationBand(1.0, 0.1)],
    )  # fmt: skip
    with pytest.raises(HedgeInputError, match="duration_band"):
        opt.set_params(duration_band=-1.0)
    with pytest.raises(HedgeInputError, match="unknown parameter"):
        opt.sweep("no_such_param", [1.0])
    with pytest.raises(HedgeInputError, match="risk_aversion"):
        opt.set_params(risk_aversion=math.nan)


def test_sweep_equals_one_off_solves_integer() -> None:
    """Sweeping duration_target on the compiled model equals fresh one-off solves."""
    case = random_case(np.random.default_rng(7))
    case.dur_target, case.dur_band = 0.0, 0.05
    opt = build(case)
    pre = opt.ctx.pre_duration
    targets = [pre - 0.4, pre - 0.2, pre, pre + 0.15]
    rows = opt.sweep("duration_target", targets)
    for t, row in zip(targets, rows, strict=True):
        case.dur_target = t
        ref = build(case).solve()
        assert row.status == ref.status
        assert row.objective == pytest.approx(ref.objective, rel=1e-7, abs=1e-7)
        assert row.duration == pytest.approx(ref.post.duration, abs=1e-9)
        ref_bf = brute_force(case)
        if ref_bf is not None:
            assert row.objective == pytest.approx(ref_bf[0], rel=2e-6, abs=1e-6)
    assert opt.params["duration_target"] == 0.0  # restored


@pytest.mark.parametrize("backend", ["highspy", "cvxpy"])
def test_sweep_equals_one_off_solves_continuous(backend: str) -> None:
    """Parameter sweep of risk_aversion equals one-off solves on the OTHER backend (HiGHS on
    the compiled model vs the canonical cvxpy model with CLARABEL)."""
    port, ins, cov = gls_setup(11)
    terms = [TrackingErrorTerm(1e-6), SlippageTerm()]
    ins = [Instrument(i.name, "swap", i.krd_dv01, half_spread=1e-6) for i in ins]
    dv01 = DV01Limit(dv01_max=port.krd_dv01.sum())
    opt = HedgeOptimizer(port, ins, cov, terms, [dv01], continuous_backend=backend)
    other = "cvxpy" if backend == "highspy" else "highspy"
    values = [1e-9, 1e-7, 1e-5]
    rows = opt.sweep("risk_aversion", values)
    for v, row in zip(values, rows, strict=True):
        fresh = HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(v), SlippageTerm()], [dv01],
                               continuous_backend=other)  # fmt: skip
        ref = fresh.solve()
        assert row.status == ref.status == "optimal"
        assert row.objective == pytest.approx(ref.objective, rel=1e-7)
        assert row.dv01 <= port.krd_dv01.sum() + 1e-6
    # TE falls monotonically as risk aversion rises (invariant).
    assert rows[0].te >= rows[1].te >= rows[2].te


def test_method_detection_and_l1_proxy() -> None:
    """Mixed-integer detection; the L1 proxy is explicit and gives a MILP."""
    case = random_case(np.random.default_rng(3))
    opt = build(case)
    assert "branch-and-bound" in opt.method
    port = PortfolioRisk(case.mv, case.krd0, 0.0, case.bench)
    ins = [Instrument(f"f{i}", "future", case.U[i], lo=-3, hi=3) for i in range(2)]
    opt2 = HedgeOptimizer(port, ins, case.cov, [TrackingErrorL1Term(1.0)])
    assert "MILP" in opt2.method
    res = opt2.solve()
    F = opt2.ctx.factor
    best = min(
        np.abs(F.T @ (case.krd0 - case.bench + case.U[:2].T @ np.array(c))).sum()
        for c in itertools.product(range(-3, 4), repeat=2)
    )
    assert res.objective == pytest.approx(best, rel=1e-9)
    cont = HedgeOptimizer(port, [Instrument("s", "swap", case.U[0])], case.cov,
                          [TrackingErrorTerm(1e-4)])  # fmt: skip
    assert "continuous" in cont.method


def test_integer_lots_and_directions() -> None:
    """Swap in integer lots of 1e6 and a long-only swaption respect lot/direction."""
    port = PortfolioRisk(1e8, np.array([4000.0, 6000.0]))
    ins = [
        Instrument("SW", "swap", np.array([1e-4, 4e-4]), integer=True, lot_size=1e6,
                   lo=-5e7, hi=5e7),
        Instrument("OPT", "swaption", np.array([0.0, -2e-4])),
    ]  # fmt: skip
    opt = HedgeOptimizer(port, ins, np.array([[50.0, 20.0], [20.0, 60.0]]),
                         [TrackingErrorTerm(1e-6)])  # fmt: skip
    res = opt.solve()
    assert res.status == "optimal"
    assert res.quantities["SW"] % 1e6 == 0
    assert res.quantities["OPT"] >= 0
    # Brute force over lots with the swaption leg in closed form (1-D quadratic, clipped at 0).
    cov = np.array([[50.0, 20.0], [20.0, 60.0]])
    u = ins[1].krd_dv01
    best = math.inf
    for lots in range(-50, 51):
        g1 = port.krd_dv01 + ins[0].krd_dv01 * lots * 1e6
        s = max(0.0, -(u @ cov @ g1) / (u @ cov @ u))
        g = g1 + u * s
        best = min(best, 1e-6 * g @ cov @ g)
    assert res.objective == pytest.approx(best, rel=1e-7)


# --------------------------------------------------------------------------- instrument factors


def _factor_setup(
    seed: int, n_fut: int = 3, n_swap: int = 3
) -> tuple[PortfolioRisk, list[Instrument], np.ndarray, np.ndarray]:
    """Futures and swaps on 4 key rates, and a swap-spread-like loading on the swaps."""
    rng = np.random.default_rng(seed)
    n_b = 4
    b = rng.normal(size=(n_b, n_b))
    cov = b @ b.T * 30 + np.diag(rng.uniform(5, 20, n_b))
    krd0 = rng.uniform(200, 600, n_b)
    port = PortfolioRisk(1e7, krd0, 0.0, krd0 * rng.uniform(0.5, 0.9, n_b))
    ins = []
    for i in range(n_fut):
        u = np.zeros(n_b)
        u[i % n_b] = rng.uniform(20, 60)
        ins.append(Instrument(f"F{i}", "future", u, half_spread=rng.uniform(0, 2), lo=-6, hi=6))
    for i in range(n_swap):
        u = rng.uniform(0, 1e-4, n_b) * (rng.random(n_b) < 0.8)
        u[(i + 1) % n_b] += 2e-4
        ins.append(
            Instrument(f"S{i}", "swap", u, half_spread=rng.uniform(0, 1e-5), lo=-5e6, hi=5e6)
        )
    kinds = np.array([i.kind for i in ins])
    dv01 = np.array([i.krd_dv01.sum() for i in ins])
    loadings = np.vstack(
        [
            np.where(kinds == "swap", 20.0 * dv01, 0.0),  # spread factor, 20 bp/yr
            rng.normal(0, 5.0, len(ins)) * dv01,  # a second, arbitrary instrument factor
        ]
    )
    return port, ins, cov, loadings


def _reference_clarabel(
    port: PortfolioRisk,
    ins: list[Instrument],
    cov: np.ndarray,
    lam: float,
    loadings: np.ndarray,
    gamma: float,
    dv01_max: float,
) -> tuple[float, np.ndarray]:
    """The continuous problem written from scratch in cvxpy (q in millions for swaps)."""
    U = np.array([i.krd_dv01 for i in ins])
    unit = np.array([1.0 if i.kind == "future" else 1e6 for i in ins])
    z = cp.Variable(len(ins))
    q = cp.multiply(unit, z)
    g = port.krd_dv01 - port.bench_krd_dv01 + U.T @ q
    hs = np.array([i.half_spread for i in ins])
    lo = np.array([i.lo for i in ins]) / unit
    hi = np.array([i.hi for i in ins]) / unit
    obj = lam * cp.quad_form(g, cov) + gamma * cp.sum_squares(loadings @ q) + hs @ cp.abs(q)
    cons = [z >= lo, z <= hi, port.krd_dv01.sum() + U.sum(axis=1) @ q <= dv01_max]
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    assert prob.status == cp.OPTIMAL
    return float(prob.value), np.asarray(q.value, dtype=float)


@pytest.mark.parametrize("backend", ["highspy", "cvxpy"])
@pytest.mark.parametrize("seed", range(3))
def test_instrument_factor_term_continuous_matches_clarabel(seed: int, backend: str) -> None:
    """With the factor term the continuous optimum equals an independent CLARABEL solve."""
    port, ins, cov, loadings = _factor_setup(seed)
    ins = [replace(i, integer=False) for i in ins]
    lam, gamma = 1e-5, 1e-5
    dv01_max = port.krd_dv01.sum() * 0.8
    terms = [TrackingErrorTerm(lam), InstrumentFactorRiskTerm(loadings, gamma), SlippageTerm()]
    opt = HedgeOptimizer(
        port, ins, cov, terms, [DV01Limit(dv01_max=dv01_max)], continuous_backend=backend
    )
    res = opt.solve()
    f_ref, q_ref = _reference_clarabel(port, ins, cov, lam, loadings, gamma, dv01_max)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(f_ref, rel=1e-7)
    z = loadings @ res.q
    assert res.costs["instrument_factor_risk"] == pytest.approx(gamma * z @ z, rel=1e-12)
    # The spread factor actually moves the plan (the term is not inert here).
    base = HedgeOptimizer(
        port, ins, cov, [TrackingErrorTerm(lam), SlippageTerm()], [DV01Limit(dv01_max=dv01_max)]
    ).solve()
    assert np.abs(loadings[0] @ res.q) < np.abs(loadings[0] @ base.q)
    np.testing.assert_allclose(loadings @ res.q, loadings @ q_ref, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("seed", range(6))
def test_instrument_factor_term_integer_matches_brute_force(seed: int) -> None:
    """Integer futures + one integer-lot swap: B&B optimum equals exhaustive enumeration."""
    port, ins, cov, _ = _factor_setup(seed, n_fut=2, n_swap=1)
    ins[2] = replace(ins[2], integer=True, lot_size=1e6, lo=-4e6, hi=4e6)
    rng = np.random.default_rng(100 + seed)
    loadings = rng.normal(0, 1, (2, 3)) * np.array([i.krd_dv01.sum() for i in ins]) * 10.0
    lam, gamma = 1e-4, float(10 ** rng.uniform(-5, -3))
    band = DurationBand(port.krd_dv01.sum() / (port.market_value * 1e-4) * 0.9, 0.05)
    terms = [TrackingErrorTerm(lam), InstrumentFactorRiskTerm(loadings, gamma), SlippageTerm()]
    res = HedgeOptimizer(port, ins, cov, terms, [band]).solve()
    U = np.array([i.krd_dv01 for i in ins])
    hs = np.array([i.half_spread for i in ins])
    g0 = port.krd_dv01 - port.bench_krd_dv01
    scale = port.market_value * 1e-4
    best = None
    for c in itertools.product(range(-6, 7), range(-6, 7), range(-4, 5)):
        q = np.array([c[0], c[1], c[2] * 1e6], dtype=float)
        dur = (port.krd_dv01.sum() + U.sum(axis=1) @ q) / scale
        if abs(dur - band.duration_target) > band.duration_band + 1e-12:
            continue
        g = g0 + U.T @ q
        z = loadings @ q
        f = lam * g @ cov @ g + gamma * z @ z + hs @ np.abs(q)
        if best is None or f < best[0]:
            best = (f, q)
    if best is None:
        assert res.status == "infeasible"
        return
    assert res.status == "optimal", res.message
    assert res.objective == pytest.approx(best[0], rel=2e-6, abs=1e-6)


def test_instrument_factor_term_zero_loadings_is_inert() -> None:
    """Loadings of zero leave the optimum exactly as without the term (integer and not)."""
    case = random_case(np.random.default_rng(5))
    old = build(case).solve()
    opt = build(case)
    terms = [*opt.terms, InstrumentFactorRiskTerm(np.zeros((1, opt.ctx.n)), 1e-3)]
    new = HedgeOptimizer(
        PortfolioRisk(case.mv, case.krd0, case.conv0, case.bench),
        list(opt.ctx.instruments),
        case.cov,
        terms,
        opt.constraints,
    ).solve()
    assert new.status == old.status == "optimal"
    assert new.objective == pytest.approx(old.objective, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(new.q, old.q, rtol=1e-7, atol=1e-6)
    assert new.costs["instrument_factor_risk"] == 0.0


def test_instrument_factor_term_evaluate_and_inputs() -> None:
    """evaluate() prices the term independently; bad loadings raise HedgeInputError."""
    port, ins, cov, loadings = _factor_setup(1)
    term = InstrumentFactorRiskTerm(loadings, 2e-6, param="spread_risk_aversion")
    opt = HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(1e-6), term])
    q = np.array([1.0, -2.0, 0.0, 1e6, -5e5, 0.0])
    out = opt.evaluate(q)
    z = loadings @ q
    assert out["cost"]["instrument_factor_risk"] == pytest.approx(2e-6 * z @ z, rel=1e-12)
    opt.set_params(spread_risk_aversion=0.0)
    assert opt.evaluate(q)["cost"]["instrument_factor_risk"] == 0.0
    with pytest.raises(HedgeInputError, match="loadings"):
        HedgeOptimizer(port, ins, cov, [InstrumentFactorRiskTerm(np.ones((1, 2)), 1e-6)])
    with pytest.raises(HedgeInputError, match="loadings"):
        InstrumentFactorRiskTerm(np.array([[np.nan, 1.0]]), 1e-6)


def test_evaluate_without_check_is_evaluate_less_the_feasibility() -> None:
    """check=False leaves out the constraint reports only; the risk and costs are the same,
    and the reported feasibility matches each limit re-checked by hand."""
    case = random_case(np.random.default_rng(11))
    opt = build(case)
    for q in (opt.ctx.q0, opt.solve().q, opt.ctx.q0 + 1e9):
        full = opt.evaluate(q)
        lean = opt.evaluate(q, check=False)
        assert {k: v for k, v in full.items() if k not in ("feasible", "violated")} == lean
        reports = [r for c in opt.constraints for r in c.report(opt.ctx, q, opt.params)]
        bad = [r.name for r in reports if r.slack < -1e-6 * max(1.0, abs(r.limit), abs(r.value))]
        assert full["violated"] == bad and full["feasible"] == (not bad)


def test_context_te_bp_is_the_summary_figure() -> None:
    """HedgeContext.te_bp: sqrt(e' S e) / MV * 1e4 by hand, and summary()'s te_bp exactly."""
    case = random_case(np.random.default_rng(12))
    ctx = build(case).ctx
    for q in (ctx.q0, ctx.q0 + 3.0):
        e = ctx.exposure(q)
        by_hand = math.sqrt(float(e @ ctx.fcov @ e)) / case.mv * 1e4
        assert ctx.te_bp(q) == pytest.approx(by_hand, rel=1e-9)
        assert ctx.te_bp(q) == ctx.summary(q).te_bp
