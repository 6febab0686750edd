"""ArrayMemo and the value-keyed memos built on it: equal to a fresh computation, a changed
input computed afresh, shared results read-only, failures not remembered."""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.array_memo import ArrayMemo
from hedge_planner.models.covariance import CovarianceError, validate_covariance_matrix


def _spd(seed: int, n: int = 5) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def test_memo_returns_the_fresh_result_and_recomputes_a_changed_input() -> None:
    memo = ArrayMemo(4)
    calls: list[int] = []

    def inverse(a: np.ndarray) -> np.ndarray:
        calls.append(1)
        return np.linalg.inv(a)

    a = _spd(0)
    first = memo.get([a], lambda: inverse(a))
    again = memo.get([a.copy()], lambda: inverse(a))  # equal values, another object
    np.testing.assert_array_equal(first, np.linalg.inv(a))
    assert again is first and len(calls) == 1 and memo.hits == 1
    b = a.copy()
    b[0, 0] += 1e-12  # one element changed by one part in ~1e13
    changed = memo.get([b], lambda: inverse(b))
    assert changed is not first and len(calls) == 2
    np.testing.assert_array_equal(changed, np.linalg.inv(b))
    # the extra key and the dtype/shape are part of the key
    assert memo.get([a], lambda: inverse(a), "other") is not first
    assert memo.get([a.reshape(-1)], lambda: inverse(a)) is not first
    assert len(calls) == 4


def test_memo_results_are_read_only_and_evicted_least_recent_first() -> None:
    memo = ArrayMemo(2)
    x, y = memo.get([np.ones(2)], lambda: (np.zeros(2), np.ones(3)))
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        y[0] = 1.0
    memo.get([np.ones(3)], lambda: 1)
    memo.get([np.ones(4)], lambda: 2)  # the first entry goes
    misses = memo.misses
    memo.get([np.ones(2)], lambda: (np.zeros(2), np.ones(3)))
    assert memo.misses == misses + 1


def test_memo_does_not_remember_a_failure() -> None:
    memo = ArrayMemo()

    def fail() -> None:
        raise RuntimeError("no")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            memo.get([np.ones(2)], fail)
    assert memo.misses == 0 and memo.get([np.ones(2)], lambda: 3) == 3


def test_validated_covariance_is_the_symmetrised_matrix_every_time() -> None:
    """A matrix validated before returns (M + M')/2 again, a fresh writable array; a changed
    matrix that is not PSD still fails, twice."""
    tenors = [f"{k + 1}y" for k in range(5)]
    cov = _spd(1)
    cov[0, 1] += 1e-13 * cov[0, 1]  # rounding-level asymmetry, within tolerance
    first = validate_covariance_matrix(cov, tenors)
    second = validate_covariance_matrix(cov, tenors)
    np.testing.assert_array_equal(second, 0.5 * (cov + cov.T))
    np.testing.assert_array_equal(first, second)
    assert second is not first and second.flags.writeable
    bad = cov.copy()
    bad[2, 2] = -bad[2, 2]
    for _ in range(2):
        with pytest.raises(CovarianceError):
            validate_covariance_matrix(bad, tenors)
    indefinite = np.diag([1.0, 1.0, 1.0, 1.0, 1.0])
    indefinite[0, 1] = indefinite[1, 0] = 2.0
    for _ in range(2):
        with pytest.raises(CovarianceError, match="positive semi-definite"):
            validate_covariance_matrix(indefinite, tenors)


def test_tenor_labels_memo_equals_a_fresh_parse() -> None:
    """The remembered canonical labels are the fresh parse's; other labels are parsed anew and
    a bad list fails every time."""
    from hedge_planner.models import covariance as cv

    labels = ["6M", "1Y", "2y", "10Y"]
    first = cv._normalize_tenors(labels)
    assert first == cv._normalized(tuple(labels)) == ("6m", "1y", "2y", "10y")
    hits = cv._normalized_memo.cache_info().hits
    assert cv._normalize_tenors(list(labels)) == first
    assert cv._normalized_memo.cache_info().hits == hits + 1
    assert cv._normalize_tenors(["6m", "1y", "3y", "10y"]) == ("6m", "1y", "3y", "10y")
    for _ in range(2):
        with pytest.raises(CovarianceError, match="duplicate"):
            cv._normalize_tenors(["12m", "1y"])
