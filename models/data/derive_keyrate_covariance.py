"""Derive the committed UST key-rate covariance (``models/data/keyrate_covariance_ust.json``).

Usage (from the repository root)::

    python -m hedge_planner.models.data.derive_keyrate_covariance [--csv PATH] [--out PATH]

Reads the US Treasury daily par-yield CSV (default ``../shared/data/...`` next to the repo),
estimates the covariance of daily key-rate changes at the nine default key tenors over
2014-01-01 .. 2023-12-29 with equal weights, annualised x252, in bp^2 per year, and writes JSON.

Why this window and weighting: ten years is long enough for a stable 9x9 matrix (2,500 daily
changes, ~280 per parameter-row) and spans both the zero-rate era and the 2022-23 hiking cycle,
so the default is neither a calm-regime nor a crisis-only estimate. Equal weights make the
default reproducible and regime-neutral; users wanting a reactive estimate call
``estimate_keyrate_covariance(..., halflife_days=...)`` themselves.
This script is the only place (with the tests) that reads ``../shared``; runtime code loads the
committed JSON.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.covariance_data import (
    estimate_keyrate_covariance,
    load_treasury_par_history,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS

REPO_ROOT = Path(__file__).resolve().parents[2]
CSV_NAME = "us-treasury-par-yield-curve-1990-2023.csv"
DEFAULT_CSV = REPO_ROOT.parent / "shared" / "data" / CSV_NAME
DEFAULT_OUT = Path(__file__).resolve().parent / "keyrate_covariance_ust.json"
RECENT_OUT = Path(__file__).resolve().parent / "keyrate_covariance_ust_recent.json"

WINDOW_START = "2014-01-01"
WINDOW_END = "2023-12-29"

NOTES = (
    "Equal-weight sample covariance of daily par-yield changes (bp) at the default key tenors, "
    f"levels from {WINDOW_START} to {WINDOW_END} (last 10 years of the file), sample mean "
    "removed, n-1 denominator, annualised x252. Ten years balances estimation noise against "
    "regime relevance and covers both the zero-rate era and the 2022-23 hiking cycle; equal "
    "weights keep the default reproducible. Par yields are used as a proxy for key rates."
)


#: The "recent" regime: EWMA with a half-life of 126 business days (about six months) over the
#: last two years of the file, so the 2022-23 hiking-cycle volatility dominates.
RECENT_START = "2021-12-31"
RECENT_HALFLIFE_DAYS = 126.0
RECENT_NOTES = (
    f"EWMA covariance of daily par-yield changes (bp) at the default key tenors, half-life "
    f"{RECENT_HALFLIFE_DAYS:g} business days, levels from {RECENT_START} to {WINDOW_END}, weighted "
    "mean removed, reliability-weight bias correction, annualised x252. The recent regime: "
    "reacts to the hiking cycle's volatility, which the ten-year equal-weight default averages "
    "away."
)


def derive_recent(csv_path: str | Path = DEFAULT_CSV) -> KeyRateCovariance:
    """The recent-regime covariance (EWMA, see :data:`RECENT_NOTES`) from the Treasury CSV."""
    history = load_treasury_par_history(csv_path)
    return estimate_keyrate_covariance(
        history,
        DEFAULT_KEY_TENORS,
        halflife_days=RECENT_HALFLIFE_DAYS,
        start=RECENT_START,
        end=WINDOW_END,
        source=f"US Treasury daily par yield curve rates ({CSV_NAME})",
        notes=RECENT_NOTES,
    )


def derive(csv_path: str | Path = DEFAULT_CSV) -> KeyRateCovariance:
    """Estimate the default covariance from the Treasury CSV at ``csv_path``.

    Returns
    -------
    KeyRateCovariance
        Matrix in bp^2 per year at :data:`models.covariance.DEFAULT_KEY_TENORS`.
    """
    history = load_treasury_par_history(csv_path)
    return estimate_keyrate_covariance(
        history,
        DEFAULT_KEY_TENORS,
        start=WINDOW_START,
        end=WINDOW_END,
        source=f"US Treasury daily par yield curve rates ({CSV_NAME})",
        notes=NOTES,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="Treasury par-yield CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output JSON path")
    args = parser.parse_args(argv)
    for cov, out in ((derive(args.csv), args.out), (derive_recent(args.csv), RECENT_OUT)):
        out.write_text(cov.to_json())
        vols = ", ".join(f"{t}={v:.1f}" for t, v in zip(cov.tenors, cov.vol_bp(), strict=True))
        print(f"wrote {out} ({cov.metadata.n_obs} daily changes); vol bp/yr: {vols}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
