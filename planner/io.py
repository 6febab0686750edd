"""Reading user files: holdings CSVs and YAML case files, with complete error reports.

Every reader collects all problems it can find before raising a single
:class:`models.errors.InputError`, so a user fixes a file in one round instead of one error at a
time. Row numbers are physical file lines (the header is row 1; blank lines and line breaks
inside quoted fields count), as a text editor shows them.

Files are read through :mod:`models.input_files`: regular files only, a size limit, UTF-8 checked,
YAML without duplicate keys, alias bombs or deep nesting.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import AnalyticsError, InputError, InputIssue
from hedge_planner.models.holding_terms import MODEL_COLUMNS
from hedge_planner.models.holdings_columns import gc_paused, screen_holdings
from hedge_planner.models.input_files import (
    STDIN,
    DocPath,
    clip,
    did_you_mean,
    iter_lines,
    load_yaml,
    read_user_text,
)
from hedge_planner.models.schemas import (
    _KRD_COLUMN,
    MAX_DECIMAL_YIELD,
    MIN_DECIMAL_YIELD,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SUPPLIED_COLUMNS,
    HoldingRow,
    Holdings,
)
from hedge_planner.models.yield_risk import yield_from_dirty_price

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_HOLDINGS_ROWS",
    "STDIN",
    "implied_yield_issues",
    "looks_like_csv",
    "parse_holdings_csv",
    "parse_holdings_csv_rowwise",
    "parse_yaml",
    "parse_yaml_lines",
    "read_holdings",
    "read_text",
    "read_yaml",
]

#: Most holdings one file may hold. Measured: parsing takes ~2.4 kB per holding at peak, a whole
#: ``analyze`` ~14 kB per holding (100,000 holdings: 1.5 GB, 14 s); see the README's input
#: limits.
MAX_HOLDINGS_ROWS = 100_000
#: Longest CSV cell accepted, characters (the csv module's own limit, stated).
MAX_CELL_CHARS = 131_072
KNOWN_COLUMNS = (
    frozenset(REQUIRED_COLUMNS)
    | frozenset(OPTIONAL_COLUMNS)
    | set(SUPPLIED_COLUMNS)
    | set(MODEL_COLUMNS)
)


def read_text(source: str | Path) -> tuple[str, str]:
    """Return ``(text, display name)`` of a file, or of standard input for ``-``.

    Raises
    ------
    InputError
        If the file does not exist, is not a regular file, is over the size limit, or is not
        UTF-8 text.
    """
    return read_user_text(source)


def _header_issues(raw: list[str], name: str, line: int) -> tuple[list[str], list[InputIssue]]:
    """Normalised header and its problems: duplicates, near-miss names, missing columns."""
    header = [h.strip().lower() for h in raw]
    issues: list[InputIssue] = []
    first: dict[str, int] = {}
    for j, (col, own) in enumerate(zip(header, raw, strict=True)):
        if col in first:
            issues.append(
                InputIssue(
                    name,
                    line,
                    own.strip(),
                    f"column {clip(own.strip())} appears twice (columns {first[col] + 1} and "
                    f"{j + 1}; names are not case-sensitive)",
                    "keep one copy of the column",
                )
            )
            continue
        first[col] = j
        if col and col not in KNOWN_COLUMNS and not _KRD_COLUMN.match(col):
            suggestion = did_you_mean(col, [*KNOWN_COLUMNS, "krd_5y"])
            if suggestion:
                issues.append(
                    InputIssue(name, line, own.strip(), f"unknown column {clip(col)}", suggestion)
                )
            else:
                logger.warning("%s: ignoring unknown column %s", name, clip(col))
    missing = [c for c in REQUIRED_COLUMNS if c not in first]
    if missing:
        issues.append(
            InputIssue(
                name,
                line,
                ", ".join(missing),
                f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                f"the header must include {', '.join(REQUIRED_COLUMNS)}",
            )
        )
    modelled_by_oas = "oas" in first and "kind" in first  # callables/MBS may be OAS-quoted
    if "yield" not in first and "price" not in first and not modelled_by_oas:
        issues.append(
            InputIssue(name, line, "yield/price", "neither a yield nor a price column", "add one")
        )
    return header, issues


def max_holdings_rows() -> int:
    """The holdings limit (``HEDGE_PLANNER_MAX_HOLDINGS`` overrides :data:`MAX_HOLDINGS_ROWS`)."""
    raw = os.environ.get("HEDGE_PLANNER_MAX_HOLDINGS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else MAX_HOLDINGS_ROWS


def _too_many_rows(name: str, line: int, limit: int) -> InputError:
    reason = f"more than {limit:,} holdings (row {line} is holding {limit + 1:,})"
    hint = "split the portfolio, or raise HEDGE_PLANNER_MAX_HOLDINGS (about 14 kB each)"
    return InputError([InputIssue(name, line, None, reason, hint)])


def _read_header(reader: Any, name: str) -> tuple[list[str], int]:
    """The first non-blank record and its physical line."""
    raw_header: list[str] = []
    try:
        while not any(c.strip() for c in raw_header):  # leading blank lines are skipped
            raw_header = next(reader)
    except StopIteration:
        raise InputError([InputIssue(name, None, None, "the file is empty")]) from None
    except csv.Error as exc:
        reason = f"bad CSV: {clip(str(exc), 60)[1:-1]}"
        raise InputError([InputIssue(name, reader.line_num, None, reason)]) from None
    return raw_header, reader.line_num


def _records(
    reader: Any, after_line: int, name: str, issues: list[InputIssue]
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the physical line each starts on; a CSV error ends the file."""
    last_line = after_line
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = f"bad CSV: {clip(str(exc), 60)[1:-1]}"
            issues.append(InputIssue(name, last_line + 1, None, reason, "check quotes"))
            return  # the reader cannot resynchronise after a broken quote
        line, last_line = last_line + 1, reader.line_num
        if any(c.strip() for c in cells):
            yield line, cells


