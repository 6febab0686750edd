"""The compiled lattice loops (``models/_lattice_c.c``) against the numpy loops they replace.

References: the numpy fit, bands and rollback (``HEDGE_PLANNER_KERNELS=numpy``), which the rest of
the suite checks against QuantLib, closed forms and published figures; and one invariant of its
own: the compiled fit reprices every curve's discount factors. The two differ only in rounding
(numpy's SIMD ``exp`` and pairwise sums against libm's ``exp`` and left-to-right sums): fitted
drifts within 1e-12 (decimal rate), prices within 1e-12 per 100, integer bands and exercise
decisions equal.
"""

from __future__ import annotations

import datetime as dt

import hedge_planner.models.lattice_pricing as lp
import numpy as np
import pytest
from hedge_planner.models import lattice_kernels
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.lattice_pricing import LatticeBook
from hedge_planner.models.short_rate import HullWhite, TrinomialTree, time_grid

from tests.models.callable_books import random_callables

pytestmark = pytest.mark.skipif(not lattice_kernels.built(), reason="extension not built")

SETTLE = dt.date(2023, 12, 29)


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = np.array([0.1, 0.5, 1, 2, 3, 5, 7, 10, 20, 30.0])
    zeros = np.array([0.054, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])
    return YieldCurve(SETTLE, t, np.exp(-zeros * t))


def _numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEDGE_PLANNER_KERNELS", lattice_kernels.NUMPY)


def _trees() -> list[TrinomialTree]:
    """A uniform 10y grid, a grid through awkward mandatory times, a 30y monthly grid (wide
    levels, non-contiguous branching), a single step, and a rescaled copy with a zero sigma."""
    uniform = TrinomialTree(HullWhite(0.05, 0.012), time_grid([10.0], 120))
    mandatory = TrinomialTree(HullWhite(0.03, 0.01), time_grid([0.37, 1.91, 4.02, 9.5], 200))
    long = TrinomialTree(HullWhite(0.03, 0.01), time_grid([30.0], 360))
    single = TrinomialTree(HullWhite(0.1, 0.02), np.array([0.0, 0.5]))
    return [uniform, mandatory, long, single, long.rescaled([0.0, 0.007, 0.01, 0.015])]


@pytest.mark.parametrize("k", range(5))
def test_fit_agrees_with_numpy_and_reprices_the_curves(k, monkeypatch) -> None:
    tree = _trees()[k]
    rows = 1 if tree.scale is None else tree.scale.size
    rates = np.linspace(0.02, 0.06, rows)[:, None] + 0.004 * np.sqrt(tree.grid[1:])[None, :]
    df = np.exp(-rates * tree.grid[1:])
    compiled = tree.fit(df)
    _numpy(monkeypatch)
    reference = tree.fit(df)
    np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-12)
    # the invariant: Arrow-Debreu prices rolled forward with the compiled drift reprice df
    q = np.ones((rows, 1))
    for i in range(tree.n_steps):
        ex = np.exp(-(tree.node_x(i) + compiled[:, i : i + 1]) * tree.dt[i])
        q = tree.forward(q * ex, i)
        np.testing.assert_allclose(q.sum(axis=1), df[:, i], rtol=1e-13)


@pytest.mark.parametrize("k", range(5))
def test_bands_equal_numpy(k, monkeypatch) -> None:
    tree = _trees()[k]
    compiled = tree._compute_bands()
    _numpy(monkeypatch)
    assert compiled == tree._compute_bands()


