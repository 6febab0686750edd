"""Error types shared by every layer.

:class:`HedgePlannerError` is the base of every *user* error: something the user can fix in their
files, options or limits. Any other exception escaping a command is a bug in the tool. The CLI maps
them to exit statuses (see :data:`EXIT_OK` ... :data:`EXIT_NO_PROVEN_PLAN`):

* bad files and options are :class:`InputError`: they carry every problem found, each located by
  file, 1-based row and column (or the user's own case key path), so the CLI lists them all at
  once and exits with status 2;
* limits no hedge can satisfy, or a solve that ends without a proven plan, are
  :class:`NoProvenPlanError` (exit status 3); the report is still written, with the minimal
  relaxation of the limits where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The command did what was asked.
EXIT_OK = 0
#: A bug: an exception that is not a :class:`HedgePlannerError`.
EXIT_BUG = 1
#: A user error: bad input files, options or output folder.
EXIT_USER_ERROR = 2
#: The hedge limits are infeasible, or the solver ended without a proven plan.
EXIT_NO_PROVEN_PLAN = 3


class HedgePlannerError(Exception):
    """Base class of the package's own (user) errors; the CLI exits with :attr:`exit_code`."""

    exit_code: int = EXIT_USER_ERROR


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


@dataclass(frozen=True)
class Relaxation:
    """How far one limit must move for the hedge problem to become feasible.

    Attributes
    ----------
    constraint
        Name of the limit (e.g. ``duration_band``).
    limit
        The limit as the case sets it, in ``unit``.
    required
        The smallest (in the minimal-violation sense) value that makes the problem feasible.
    unit
        Unit of ``limit`` and ``required`` (years, currency, contracts...).
    """

    constraint: str
    limit: float
    required: float
    unit: str = ""

    @property
    def change(self) -> float:
        """``required - limit``, in ``unit``."""
        return self.required - self.limit


class NoProvenPlanError(HedgePlannerError):
    """The optimiser ended without a proven optimal hedge (exit status 3).

    Raised by the CLI *after* the outputs are written, so the report (with the solver status and
    any relaxation) is still there for the user to read.

    Parameters
    ----------
    status
        Solver status (``infeasible``, ``time_limit``, ``node_limit``, ``unbounded``, ``error``).
    message
        The solver's explanation.
    relaxations
        The limits that must move, for infeasible problems.
    """

    exit_code = EXIT_NO_PROVEN_PLAN

    def __init__(
        self, status: str, message: str = "", relaxations: list[Relaxation] | None = None
    ) -> None:
        self.status = status
        self.message = message
        self.relaxations = list(relaxations or [])
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line: the status and the solver's message."""
        text = f"no proven hedge plan (solver status: {self.status})"
        return f"{text}: {self.message}" if self.message else text


class InfeasibleLimitsError(NoProvenPlanError):
    """No hedge satisfies every limit; :attr:`relaxations` says which limits must move."""

    def __init__(self, message: str = "", relaxations: list[Relaxation] | None = None) -> None:
        super().__init__("infeasible", message, relaxations)

    def summary(self) -> str:
        """One line: the limits are infeasible, and how many must move."""
        n = len(self.relaxations)
        text = "the hedge limits are infeasible"
        if n:
            # The relaxations are listed one per line by the CLI (and in the report).
            return f"{text}; {n} limit{'s' if n != 1 else ''} must move (the report lists them)"
        return f"{text}: {self.message}" if self.message else text