def _count_records(text: str, name: str, limit: int) -> None:
    """Raise when the CSV has more than ``limit`` non-blank records after its header."""
    reader = csv.reader(iter_lines(text))
    n = -1  # the header is not a holding
    last = 0
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            if any(c.strip() for c in cells):
                n += 1
                if n > limit:
                    raise _too_many_rows(name, line, limit)
    except csv.Error:
        return  # the full parse reports it with its row


def parse_holdings_csv(text: str, name: str, settle: dt.date | None) -> Holdings:
    """Parse holdings CSV text into validated :class:`~models.schemas.Holdings`.

    The rows are validated column-wise in blocks (:func:`models.holdings_columns.screen_holdings`);
    only rows with a problem go through the row-wise :meth:`~models.schemas.HoldingRow.check`,
    which words their messages. The result and the problems are those of
    :func:`parse_holdings_csv_rowwise`. A file without quotes, carriage returns or NUL
    characters is split at newlines and commas directly (what ``csv.reader`` reads from it).

    Parameters
    ----------
    text
        The CSV content.
    name
        File name used in error messages.
    settle
        Settlement date used to reject matured or unissued bonds, and to check the yield a
        price implies.

    Raises
    ------
    InputError
        With every problem found: missing, duplicated or misspelt columns, an empty file, bad
        fields, duplicate ids, implausible values; each located by physical row and the user's
        own column name.
    """
    return _parse_holdings(text, name, settle, columnwise=True)


def parse_holdings_csv_rowwise(text: str, name: str, settle: dt.date | None) -> Holdings:
    """:func:`parse_holdings_csv` validating every row on its own (the reference, and slower)."""
    return _parse_holdings(text, name, settle, columnwise=False)


#: Rows validated column-wise at a time (bounded temporaries for large files).
SCREEN_BLOCK_ROWS = 8192


def _parse_holdings(text: str, name: str, settle: dt.date | None, columnwise: bool) -> Holdings:
    if not columnwise:  # the former parser, as it was
        return _parse_blocks(text, name, settle, columnwise)
    with gc_paused():  # the rows, cell lists and dicts form no cycles
        return _parse_blocks(text, name, settle, columnwise)


def _parse_blocks(text: str, name: str, settle: dt.date | None, columnwise: bool) -> Holdings:
    if not text.strip():
        hint = "expected a header row and holdings"
        raise InputError([InputIssue(name, None, None, "the file is empty", hint)])
    limit = max_holdings_rows()
    if text.count("\n") > limit + 1:
        _count_records(text, name, limit)  # cheap pass: refuse before any row is validated
    # strict: an unclosed quote is an error, not a field that swallows the rest of the file.
    reader = csv.reader(iter_lines(text), strict=True)
    raw_header, header_line = _read_header(reader, name)
    header, issues = _header_issues(raw_header, name, header_line)
    if issues:
        raise InputError(issues)
    table = _Table(name, raw_header, header, settle, columnwise)
    broken: list[InputIssue] = []  # a broken quote ends the file: reported after its rows
    blocks = _blocks(_records(reader, header_line, name, broken))
    if columnwise:
        # The reader ends a line at "\r\n" as at "\n" (a file read from disk has "\n" only).
        lf_text = text.replace("\r\n", "\n") if "\r\n" in text else text
        if _plain(lf_text):
            blocks = _split_blocks(lf_text, header_line)
    n_data = 0
    for block in blocks:
        if n_data + len(block) > limit:  # stop before the rows fill memory
            raise _too_many_rows(name, block[limit - n_data][0], limit)
        n_data += len(block)
        table.add(block)
    issues = table.issues + broken
    if n_data == 0:
        issues.append(InputIssue(name, None, None, "the file has a header but no holdings"))
    if settle is not None:
        locations = [(name, line, table.own.get("price", "price")) for line in table.lines]
        issues += implied_yield_issues(table.rows, locations, settle)
    if issues:
        raise InputError(issues)
    return Holdings(tuple(table.rows))


