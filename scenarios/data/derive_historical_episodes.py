"""Derive historical replay episodes (``scenarios/data/historical_episodes.json``).

Usage (from the repository root)::

    python -m hedge_planner.scenarios.data.derive_historical_episodes [--csv PATH] [--out PATH]

For each episode the par yields published on the start and end dates are read from the US
Treasury daily par-yield CSV (percent) and the change per tenor is ``end - start`` in bp.
A tenor not published on either date (1m before 2001, 2m before 2018, 4m before 2022, 20y before
Oct 1993, 30y 2002-2006) is omitted from the episode and listed under ``omitted_tenors``.
Arithmetic uses ``decimal.Decimal`` on the published strings so the bp changes are exact.

Windows (both ends inclusive trading days present in the file):

* ``bond_massacre_1994``: 1994-02-03 (day before the Fed's first hike) to 1994-11-07 (near the
  10y peak).
* ``taper_tantrum_2013``: 2013-05-02 (before Bernanke's May taper testimony) to 2013-09-05
  (10y peak near 3 %).
* ``covid_dash_for_cash_2020``: 2020-03-09 (flight-to-quality low in long yields) to
  2020-03-18 (peak of the Treasury liquidity squeeze, before the Fed's open-ended QE on 03-23).
  Bills collapse while the long end sells off: the liquidity-driven steepening, not the whole
  month's net rally.
* ``hiking_cycle_2022``: 2021-12-31 to 2022-10-21 (10y intraday peak of the cycle's first leg).
* ``svb_banking_stress_2023``: 2023-03-08 (2y peak after Powell's hawkish testimony) to
  2023-03-17 (week after the SVB failure): the front-end collapse.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from hedge_planner.models.covariance_data import TREASURY_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]
CSV_NAME = "us-treasury-par-yield-curve-1990-2023.csv"
DEFAULT_CSV = REPO_ROOT.parent / "shared" / "data" / CSV_NAME
DEFAULT_OUT = Path(__file__).resolve().parent / "historical_episodes.json"

#: (key, title, start, end, description)
EPISODES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "bond_massacre_1994",
        "1994 bond massacre",
        "1994-02-03",
        "1994-11-07",
        "Surprise Fed tightening from 3% to 5.5%: large bear move, largest in the 1-3y sector.",
    ),
    (
        "taper_tantrum_2013",
        "2013 taper tantrum",
        "2013-05-02",
        "2013-09-05",
        "Fed signals QE tapering: bear steepening with an anchored front end.",
    ),
    (
        "covid_dash_for_cash_2020",
        "March 2020 COVID dash for cash",
        "2020-03-09",
        "2020-03-18",
        "Treasury liquidity squeeze: bills collapse, long end sells off (bear steepening "
        "beyond 2y, bull front end).",
    ),
    (
        "hiking_cycle_2022",
        "2022 hiking cycle",
        "2021-12-31",
        "2022-10-21",
        "Fastest Fed hiking cycle in decades: very large bear flattening.",
    ),
    (
        "svb_banking_stress_2023",
        "March 2023 SVB banking stress",
        "2023-03-08",
        "2023-03-17",
        "Regional bank failures: violent front-end rally, bull steepening.",
    ),
)

#: Published index OAS series whose levels (percent) at the episode dates give the sector spread
#: moves. The ICE BofA indices start on 1996-12-31, so the 1994 episode has none. Levels as
#: published on FRED (daily, percent), read from stored FRED downloads and cross-checked in two
#: or more independent copies; every date below is a business day with its own published value.
SPREAD_SERIES: dict[str, str] = {
    "corporate": "ICE BofA US Corporate Index Option-Adjusted Spread (FRED BAMLC0A0CM)",
    "high_yield": "ICE BofA US High Yield Index Option-Adjusted Spread (FRED BAMLH0A0HYM2)",
}
#: episode -> sector -> (start level, end level), percent.
SPREAD_LEVELS_PCT: dict[str, dict[str, tuple[str, str]]] = {
    "taper_tantrum_2013": {"corporate": ("1.47", "1.55"), "high_yield": ("4.45", "4.59")},
    "covid_dash_for_cash_2020": {"corporate": ("1.88", "3.03"), "high_yield": ("6.68", "9.04")},
    "hiking_cycle_2022": {"corporate": ("0.98", "1.71"), "high_yield": ("3.10", "4.99")},
    "svb_banking_stress_2023": {"corporate": ("1.27", "1.62"), "high_yield": ("4.09", "5.17")},
}
#: Sectors with no published spread series at these dates move with investment grade by an
#: ASSUMED beta: the ratio of the sector's spread vol to the IG vol in the default spread table
#: (models/data/sector_spread_risk.json), itself an assumption for these sectors.
ASSUMED_BETA_TO_IG: dict[str, float] = {"agency": 0.25, "securitized": 0.5, "municipal": 0.77}
NO_SPREAD_DATA = (
    "no published index OAS before 1996-12-31 (the ICE BofA series start then): spreads held "
    "unchanged in this replay"
)

SOURCE_NOTE = (
    f"US Department of the Treasury daily par yield curve rates ({CSV_NAME}); yields are the "
    "published bond-equivalent par yields in percent, changes are end minus start in bp."
)


def read_rows(csv_path: str | Path) -> dict[str, dict[str, str]]:
    """Rows of the Treasury CSV keyed by ISO date, values the raw percent strings by tenor label."""
    out: dict[str, dict[str, str]] = {}
    with open(csv_path, newline="") as fh:
        for row in csv.DictReader(fh):
            date = dt.datetime.strptime(row.pop("Date"), "%m/%d/%y").date().isoformat()
            out[date] = {TREASURY_COLUMNS[k]: v.strip() for k, v in row.items()}
    return out


def derive(csv_path: str | Path = DEFAULT_CSV) -> dict[str, Any]:
    """Build the episodes document from the CSV (yields in percent, changes in bp)."""
    rows = read_rows(csv_path)
    labels = list(TREASURY_COLUMNS.values())
    episodes: dict[str, Any] = {}
    for key, title, start, end, description in EPISODES:
        for date in (start, end):
            if date not in rows:
                raise ValueError(f"episode {key}: no row for {date} in {csv_path}")
        y0, y1 = rows[start], rows[end]
        changes: dict[str, float] = {}
        y0_out: dict[str, float] = {}
        y1_out: dict[str, float] = {}
        omitted: dict[str, str] = {}
        for t in labels:
            missing = [d for d, r in ((start, y0), (end, y1)) if not r.get(t)]
            if missing:
                omitted[t] = "not published on " + " and ".join(missing)
                continue
            y0_out[t] = float(y0[t])
            y1_out[t] = float(y1[t])
            changes[t] = float((Decimal(y1[t]) - Decimal(y0[t])) * 100)
        spread_changes, spread_levels, spread_note = _spread_moves(key)
        episodes[key] = {
            "title": title,
            "description": description,
            "start": start,
            "end": end,
            "start_yields_pct": y0_out,
            "end_yields_pct": y1_out,
            "changes_bp": changes,
            "omitted_tenors": omitted,
            "spread_changes_bp": spread_changes,
            "spread_levels_pct": spread_levels,
            "spread_note": spread_note,
        }
    return {
        "format": "hedge-planner/historical-episodes",
        "version": 1,
        "units": {
            "yields": "percent",
            "changes_bp": "basis points (end minus start)",
            "spread_levels_pct": "index option-adjusted spread, percent",
            "spread_changes_bp": "basis points (end minus start), positive widens",
        },
        "source": SOURCE_NOTE,
        "episodes": episodes,
    }


def _spread_moves(key: str) -> tuple[dict[str, float], dict[str, Any], str]:
    """Sector spread changes (bp), the published levels behind them and a note."""
    levels = SPREAD_LEVELS_PCT.get(key)
    if levels is None:
        return {}, {}, NO_SPREAD_DATA
    changes = {s: float((Decimal(b) - Decimal(a)) * 100) for s, (a, b) in levels.items()}
    ig = changes["corporate"]
    changes.update({s: round(beta * ig, 2) for s, beta in ASSUMED_BETA_TO_IG.items()})
    published = {
        s: {"start": float(a), "end": float(b), "series": SPREAD_SERIES[s]}
        for s, (a, b) in levels.items()
    }
    assumed = ", ".join(f"{s} {beta:g}x" for s, beta in ASSUMED_BETA_TO_IG.items())
    note = (
        "corporate and high_yield: published index OAS changes; "
        f"{assumed} the corporate move: assumed betas, no published series at these dates"
    )
    return changes, published, note


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="Treasury par-yield CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output JSON path")
    args = parser.parse_args(argv)
    doc = derive(args.csv)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    for key, ep in doc["episodes"].items():
        ten = ep["changes_bp"].get("10y")
        omitted = list(ep["omitted_tenors"])
        print(f"{key}: {ep['start']}..{ep['end']} 10y {ten:+.0f} bp, omitted {omitted}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
