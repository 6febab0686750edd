"""Sweeps keep their finished points when a later point fails."""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.solvers.results import HedgeResult

from tests.solvers.example_problem import build_example, independent_violations


def test_failed_point_is_reported_and_the_others_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second of three points raises inside the solve: points 1 and 3 are proven plans
    (checked against the limits independently), point 2 carries the error."""
    opt, raw = build_example(("swap",))
    real = opt.solve
    calls = {"n": 0}

    def sometimes(**kw: object) -> HedgeResult:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("The truth value of an array with more than one element is ambiguous")
        return real(**kw)  # type: ignore[arg-type]

    monkeypatch.setattr(opt, "solve", sometimes)
    targets = [6.0, 6.1, 6.2]
    pts = opt.sweep("duration_target", targets)
    assert [p.status for p in pts][0::2] == ["optimal", "optimal"]
    assert pts[1].status == "error" and not pts[1].proven
    assert "ambiguous" in (pts[1].error or "")
    assert pts[1].quantities is None and pts[1].objective is None
    for t, p in zip(targets[0::2], pts[0::2], strict=True):
        q = np.array([p.quantities[i["name"]] for i in raw["instruments"]])
        assert independent_violations(raw, q, dict(opt.params, duration_target=t)) == []
    assert opt.params["duration_target"] == raw["params"]["duration_target"]  # restored


def test_bad_value_is_refused_before_any_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """A negative band anywhere in the list raises before the first solve."""
    opt, _ = build_example(("swap",))
    monkeypatch.setattr(opt, "solve", lambda **kw: pytest.fail("solved before validating"))
    with pytest.raises(HedgeInputError, match="duration_band"):
        opt.sweep("duration_band", [0.1, -0.1])
    assert opt.params["duration_band"] == 0.25
