"""Reading user files: holdings CSVs and YAML case files, with complete error reports.

Every reader collects all problems it can find before raising a single
:class:`models.errors.InputError`, so a user fixes a file in one round instead of one error at a
time. Row numbers are file line numbers (the header is row 1), as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

import yaml
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.schemas import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SUPPLIED_COLUMNS,
    HoldingRow,
    Holdings,
)

STDIN = "-"


def read_text(source: str | Path) -> tuple[str, str]:
    """Return ``(text, display name)`` of a file, or of standard input for ``-``.

    Raises
    ------
    InputError
        If the file does not exist or cannot be read as UTF-8 text.
    """
    if str(source) == STDIN:
        return sys.stdin.read(), "<stdin>"
    path = Path(source)
    name = str(path)
    try:
        return path.read_text(encoding="utf-8-sig"), name
    except FileNotFoundError:
        raise InputError([InputIssue(name, None, None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([InputIssue(name, None, None, f"cannot read file: {exc}")]) from None


def parse_holdings_csv(text: str, name: str, settle: dt.date | None) -> Holdings:
    """Parse holdings CSV text into validated :class:`~models.schemas.Holdings`.

    Parameters
    ----------
    text
        The CSV content.
    name
        File name used in error messages.
    settle
        Settlement date used to reject matured or unissued bonds.

    Raises
    ------
    InputError
        With every problem found: missing columns, empty file, bad fields, duplicate ids.
    """
    if not text.strip():
        raise InputError(
            [
                InputIssue(
                    name, None, None, "the file is empty", "expected a header row and holdings"
                )
            ]
        )
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    issues: list[InputIssue] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        issues.append(
            InputIssue(
                name,
                1,
                ", ".join(missing),
                f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                f"the header must include {', '.join(REQUIRED_COLUMNS)}",
            )
        )
    if "yield" not in header and "price" not in header:
        issues.append(
            InputIssue(name, 1, "yield/price", "neither a yield nor a price column", "add one")
        )
    if issues:
        raise InputError(issues)

    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | set(SUPPLIED_COLUMNS)
    rows: list[HoldingRow] = []
    first_seen: dict[str, int] = {}
    n_data = 0
    for line_no, raw in enumerate(reader, start=2):
        if all((v or "").strip() == "" for k, v in raw.items() if k is not None):
            continue  # blank line
        n_data += 1
        if None in raw:
            issues.append(
                InputIssue(name, line_no, None, "more fields than header columns", "check commas")
            )
            continue
        data = {k: v for k, v in raw.items() if k in known or k.startswith("krd_")}
        row, problems = HoldingRow.check(data, settle)
        for column, reason, hint in problems:
            issues.append(InputIssue(name, line_no, column, reason, hint))
        ident = (raw.get("id") or "").strip()
        if ident:
            if ident in first_seen:
                issues.append(
                    InputIssue(
                        name,
                        line_no,
                        "id",
                        f"duplicate id {ident!r} (first seen on row {first_seen[ident]})",
                        "ids must be unique; aggregate the positions",
                    )
                )
            else:
                first_seen[ident] = line_no
        if row is not None:
            rows.append(row)
    if n_data == 0:
        issues.append(InputIssue(name, None, None, "the file has a header but no holdings"))
    if issues:
        raise InputError(issues)
    return Holdings(tuple(rows))


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


def parse_yaml(text: str, name: str) -> dict[str, Any]:
    """Parse YAML text into a mapping (errors located by line)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError([InputIssue(name, row, None, f"invalid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError([InputIssue(name, None, None, "expected a YAML mapping at the top level")])
    return data
