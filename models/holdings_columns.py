"""Column-wise screening of holdings rows: the checks of ``HoldingRow.check`` on whole columns.

A holdings file is validated one column at a time (strict number syntax, ranges, dates, enums,
identifiers, the yield/price rule and the cross-field rules) instead of one pydantic validation
per row. A row that passes every column check is assembled directly into a
:class:`~models.schemas.HoldingRow` (the same field values and the same set of given fields as
``HoldingRow.check`` produces); any other row is marked for the row-wise check, which formats
the located messages. The screen is conservative: it only passes rows the row-wise check is
certain to accept, so both paths report the same problems and return the same holdings
(``tests/planner/test_holdings_columns.py`` checks this on randomly corrupted files).

Modelled holdings (callables, putables, MBS pools) are screened the same way: kinds, exercise
schedules and prepayment models are parsed once per distinct cell, the pool terms are integer
and range checked per column, and the rules of
:func:`models.holding_terms.model_term_problems` are evaluated on whole columns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from itertools import compress
from typing import Any

import numpy as np
from hedge_planner.models.bonds import FREQUENCIES
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.holding_terms import (
    CALL_STYLES,
    KINDS,
    parse_call_schedule,
    parse_prepayment,
)
from hedge_planner.models.identifiers import check_identifier
from hedge_planner.models.input_files import parse_number
from hedge_planner.models.schemas import (
    _KRD_COLUMN,
    MAX_ABS_CONVEXITY,
    MAX_ABS_DURATION,
    MAX_ABS_OAS,
    MAX_DECIMAL_COUPON,
    MAX_DECIMAL_YIELD,
    MAX_DESCRIPTION_CHARS,
    MAX_FACE,
    MAX_ID_CHARS,
    MAX_PRICE,
    MAX_SECTOR_CHARS,
    MIN_DECIMAL_YIELD,
    MIN_PRICE,
    HoldingRow,
    parse_iso_date,
)

__all__ = ["gc_paused", "screen_holdings"]

# The strict decimal syntax of models.input_files.parse_number, for one whole column joined by
# newlines (blank cells allowed): one regex match over the column instead of one per cell.
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(_NUM, re.ASCII)
#: A character no strict number has (line breaks separate the cells of a joined column).
_NOT_NUMERIC = re.compile(r"[^0-9.eE+\-\n]")

#: Inclusive plausible range of each numeric column a bullet may carry (the field validators').
_RANGES: dict[str, tuple[float, float]] = {
    "face": (math.nextafter(0.0, 1.0), MAX_FACE),
    "coupon": (0.0, MAX_DECIMAL_COUPON),
    "yield": (MIN_DECIMAL_YIELD, MAX_DECIMAL_YIELD),
    "price": (MIN_PRICE, MAX_PRICE),
    "effective_duration": (-MAX_ABS_DURATION, MAX_ABS_DURATION),
    "spread_duration": (-MAX_ABS_DURATION, MAX_ABS_DURATION),
    "effective_convexity": (-MAX_ABS_CONVEXITY, MAX_ABS_CONVEXITY),
    "oas": (-MAX_ABS_OAS, MAX_ABS_OAS),
    "wac": (0.0, MAX_DECIMAL_COUPON),
}
#: Integer pool and notice terms: inclusive range and default (the model's field constraints).
_INTEGERS: dict[str, tuple[int, int, int | None]] = {
    "notice_days": (0, 366, 0),
    "wam_months": (1, 480, None),
    "wala_months": (0, 480, 0),
    "delay_days": (0, 120, 55),
}
_FIELD_OF = {"yield": "yield_"}
_TRUE, _FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n"}
_MISSING: object = object()


#: Whitespace other than the line breaks the join puts between cells.
_SPACE = re.compile(r"[^\S\n]")


class _Columns:
    """Stripped cells of the given columns (a column absent from the file reads as blank).

    Each column is joined once into one string with line breaks between the cells: when no cell
    holds a line break, one regex search over the joined text tells whether any cell may need
    stripping, and one match whether every cell is a strict number.
    """

    def __init__(self, columns: Mapping[str, Sequence[str]], n: int) -> None:
        self.n = n
        self.cells: dict[str, Sequence[str]] = {}
        self.joined: dict[str, str | None] = {}
        for name, raw in columns.items():
            joined = "\n".join(raw)
            if joined.count("\n") != n - 1:  # a cell holds a line break: no joined shortcut
                self.cells[name], self.joined[name] = list(map(str.strip, raw)), None
            elif _SPACE.search(joined):
                self.cells[name] = list(map(str.strip, raw))
                self.joined[name] = "\n".join(self.cells[name])
            else:
                self.cells[name], self.joined[name] = raw, joined
        self.blank = [""] * n
        self._given: dict[str, np.ndarray] = {}

    def get(self, name: str) -> Sequence[str]:
        return self.cells.get(name, self.blank)

    def given(self, name: str) -> np.ndarray:
        """True where the row has a non-blank cell in column ``name``."""
        if name not in self._given:
            cells = self.cells.get(name)
            self._given[name] = (
                np.zeros(self.n, dtype=bool)
                if cells is None
                else np.fromiter(map(bool, cells), dtype=bool, count=self.n)
            )
        return self._given[name]

    def numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(values, ok)``: floats (NaN where blank or bad); False where a cell is no number.

        The syntax is :func:`parse_number`'s; non-finite results (``1e999``) are not ok either.
        A column of digits, signs, points and exponents only is converted by ``float`` at once:
        on such text ``float`` accepts exactly the strict syntax (no ``nan``, ``inf``,
        underscores or non-ASCII digits can occur), and a refusal falls back to cell by cell.
        """
        values = np.full(self.n, math.nan)
        ok = np.ones(self.n, dtype=bool)
        if name not in self.cells:
            return values, ok
        cells, joined, given = self.cells[name], self.joined[name], self.given(name)
        try:
            if joined is None or _NOT_NUMERIC.search(joined):
                raise ValueError(name)
            if given.all():
                values = np.fromiter(map(float, cells), np.float64, self.n)
            elif given.any():
                values[given] = np.fromiter(map(float, compress(cells, given)), np.float64)
        except ValueError:
            match = _NUMBER.fullmatch
            ok = np.fromiter((not c or match(c) is not None for c in cells), bool, self.n)
            parse = given & ok
            values = np.full(self.n, math.nan)
            values[parse] = np.fromiter(map(float, compress(cells, parse)), np.float64)
        ok &= ~given | np.isfinite(values)
        return values, ok

    def memo(self, name: str, parse: Callable[[str], Any], default: Any) -> tuple[list[Any], Any]:
        """``parse`` of each distinct cell once: per row its value (``default`` where blank or
        refused) and a boolean array, True where a non-blank cell was refused."""
        cells = self.get(name)
        cache: dict[str, Any] = {}
        refused: set[str] = set()
        for cell in set(cells):
            try:
                cache[cell] = parse(cell) if cell else default
            except (ValueError, TypeError):
                cache[cell] = default
                refused.add(cell)
        values = list(map(cache.__getitem__, cells))
        if not refused:
            return values, np.zeros(self.n, dtype=bool)
        return values, np.fromiter(map(refused.__contains__, cells), bool, self.n)


