"""Display labels of plan identifiers and the number formatting of the reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hedge_planner import numfmt as nf
from hedge_planner.labels import (
    CONSTRAINT_FAMILIES,
    constraint_label,
    constraint_unit,
    cost_label,
    factor_label,
    scenario_label,
)
from hedge_planner.scenarios.definitions import load_historical_episodes
from hedge_planner.scenarios.specs import build_default_scenarios
from hedge_planner.solvers import te_limit, terms

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "plan_sample.json"


def _is_human(label: str) -> bool:
    """No identifier residue: no underscores, brackets or colon-joined keys, starts upper-case."""
    return (
        "_" not in label
        and "[" not in label
        and not re.search(r"\w:\w", label)
        and (label[:1].isupper())
    )


def test_scenario_labels_cover_every_default_and_historical_scenario() -> None:
    names = [s.name for s in build_default_scenarios()]
    names += [f"historical_{ep}" for ep in load_historical_episodes()]
    plan = json.loads(FIXTURE.read_text(encoding="utf-8"))
    names += [r["name"] for r in plan["scenarios"]["rows"]]
    assert len(names) > 15
    for name in names:
        assert _is_human(scenario_label(name)), (name, scenario_label(name))


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("parallel_+25bp", "Parallel +25 bp"),
        ("parallel_-100bp", "Parallel -100 bp"),
        ("bull_steepener_50bp", "Bull steepener 50 bp"),
        ("twist_+50bp_around_5y", "Twist +50 bp around 5y"),
        ("butterfly_+25bp", "Butterfly +25 bp"),
        ("rates_up_spreads_wider", "Rates up, spreads wider"),
        ("historical_covid_dash_for_cash_2020", "Historical: COVID dash for cash 2020"),
        ("historical_taper_tantrum_2013_x1.5", "Historical: taper tantrum 2013 × 1.5"),
        ("parallel_+100bp_with_spreads", "Parallel +100 bp, with spreads"),
        # a name the user wrote for people is left alone
        ("My Fed shock", "My Fed shock"),
    ],
)
def test_scenario_label_examples(name: str, label: str) -> None:
    assert scenario_label(name) == label


def test_constraint_labels_cover_every_limit_the_optimiser_reports() -> None:
    # Every Constraint subclass the solver layer defines names a family with a display name.
    families = set()
    for cls in (*terms.Constraint.__subclasses__(), te_limit.TrackingErrorLimit):
        default = cls.__dataclass_fields__["name"].default  # type: ignore[attr-defined]
        families.add(default)
    families.discard("dv01_limit")  # reports its two sides, dv01_max / dv01_min
    families |= {"dv01_max", "dv01_min"}
    assert families <= set(CONSTRAINT_FAMILIES), families - set(CONSTRAINT_FAMILIES)
    plan = json.loads(FIXTURE.read_text(encoding="utf-8"))
    names = [c["name"] for c in plan["hedge"]["constraints"]]
    for name in [*names, *families]:
        assert _is_human(constraint_label(name)), name
    assert constraint_label("krd_tol[10y]") == "Key-rate duration gap 10y"
    assert constraint_unit("krd_tol[10y]", "USD") == "years"
    assert constraint_unit("dv01_max", "USD") == "USD/bp"
    assert constraint_unit("margin_budget", "USD") == "USD"
    assert constraint_unit("something_new", "USD", "currency") == "USD"


def test_factor_and_cost_labels() -> None:
    plan = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for f in plan["risk_model"]["factors"]:
        assert _is_human(factor_label(f["name"])), f["name"]
    assert factor_label("rate:10y") == "Key rate 10y"
    assert factor_label("spread:corporate") == "Spread: corporate"
    assert factor_label("swap_spread") == "Treasury–SOFR swap spread"
    # margin, funding, carry and the risk penalty are never one another
    labels = {k: cost_label(k) for k in ("margin", "carry", "slippage", "risk_penalty")}
    assert labels["margin"] == "Margin funding cost"
    assert labels["carry"] == "Carry cost"
    assert "not cash" in labels["risk_penalty"]
    assert len(set(labels.values())) == 4


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.45e6, "1,450,000"),
        (6e7, "60,000,000"),
        (1e15, "1,000,000,000,000,000"),
        (-0.4, "0"),
        (None, "—"),
        (float("nan"), "n/a"),
    ],
)
def test_money_never_uses_scientific_notation(value: float | None, text: str) -> None:
    assert nf.money(value) == text
    assert "e+" not in nf.money(value) and "e-" not in nf.money(value)


def test_bp_rounds_to_one_decimal_and_signs_gains() -> None:
    assert nf.bp(14.02124327755289) == "14.0"
    assert nf.bp(14.05) in ("14.1", "14.0")  # binary float: 14.05 is 14.0499...
    assert nf.bp(14.06) == "14.1"
    assert nf.bp(-0.04) == "0.0"  # never "-0.0"
    assert nf.bp(2.5, signed=True) == "+2.5"
    assert nf.money(-1234.6, signed=True) == "-1,235"
    assert nf.money(1234.4, signed=True) == "+1,234"
    assert nf.pct(0.01234) == "1.23%"


def test_tone_colours_gains_and_losses_by_the_figure_sense() -> None:
    assert nf.tone(5.0, "pnl") == "gain" and nf.tone(-5.0, "pnl") == "loss"
    # a negative cost (carry earned) is a gain
    assert nf.tone(-5.0, "cost") == "gain" and nf.tone(5.0, "cost") == "loss"
    # DV01 and durations are neither
    assert nf.tone(-5.0, "") == "" and nf.tone(0.0, "pnl") == ""
