"""Recorded activity between two snapshots (trades with partial fills, paydowns, calls).

An activity file is a CSV with the columns ``id``, ``kind`` (``trade``, ``paydown`` or
``call``), ``face`` (currency: for a trade the face filled, positive bought and negative sold;
for a paydown or a call the face paid or redeemed, positive) and optionally ``ordered`` (a
trade's ordered face, same sign, for partial fills). Without a file every change is inferred:
a monthly-pay holding whose face fell is paid down, any other change of face is a trade.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hedge_planner.io import read_text
from hedge_planner.models.bonds import BondBook
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import parse_number

KINDS = ("trade", "paydown", "call")


@dataclass(frozen=True)
class ActivityRecord:
    """One recorded event: a trade fill, a paydown or a call (faces in currency)."""

    id: str
    kind: str
    face: float
    ordered: float | None = None

    @property
    def fill_ratio(self) -> float | None:
        """Filled over ordered face (1 for a full fill), or ``None`` without an order size."""
        if self.ordered is None or self.ordered == 0.0:
            return None
        return self.face / self.ordered


@dataclass(frozen=True)
class Activity:
    """Recorded events by holding id (none: everything inferred)."""

    records: tuple[ActivityRecord, ...] = field(default_factory=tuple)

    def _sum(self, hid: str, kind: str) -> float | None:
        rec = [r.face for r in self.records if r.id == hid and r.kind == kind]
        return math.fsum(rec) if rec else None

    def paid_down(self, book_a: BondBook, book_b: BondBook, i: int) -> float:
        """Face of position ``i`` of the earlier book paid down between the snapshots."""
        hid = book_a.ids[i]
        face_a = float(book_a.face[i])
        recorded = self._sum(hid, "paydown")
        if recorded is not None:
            return min(recorded, face_a)
        if self._sum(hid, "trade") is not None or int(book_a.frequency[i]) != 12:
            return 0.0
        if hid not in book_b.ids:
            return 0.0
        face_b = float(book_b.face[book_b.ids.index(hid)])
        return max(face_a - face_b, 0.0)

    def traded(self, hid: str, face_now: float, book_b: BondBook) -> float:
        """Face change of ``hid`` by trades (recorded fills, else what matches the later book)."""
        recorded = self._sum(hid, "trade")
        if recorded is not None:
            return recorded
        face_b = float(book_b.face[book_b.ids.index(hid)]) if hid in book_b.ids else 0.0
        return face_b - face_now

    def bought_face(self, book_b: BondBook, i: int) -> float:
        """Face bought of a holding new in the later book."""
        recorded = self._sum(book_b.ids[i], "trade")
        return float(book_b.face[i]) if recorded is None else recorded

    def classify(self, book_a: BondBook, book_b: BondBook, day_b: int) -> dict[str, str]:
        """Class of every holding held in one snapshot only or whose face changed.

        ``matured``, ``called``, ``paid down``, ``sold``, ``bought`` for holdings in one
        snapshot only; ``paid down``, ``traded`` or ``paid down and traded`` for a changed face.
        """
        out: dict[str, str] = {}
        ids_b = set(book_b.ids)
        for i, hid in enumerate(book_a.ids):
            paid = self.paid_down(book_a, book_b, i)
            if hid not in ids_b:
                if int(book_a.maturity[i]) <= day_b:
                    out[hid] = "matured"
                elif self._sum(hid, "call") is not None:
                    out[hid] = "called"
                elif paid >= float(book_a.face[i]):
                    out[hid] = "paid down"
                else:
                    out[hid] = "sold"
                continue
            face_b = float(book_b.face[book_b.ids.index(hid)])
            if face_b != float(book_a.face[i]) or paid > 0.0:
                traded = abs(face_b - (float(book_a.face[i]) - paid)) > 0.0
                if paid > 0.0:
                    out[hid] = "paid down and traded" if traded else "paid down"
                else:
                    out[hid] = "traded"
        for hid in book_b.ids:
            if hid not in book_a.ids:
                out[hid] = "bought"
        return out

    def as_list(self) -> list[dict[str, Any]]:
        """The records as JSON rows."""
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "face": r.face,
                "ordered": r.ordered,
                "fill_ratio": r.fill_ratio,
            }
            for r in self.records
        ]


def _number(
    text: str, name: str, row: int, col: str, issues: list[InputIssue], required: bool
) -> float | None:
    if not text.strip():
        if required:
            issues.append(InputIssue(name, row, col, "missing value", "give a face amount"))
        return None
    try:
        value = parse_number(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        issues.append(
            InputIssue(name, row, col, f"not a finite decimal number: {text[:20]!r}", "e.g. 5e6")
        )
        return None
    return value


def read_activity(path: str, known_ids: Collection[str]) -> Activity:
    """Parse an activity CSV (see the module docstring).

    Raises
    ------
    InputError
        Every bad row and field, located by file, 1-based row (header is row 1) and column.
    """
    text, name = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    missing = [c for c in ("id", "kind", "face") if c not in fields]
    if missing:
        hint = "columns: id, kind (trade, paydown, call), face, optional ordered"
        raise InputError([InputIssue(name, 1, missing[0], "missing column", hint)])
    issues: list[InputIssue] = []
    records = []
    for row_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        hid, kind = row.get("id", ""), row.get("kind", "").lower()
        if hid not in known_ids:
            issues.append(
                InputIssue(
                    name,
                    row_no,
                    "id",
                    f"holding {hid[:20]!r} is in neither snapshot",
                    "ids must match the holdings files",
                )
            )
        if kind not in KINDS:
            issues.append(
                InputIssue(
                    name,
                    row_no,
                    "kind",
                    f"unknown kind {kind[:20]!r}",
                    "one of " + ", ".join(KINDS),
                )
            )
        face = _number(row.get("face", ""), name, row_no, "face", issues, True)
        ordered = _number(row.get("ordered", ""), name, row_no, "ordered", issues, False)
        if face is not None and kind in ("paydown", "call") and face <= 0:
            issues.append(
                InputIssue(name, row_no, "face", f"a {kind} face must be positive", "face paid")
            )
        if (
            face is not None
            and ordered is not None
            and (np.sign(face) != np.sign(ordered) or abs(face) > abs(ordered))
        ):
            issues.append(
                InputIssue(
                    name,
                    row_no,
                    "ordered",
                    "the fill exceeds the order or has the other sign",
                    "ordered is the order's face, same sign, at least the filled face",
                )
            )
        if face is not None:
            records.append(ActivityRecord(hid, kind, face, ordered))
    if issues:
        raise InputError(issues)
    return Activity(tuple(records))