def _optional(values: np.ndarray, given: np.ndarray) -> list[float | None]:
    """Floats as a list, ``None`` where the cell was blank."""
    if given.all():
        return values.tolist()
    if not given.any():
        return [None] * len(values)
    out = values.astype(object)
    out[~given] = None
    return list(out.tolist())


def _frequency(text: str) -> int:
    number = parse_number(text)
    if number not in FREQUENCIES:
        raise ValueError(text)
    return int(number)


def _eom(text: str) -> bool:
    low = text.lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    raise ValueError(text)


def _id_problems(cells: Sequence[str]) -> np.ndarray:
    """True where an id is too long or a CUSIP/ISIN with a wrong check digit.

    Only 9- and 12-character ids (or non-ASCII ones, whose upper case may change length) can be
    CUSIPs or ISINs, so only those are checked one by one.
    """
    lengths = np.fromiter(map(len, cells), np.int64, len(cells))
    bad = lengths > MAX_ID_CHARS
    ascii_ = np.fromiter(map(str.isascii, cells), bool, len(cells))
    for i in np.flatnonzero((lengths == 9) | (lengths == 12) | ~ascii_).tolist():
        bad[i] |= check_identifier(cells[i]) is not None
    return bad


def _ordinals(dates: list[Any]) -> np.ndarray:
    return np.fromiter((0 if d is None else d.toordinal() for d in dates), np.int64, len(dates))


