"""Generate the previous snapshot of the core-plus example (deterministic; output committed).

Run from the repository root: ``python examples/core_plus_prev/generate_prev.py``.

The snapshot is the core-plus book one month earlier (2023-11-30), built so that the drift to
``examples/core_plus`` exercises every part of the attribution:

* market: every Treasury par yield (and every holding's yield) is 25 bp higher than on
  2023-12-29 (a stated parallel shift; illustrative, not the published 2023-11-30 curve);
* cash flows: ``UST-PREV-MAT`` (4% coupon, 10,000,000 face) matures on 2023-12-15;
* paydowns: the pool ``ABS-004`` (monthly pay) has 2% more face (paid down by 2023-12-29);
* trades: ``UST-003`` is 15,000,000 face (5,000,000 bought in December) and ``CORP-PREV-SOLD``
  (5,000,000 face) is sold in December.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "core_plus" / "holdings.csv"
SHIFT = 0.0025
EXTRA = [
    {
        "id": "UST-PREV-MAT",
        "face": "10000000.0",
        "coupon": "0.04",
        "maturity": "2023-12-15",
        "yield": "0.0560",
        "frequency": "2",
        "day_count": "ACT/ACT",
        "sector": "government",
        "description": "government 4.000% 2023-12-15 (matures in December)",
    },
    {
        "id": "CORP-PREV-SOLD",
        "face": "5000000.0",
        "coupon": "0.05",
        "maturity": "2033-05-15",
        "yield": "0.0580",
        "frequency": "2",
        "day_count": "30/360",
        "sector": "corporate",
        "description": "corporate 5.000% 2033-05-15 (sold in December)",
    },
]


def main() -> None:
    """Write ``holdings.csv`` beside this script."""
    with SOURCE.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        row["yield"] = f"{float(row['yield']) + SHIFT:.6f}"
        if row["id"] == "ABS-004":
            row["face"] = f"{float(row['face']) / 0.98:.2f}"
        if row["id"] == "UST-003":
            row["face"] = "15000000.0"
    rows.extend({k: e.get(k, "") for k in fields} for e in EXTRA)
    with (HERE / "holdings.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
