"""Tests of scenarios.definitions.

References: hand arithmetic / closed forms (math.log), sign invariants, and the raw Treasury CSV
read with the csv module for the historical episodes.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hedge_planner.scenarios.definitions import (
    Scenario,
    ScenarioError,
    bear_flattener,
    bear_steepener,
    bull_flattener,
    bull_steepener,
    butterfly,
    historical_scenario,
    interpolate_shifts,
    load_historical_episodes,
    parallel_shift,
    scenario_matrices,
    twist,
)
from hedge_planner.scenarios.specs import (
    CurveShapeSpec,
    build_default_scenarios,
    build_scenarios,
    scenario_specs_from_yaml,
    spec_to_scenario,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_CSV = REPO_ROOT.parent / "shared" / "data" / "us-treasury-par-yield-curve-1990-2023.csv"
needs_shared = pytest.mark.skipif(not SHARED_CSV.exists(), reason="../shared data not present")

KEY = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
T = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float)
CSV_LABELS = {"1 Mo": "1m", "2 Mo": "2m", "3 Mo": "3m", "4 Mo": "4m", "6 Mo": "6m", "1 Yr": "1y"}
CSV_LABELS |= {"2 Yr": "2y", "3 Yr": "3y", "5 Yr": "5y", "7 Yr": "7y", "10 Yr": "10y"}
CSV_LABELS |= {"20 Yr": "20y", "30 Yr": "30y"}


# ---- generators ------------------------------------------------------------------------------


def test_parallel_is_constant() -> None:
    np.testing.assert_array_equal(parallel_shift(T, -50.0), np.full(9, -50.0))


def test_steepener_flattener_signs_and_monotonicity() -> None:
    bs, bes = bull_steepener(T, 40), bear_steepener(T, 40)
    bf, bef = bull_flattener(T, 40), bear_flattener(T, 40)
    # bull steepener: rates fall, short end falls more than long end
    assert np.all(bs <= 0) and bs[0] < bs[-1]
    assert bs[0] == pytest.approx(-40) and bs[-1] == pytest.approx(0)
    # bear steepener: rates rise, long end rises more
    assert np.all(bes >= 0) and bes[-1] > bes[0] and bes[-1] == pytest.approx(40)
    # bull flattener: rates fall, long end falls more
    assert np.all(bf <= 0) and bf[-1] < bf[0] and bf[-1] == pytest.approx(-40)
    # bear flattener: rates rise, short end rises more
    assert np.all(bef >= 0) and bef[0] > bef[-1] and bef[0] == pytest.approx(40)
    for steep in (bs, bes):
        assert np.all(np.diff(steep) >= 0)  # slope rises everywhere
    for flat in (bf, bef):
        assert np.all(np.diff(flat) <= 0)
    with pytest.raises(ScenarioError, match="positive"):
        bull_steepener(T, -10)


def test_bear_steepener_closed_form_at_5y() -> None:
    # log-tenor ramp between 2y and 30y: 50 * ln(5/2) / ln(30/2)
    assert bear_steepener(np.array([5.0]), 50)[0] == pytest.approx(
        50 * math.log(2.5) / math.log(15)
    )


def test_twist_zero_at_pivot_and_ends() -> None:
    tw = twist(T, 50)  # pivot 5y, anchors 2y / 30y
    assert tw[4] == 0.0
    assert tw[2] == pytest.approx(-25) and tw[-1] == pytest.approx(25)
    assert tw[-1] - tw[2] == pytest.approx(50)  # slope change = size
    assert np.all(tw[:4] < 0) and np.all(tw[5:] > 0)
    # 3y: -25 * ln(5/3)/ln(5/2); 10y: 25 * ln(10/5)/ln(30/5)
    assert tw[3] == pytest.approx(-25 * math.log(5 / 3) / math.log(2.5))
    assert tw[6] == pytest.approx(25 * math.log(2) / math.log(6))
    tw7 = twist(T, -30, pivot=7)
    assert tw7[5] == 0.0 and tw7[0] > 0 and tw7[-1] < 0


def test_butterfly_wings_vs_belly() -> None:
    fly = butterfly(T, 20)  # wings 2y/30y, belly 7y-10y
    assert fly[2] == pytest.approx(10) and fly[-1] == pytest.approx(10)
    assert fly[5] == pytest.approx(-10) and fly[6] == pytest.approx(-10)
    assert (fly[2] + fly[-1]) / 2 - (fly[5] + fly[6]) / 2 == pytest.approx(20)


def test_custom_vector_interpolation_hand_checked() -> None:
    got = interpolate_shifts({"10y": 30.0, "2y": 10.0}, T)
    # flat below 2y and above 10y; 3y: 10 + 1/8*20; 5y: 10 + 3/8*20; 7y: 10 + 5/8*20
    np.testing.assert_allclose(got, [10, 10, 10, 12.5, 17.5, 22.5, 30, 30, 30])
    with pytest.raises(ScenarioError, match="unknown tenor label"):
        interpolate_shifts({"ten": 1.0}, T)


def test_key_tenors_as_years_or_labels() -> None:
    spec = scenario_specs_from_yaml("- {kind: bear_flattener, size_bp: 30}")[0]
    by_label = spec_to_scenario(spec, KEY)
    by_years = spec_to_scenario(spec, list(T))
    assert by_label.key_tenors == by_years.key_tenors == KEY
    assert by_label.rate_shifts_bp == by_years.rate_shifts_bp


# ---- historical episodes ---------------------------------------------------------------------


def _csv_rows() -> dict[str, dict[str, str]]:
    out = {}
    with open(SHARED_CSV, newline="") as fh:
        for rec in csv.DictReader(fh):
            day = dt.datetime.strptime(rec.pop("Date"), "%m/%d/%y").date().isoformat()
            out[day] = {CSV_LABELS[k]: v for k, v in rec.items()}
    return out


@needs_shared
def test_episode_changes_equal_raw_csv_differences() -> None:
    rows = _csv_rows()
    episodes = load_historical_episodes()
    assert set(episodes) >= {"taper_tantrum_2013", "hiking_cycle_2022", "svb_banking_stress_2023"}
    for ep in episodes.values():
        a, b = rows[ep.start], rows[ep.end]
        for label in CSV_LABELS.values():
            if a[label] and b[label]:
                want = (float(b[label]) - float(a[label])) * 100
                assert ep.changes_bp[label] == pytest.approx(want, abs=1e-9), (ep.key, label)
                assert ep.start_yields_pct[label] == float(a[label])
                assert ep.end_yields_pct[label] == float(b[label])
            else:
                assert label not in ep.changes_bp and label in ep.omitted_tenors


def test_hiking_cycle_10y_hand_checked() -> None:
    ep = load_historical_episodes()["hiking_cycle_2022"]
    # 10y par yield 1.52% on 2021-12-31, 4.21% on 2022-10-21
    assert (ep.start, ep.end) == ("2021-12-31", "2022-10-21")
    assert ep.changes_bp["10y"] == pytest.approx(269.0)
    sc = historical_scenario("hiking_cycle_2022", ["10y", "15y", "30y"])
    # 15y is halfway between 10y and 20y (changes 269 and 260 bp); 30y is a published point
    np.testing.assert_allclose(sc.rate_shifts_bp, [269.0, 264.5, 243.0])


def test_1994_episode_omits_unpublished_tenors() -> None:
    ep = load_historical_episodes()["bond_massacre_1994"]
    assert "1m" in ep.omitted_tenors and "20y" in ep.changes_bp
    sc = historical_scenario(ep, ["1m", "3m"])
    # flat extrapolation below the shortest published tenor (3m)
    assert sc.rate_shifts_bp[0] == sc.rate_shifts_bp[1] == ep.changes_bp["3m"]
    with pytest.raises(ScenarioError, match="unknown historical episode"):
        historical_scenario("great_depression", KEY)


# ---- default set and matrices ----------------------------------------------------------------


def test_default_set_contents_and_matrices() -> None:
    scenarios = build_default_scenarios(KEY)
    kinds = [s.kind for s in scenarios]
    assert kinds.count("parallel") == 6
    for k in ("bull_steepener", "bear_steepener", "bull_flattener", "bear_flattener"):
        assert kinds.count(k) == 1
    assert kinds.count("twist") == kinds.count("butterfly") == 1
    assert kinds.count("spread") == kinds.count("combined") == 1
    assert kinds.count("historical") == len(load_historical_episodes())
    assert len({s.name for s in scenarios}) == len(scenarios)

    m = scenario_matrices(scenarios)
    assert m.rate_shifts.shape == (len(scenarios), 9)
    # The default widening's four sectors, then high_yield from the historical replays.
    assert m.sectors == ("corporate", "securitized", "municipal", "agency", "high_yield")
    up100 = m.names.index("parallel_+100bp")
    np.testing.assert_allclose(m.rate_shifts[up100], 0.01)  # decimal: 100 bp = 0.01
    widen = m.names.index("spread_widening")
    np.testing.assert_allclose(m.rate_shifts[widen], 0.0)
    np.testing.assert_allclose(m.spread_shifts[widen], [0.005, 0.0025, 0.002, 0.001, 0.0])
    both = m.names.index("rates_up_spreads_wider")
    assert np.all(m.rate_shifts[both] > 0) and np.all(m.spread_shifts[both, :4] > 0)
    assert np.all(m.spread_shifts[:widen] == 0)

    with pytest.raises(ScenarioError, match="'corporate'"):
        scenario_matrices(scenarios, sectors=["municipal", "securitized"])
    other = spec_to_scenario(CurveShapeSpec(kind="bull_steepener"), ["2y", "10y"])
    with pytest.raises(ScenarioError, match="key tenors"):
        scenario_matrices([scenarios[0], other])


def test_scenario_model_validation() -> None:
    with pytest.raises(ValueError, match="rate_shifts_bp has 1 values for 2 key tenors"):
        Scenario(name="x", kind="custom", key_tenors=("2y", "10y"), rate_shifts_bp=(1.0,))
    s = Scenario(
        name="x", kind="spread", key_tenors=("2y",), rate_shifts_bp=(0.0,),
        spread_shifts_bp={" Corporate ": 10},
    )  # fmt: skip
    assert s.spread_shifts_bp == {"corporate": 10.0}


# ---- user YAML specs -------------------------------------------------------------------------


def test_user_yaml_specs_build() -> None:
    text = """