def _random_book(grid: np.ndarray, n: int, seed: int) -> LatticeBook:
    """``n`` bonds on ``grid``: coupons on random levels, principal at a random last level,
    flows inside steps (some bonds several, in no order), calls and puts at random levels
    with strikes near par."""
    rng = np.random.default_rng(seed)
    levels = grid.size
    on_node = np.zeros((n, levels))
    strike = np.full((n, levels), np.nan)
    last = rng.integers(levels // 3, levels, size=n)
    for b in range(n):
        pay = np.arange(int(rng.integers(1, 6)), last[b] + 1, int(rng.integers(3, 9)))
        on_node[b, pay] = rng.uniform(1.0, 3.5)
        on_node[b, last[b]] += 100.0
        ex = rng.choice(np.arange(1, last[b]), size=min(6, last[b] - 1), replace=False)
        strike[b, ex] = rng.uniform(99.0, 103.0, size=ex.size)
    count = 3 * n
    inside_bond = rng.integers(0, n, size=count)
    inside_level = np.array([rng.integers(0, last[b]) for b in inside_bond], dtype=np.int64)
    dt = np.diff(grid)[inside_level]
    return LatticeBook(
        grid,
        on_node,
        inside_bond.astype(np.int64),
        inside_level,
        rng.uniform(0.5, 2.0, size=count),
        dt * rng.uniform(0.05, 0.95, size=count),
        strike,
        rng.random(n) < 0.3,
    )


@pytest.mark.parametrize(("seed", "banded", "rescale"), [(0, True, False), (1, False, True)])
def test_rollback_prices_and_exercise_decisions_agree_with_numpy(
    seed, banded, rescale, monkeypatch
) -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.012), time_grid([15.0], 180))
    rows = 3
    if rescale:
        tree = tree.rescaled([0.0, 0.008, 0.012])
    phi = tree.fit(np.exp(-np.outer([0.035, 0.04, 0.045], tree.grid[1:])))
    book = _random_book(tree.grid, 9, seed)
    spread = np.random.default_rng(seed).uniform(-0.002, 0.01, size=(rows, 9))
    top = int(book.last_level().max())
    masks_c: dict[int, np.ndarray] = {}
    compiled = lp._rollback(book, tree, phi, spread, top, masks_c, banded)
    _numpy(monkeypatch)
    masks_np: dict[int, np.ndarray] = {}
    reference = lp._rollback(book, tree, phi, spread, top, masks_np, banded)
    np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-12)
    assert sorted(masks_c) == sorted(masks_np)
    assert all(np.array_equal(masks_c[i], masks_np[i]) for i in masks_np)
    assert any((~m).any() for m in masks_np.values())  # some node is exercised


def _assert_each_row_as_alone(
    base: TrinomialTree,
    sigmas: list[float],
    df: np.ndarray,
    book: LatticeBook,
    spread: np.ndarray,
    top: int,
) -> None:
    """Rows ``r`` of ``base`` rescaled to ``sigmas`` fitted to ``df`` and rolled back with
    ``spread`` equal, bit for bit, row ``r`` fitted and rolled back on its own."""
    tree = base.rescaled(sigmas)
    phi = tree.fit(df)
    stacked = lp._rollback(book, tree, phi, spread, top, None, True)
    for r, sigma in enumerate(sigmas):
        alone = base.rescaled([sigma])
        phi_r = alone.fit(df[r : r + 1])
        assert np.array_equal(phi_r[0], phi[r])
        prices = lp._rollback(book, alone, phi_r, spread[r : r + 1], top, None, True)
        assert np.array_equal(prices[0], stacked[r])


def test_rows_sharing_a_sigma_give_what_each_gives_alone() -> None:
    """The compiled fit and rollback compute node discounts once per distinct sigma and reuse
    them across the curve rows at it: every row of a mixed stack (sigmas repeated, out of
    order) equals, bit for bit, the same row fitted and rolled back on its own."""
    base = TrinomialTree(HullWhite(0.03, 0.012), time_grid([12.0], 150))
    sigmas = [0.012, 0.009, 0.012, 0.0, 0.009, 0.012]
    rates = np.array([0.03, 0.035, 0.04, 0.045, 0.05, 0.055])
    df = np.exp(-np.outer(rates, base.grid[1:]))
    book = _random_book(base.grid, 7, 3)
    spread = np.random.default_rng(3).uniform(-0.002, 0.01, size=(len(sigmas), 7))
    top = int(book.last_level().max())
    _assert_each_row_as_alone(base, sigmas, df, book, spread, top)


def test_rows_on_a_tree_too_large_to_keep_every_sigmas_discounts() -> None:
    """Past 32 MB of node discounts (here 3 sigmas x 1.8 million nodes) every row computes its
    own: the same figures as each row alone (whose discounts are kept), bit for bit."""
    base = TrinomialTree(HullWhite(0.03, 0.012), time_grid([30.0], 1500))
    assert 3 * int(lattice_kernels.flat(base).offs[-1]) > 1 << 22
    sigmas = [0.012, 0.009, 0.012, 0.006]
    df = np.exp(-np.outer([0.03, 0.04, 0.05, 0.035], base.grid[1:]))
    book = _random_book(base.grid, 2, 5)
    spread = np.full((len(sigmas), 2), 0.004)
    top = int(book.last_level().max())
    assert 3 * int(lattice_kernels.flat(base).offs[top + 1]) > 1 << 22  # the rollback's too
    _assert_each_row_as_alone(base, sigmas, df, book, spread, top)