def screen_holdings(
    columns: Mapping[str, Sequence[str]], n: int, settle: dt.date | None
) -> list[HoldingRow | None]:
    """The holdings of rows that pass every check; ``None`` for rows needing the row-wise check.

    Parameters
    ----------
    columns
        Normalised column name (lower case, as in the header) -> raw cell of each of the ``n``
        rows (``""`` where a row has no cell), in header order. Only the holdings columns and
        ``krd_*`` columns.
    n
        Number of rows.
    settle
        Settlement date (maturity after it, issue date on or before it), or ``None``.

    Returns
    -------
    list of HoldingRow or None
        Per row, the validated holding exactly as ``HoldingRow.check(row, settle)`` returns it
        (same values, same given fields), or ``None`` when the row has a problem.
    """
    cols = _Columns(columns, n)
    bad = np.zeros(n, dtype=bool)
    values: dict[str, Any] = {}
    for name, (low, high) in _RANGES.items():
        number, ok = cols.numbers(name)
        with np.errstate(invalid="ignore"):
            bad |= ~ok | (number < low) | (number > high)
        values[_FIELD_OF.get(name, name)] = _optional(number, cols.given(name))
    for name in ("id", "face", "coupon", "maturity"):  # required
        bad |= ~cols.given(name)
    krd = _krd_columns(cols, bad)
    values["id"] = list(cols.get("id"))
    bad |= _id_problems(values["id"])
    for name, parse, default in (
        ("maturity", parse_iso_date, None),
        ("issue_date", parse_iso_date, None),
        ("frequency", _frequency, 2),
        ("day_count", lambda t: DayCount.parse(t[:40]), DayCount.ACT_ACT),
        ("eom", _eom, True),
        ("kind", lambda t: _choice(t, KINDS), "bullet"),
        ("call_style", lambda t: _choice(t, CALL_STYLES), "bermudan"),
        ("call_schedule", parse_call_schedule, ()),
        ("prepayment", parse_prepayment, ("refi", 1.0)),
        ("sector", _sector, "unclassified"),
    ):
        values[name], refused = cols.memo(name, parse, default)
        bad |= refused
    bad |= _integer_terms(cols, values)
    values["description"] = list(cols.get("description"))
    if max(map(len, values["description"]), default=0) > MAX_DESCRIPTION_CHARS:
        bad |= np.fromiter((len(d) > MAX_DESCRIPTION_CHARS for d in values["description"]), bool)
    bad |= _cross_field_problems(values, cols, settle)
    return _assemble(values, krd, cols, bad)


def _sector(text: str) -> str:
    low = text.lower()
    if len(low) > MAX_SECTOR_CHARS:
        raise ValueError(text)
    return low


def _choice(text: str, choices: tuple[str, ...]) -> str:
    low = text.lower()
    if low not in choices:
        raise ValueError(text)
    return low


def _integer_terms(cols: _Columns, values: dict[str, Any]) -> np.ndarray:
    """Parse the integer terms into ``values``; True where one is not a whole number in range."""
    bad = np.zeros(cols.n, dtype=bool)
    for name, (low, high, default) in _INTEGERS.items():
        number, ok = cols.numbers(name)
        with np.errstate(invalid="ignore"):
            bad |= ~ok | (number < low) | (number > high) | (np.mod(number, 1.0) > 0)
        column = np.full(cols.n, default, dtype=object)
        whole = cols.given(name) & ~bad
        column[whole] = number[whole].astype(np.int64).tolist()  # Python ints, as pydantic's
        values[name] = column.tolist()
    return bad


def _krd_columns(cols: _Columns, bad: np.ndarray) -> list[tuple[str, list[float | None]]]:
    """``(tenor, values)`` of each ``krd_*`` column; flags bad or implausible cells in ``bad``."""
    out = []
    for name in cols.cells:
        match = _KRD_COLUMN.match(name)
        if not match:
            continue
        number, ok = cols.numbers(name)
        with np.errstate(invalid="ignore"):
            bad |= ~ok | (np.abs(number) > MAX_ABS_DURATION)
        out.append((match.group(1), _optional(number, cols.given(name))))
    return out


