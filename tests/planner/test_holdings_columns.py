"""The column-wise holdings parser against the row-wise reference on randomly corrupted files.

``parse_holdings_csv`` screens whole columns and builds the passing rows directly;
``parse_holdings_csv_rowwise`` validates every row with ``HoldingRow.check`` (pydantic). On
seeded random books with many kinds of corruption both must return the same holdings (same
field values and the same set of given fields) or raise the same list of located problems, in
the same order.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hedge_planner.io import parse_holdings_csv, parse_holdings_csv_rowwise
from hedge_planner.models.errors import InputError
from hedge_planner.models.schemas import HoldingRow

SETTLE = dt.date(2023, 12, 29)
COLUMNS = [
    "id",
    "face",
    "coupon",
    "maturity",
    "yield",
    "price",
    "frequency",
    "day_count",
    "issue_date",
    "sector",
    "description",
    "eom",
    "effective_duration",
    "effective_convexity",
    "spread_duration",
    "oas",
    "kind",
    "call_schedule",
    "call_style",
    "notice_days",
    "wac",
    "wam_months",
    "wala_months",
    "delay_days",
    "prepayment",
    "krd_2y",
    "krd_10y",
]
REQUIRED = {"id", "face", "coupon", "maturity"}

# Replacement cells per column: valid variants, near misses and plainly bad values.
NUMBERS = ["1_000", "nan", "inf", "1e999", "abc", "\u0663", "", " 12 ", "-5", "0", "+.5", "1."]
CORRUPT: dict[str, list[str]] = {
    "id": ["", " ", "037833101", "037833100", "US0378331005", "US0378331006", "X" * 65, " P "],
    "face": [*NUMBERS, "-1", "2e12", "1e12", "5e-324", "1e6"],
    "coupon": [*NUMBERS, "5", "-0.01", "0.2", "0.2000001", "-0"],
    "yield": [*NUMBERS, "4.5", "-0.2", "1.0", "-0.1", "0.05"],
    "price": [*NUMBERS, "1.5", "600", "500", "2", "99.5"],
    "maturity": ["2024-13-01", "2024/01/01", "20240101", "2023-12-29", "2023-12-30", "2024-02-30"],
    "issue_date": ["2099-01-01", "2024-06-01", "2020-01-01", "x", " 2019-05-05 "],
    "frequency": ["3", "x", "0", "12", "2.0", "1e0", "4", "-2"],
    "day_count": ["act/360", "ACT 365F", "bogus", "30_360", " 30/360 ", "actual/actual"],
    "sector": ["x" * 70, " Corp ", "\u0130" * 40, "GOV", "x" * 64],
    "description": ["d" * 501, "d" * 500, "  spaced  ", "\u00e9t\u00e9"],
    "eom": ["yes", "N", "maybe", "TRUE", "0", "2"],
    "effective_duration": [*NUMBERS, "101", "-100", "7.5"],
    "effective_convexity": ["10001", "-50", "x", "1.2"],
    "spread_duration": ["100.5", "6", "x"],
    "oas": ["0.01", "0.6", "-0.5", "x"],
    "kind": ["Bullet", "callable", "putable", "mbs", "weird", "", " MBS "],
    "call_schedule": [
        "2026-01-15:100",
        "2026-01-15:100;2027-01-15:100",
        "2026-01-15",
        "2027-01-15:100;2026-01-15:100",
        "2099-01-01:100",
        "2026-01-15:1",
        "2026-13-15:100",
    ],
    "call_style": ["european", "EUROPEAN", "x", "american"],
    "notice_days": ["30", "30.5", "400", "-1", "x", "366"],
    "wac": ["0.07", "0.3", "0.01", "x", "0.2"],
    "wam_months": ["360", "0", "481", "12.0", "12.5", "x"],
    "wala_months": ["0", "12", "481", "1.5"],
    "delay_days": ["55", "121", "0", "x"],
    "prepayment": ["refi", "psa:150", "cpr", "cpr:0.06", "xyz:1", "cpr:1.5", "PSA"],
    "krd_2y": ["1.2", "101", "x", "", "-3"],
    "krd_10y": ["4.5", "-101", "nan", ""],
}


def _maturity(rng: random.Random) -> str:
    return str(dt.date(2025, 1, 15) + dt.timedelta(days=rng.randrange(0, 9000)))


def _base_row(rng: random.Random, k: int) -> dict[str, str]:
    """A valid holding of a random kind (bullet by yield or price, callable, MBS)."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(id=f"H{k:05d}", face=str(rng.choice([1e6, 2.5e6, 125000])), sector="corp")
    row.update(coupon=f"{rng.uniform(0.0, 0.08):.4f}", maturity=_maturity(rng))
    kind = rng.random()
    if kind < 0.6:
        if rng.random() < 0.6:
            row["yield"] = f"{rng.uniform(0.01, 0.07):.5f}"
        else:
            row["price"] = f"{rng.uniform(80, 110):.3f}"
        if rng.random() < 0.3:
            row.update(krd_2y=f"{rng.uniform(0, 2):.3f}", krd_10y=f"{rng.uniform(0, 8):.3f}")
        if rng.random() < 0.2:
            row.update(effective_duration="6.1", effective_convexity="0.5", spread_duration="6")
        if rng.random() < 0.1:
            row.update(frequency="0", coupon="0")
    elif kind < 0.8:
        row.update(kind="callable", call_schedule="2026-01-15:100;2027-01-15:100", oas="0.01")
        row.update(maturity="2035-01-15", call_style=rng.choice(["", "european"]))
    else:
        row.update(kind="mbs", frequency="12", day_count="30/360", coupon="0.05", wac="0.06")
        row.update(wam_months="300", wala_months="20", prepayment=rng.choice(["", "psa:150"]))
        if rng.random() < 0.5:
            row["price"] = "98.5"
        else:
            row["oas"] = "0.006"
    if rng.random() < 0.2:
        row["issue_date"] = "2020-01-15"
    return row


