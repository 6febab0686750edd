"""Holdings given inline in a case file (``hedge_bonds``, ``holdings``, ``benchmark.holdings``).

Each problem is located by its key path and line: near-miss and case-twin keys, the row checks
of :class:`~hedge_planner.models.schemas.HoldingRow`, duplicate ids and yields implied by prices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hedge_planner.case_errors import line_of
from hedge_planner.io import KNOWN_COLUMNS, implied_yield_issues
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import DocPath, clip, did_you_mean
from hedge_planner.models.schemas import _KRD_COLUMN, HoldingRow, Holdings

__all__ = ["holdings_from_records"]


def _record_key_issues(
    raw: Mapping[Any, Any],
    source: str,
    where: str,
    path: tuple[Any, ...],
    lines: Mapping[DocPath, int],
) -> list[InputIssue]:
    """Keys of one inline holding that would be silently ignored: near misses, case twins."""
    out = []
    seen: dict[str, Any] = {}
    for key in raw:
        low = str(key).strip().lower()
        row = line_of(lines, (*path, key))
        if low in seen:
            reason = f"key {clip(key)} repeats {clip(seen[low])} (keys are not case-sensitive)"
            out.append(InputIssue(source, row, f"{where}.{key}", reason, "keep one of them"))
            continue
        seen[low] = key
        if low not in KNOWN_COLUMNS and not _KRD_COLUMN.match(low):
            hint = did_you_mean(low, [*KNOWN_COLUMNS, "krd_5y"])
            if hint:
                out.append(
                    InputIssue(source, row, f"{where}.{key}", f"unknown key {clip(key)}", hint)
                )
    return out


def holdings_from_records(
    records: list[dict[str, Any]],
    source: str,
    section: str,
    settle: dt.date | None,
    lines: Mapping[DocPath, int] | None = None,
) -> Holdings:
    """Validate holdings given inline in a case file (each problem located by key path and line)."""
    rows: list[HoldingRow] = []
    issues: list[InputIssue] = []
    where: list[tuple[str, int | None, str]] = []
    seen: set[str] = set()
    base = tuple(section.split("."))
    lines = lines or {}
    for i, raw in enumerate(records):
        path = (*base, i)
        if not isinstance(raw, dict):
            issues.append(
                InputIssue(source, line_of(lines, path), f"{section}[{i}]", "expected a mapping")
            )
            continue
        issues += _record_key_issues(raw, source, f"{section}[{i}]", path, lines)
        row, problems = HoldingRow.check({str(k): v for k, v in raw.items()}, settle)
        issues += [
            InputIssue(source, line_of(lines, (*path, c)), f"{section}[{i}].{c}", r, h)
            for c, r, h in problems
        ]
        ident = str(raw.get("id", ""))
        if ident and ident in seen:
            issues.append(
                InputIssue(
                    source,
                    line_of(lines, (*path, "id")),
                    f"{section}[{i}].id",
                    f"duplicate id {clip(ident)}",
                )
            )
        seen.add(ident)
        if row is not None:
            rows.append(row)
            where.append((source, line_of(lines, (*path, "price")), f"{section}[{i}].price"))
    if not records:
        issues.append(InputIssue(source, line_of(lines, base), section, "no holdings given"))
    if settle is not None:
        issues += implied_yield_issues(rows, where, settle)
    if issues:
        raise InputError(issues)
    return Holdings(tuple(rows))
