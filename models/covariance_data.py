"""Key-rate covariance sources: the shipped regimes, user files, Treasury history, estimation.

The covariance object, its validation and risk measures are in
:mod:`hedge_planner.models.covariance` (units and the estimator are described there).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.covariance import (
    CovarianceError,
    CovarianceMetadata,
    KeyRateCovariance,
    _canonical_tenor,
    _normalize_tenors,
)
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import (
    clip,
    decode_text,
    iter_lines,
    load_json,
    parse_number,
    read_user_text,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS
from hedge_planner.models.units import BP_PER_UNIT, TRADING_DAYS_PER_YEAR

if TYPE_CHECKING:  # pandas is imported by the history functions that use it
    import pandas as pd

#: Column names of the US Treasury par-yield CSV mapped to tenor labels.
TREASURY_COLUMNS: dict[str, str] = {
    "1 Mo": "1m",
    "2 Mo": "2m",
    "3 Mo": "3m",
    "4 Mo": "4m",
    "6 Mo": "6m",
    "1 Yr": "1y",
    "2 Yr": "2y",
    "3 Yr": "3y",
    "5 Yr": "5y",
    "7 Yr": "7y",
    "10 Yr": "10y",
    "20 Yr": "20y",
    "30 Yr": "30y",
}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


#: Default covariance regimes and their committed files.
DEFAULT_REGIMES: dict[str, str] = {
    "long_run": "keyrate_covariance_ust.json",
    "recent": "keyrate_covariance_ust_recent.json",
}


def load_default_covariance(regime: str = "long_run") -> KeyRateCovariance:
    """A committed UST key-rate covariance (``models/data/``), bp^2 per year.

    Parameters
    ----------
    regime
        ``"long_run"``: equal weights over 2014-2023 (the default); ``"recent"``: EWMA with a
        126-business-day half-life over 2022-2023. The file's metadata states the window.
    """
    if regime not in DEFAULT_REGIMES:
        raise CovarianceError(
            f"unknown covariance regime {regime!r}; expected one of {sorted(DEFAULT_REGIMES)}"
        )
    text = (
        resources.files("hedge_planner.models.data").joinpath(DEFAULT_REGIMES[regime]).read_text()
    )
    return KeyRateCovariance.from_json(text)


class CovarianceInputError(InputError, CovarianceError):
    """A covariance or yield-history file the user gave is unusable (located issues)."""


#: Largest plausible key-rate volatility in a user matrix, bp per year (sqrt of a diagonal).
MAX_VOL_BP = 2_000.0
#: Most problems listed for one covariance or history file before the reader stops.
MAX_FILE_ISSUES = 20


def _fail(name: str, reason: str, row: int | None = None, column: str | None = None) -> NoReturn:
    raise CovarianceInputError([InputIssue(name, row, column, reason)])


def _checked(name: str, build: Callable[[], KeyRateCovariance]) -> KeyRateCovariance:
    """Build the matrix; its own validation errors and implausible scales name the file."""
    try:
        cov = build()
    except CovarianceInputError:
        raise
    except CovarianceError as exc:
        _fail(name, clip(str(exc), 200)[1:-1])
    vols = cov.vol_bp()
    worst = int(np.argmax(vols))
    if vols[worst] > MAX_VOL_BP:
        _fail(
            name,
            f"volatility at {cov.tenors[worst]} is {vols[worst]:.3g} bp/yr, above the plausible "
            f"{MAX_VOL_BP:g} bp/yr",
            column=cov.tenors[worst],
        )
    return cov


def load_covariance_file(path: str | os.PathLike[str]) -> KeyRateCovariance:
    """Load a user-supplied covariance matrix (bp^2 per year) from JSON or CSV.

    * ``.json``: the :meth:`KeyRateCovariance.to_json` layout (``tenors``, ``matrix``, optional
      ``metadata``).
    * ``.csv``: a square matrix whose header row (after an index-column header cell) and first
      column both list the tenor labels, in the same order.

    The file must be a regular UTF-8 file within the size limit; volatilities above
    :data:`MAX_VOL_BP` are refused as a scaling mistake.

    Raises
    ------
    CovarianceInputError
        (both an :class:`InputError` and a :class:`CovarianceError`) naming the file and the
        problem: unreadable or non-UTF-8 file, unknown tenor label, header/index mismatch,
        non-numeric or non-finite cell (with its row), non-symmetric entry at (i, j), not PSD
        (with the minimum eigenvalue), implausible scale.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".csv"):
        _fail(str(p), f"unsupported covariance file type {clip(p.suffix)}: use .json or .csv")
    try:
        text, name = read_user_text(p)
    except InputError as exc:
        raise CovarianceInputError(exc.issues) from None
    if suffix == ".json":
        try:
            data = load_json(text, name)
        except InputError as exc:
            raise CovarianceInputError(exc.issues) from None
        return _checked(name, lambda: KeyRateCovariance.from_dict(data))
    return _checked(name, lambda: _covariance_from_csv(text, name))


