"""Error types shared by every layer.

User errors (bad files, impossible limits) are :class:`InputError`: they carry every problem found,
each located by file, row and column, so the CLI can list them all at once and exit with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


class HedgePlannerError(Exception):
    """Base class of the package's own errors."""


class AnalyticsError(HedgePlannerError, ValueError):
    """An analytic cannot be computed for the inputs given (matured bond, unreachable price...)."""


@dataclass(frozen=True)
class InputIssue:
    """One problem in the user's input.

    Attributes
    ----------
    source
        File name (or ``<stdin>``, or a case-file section).
    row
        Line number in the file (the header is row 1), or ``None`` for file-level problems.
    column
        Column or field name, or ``None``.
    reason
        What is wrong.
    hint
        How to fix it (may be empty).
    """

    source: str
    row: int | None
    column: str | None
    reason: str
    hint: str = ""

    def location(self) -> str:
        """``file, row N, column 'c'`` with the parts that are known."""
        parts = [self.source]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.reason}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "hint": self.hint,
        }


class InputError(HedgePlannerError, ValueError):
    """Bad user input: one or more located :class:`InputIssue` objects."""

    def __init__(self, issues: list[InputIssue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        head = f"{n} input problem{'s' if n != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  - {i}" for i in self.issues))
