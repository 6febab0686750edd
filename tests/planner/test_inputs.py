"""Bad holdings input: every problem is reported at once, located by row and column."""

from __future__ import annotations

import datetime as dt

import pytest
from hedge_planner.io import parse_holdings_csv
from hedge_planner.models.errors import InputError

SETTLE = dt.date(2024, 1, 2)
HEADER = "id,face,coupon,maturity,yield,price,day_count,issue_date\n"
GOOD = "GOOD1,1000000,0.045,2030-05-15,0.042,,ACT/ACT,\n"


def issues_of(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputError) as info:
        parse_holdings_csv(text, "holdings.csv", SETTLE)
    assert all(i.source == "holdings.csv" for i in info.value.issues)
    return [(i.row, i.column, i.reason) for i in info.value.issues]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("B,1000,0.05,2030-02-30,0.04,,ACT/ACT,", "maturity", "unparseable date"),
        ("B,1000,0.05,15/05/2030,0.04,,ACT/ACT,", "maturity", "unparseable date"),
        ("B,1000,0.05,2030-05-15,0.04,,ACT/ACT,2020-13-45", "issue_date", "unparseable date"),
        ("B,1000,0.05,2024-01-02,0.04,,ACT/ACT,", "maturity", "on or before settlement"),
        ("B,1000,0.05,2023-06-30,0.04,,ACT/ACT,", "maturity", "on or before settlement"),
        ("B,-1000,0.05,2030-05-15,0.04,,ACT/ACT,", "face", "positive"),
        ("B,0,0.05,2030-05-15,0.04,,ACT/ACT,", "face", "positive"),
        ("B,1000,5,2030-05-15,0.04,,ACT/ACT,", "coupon", "percentage"),
        ("B,1000,4.25,2030-05-15,0.04,,ACT/ACT,", "coupon", "0.0425"),
        ("B,1000,0.05,2030-05-15,4.2,,ACT/ACT,", "yield", "percentage"),
        ("B,1000,0.05,2030-05-15,0.04,,ACT/366,", "day_count", "unknown day count"),
        ("B,1000,0.05,2030-05-15,0.04,99.5,ACT/ACT,", "yield/price", "both"),
        ("B,1000,0.05,2030-05-15,,,ACT/ACT,", "yield/price", "neither"),
        ("912828XG1,1000,0.05,2030-05-15,0.04,,ACT/ACT,", "id", "check digit"),
        ("US0378331006,1000,0.05,2030-05-15,0.04,,ACT/ACT,", "id", "check digit"),
        ("B,abc,0.05,2030-05-15,0.04,,ACT/ACT,", "face", "not a number"),
        ("B,1000,0.05,2030-05-15,0.04,,ACT/ACT,2031-01-01", "issue_date", "not before maturity"),
        ("B,1000,0.05,2030-05-15,0.04,,ACT/ACT,2025-01-01", "issue_date", "after settlement"),
        ("B,1000,0.05,2030-05-15,,0.995,ACT/ACT,", "price", "per 100"),
        (",1000,0.05,2030-05-15,0.04,,ACT/ACT,", "id", "required"),
    ],
)
def test_each_bad_field_is_located(row: str, column: str, fragment: str) -> None:
    """The message names the file row (header = row 1; this bad row is row 3) and column."""
    found = issues_of(HEADER + GOOD + row + "\n")
    assert any(r == 3 and c == column and fragment in reason for r, c, reason in found), found


def test_all_problems_are_reported_together() -> None:
    text = (
        HEADER
        + GOOD
        + "B1,-5,5,not-a-date,,,XYZ,\n"
        + GOOD.replace("GOOD1", "B2")
        + "B2,100,0.05,2031-01-01,0.04,,30/360,\n"
        + "037833109,100,0.05,2031-01-01,0.04,,,\n"
    )
    found = issues_of(text)
    located = {(r, c) for r, c, _ in found}
    assert {
        (3, "face"),
        (3, "coupon"),
        (3, "maturity"),
        (3, "day_count"),
        (3, "yield/price"),
        (5, "id"),  # duplicate of row 4
        (6, "id"),  # CUSIP check digit
    } <= located


def test_duplicate_ids_name_the_first_row() -> None:
    found = issues_of(HEADER + GOOD + GOOD)
    assert found == [(3, "id", "duplicate id 'GOOD1' (first seen on row 2)")]


def test_empty_file() -> None:
    assert issues_of("")[0][2] == "the file is empty"
    assert issues_of("   \n\n")[0][2] == "the file is empty"


def test_header_only() -> None:
    assert "no holdings" in issues_of(HEADER)[0][2]


def test_missing_columns() -> None:
    found = issues_of("id,face,yield\nA,100,0.04\n")
    assert found[0][0] == 1
    assert found[0][1] == "coupon, maturity"
    assert "missing required columns" in found[0][2]


def test_missing_price_and_yield_columns() -> None:
    found = issues_of("id,face,coupon,maturity\nA,100,0.05,2030-01-01\n")
    assert (1, "yield/price") in {(r, c) for r, c, _ in found}


def test_valid_file_parses_with_defaults() -> None:
    holdings = parse_holdings_csv(
        "id,face,coupon,maturity,price,sector\nA,100,0.05,2030-01-15,101.5,Corporate\n",
        "h.csv",
        SETTLE,
    )
    row = holdings.rows[0]
    assert (row.frequency, row.day_count.label, row.sector, row.price) == (
        2,
        "ACT/ACT",
        "corporate",
        101.5,
    )


def test_supplied_krd_columns_are_read() -> None:
    holdings = parse_holdings_csv(
        "id,face,coupon,maturity,price,effective_duration,krd_2y,krd_10y\n"
        "MBS1,100,0.05,2050-01-15,99,5.1,1.2,3.9\n",
        "h.csv",
        SETTLE,
    )
    assert holdings.rows[0].effective_duration == 5.1
    assert holdings.rows[0].krd == {"2y": 1.2, "10y": 3.9}