def test_callable_prices_and_gradient_agree_with_numpy(curve, monkeypatch) -> None:
    """The pricer as the product calls it: blocks, threads, row chunks and the adjoint."""
    book, grid = random_callables(
        curve, SETTLE, n=30, seed=4, years=(3, 16), coupons=(0.03, 0.07), first_exercise=2,
        american=5, put=lambda b: b % 4 == 1, prefix="K",
    )  # fmt: skip
    tree = TrinomialTree(HullWhite(0.03, 0.01), grid).rescaled(np.linspace(0.006, 0.014, 5))
    df = np.exp(-np.outer(np.linspace(0.035, 0.045, 5), grid[1:]))
    phi = tree.fit(df)
    spread = np.full((5, 30), 0.004)
    prices, grad = lp.lattice_prices(book, tree, phi, spread, gradient=True)
    _numpy(monkeypatch)
    ref_prices, ref_grad = lp.lattice_prices(book, tree, tree.fit(df), spread, gradient=True)
    np.testing.assert_allclose(prices, ref_prices, rtol=0, atol=1e-11)
    assert grad is not None and ref_grad is not None
    np.testing.assert_allclose(grad, ref_grad, rtol=0, atol=1e-9)


def test_switch_and_bad_inputs(monkeypatch) -> None:
    assert lattice_kernels.enabled()
    _numpy(monkeypatch)
    assert not lattice_kernels.enabled() and lattice_kernels.built()
    tree = _trees()[0]
    f = lattice_kernels.flat(tree)
    from hedge_planner.models import _lattice_c

    phi = np.empty((1, tree.n_steps))
    with pytest.raises(ValueError, match="df: expected"):
        _lattice_c.fit(f.x, f.offs, f.child, f.prob, f.dt, np.ones(1), np.ones(3), phi,
                       tree.n_steps, 1, 1)  # fmt: skip
    child = f.child.copy()
    child[5] = 0  # a branch below the next level
    with pytest.raises(ValueError, match="child falls outside"):
        _lattice_c.fit(f.x, f.offs, child, f.prob, f.dt, np.ones(1),
                       np.ones((1, tree.n_steps)), phi, tree.n_steps, 1, 1)  # fmt: skip
    top = tree.n_steps
    band = np.array([(0, len(x)) for x in tree.x], dtype=np.int64)
    band[top] = (2, len(tree.x[top]))  # the lowest node's middle child (node 1) left out
    events = lattice_kernels.BondEvents(
        np.zeros((1, top + 1)), np.full((1, top + 1), np.nan), np.zeros(1, np.uint8),
        np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0),
    )  # fmt: skip
    with pytest.raises(ValueError, match="middle child outside the band"):
        lattice_kernels.rollback(tree, events, np.zeros((1, top)), np.zeros((1, 1)), top,
                                 [tuple(b) for b in band.tolist()])  # fmt: skip


def test_compiled_binomial_lattice_equals_the_numpy_steps(monkeypatch) -> None:
    """Futures options' CRR lattices (American and European rows, calls and puts, one to five
    forwards, 2 to 400 steps): the compiled induction does the numpy steps' operations in their
    order, so the premiums are equal to the last bit."""
    from hedge_planner.models.futures_options import _lattices

    rng = np.random.default_rng(4)
    for _ in range(60):
        f = rng.uniform(90.0, 130.0, int(rng.integers(1, 6)))
        args = (
            f, float(rng.uniform(90.0, 130.0)), float(rng.uniform(0.01, 1.0)),
            float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.0, 0.08)), bool(rng.integers(2)),
            int(rng.integers(2, 400)), bool(rng.integers(2)), bool(rng.integers(2)),
        )  # fmt: skip
        monkeypatch.delenv("HEDGE_PLANNER_KERNELS", raising=False)
        compiled = _lattices(*args)
        monkeypatch.setenv("HEDGE_PLANNER_KERNELS", lattice_kernels.NUMPY)
        reference = _lattices(*args)
        for got, want in zip(compiled, reference, strict=True):
            assert np.array_equal(got, want)


def test_compiled_binomial_lattice_refuses_bad_sizes() -> None:
    from hedge_planner.models import _lattice_c

    with pytest.raises(ValueError, match="values"):  # 3 steps need 4 columns
        _lattice_c.crr(np.zeros((2, 3)), np.zeros((1, 7)), 0.5, 0.5, 1.0, 2, 1, 0, 3)
    with pytest.raises(ValueError, match="n_american"):
        _lattice_c.crr(np.zeros((2, 4)), np.zeros((1, 7)), 0.5, 0.5, 1.0, 2, 1, 3, 3)
