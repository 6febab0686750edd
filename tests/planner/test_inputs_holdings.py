"""Holdings CSV findings of the Reliability issue: each mutated input gets a located error."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest
from hedge_planner import io as hio
from hedge_planner.io import parse_holdings_csv, read_holdings
from hedge_planner.models.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st

SETTLE = dt.date(2024, 1, 2)
HEADER = "id,face,coupon,maturity,yield,price,effective_duration,effective_convexity,"
HEADER += "spread_duration,oas,krd_5y,description\n"
GOOD = "A1,1000000,0.045,2030-05-15,0.042,,,,,,,plain bullet\n"


def issues(text: str) -> list[tuple[int | None, str | None, str, str]]:
    with pytest.raises(InputError) as info:
        parse_holdings_csv(text, "h.csv", SETTLE)
    assert all(i.source == "h.csv" for i in info.value.issues)
    return [(i.row, i.column, i.reason, i.hint) for i in info.value.issues]


def cell_row(**cells: str) -> str:
    """A copy of GOOD (id B1) with some cells replaced."""
    names = HEADER.strip().split(",")
    values = dict(zip(names, GOOD.strip().split(","), strict=True))
    values.update(id="B1", **cells)
    return ",".join(values[n] for n in names) + "\n"


# ---- header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("id,face,coupon,maturity,yield,face\n", "face"),  # the last copy used to win
        ("id,face,coupon,maturity,yield,ID\n", "ID"),  # names are not case-sensitive
    ],
)
def test_duplicated_columns_are_refused(header: str, column: str) -> None:
    found = issues(header + "A,1,0.05,2030-01-01,0.04,2\n")
    assert [(r, c) for r, c, *_ in found] == [(1, column)]
    assert "appears twice" in found[0][2]


def test_misspelt_column_gets_did_you_mean() -> None:
    found = issues("id,face,coupon,maturity,yield,frequncy\nA,1,0.05,2030-01-01,0.04,2\n")
    assert found == [(1, "frequncy", "unknown column 'frequncy'", "did you mean 'frequency'?")]


def test_unrelated_extra_column_is_ignored() -> None:
    text = "id,face,coupon,maturity,yield,portfolio_manager\nA,1,0.05,2030-01-01,0.04,Jane\n"
    assert len(parse_holdings_csv(text, "h.csv", SETTLE)) == 1


# ---- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        # Non-finite numbers were taken as "not supplied" (supplied analytics) or 0 (KRDs).
        ({"effective_duration": "NaN"}, "effective_duration", "not a number"),
        ({"effective_duration": "inf"}, "effective_duration", "not a number"),
        ({"effective_convexity": "nan"}, "effective_convexity", "not a number"),
        ({"spread_duration": "-inf"}, "spread_duration", "not a number"),
        ({"oas": "NaN"}, "oas", "not a number"),
        ({"krd_5y": "NaN"}, "krd_5y", "not a number"),
        # Plausibility bounds state the bound.
        ({"yield": "4.32"}, "yield", "percentage"),
        ({"yield": "-0.5"}, "yield", "plausible minimum -0.1"),
        ({"yield": "-2"}, "yield", "plausible minimum -0.1"),
        ({"face": "1e308"}, "face", "plausible maximum 1e+12"),
        ({"effective_duration": "1e6"}, "effective_duration", "+/-100 years"),
        ({"effective_convexity": "1e9"}, "effective_convexity", "+/-10000 years^2"),
        ({"krd_5y": "250"}, "krd_5y", "+/-100 years"),
        ({"oas": "85"}, "oas", "OAS is a decimal"),
        ({"description": "d" * 600}, "description", "500-character limit"),
        # float() reads these; a holdings file must not.
        ({"face": "1_000"}, "face", "'1_000' is not a number"),
        ({"face": "١٠٠٠"}, "face", "is not a number"),
        ({"coupon": "٠.٠٥"}, "coupon", "is not a number"),
    ],
)
def test_bad_cells_are_located(cells: dict[str, str], column: str, fragment: str) -> None:
    found = issues(HEADER + GOOD + cell_row(**cells))
    assert any(r == 3 and c == column and fragment in reason for r, c, reason, _ in found), found


def test_price_implying_absurd_yield_is_refused() -> None:
    # A clean price of 2 per 100 on a 6-year 4.5% bond is a yield of about 200%.
    found = issues(HEADER + GOOD + cell_row(**{"yield": "", "price": "2.0"}))
    assert len(found) == 1
    row, column, reason, _ = found[0]
    assert (row, column) == (3, "price")
    assert "implies a yield of" in reason and "outside the plausible -10% to 100%" in reason


def test_plausible_price_passes_the_implied_yield_check() -> None:
    holdings = parse_holdings_csv(HEADER + cell_row(**{"yield": "", "price": "97.25"}), "h", SETTLE)
    assert holdings.rows[0].price == 97.25


def test_long_cells_are_not_echoed() -> None:
    found = issues(HEADER + GOOD + cell_row(maturity="x" * 5000))
    assert all(len(reason) < 200 for _, _, reason, _ in found)
    assert any("'xxxxxxxxxxxxxxxxxxxx...'" in reason for _, _, reason, _ in found)


def test_huge_cell_is_a_located_csv_error() -> None:
    # A 200,000-character description passes the csv module's field limit: a clean error.
    found = issues(HEADER + GOOD + cell_row(description="d" * 200_000))
    assert found[0][0] == 3 and "field larger than field limit" in found[0][2]


def test_user_column_spelling_is_kept() -> None:
    found = issues("ID,Face,Coupon,Maturity,Yield\nA,-1,0.05,2030-01-01,0.04\n")
    assert [(r, c) for r, c, *_ in found] == [(2, "Face")]


# ---- physical rows ---------------------------------------------------------------------------


def test_rows_count_blank_lines_and_multiline_quoted_fields() -> None:
    text = (
        HEADER  # line 1
        + "\n"  # line 2 (blank)
        + GOOD  # line 3
        + 'A2,1000,0.05,2030-01-01,0.04,,,,,,,"two\nlines"\n'  # lines 4-5
        + "\n"  # line 6
        + cell_row(face="-5")  # line 7
    )
    found = issues(text)
    assert [(r, c) for r, c, *_ in found] == [(7, "face")]


def test_duplicate_id_names_physical_rows() -> None:
    found = issues(HEADER + "\n" + GOOD + "\n" + GOOD)
    assert found[0][:3] == (5, "id", "duplicate id 'A1' (first seen on row 3)")


def test_unclosed_quote_is_located() -> None:
    # A lenient reader would take every later line into this description: holdings lost.
    text = HEADER + GOOD + 'B1,1000,0.05,2030-01-01,0.04,,,,,,,"unclosed\n' + GOOD
    found = issues(text)
    assert found == [(3, None, "bad CSV: unexpected end of data", "check quotes")]


# ---- files and scale -------------------------------------------------------------------------


def test_holdings_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_holdings(tmp_path, SETTLE)
    assert "directory" in info.value.issues[0].reason


def test_row_limit_stops_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEDGE_PLANNER_MAX_HOLDINGS", "3")
    text = HEADER + "\n" + "".join(GOOD.replace("A1", f"A{i}") for i in range(5))
    (found,) = issues(text)
    assert found[:3] == (6, None, "more than 3 holdings (row 6 is holding 4)")
    assert len(parse_holdings_csv(HEADER + GOOD * 1, "h.csv", SETTLE)) == 1


def test_default_row_limit() -> None:
    assert hio.max_holdings_rows() == hio.MAX_HOLDINGS_ROWS == 100_000


# ---- property: parsing only ever succeeds or raises InputError ----------------------------------

_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "0.045",
            "4.5",
            "1e308",
            "nan",
            "inf",
            "1_000",
            "١٢",
            "2030-05-15",
            "2024-13-45",
            "15/05/2030",
            "99.5",
            "2.0",
            "ACT/ACT",
            "true",
            '"',
            "912828XG1",
            "x" * 300,
        ]
    ),
    st.text(alphabet=string.printable + "é١\u00a0", max_size=12),
)
_COLUMNS = [
    "id",
    "face",
    "coupon",
    "maturity",
    "yield",
    "price",
    "frequency",
    "day_count",
    "issue_date",
    "eom",
    "effective_duration",
    "krd_5y",
    "description",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=len(_COLUMNS), max_size=len(_COLUMNS)), max_size=4))
def test_random_rows_parse_or_raise_input_error(rows: list[list[str]]) -> None:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    text = ",".join(_COLUMNS) + "\n" + "".join(",".join(map(quote, r)) + "\n" for r in rows)
    try:
        holdings = parse_holdings_csv(text, "h.csv", SETTLE)
    except InputError as exc:
        assert exc.issues and all(i.source == "h.csv" for i in exc.issues)
    else:
        assert len(holdings) == len(rows)