def _plain(text: str) -> bool:
    """True when splitting lines at commas gives exactly what ``csv.reader`` reads.

    No quotes (so no quoted commas or line breaks), no carriage returns or NUL characters (which
    the reader treats specially), and no line reaching the reader's field size limit.
    """
    if '"' in text or "\r" in text or "\x00" in text:
        return False
    return len(text) < csv.field_size_limit() or max(map(len, text.split("\n"))) < (
        csv.field_size_limit()
    )


def _blocks(
    records: Iterator[tuple[int, list[str]]],
) -> Iterator[list[tuple[int, list[str]]]]:
    """``(line, cells)`` records in lists of :data:`SCREEN_BLOCK_ROWS`."""
    block: list[tuple[int, list[str]]] = []
    for record in records:
        block.append(record)
        if len(block) == SCREEN_BLOCK_ROWS:
            yield block
            block = []
    yield block


def _split_blocks(text: str, header_line: int) -> Iterator[list[tuple[int, list[str]]]]:
    """Non-blank records after the header of a :func:`_plain` text with their physical lines,
    in lists of at most :data:`SCREEN_BLOCK_ROWS`."""
    lines = text.split("\n")
    for start in range(header_line, len(lines), SCREEN_BLOCK_ROWS):
        chunk = lines[start : start + SCREEN_BLOCK_ROWS]
        yield [
            (start + k + 1, line.split(","))
            for k, line in enumerate(chunk)
            if line.replace(",", "").strip()
        ]


class _Table:
    """Holdings and problems of a CSV's data rows, added block by block in file order."""

    def __init__(
        self,
        name: str,
        raw_header: list[str],
        header: list[str],
        settle: dt.date | None,
        columnwise: bool,
    ) -> None:
        self.name, self.header, self.settle, self.columnwise = name, header, settle, columnwise
        self.own = {h: r.strip() for h, r in zip(header, raw_header, strict=True)}
        self.use = [
            (j, h) for j, h in enumerate(header) if h in KNOWN_COLUMNS or _KRD_COLUMN.match(h)
        ]
        self.id_col = header.index("id")
        self.rows: list[HoldingRow] = []
        self.lines: list[int] = []
        self.issues: list[InputIssue] = []
        self.first_seen: dict[str, int] = {}

    def add(self, block: list[tuple[int, list[str]]]) -> None:
        """Validate a block of ``(line, cells)`` records (the issues keep the file's order)."""
        width = len(self.header)
        fitting = [cells for _, cells in block if len(cells) <= width]
        screened: list[HoldingRow | None] = [None] * len(fitting)
        if self.columnwise and fitting:
            if min(map(len, fitting)) < width:  # short rows read as blank cells
                fitting = [c + [""] * (width - len(c)) for c in fitting]
            transposed = list(zip(*fitting, strict=True))
            columns = {h: transposed[j] for j, h in self.use}
            screened = screen_holdings(columns, len(fitting), self.settle)
            if self._all_clean(block, screened):
                return
        k = 0
        for line, cells in block:
            if len(cells) > width:
                self.issues.append(
                    InputIssue(
                        self.name, line, None, "more fields than header columns", "check commas"
                    )
                )
                continue
            row, k = screened[k], k + 1
            if row is None:
                raw = {h: cells[j] for j, h in self.use if j < len(cells)}
                row, problems = HoldingRow.check(raw, self.settle)
                for column, reason, hint in problems:
                    own = self.own.get(column or "", column)
                    self.issues.append(InputIssue(self.name, line, own, reason, hint))
            self._check_duplicate(line, cells)
            if row is not None:
                self.rows.append(row)
                self.lines.append(line)

    def _all_clean(
        self,
        block: list[tuple[int, list[str]]],
        screened: list[HoldingRow | None],
    ) -> bool:
        """Take a block whose rows all passed, fit and have new distinct ids, in one step."""
        if len(screened) != len(block) or any(r is None for r in screened):
            return False
        idents = [r.id for r in screened if r is not None]  # stripped, as the check reads them
        if len(set(idents)) != len(idents) or not self.first_seen.keys().isdisjoint(idents):
            return False
        lines = [line for line, _ in block]
        self.first_seen.update(zip(idents, lines, strict=True))
        self.rows.extend(screened)  # type: ignore[arg-type]  # no None: checked above
        self.lines.extend(lines)
        return True

    def _check_duplicate(self, line: int, cells: list[str]) -> None:
        ident = cells[self.id_col].strip() if len(cells) > self.id_col else ""
        if ident in self.first_seen:
            self.issues.append(
                InputIssue(
                    self.name,
                    line,
                    self.own["id"],
                    f"duplicate id {clip(ident)} (first seen on row {self.first_seen[ident]})",
                    "ids must be unique; aggregate the positions",
                )
            )
        elif ident:
            self.first_seen[ident] = line


