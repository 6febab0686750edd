"""Sector spread risk estimated from a user's history of sector spread levels.

Input: a CSV with a ``date`` column (ISO ``YYYY-MM-DD``) and one column per sector holding the
sector's option-adjusted spread **in bp** on that date. The estimator takes the last observation
of every calendar month, differences them (monthly changes, bp), optionally keeps the last
``lookback_months`` changes and weights them by EWMA with ``halflife_months`` (same weighted
estimator as the key-rate covariance: weighted mean removed, reliability-weight correction), and
annualises x12. Monthly rather than daily changes because daily spread changes are positively
autocorrelated, which daily x sqrt(252) would understate (the shipped table's method too).
Correlations between the sectors come from the same changes; each sector's correlation with
the rate level is taken from the base table (the history holds no rates), and says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace

import numpy as np
from hedge_planner.models.covariance_data import _weighted_cov, ewma_weights
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import clip, parse_number
from hedge_planner.models.risk_model import SectorSpreadRisk, SpreadRiskTable
from hedge_planner.models.schemas import parse_iso_date

#: Fewest monthly changes accepted (a correlation matrix needs more than a handful).
MIN_MONTHLY_CHANGES = 12
#: Largest plausible spread level, bp (guards against percent typed as bp and the reverse).
MAX_SPREAD_BP = 10_000.0


def _parse(text: str, source: str) -> tuple[list[str], list[int], np.ndarray]:
    """Sectors, day serials and levels (bp) from the CSV; every bad cell reported at once."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    issues: list[InputIssue] = []
    if not header or header[0].strip().lower() != "date" or len(header) < 2:
        hint = "first column 'date', then one column per sector (spread in bp)"
        raise InputError([InputIssue(source, 1, None, "not a sector spread history", hint)])
    sectors = [h.strip().lower() for h in header[1:]]
    days: list[int] = []
    rows: list[list[float]] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            issues.append(
                InputIssue(source, line, None, f"{len(row)} cells, expected {len(header)}")
            )
            continue
        try:
            day = parse_iso_date(row[0].strip())
        except ValueError:
            issues.append(InputIssue(source, line, "date", f"not a date: {clip(row[0])}"))
            continue
        values = []
        for name, cell in zip(header[1:], row[1:], strict=True):
            try:
                v = parse_number(cell)
            except ValueError:
                issues.append(InputIssue(source, line, name, f"not a number: {clip(cell)}"))
                continue
            if not -500.0 <= v <= MAX_SPREAD_BP:
                issues.append(
                    InputIssue(source, line, name, f"spread {v:g} bp outside -500..10,000", "bp")
                )
            values.append(v)
        if len(values) == len(sectors):
            days.append(day.toordinal())
            rows.append(values)
    if issues:
        raise InputError(issues)
    if len(set(days)) != len(days) or days != sorted(days):
        raise InputError([InputIssue(source, None, "date", "dates must be increasing, each once")])
    return sectors, days, np.array(rows, dtype=np.float64).reshape(len(rows), len(sectors))


def spread_table_from_history(
    text: str,
    source: str,
    base: SpreadRiskTable,
    lookback_months: int | None = None,
    halflife_months: float | None = None,
) -> SpreadRiskTable:
    """A :class:`SpreadRiskTable` estimated from a spread history (see the module notes).

    Raises
    ------
    InputError
        Bad cells (file, row, column), unsorted dates, or fewer than
        :data:`MIN_MONTHLY_CHANGES` monthly changes.
    """
    sectors, days, levels = _parse(text, source)
    months = np.array([12 * y + m for y, m in map(_month, days)])
    last = np.flatnonzero(np.append(months[1:] != months[:-1], True))  # month-end rows
    changes = np.diff(levels[last], axis=0)
    if lookback_months is not None:
        changes = changes[-int(lookback_months) :]
    n = changes.shape[0]
    if n < MIN_MONTHLY_CHANGES:
        reason = f"{n} monthly changes; at least {MIN_MONTHLY_CHANGES} are needed"
        raise InputError([InputIssue(source, None, None, reason, "a longer history")])
    w = ewma_weights(n, halflife_months) if halflife_months else np.full(n, 1.0 / n)
    cov = _weighted_cov(changes, w) * 12.0
    vol = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    weighting = f"EWMA half-life {halflife_months:g} months" if halflife_months else "equal weights"
    window = f"{source}: {n} monthly changes to {_iso(days[-1])}, {weighting}"
    rows = {}
    for s, v in zip(sectors, vol, strict=True):
        known = base.lookup(s)
        rows[known.sector] = SectorSpreadRisk(
            known.sector,
            float(v),
            known.rate_correlation,
            f"{window}; correlation with rates: {known.source if not known.assumed else 'assumed'}",
            False,
        )
    canon = [base.lookup(s).sector for s in sectors]
    pairs = {}
    for i in range(len(canon)):
        for j in range(i + 1, len(canon)):
            denom = vol[i] * vol[j]
            rho = float(cov[i, j] / denom) if denom > 0 else 0.0
            pairs[(min(canon[i], canon[j]), max(canon[i], canon[j]))] = rho
    merged_pairs = {**base.pair_correlations, **pairs}
    return replace(
        base,
        sectors={**base.sectors, **rows},
        pair_correlations=merged_pairs,
        independent=frozenset(s for s in base.independent if s not in rows),
        window=window,
    )


def _month(day: int) -> tuple[int, int]:
    d = dt.date.fromordinal(day)
    return d.year, d.month - 1


def _iso(day: int) -> str:
    return dt.date.fromordinal(day).isoformat()


__all__ = ["MIN_MONTHLY_CHANGES", "spread_table_from_history"]