def _cross_field_problems(
    values: Mapping[str, list[Any]], cols: _Columns, settle: dt.date | None
) -> np.ndarray:
    """Rows breaking a rule between fields (each field valid on its own or flagged already).

    The rules of ``HoldingRow.check`` (yield/price), of ``HoldingRow._cross_checks`` (dates
    against each other and settlement, zero-coupon) and of ``model_term_problems``.
    """
    maturity = _ordinals(values["maturity"])
    issue = _ordinals(values["issue_date"])
    has_issue = cols.given("issue_date")
    bad = has_issue & (issue >= maturity)
    if settle is not None:
        bad |= maturity <= settle.toordinal()
        bad |= has_issue & (issue > settle.toordinal())
    kind = np.array(values["kind"], dtype=object)
    bullet, mbs = kind == "bullet", kind == "mbs"
    # Exactly one of yield and price; modelled holdings may give an OAS instead.
    has_yield, has_price = cols.given("yield"), cols.given("price")
    bad |= has_yield & has_price
    bad |= ~has_yield & ~has_price & (bullet | ~cols.given("oas"))
    coupon = np.array(values["coupon"], dtype=np.float64)  # None reads as NaN
    frequency = np.array(values["frequency"], dtype=np.int64)
    bad |= (frequency == 0) & (coupon != 0)
    schedule = values["call_schedule"]
    has_schedule = np.fromiter(map(bool, schedule), bool, len(schedule))
    optioned = (kind == "callable") | (kind == "putable")
    bad |= optioned != has_schedule
    last_exercise = _ordinals([s[-1][0] if s else None for s in schedule])
    bad |= has_schedule & (last_exercise >= maturity)  # exercise dates increase
    wac = np.array(values["wac"], dtype=np.float64)
    has_pool = cols.given("wac") | cols.given("wam_months")
    bad |= mbs & (np.isnan(wac) | (wac < coupon) | (frequency != 12))
    bad |= ~mbs & has_pool
    return bad


def _assemble(
    values: dict[str, Any],
    krd: list[tuple[str, list[float | None]]],
    cols: _Columns,
    bad: np.ndarray,
) -> list[HoldingRow | None]:
    """Build the rows that passed: every field's value and the set of fields the row gave."""
    fields = HoldingRow.model_fields
    given_names = [
        (_FIELD_OF.get(name, name), cols.given(name))
        for name in cols.cells
        if name in fields or name == "yield"
    ]
    # The set of given fields, one distinct set per pattern of blank cells.
    codes = np.zeros(cols.n, dtype=np.int64)
    for k, (_, given) in enumerate(given_names):
        codes |= given.astype(np.int64) << k
    patterns = {
        int(code): frozenset(
            {"krd"} | {f for k, (f, _) in enumerate(given_names) if int(code) >> k & 1}
        )
        for code in np.unique(codes[~bad])
    }
    names = [f for f in fields if f != "krd"]
    with gc_paused():
        return _build(names, values, krd, codes, patterns, bad)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored on exit, also on an exception).

    While tens of thousands of acyclic rows, lists and dicts are created, the collector would
    traverse the growing book again and again (a quarter to a half of a parse's time); nothing
    created here forms a cycle, so nothing is left for it to find afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    names: list[str],
    values: dict[str, Any],
    krd: list[tuple[str, list[float | None]]],
    codes: np.ndarray,
    patterns: Mapping[int, frozenset[str]],
    bad: np.ndarray,
) -> list[HoldingRow | None]:
    n = len(bad)
    tenors = [tenor for tenor, _ in krd]
    if krd:
        krd_rows = [
            {t: v for t, v in zip(tenors, row, strict=True) if v is not None}
            for row in zip(*(v for _, v in krd), strict=True)
        ]
    else:
        krd_rows = [{} for _ in range(n)]
    # Dicts and field sets are built by C-level map/zip: about a microsecond a row.
    rows = zip(*(values[f] for f in names), krd_rows, strict=True)
    dicts = map(dict, map(partial(zip, [*names, "krd"]), rows))
    empty: frozenset[str] = frozenset()  # rows with a problem: not built
    sets = (patterns.get(code, empty) for code in codes.tolist())
    return [
        None if skip else _construct(data, set(given))
        for skip, data, given in zip(bad.tolist(), dicts, sets, strict=True)
    ]


def _construct(data: dict[str, Any], fields_set: set[str]) -> HoldingRow:
    """A :class:`HoldingRow` from values already validated, as ``model_construct`` builds it.

    ``HoldingRow.model_construct`` costs about 10 microseconds a row (it looks up every field's
    aliases and defaults); the values here are complete, so the instance state is set directly.
    ``tests/planner/test_holdings_columns.py`` compares the result with ``model_validate``'s.
    """
    row = HoldingRow.__new__(HoldingRow)
    _set(row, "__dict__", data)
    _set(row, "__pydantic_fields_set__", fields_set)
    _set(row, "__pydantic_extra__", None)
    _set(row, "__pydantic_private__", None)
    return row


_set = object.__setattr__