def _covariance_from_csv(text: str, source: str) -> KeyRateCovariance:
    reader = csv.reader(iter_lines(text))
    rows: list[tuple[int, list[str]]] = []  # (physical line, cells)
    last = 0
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            if any(c.strip() for c in cells):
                rows.append((line, cells))
    except csv.Error as exc:
        _fail(source, f"bad CSV: {clip(str(exc), 60)[1:-1]}", last + 1)
    if len(rows) < 2:
        _fail(source, "covariance CSV needs a header row and at least one row")
    header = [c.strip() for c in rows[0][1][1:]]
    index = [r[0].strip() for _, r in rows[1:]]
    try:
        cols = [_canonical_tenor(c) for c in header]
        idx = [_canonical_tenor(c) for c in index]
    except CovarianceError as exc:
        _fail(source, str(exc), rows[0][0])
    if cols != idx:
        _fail(
            source,
            f"header tenors {cols} must equal the first-column tenors {idx} (same order)",
            rows[0][0],
        )
    values = np.empty((len(idx), len(cols)))
    issues: list[InputIssue] = []
    for i, (line, row) in enumerate(rows[1:]):
        cells = row[1:]
        if len(cells) != len(cols):
            reason = f"row {idx[i]} has {len(cells)} values, expected {len(cols)}"
            issues.append(InputIssue(source, line, None, reason))
            continue
        for j, cell in enumerate(cells):
            try:
                values[i, j] = parse_number(cell)
            except ValueError:
                kind = "non-finite" if cell.strip().lower() in _NON_FINITE else "non-numeric"
                reason = f"{kind} value {clip(cell.strip())} at ({idx[i]}, {cols[j]})"
                issues.append(InputIssue(source, line, header[j], reason))
    if issues:
        raise CovarianceInputError(issues[:MAX_FILE_ISSUES])
    meta = CovarianceMetadata(source=Path(source).name, method="user")
    return KeyRateCovariance(tuple(cols), values, meta)


