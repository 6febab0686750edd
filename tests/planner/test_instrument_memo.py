"""hedging._instruments remembered by its inputs: equal to a fresh build, shared entries for
equal inputs, a new entry for a changed hedge section (even the same object, mutated), other
positions or other members."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hedge_planner import hedging
from hedge_planner.run import PlanRun

CORE_PLUS = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def run() -> PlanRun:
    return PlanRun.load(CORE_PLUS)


def _fields(ins: object) -> dict:
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(ins).items()}


def test_memo_equals_a_fresh_build_and_is_shared(run: PlanRun) -> None:
    hedge, members = run.case.hedge, run.universe()
    held = np.zeros(len(members))
    first = hedging._instruments(hedge, members, run.source, held)
    fresh = hedging._build_instruments(hedge, members, run.source, held)
    assert [_fields(a) for a in first] == [_fields(b) for b in fresh]
    again = hedging._instruments(hedge, list(members), run.source, held.copy())
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert again is not first  # a fresh list of the shared (frozen) instruments
    assert not first[0].krd_dv01.flags.writeable


def test_changed_inputs_get_new_entries(run: PlanRun) -> None:
    hedge, members = run.case.hedge.model_copy(deep=True), run.universe()
    held = np.zeros(len(members))
    base = hedging._instruments(hedge, members, run.source, held)
    moved = held.copy()
    moved[0] = 7.0
    other = hedging._instruments(hedge, members, run.source, moved)
    assert other[0].q0 == base[0].q0 + 7.0 and other[0] is not base[0]
    hedge.costs.impact = hedge.costs.impact + 1.0  # the same object, its content changed
    impact = hedging._instruments(hedge, members, run.source, held)
    assert [i.impact for i in impact] == [
        i.impact for i in hedging._build_instruments(hedge, members, run.source, held)
    ]
    assert impact[0] is not base[0]
    copies = [dataclasses.replace(m) for m in members]  # equal members, other objects
    assert hedging._instruments(hedge, copies, run.source, held)[0] is not impact[0]


def test_a_hedge_section_without_json_is_built_every_time(
    run: PlanRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    hedge, members = run.case.hedge, run.universe()
    held = np.zeros(len(members))

    def no_json(self: object, **_: object) -> str:
        raise ValueError("not serialisable")

    monkeypatch.setattr(type(hedge), "model_dump_json", no_json)
    entries = len(hedging._INSTRUMENTS)
    a = hedging._instruments(hedge, members, run.source, held)
    b = hedging._instruments(hedge, members, run.source, held)
    assert [_fields(x) for x in a] == [_fields(y) for y in b] and a[0] is not b[0]
    assert len(hedging._INSTRUMENTS) == entries
