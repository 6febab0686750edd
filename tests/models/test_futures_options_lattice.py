"""The stacked American/European lattice and the memo of ``american_futures``.

Reference: a node-by-node Cox-Ross-Rubinstein lattice in plain Python (one option, one
exercise style at a time), written independently of the vectorised code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hedge_planner.models.futures_options import american_futures, binomial_futures


def _crr(
    f: float, k: float, t: float, vol: float, r: float, call: bool, steps: int, am: bool
) -> float:
    dt = t / steps
    u = math.exp(vol * math.sqrt(dt))
    d = 1.0 / u
    p = (1.0 - d) / (u - d)
    disc = math.exp(-r * dt)
    w = 1.0 if call else -1.0
    values = [max(w * (f * u ** (2 * j - steps) - k), 0.0) for j in range(steps + 1)]
    for n in range(steps - 1, -1, -1):
        values = [disc * (p * values[j + 1] + (1.0 - p) * values[j]) for j in range(n + 1)]
        if am:
            values = [max(v, w * (f * u ** (2 * j - n) - k)) for j, v in enumerate(values)]
    return values[0]


@pytest.mark.parametrize("call", [True, False])
@pytest.mark.parametrize("american", [True, False])
@pytest.mark.parametrize("steps", [2, 7, 60])
def test_lattice_matches_node_by_node_reference(call: bool, american: bool, steps: int) -> None:
    forwards = np.array([96.0, 104.5, 111.25, 118.0])
    got = binomial_futures(forwards, 110.0, 0.4, 0.09, 0.045, call, steps=steps, american=american)
    want = [_crr(f, 110.0, 0.4, 0.09, 0.045, call, steps, american) for f in forwards]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_american_premium_is_memoised_on_exact_inputs_and_handed_out_as_copies() -> None:
    f = np.array([108.0, 112.0])
    first, early = american_futures(f, 110.0, 0.25, 0.08, 0.04, False)
    first[:] = -1.0  # a caller writing into its result must not change the cached value
    again, early_again = american_futures(f, 110.0, 0.25, 0.08, 0.04, False)
    assert np.all(again > 0) and np.array_equal(early, early_again)
    # An early-exercise premium is the lattice difference: puts deep in the money carry one.
    assert early_again[0] > 0
    other, _ = american_futures(f + 1e-9, 110.0, 0.25, 0.08, 0.04, False)
    assert not np.array_equal(other, again)  # a different price is computed, not looked up
    np.testing.assert_allclose(other, again, rtol=1e-8)