scenarios:
  - {name: my_custom, kind: custom, shifts_bp: {2y: 10, 10y: 30}}
  - {kind: twist, size_bp: -40, pivot: 7}
  - kind: spread
    name: hy_blowout
    spreads_bp: {Corporate: 150}
    rates: {kind: parallel, shift_bp: -25}
  - {kind: historical, episode: svb_banking_stress_2023, scale: 0.5}
"""
    built = build_scenarios(scenario_specs_from_yaml(text), KEY)
    assert [s.name for s in built] == [
        "my_custom",
        "twist_-40bp_around_7y",
        "hy_blowout",
        "historical_svb_banking_stress_2023_x0.5",
    ]
    np.testing.assert_allclose(built[0].rate_shifts_bp, [10, 10, 10, 12.5, 17.5, 22.5, 30, 30, 30])
    assert built[1].rate_shift_by_tenor["7y"] == 0.0
    assert built[2].kind == "combined" and built[2].spread_shifts_bp == {"corporate": 150.0}
    assert built[2].rate_shifts_bp == (-25.0,) * 9
    # SVB 2y par yield 5.05% (2023-03-08) -> 3.81% (2023-03-17): -124 bp, halved
    assert built[3].rate_shift_by_tenor["2y"] == pytest.approx(-62.0)


@pytest.mark.parametrize(
    ("yaml_text", "pattern"),
    [
        ("- {kind: wiggle}", r"scenarios\[0\].*does not match any of the expected tags"),
        (
            "- {kind: parallel, name: up}",
            r"scenarios\[0\] \(up\): parallel.shift_bp: Field required",
        ),
        ("- {kind: parallel, shift_bp: 10, size: 3}", "size: Extra inputs are not permitted"),
        ("- {kind: parallel, shift_bp: .nan}", "finite number"),
        ("- {kind: bull_steepener, size_bp: -10}", "size_bp: Input should be greater than 0"),
        ("- {kind: twist, pivot: 40y}", "short_tenor < pivot < long_tenor"),
        ("- {kind: custom, shifts_bp: {ten: 1}}", "unknown tenor label 'ten'"),
        ("- {kind: custom, shifts_bp: {}}", "shifts_bp"),
        ("- {kind: historical, episode: nope}", "unknown historical episode 'nope'"),
        ("- {kind: spread, spreads_bp: {corp: 5}, rates: {kind: spread}}", "rates"),
        ("- {kind: parallel, shift_bp: 1}\n- {kind: parallel, shift_bp: 1}", "duplicate"),
        ("kind: parallel", "expected a list"),
    ],
)
def test_user_yaml_validation_errors(yaml_text: str, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        scenario_specs_from_yaml(yaml_text)


def test_yaml_errors_are_all_reported() -> None:
    text = "- {kind: parallel}\n- {kind: parallel, shift_bp: 5}\n- {kind: butterfly, belly_end: 1y}"
    with pytest.raises(ScenarioError) as info:
        scenario_specs_from_yaml(text)
    msg = str(info.value)
    assert "scenarios[0]" in msg and "scenarios[2]" in msg and "scenarios[1]" not in msg


def test_historical_replays_move_sector_spreads_from_published_levels() -> None:
    """Every replay after 1996 moves sector spreads by the published IG/HY OAS changes (levels
    committed beside them); 1994 predates the series and says so."""
    from hedge_planner.scenarios.definitions import historical_scenario

    episodes = load_historical_episodes()
    for key, ep in episodes.items():
        scenario = historical_scenario(key)
        if key == "bond_massacre_1994":
            assert ep.spread_changes_bp == {} and "1996" in ep.spread_note
            assert scenario.spread_shifts_bp == {}
            continue
        levels = ep.spread_levels_pct
        for sector in ("corporate", "high_yield"):
            change = round((levels[sector]["end"] - levels[sector]["start"]) * 100, 6)
            assert ep.spread_changes_bp[sector] == pytest.approx(change, abs=1e-9)
            assert "FRED" in levels[sector]["series"]
        assert scenario.spread_shifts_bp["corporate"] == ep.spread_changes_bp["corporate"]
        assert "assumed" in ep.spread_note
    covid = episodes["covid_dash_for_cash_2020"]
    assert covid.spread_changes_bp["corporate"] == pytest.approx(115.0)  # 1.88% -> 3.03%


def test_committed_episodes_equal_a_fresh_derive() -> None:
    from hedge_planner.scenarios.data.derive_historical_episodes import DEFAULT_CSV, derive

    if not DEFAULT_CSV.exists():
        pytest.skip("shared Treasury history not beside the repository")
    committed = json.loads(
        (REPO_ROOT / "scenarios" / "data" / "historical_episodes.json").read_text()
    )
    assert derive(DEFAULT_CSV) == committed


def test_vol_scenario_spec_parallel_and_by_expiry() -> None:
    """kind vol: rates unchanged, the normal-vol shifts carried in bp; one shift is required."""
    from hedge_planner.models.vol_shift import VolShift
    from hedge_planner.scenarios.definitions import scenario_matrices
    from hedge_planner.scenarios.specs import ScenarioError as SpecError
    from hedge_planner.scenarios.specs import build_scenarios, parse_scenario_specs

    specs = parse_scenario_specs(
        [{"kind": "vol", "vol_bp": 25}, {"kind": "vol", "vol_by_expiry_bp": {"1y": 20, 5: 10}}]
    )
    up, curve = build_scenarios(specs)
    assert up.name == "normal_vol_+25bp" and up.vol_shifts_bp == {"all": 25.0}
    assert curve.vol_shifts_bp == {"1y": 20.0, "5y": 10.0}
    assert not any(up.rate_shifts_bp) and up.kind == "vol"
    mats = scenario_matrices([up, curve])
    assert mats.vol_shifts == ({"all": 25.0}, {"1y": 20.0, "5y": 10.0})
    # 3y sits halfway between the 1y and 5y pillars; flat beyond them.
    shift = VolShift(curve.vol_shifts_bp)
    assert shift([0.5, 3.0, 10.0]) * 1e4 == pytest.approx([20.0, 15.0, 10.0])
    with pytest.raises(SpecError):
        parse_scenario_specs([{"kind": "vol"}])