def _corrupt(rng: random.Random, row: dict[str, str], ids: list[str]) -> None:
    for _ in range(rng.choice([1, 1, 2, 3])):
        column = rng.choice(COLUMNS)
        if column == "id" and ids and rng.random() < 0.3:
            row["id"] = rng.choice(ids)  # a duplicate id
        else:
            row[column] = rng.choice(CORRUPT[column])


def _book(seed: int, n: int) -> tuple[str, dt.date | None]:
    """CSV text of ``n`` random holdings, about a third corrupted, with random layout."""
    rng = random.Random(seed)
    columns = [c for c in COLUMNS if c in REQUIRED or rng.random() < 0.85]
    rng.shuffle(columns)
    header = [c.upper() if rng.random() < 0.2 else c for c in columns]
    quote = rng.random() < 0.3  # quoted cells take the csv module's path
    lines = [",".join(header)]
    ids: list[str] = []
    for k in range(n):
        row = _base_row(rng, k)
        if rng.random() < 0.35:
            _corrupt(rng, row, ids)
        ids.append(row["id"])
        cells = [row[c] for c in columns]
        if rng.random() < 0.05:
            cells = [f" {c} " for c in cells]
        if rng.random() < 0.02:
            cells = cells[: rng.randrange(1, len(cells))]  # a short row
        if rng.random() < 0.02:
            cells.append("extra")
        if quote and rng.random() < 0.2:
            cells = [f'"{c}"' for c in cells]
        lines.append(",".join(cells))
        if rng.random() < 0.02:
            lines.append(rng.choice(["", " , ,", ",,,"]))
    text = ("\r\n" if rng.random() < 0.2 else "\n").join(lines) + "\n"
    return text, (None if rng.random() < 0.15 else SETTLE)


def _outcome(parse, text: str, settle: dt.date | None):  # type: ignore[no-untyped-def]
    try:
        rows = parse(text, "book.csv", settle).rows
    except InputError as exc:
        return "error", exc.issues
    return "ok", [(r, r.model_fields_set) for r in rows]


@pytest.mark.parametrize("seed", range(24))
def test_columnwise_parser_agrees_with_rowwise_reference(seed: int) -> None:
    text, settle = _book(seed, 300)
    fast = _outcome(parse_holdings_csv, text, settle)
    reference = _outcome(parse_holdings_csv_rowwise, text, settle)
    assert fast == reference


@pytest.mark.parametrize("seed", range(6))
def test_clean_books_agree_field_by_field(seed: int) -> None:
    """Uncorrupted books parse; every field equals the pydantic-validated row's."""
    rng = random.Random(1000 + seed)
    lines = [",".join(COLUMNS)]
    rows = [_base_row(rng, k) for k in range(400)]
    lines += [",".join(row[c] for c in COLUMNS) for row in rows]
    text = "\n".join(lines) + "\n"
    fast = parse_holdings_csv(text, "book.csv", SETTLE).rows
    reference = parse_holdings_csv_rowwise(text, "book.csv", SETTLE).rows
    assert len(fast) == len(reference) == 400
    for a, b in zip(fast, reference, strict=True):
        assert type(a) is HoldingRow
        assert a.model_dump() == b.model_dump()
        assert a.model_fields_set == b.model_fields_set
        assert {k: type(v) for k, v in a.__dict__.items()} == {
            k: type(v) for k, v in b.__dict__.items()
        }


def test_corruption_kinds_are_all_reported() -> None:
    """The random books exercise both outcomes and many distinct problems."""
    reasons: set[str] = set()
    outcomes = set()
    for seed in range(24):
        text, settle = _book(seed, 300)
        kind, result = _outcome(parse_holdings_csv, text, settle)
        outcomes.add(kind)
        if kind == "error":
            reasons |= {issue.reason.split(" ")[0] for issue in result}
    assert outcomes == {"error"}
    assert len(reasons) > 20


def test_garbage_collector_state_is_restored_after_a_parse() -> None:
    import gc

    text, settle = _book(3, 50)
    assert gc.isenabled()
    _outcome(parse_holdings_csv, text, settle)  # raises inside: the collector is back on
    assert gc.isenabled()
    gc.disable()
    try:
        _outcome(parse_holdings_csv, text, settle)
        assert not gc.isenabled()  # a caller's own pause is kept
    finally:
        gc.enable()


@pytest.mark.parametrize("seed", range(6))
def test_small_blocks_and_row_limits_agree_with_reference(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of 7 rows: duplicates across blocks, blank lines and the holdings limit."""
    from hedge_planner import io as hio

    monkeypatch.setattr(hio, "SCREEN_BLOCK_ROWS", 7)
    text, settle = _book(100 + seed, 120)
    assert _outcome(parse_holdings_csv, text, settle) == _outcome(
        parse_holdings_csv_rowwise, text, settle
    )
    monkeypatch.setenv("HEDGE_PLANNER_MAX_HOLDINGS", str(20 + 9 * seed))
    fast = _outcome(parse_holdings_csv, text, settle)
    assert fast == _outcome(parse_holdings_csv_rowwise, text, settle)
    assert fast[0] == "error" and "more than" in fast[1][0].reason