_NON_FINITE = {"nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}


def _history_text(path_or_buffer: str | os.PathLike[str] | IO[str]) -> tuple[str, str]:
    if hasattr(path_or_buffer, "read"):
        text = path_or_buffer.read()
        name = str(getattr(path_or_buffer, "name", "<yield history>"))
        if isinstance(text, bytes):
            text = decode_text(text, name)
        return text, name
    try:
        return read_user_text(path_or_buffer)
    except InputError as exc:
        raise CovarianceInputError(exc.issues) from None


def load_treasury_par_history(path_or_buffer: str | os.PathLike[str] | IO[str]) -> pd.DataFrame:
    """Read the US Treasury daily par-yield CSV into a decimal yield history.

    Parameters
    ----------
    path_or_buffer
        File path or text buffer with columns ``Date,1 Mo,...,30 Yr``; dates ``M/D/YY`` (any
        row order); yields in **percent**; empty cells where a tenor was not published.

    Returns
    -------
    pandas.DataFrame
        Indexed by ascending ``DatetimeIndex`` named ``date``, columns tenor labels (``"1m"`` ...
        ``"30y"``), yields in **decimal**; NaN where not published.

    Raises
    ------
    CovarianceInputError
        Naming the file and the physical row: unreadable, binary or non-UTF-8 file, empty
        file, missing ``Date`` column, unknown columns, bad dates, non-numeric or non-finite
        yields, duplicate dates.
    """
    import pandas as pd

    text, name = _history_text(path_or_buffer)
    reader = csv.reader(iter_lines(text))
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            if any(c.strip() for c in cells):
                records.append((line, cells))
    except csv.Error as exc:
        _fail(name, f"bad CSV: {clip(str(exc), 60)[1:-1]}", last + 1)
    if not records:
        _fail(name, "the yield history is empty", None)
    head_line, header = records[0][0], [c.strip() for c in records[0][1]]
    if "Date" not in header:
        _fail(name, "Treasury CSV has no 'Date' column", head_line)
    unknown = [c for c in header if c != "Date" and c not in TREASURY_COLUMNS]
    if unknown:
        _fail(name, f"Treasury CSV has unknown columns {[clip(c) for c in unknown[:5]]}", head_line)
    if len(set(header)) != len(header):
        _fail(name, "Treasury CSV has a column twice", head_line)
    if len(records) < 2:
        _fail(name, "the yield history has a header but no rows", head_line)
    date_col = header.index("Date")
    tenor_cols = [(j, TREASURY_COLUMNS[c]) for j, c in enumerate(header) if c != "Date"]
    dates: list[dt.date] = []
    values = np.full((len(records) - 1, len(tenor_cols)), np.nan)
    issues: list[InputIssue] = []
    for r, (line, cells) in enumerate(records[1:]):
        if len(cells) > len(header):
            issues.append(InputIssue(name, line, None, "more fields than header columns"))
        cells = cells + [""] * (len(header) - len(cells))
        raw_date = cells[date_col].strip()
        try:
            # Two-digit years: Python's %y maps 69-99 to 19xx and 00-68 to 20xx.
            dates.append(dt.datetime.strptime(raw_date, "%m/%d/%y").date())
        except ValueError:
            reason = f"unparseable date {clip(raw_date)}: expected M/D/YY"
            issues.append(InputIssue(name, line, "Date", reason))
            dates.append(dt.date.min)
        for k, (j, _) in enumerate(tenor_cols):
            cell = cells[j].strip()
            if cell:
                try:
                    values[r, k] = parse_number(cell) / 100.0
                except ValueError as exc:
                    issues.append(InputIssue(name, line, header[j], str(exc), "yields in percent"))
        if len(issues) >= MAX_FILE_ISSUES:
            break
    if issues:
        raise CovarianceInputError(issues[:MAX_FILE_ISSUES])
    frame = pd.DataFrame(values, columns=[label for _, label in tenor_cols])
    frame.index = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
    if frame.index.has_duplicates:
        dupes = frame.index[frame.index.duplicated()].strftime("%Y-%m-%d").tolist()
        _fail(name, f"Treasury CSV has duplicate dates {dupes[:5]}")
    return frame.sort_index()


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------


def ewma_weights(n_obs: int, halflife: float) -> FloatArray:
    """Normalised EWMA weights for ``n_obs`` observations, oldest first.

    ``w_i ∝ 0.5 ** ((n_obs - 1 - i) / halflife)``: the newest observation has the largest weight
    and the weight halves every ``halflife`` observations back. Weights sum to one.
    """
    if n_obs < 1:
        raise CovarianceError("n_obs must be positive")
    if not halflife > 0:
        raise CovarianceError(f"halflife must be positive, got {halflife!r}")
    age = np.arange(n_obs - 1, -1, -1, dtype=np.float64)
    # log-space then shift by the max so a tiny half-life cannot underflow everything to zero
    logw = -age * math.log(2.0) / float(halflife)
    w = np.exp(logw - logw.max())
    return w / w.sum()


def _weighted_cov(x: FloatArray, w: FloatArray) -> FloatArray:
    # Weighted mean removed; divide by 1 - sum(w^2) (reliability-weights correction). With
    # w = 1/n this is sum((x - xbar)(x - xbar)') / (n - 1), the ordinary sample covariance.
    mean = w @ x
    dev = x - mean
    denom = 1.0 - float(w @ w)
    if denom <= 0:
        raise CovarianceError("EWMA weights sit on a single observation: half-life too short")
    return (dev * w[:, None]).T @ dev / denom


def estimate_keyrate_covariance(
    history: pd.DataFrame,
    tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    lookback_days: int | None = None,
    halflife_days: float | None = None,
    end: Any = None,
    *,
    start: Any = None,
    max_gap_days: int = 10,
    source: str = "user history",
    notes: str = "",
) -> KeyRateCovariance:
    """Estimate the annualised covariance of daily key-rate changes.

    Parameters
    ----------
    history
        Yield levels in **decimal**, indexed by date (any order, unique), one column per tenor
        label (e.g. from :func:`load_treasury_par_history`).
    tenors
        Key tenors to estimate (columns of ``history``).
    lookback_days
        Use only the last ``lookback_days`` daily changes up to ``end``; ``None`` uses all.
    halflife_days
        EWMA half-life in observations (business days); ``None`` = equal weights.
    end, start
        Optional date bounds (inclusive) on the yield *levels* used.
    max_gap_days
        A change between two consecutive usable rows more than this many calendar days apart is
        discarded (e.g. across the 2002-2006 30y gap) instead of being treated as one day's move.
    source, notes
        Written into the metadata.

    Returns
    -------
    KeyRateCovariance
        Matrix in **bp^2 per year** = covariance of daily bp changes x 252.

    Notes
    -----
    Rows (days) where any requested tenor is missing are dropped *before* differencing, so a
    market holiday published as an empty row does not lose the move across it; the number of
    dropped rows and of discarded long-gap changes is recorded in ``metadata.extra``.
    The mean convention is described in the module docstring (sample / weighted mean removed).

    Raises
    ------
    CovarianceError
        Missing columns, yields that look like percent, duplicate dates, fewer than
        ``len(tenors) + 1`` changes, or an invalid resulting matrix.
    """
    import pandas as pd

    labels = _normalize_tenors(tenors)
    missing_cols = [t for t in labels if t not in history.columns]
    if missing_cols:
        raise CovarianceError(
            f"history has no column for tenor(s) {missing_cols}; columns: {list(history.columns)}"
        )
    frame = history.loc[:, list(labels)].astype(np.float64)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index))
    if frame.index.has_duplicates:
        raise CovarianceError("history index has duplicate dates")
    frame = frame.sort_index()
    if start is not None:
        frame = frame.loc[frame.index >= pd.Timestamp(start)]
    if end is not None:
        frame = frame.loc[frame.index <= pd.Timestamp(end)]
    finite_vals = frame.to_numpy()[np.isfinite(frame.to_numpy())]
    if finite_vals.size and np.max(np.abs(finite_vals)) > 1.0:
        raise CovarianceError(
            "history yields exceed 100%: they look like percent; convert to decimal (divide by 100)"
        )
    complete = frame.notna().all(axis=1)
    n_dropped_rows = int((~complete).sum())
    frame = frame.loc[complete]

    changes_bp = frame.diff().iloc[1:] * BP_PER_UNIT
    gaps = np.diff(frame.index.to_numpy()).astype("timedelta64[D]").astype(np.int64)
    keep = gaps <= max_gap_days
    n_gap_dropped = int((~keep).sum())
    changes_bp = changes_bp.loc[keep]
    if lookback_days is not None:
        if lookback_days < 1:
            raise CovarianceError(f"lookback_days must be positive, got {lookback_days}")
        changes_bp = changes_bp.iloc[-lookback_days:]

    n_obs = len(changes_bp)
    if n_obs < len(labels) + 1:
        raise CovarianceError(
            f"only {n_obs} usable daily changes for {len(labels)} tenors; need at least "
            f"{len(labels) + 1} (dropped {n_dropped_rows} rows with missing tenors and "
            f"{n_gap_dropped} changes across gaps > {max_gap_days} days)"
        )
    x = changes_bp.to_numpy()
    if halflife_days is None:
        w = np.full(n_obs, 1.0 / n_obs)
        method = "equal_weight"
    else:
        w = ewma_weights(n_obs, halflife_days)
        method = "ewma"
    daily = _weighted_cov(x, w)
    # The first level behind the first change (the index is unique and sorted).
    first_pos = int(frame.index.searchsorted(changes_bp.index[0]))
    first_level = pd.Timestamp(frame.index[first_pos - 1])
    meta = CovarianceMetadata(
        source=source,
        start=first_level.strftime("%Y-%m-%d"),
        end=pd.Timestamp(changes_bp.index[-1]).strftime("%Y-%m-%d"),
        n_obs=n_obs,
        method=method,
        halflife=None if halflife_days is None else float(halflife_days),
        annualisation=TRADING_DAYS_PER_YEAR,
        notes=notes,
        extra={
            "mean": "weighted sample mean removed; divided by 1 - sum(w^2)",
            "lookback_days": lookback_days,
            "rows_dropped_missing_tenor": n_dropped_rows,
            "changes_dropped_gap": n_gap_dropped,
            "max_gap_days": max_gap_days,
            "effective_n_obs": round(float(1.0 / (w @ w)), 6),
        },
    )
    return KeyRateCovariance(labels, daily * TRADING_DAYS_PER_YEAR, meta)
