"""User scenario specs: bounds on shifts and scales, strict numbers, located problems."""

from __future__ import annotations

import pytest
from hedge_planner.scenarios.definitions import MAX_HISTORICAL_SCALE, MAX_SHIFT_BP, ScenarioError
from hedge_planner.scenarios.specs import parse_scenario_specs, scenario_specs_from_yaml


def problems(specs: list) -> list[tuple[tuple, str, str]]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario_specs(specs)
    return info.value.issues


@pytest.mark.parametrize(
    ("spec", "path", "fragment"),
    [
        ({"kind": "parallel", "shift_bp": 1e6}, (0, "shift_bp"), f"{MAX_SHIFT_BP:g}"),
        ({"kind": "parallel", "shift_bp": -1e6}, (0, "shift_bp"), f"{-MAX_SHIFT_BP:g}"),
        ({"kind": "twist", "size_bp": 1e6}, (0, "size_bp"), f"{MAX_SHIFT_BP:g}"),
        ({"kind": "bull_steepener", "size_bp": 1e6}, (0, "size_bp"), f"{MAX_SHIFT_BP:g}"),
        ({"kind": "butterfly", "size_bp": -1e6}, (0, "size_bp"), f"{-MAX_SHIFT_BP:g}"),
        ({"kind": "custom", "shifts_bp": {"5y": 1e6}}, (0, "shifts_bp"), "5y"),
        ({"kind": "spread", "spreads_bp": {"corporate": 1e6}}, (0, "spreads_bp"), "corporate"),
        (
            {"kind": "historical", "episode": "taper_tantrum_2013", "scale": 1e6},
            (0, "scale"),
            f"{MAX_HISTORICAL_SCALE:g}",
        ),
        ({"kind": "parallel", "shift_bp": float("nan")}, (0, "shift_bp"), "finite"),
        ({"kind": "parallel", "shift_bp": "1_0"}, (0, "shift_bp"), "'1_0' is not a number"),
        (
            {"kind": "parallel", "shift_bp": 1, "description": "d" * 200_000},
            (0, "description"),
            "500",
        ),
        (
            {
                "kind": "spread",
                "spreads_bp": {"c": 1},
                "rates": {"kind": "parallel", "shift_bp": 1e7},
            },
            (0, "rates", "shift_bp"),
            f"{MAX_SHIFT_BP:g}",
        ),
    ],
)
def test_out_of_bounds_specs_are_located(spec: dict, path: tuple, fragment: str) -> None:
    (found,) = problems([spec])
    assert found[0] == path and fragment in found[1], found
    assert len(found[1]) < 300  # long values are not echoed


def test_bounds_are_inclusive() -> None:
    specs = parse_scenario_specs(
        [
            {"kind": "parallel", "shift_bp": MAX_SHIFT_BP},
            {"kind": "historical", "episode": "taper_tantrum_2013", "scale": -MAX_HISTORICAL_SCALE},
        ]
    )
    assert len(specs) == 2


def test_unknown_key_and_kind_get_did_you_mean() -> None:
    found = problems([{"kind": "parallel", "shfit_bp": 3}, {"kind": "paralel", "shift_bp": 1}])
    by_path = {p: (r, h) for p, r, h in found}
    assert by_path[(0, "shfit_bp")] == ("unknown key 'shfit_bp'", "did you mean 'shift_bp'?")
    assert by_path[(1, "kind")][1] == "did you mean 'parallel'?"


def test_yaml_scenarios_use_the_safe_loader() -> None:
    with pytest.raises(ScenarioError, match="duplicate key 'shift_bp'"):
        scenario_specs_from_yaml("- {kind: parallel, shift_bp: 1, shift_bp: 2}")
    with pytest.raises(ScenarioError, match="unsupported YAML tag"):
        scenario_specs_from_yaml("- !!python/object/apply:os.system [ls]")
