"""Seeded generator of a fleet of mandates for benchmarks/bench_fleet.py (no committed data).

``make_fleet(folder, n, seed)`` writes, into a (temporary) folder, the example's case as the
template and ``n`` holdings files perturbed from the example book (examples/core_plus):

* each mandate holds a random 30-80% of the example's positions (at least 20);
* each position's face is scaled by a lognormal factor (sigma 0.5) and rounded to 1,000;
* every other column (coupon, maturity, yield or price, sector, sensitivities) is the
  example's, so every mandate is priced off the same market data.

The same ``seed`` gives the same files byte for byte.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "core_plus"


def _mandate(header: list[str], rows: list[list[str]], rng: np.random.Generator) -> str:
    face_col = header.index("face")
    k = max(20, int(len(rows) * rng.uniform(0.3, 0.8)))
    picked = sorted(rng.choice(len(rows), size=k, replace=False))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i in picked:
        row = list(rows[i])
        face = float(row[face_col]) * float(rng.lognormal(0.0, 0.5))
        row[face_col] = f"{max(1000.0, round(face / 1000.0) * 1000.0):.1f}"
        writer.writerow(row)
    return out.getvalue()


def make_fleet(folder: Path, n: int, seed: int = 20261130) -> Path:
    """Write the template, ``n`` mandates' holdings and the manifest; returns the manifest."""
    (folder / "mandates").mkdir(parents=True)
    shutil.copy(EXAMPLE / "case.yaml", folder / "template.yaml")
    with (EXAMPLE / "holdings.csv").open(newline="") as f:
        header, *rows = list(csv.reader(f))
    rng = np.random.default_rng(seed)
    for i in range(n):
        (folder / "mandates" / f"m{i:04d}.csv").write_text(_mandate(header, rows, rng))
    manifest = folder / "fleet.yaml"
    manifest.write_text("template: template.yaml\nholdings_dir: mandates\n")
    return manifest