def implied_yield_issues(
    rows: Sequence[HoldingRow],
    locations: Sequence[tuple[str, int | None, str]],
    settle: dt.date,
) -> list[InputIssue]:
    """Problems of priced holdings whose price implies an implausible yield.

    A clean price of 2 per 100 on a 5-year bond is a yield above 100%: almost surely a typo. The
    yields are solved for all priced holdings at once (vectorised).

    Parameters
    ----------
    rows
        Validated holdings (yield-quoted ones are skipped).
    locations
        ``(source, row, column)`` of each holding's price, for the messages.
    settle
        Settlement date.
    """
    picked = [i for i, r in enumerate(rows) if r.price is not None]
    if not picked:
        return []
    book = Holdings(tuple(rows[i] for i in picked)).book()
    try:
        sched = build_schedule(book, int(to_days(settle)))
        dirty = np.array([rows[i].price for i in picked], dtype=np.float64) + sched.accrued
    except (AnalyticsError, ValueError):
        return []  # schedule problems are reported by the analytics with their own context
    try:
        ylds = yield_from_dirty_price(sched, dirty)
    except AnalyticsError:
        ylds = np.full(len(picked), np.nan)  # some price is unreachable: flag every one below
    out = []
    for k, i in enumerate(picked):
        y = float(ylds[k])
        if MIN_DECIMAL_YIELD <= y <= MAX_DECIMAL_YIELD:
            continue
        source, row, column = locations[i]
        what = f"implies a yield of {y:.1%}" if np.isfinite(y) else "implies no reachable yield"
        if not np.isfinite(y):
            try:  # solve this bond alone to tell which one is unreachable
                one = build_schedule(Holdings((rows[i],)).book(), int(to_days(settle)))
                y = float(yield_from_dirty_price(one, dirty[k : k + 1])[0])
            except AnalyticsError:
                y = float("nan")
            if MIN_DECIMAL_YIELD <= y <= MAX_DECIMAL_YIELD:
                continue
            what = f"implies a yield of {y:.1%}" if np.isfinite(y) else what
        out.append(
            InputIssue(
                source,
                row,
                column,
                f"clean price {rows[i].price:g} {what}, outside the plausible "
                f"{MIN_DECIMAL_YIELD:.0%} to {MAX_DECIMAL_YIELD:.0%}",
                "prices are clean, per 100 face",
            )
        )
    return out


def read_holdings(source: str | Path, settle: dt.date | None) -> Holdings:
    """Read and validate a holdings CSV file (``-`` for standard input)."""
    text, name = read_text(source)
    return parse_holdings_csv(text, name, settle)


def read_yaml(source: str | Path) -> tuple[dict[str, Any], str]:
    """Load a YAML mapping; a parse error or a non-mapping document is an :class:`InputError`."""
    text, name = read_text(source)
    return parse_yaml(text, name), name


def looks_like_csv(text: str) -> bool:
    """True when the first meaningful line is a CSV header with an ``id`` column."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return "," in stripped and "id" in [c.strip().lower() for c in stripped.split(",")]
    return False


def parse_yaml_lines(text: str, name: str) -> tuple[dict[str, Any], dict[DocPath, int]]:
    """Parse YAML text into a mapping and the 1-based line of every key path.

    Raises
    ------
    InputError
        Invalid YAML, unsupported tags, duplicate keys, alias bombs, deep nesting (located by
        line), or a document that is not a mapping.
    """
    data, lines = load_yaml(text, name)
    if not isinstance(data, dict):
        raise InputError([InputIssue(name, None, None, "expected a YAML mapping at the top level")])
    return data, lines


def parse_yaml(text: str, name: str) -> dict[str, Any]:
    """Parse YAML text into a mapping (errors located by line)."""
    return parse_yaml_lines(text, name)[0]
