"""The ``--hedge PLAN.json`` reader: strict finite quantities, instrument names, JSON guards."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hedge_planner.models.errors import InputError
from hedge_planner.stress import read_hedge_quantities

MEMBERS = [
    SimpleNamespace(name="TYH4", spec=SimpleNamespace(current=0.0)),
    SimpleNamespace(name="SOFR 10y", spec=SimpleNamespace(current=5.0)),
]


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "plan.json"
    path.write_text(text)
    return str(path)


def test_good_file_adds_trades_to_current_positions(tmp_path: Path) -> None:
    doc = {
        "hedge": {
            "trades": [
                {"instrument": "TYH4", "quantity": -12},
                {"instrument": "SOFR 10y", "quantity": 1e6},
            ]
        }
    }
    got = read_hedge_quantities(write(tmp_path, json.dumps(doc)), MEMBERS)
    np.testing.assert_array_equal(got, [-12.0, 1e6 + 5.0])


@pytest.mark.parametrize(
    ("trade", "column", "fragment"),
    [
        ('{"instrument": "TYH4", "quantity": NaN}', None, "non-finite number NaN"),
        ('{"instrument": "TYH4", "quantity": Infinity}', None, "non-finite number Infinity"),
        ('{"instrument": "TYH4", "quantity": "nan"}', "trades[0].quantity", "is not a number"),
        ('{"instrument": "TYH4", "quantity": "1_000"}', "trades[0].quantity", "is not a number"),
        ('{"instrument": "TYH4", "quantity": true}', "trades[0].quantity", "is not a number"),
        ('{"instrument": "TYH4", "quantity": 1e300}', "trades[0].quantity", "plausible"),
        ('{"instrument": ["TYH4"], "quantity": 1}', "trades[0].instrument", "got a list"),
        ('{"instrument": {"a": 1}, "quantity": 1}', "trades[0].instrument", "got a dict"),
        ('{"instrument": "TYH5", "quantity": 1}', "trades[0].instrument", "not in the case"),
    ],
)
def test_bad_trades_are_refused(
    tmp_path: Path, trade: str, column: str | None, fragment: str
) -> None:
    with pytest.raises(InputError) as info:
        read_hedge_quantities(write(tmp_path, '{"trades": [' + trade + "]}"), MEMBERS)
    (issue,) = info.value.issues
    assert issue.column == column and fragment in issue.reason, issue


def test_unknown_instrument_gets_did_you_mean(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_hedge_quantities(write(tmp_path, '[{"instrument": "TYH5", "quantity": 1}]'), MEMBERS)
    assert info.value.issues[0].hint == "did you mean 'TYH4'?"


def test_deeply_nested_and_duplicate_keys(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nested deeper"):
        read_hedge_quantities(write(tmp_path, "[" * 10_000 + "]" * 10_000), MEMBERS)
    with pytest.raises(InputError, match="duplicate key 'trades'"):
        read_hedge_quantities(write(tmp_path, '{"trades": [], "trades": []}'), MEMBERS)


def test_hedge_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_hedge_quantities(str(tmp_path), MEMBERS)
