"""The service's work, independent of HTTP: run a submitted case, size a desk hedge.

A submission is the case text and the files uploaded with it. It runs in a fresh temporary
folder, confined by :func:`hedge_planner.case_paths.file_sandbox` so a case can only name the
files it came with; problems are reported under the names the user gave (``case.yaml, row 3,
column 'holdings'``), exactly as the command line reports them for the same files.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedge_planner.case_paths import file_sandbox
from hedge_planner.document import Plan
from hedge_planner.io import parse_yaml, read_text
from hedge_planner.market_cache import MarketCache
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.provenance import versions
from hedge_planner.report_excel import write_excel
from hedge_planner.report_html import write_html
from hedge_planner.run import PlanRun
from hedge_planner.service.fast_hedge import FastHedges

logger = logging.getLogger(__name__)

__all__ = [
    "MarketContext",
    "PlanResult",
    "Submission",
    "run_submission",
    "software_versions",
    "solver_status",
    "validate_submission",
]

#: File names an upload may use: a plain name, no folders.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")
CASE_NAME = "case.yaml"
#: Name under which problems of a desk request's body are located.
REQUEST_NAME = "request"


@dataclass
class Submission:
    """A case as submitted: its text, its file name and the files uploaded with it."""

    case_text: str
    case_name: str = CASE_NAME
    files: dict[str, str] = field(default_factory=dict)

    def inputs(self) -> dict[str, Any]:
        """The full inputs as stored with the plan (everything needed to run it again)."""
        return {"case_name": self.case_name, "case": self.case_text, "files": dict(self.files)}

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Submission:
        """The submission a stored plan was made from."""
        return cls(str(inputs["case"]), str(inputs["case_name"]), dict(inputs["files"]))


@dataclass
class PlanResult:
    """A finished plan: the typed document and both reports."""

    plan: Plan
    document: dict[str, Any]
    report_html: bytes
    report_xlsx: bytes


def _name_issue(name: str, what: str) -> InputError:
    reason = f"{what} {name[:40]!r} is not a plain file name"
    hint = "use letters, digits, '.', '_', '-' or spaces, without folders"
    return InputError([InputIssue("upload", None, "filename", reason, hint)])


def _relocate(exc: InputError, folder: Path) -> InputError:
    """The error with the temporary folder removed from every location and reason."""
    prefix = str(folder) + "/"

    def strip(text: str) -> str:
        return text.replace(prefix, "")

    return InputError(
        [dataclasses.replace(i, source=strip(i.source), reason=strip(i.reason)) for i in exc.issues]
    )


def _load(sub: Submission, folder: Path) -> PlanRun:
    for name in [sub.case_name, *sub.files]:
        if not _SAFE_NAME.match(name):
            raise _name_issue(name, "file name")
    for name, text in sub.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return PlanRun.from_text(sub.case_text, str(folder / sub.case_name))


def validate_submission(sub: Submission) -> dict[str, Any]:
    """Check a submitted case's inputs (the ``validate`` command's summary)."""
    with tempfile.TemporaryDirectory(prefix="hp-validate-") as tmp:
        folder = Path(tmp).resolve()
        try:
            with file_sandbox(folder):
                return _load(sub, folder).validate()
        except InputError as exc:
            raise _relocate(exc, folder) from None


def run_submission(sub: Submission) -> PlanResult:
    """Run a submitted case to its plan and reports (the ``plan`` command's outputs)."""
    with tempfile.TemporaryDirectory(prefix="hp-plan-") as tmp:
        folder = Path(tmp).resolve()
        try:
            with file_sandbox(folder):
                run = _load(sub, folder)
                plan = run.plan()
        except InputError as exc:
            raise _relocate(exc, folder) from None
        # The plan names the case as the user did, never the server's temporary folder.
        update: dict[str, Any] = {"case": sub.case_name}
        if plan.provenance is not None:
            update["provenance"] = plan.provenance.model_copy(update={"case_file": sub.case_name})
        plan = plan.model_copy(update=update)
        html, xlsx = folder / ".report.html", folder / ".report.xlsx"
        write_html(plan, html)
        write_excel(plan, xlsx)
        return PlanResult(plan, plan.to_json(), html.read_bytes(), xlsx.read_bytes())


def solver_status(document: Mapping[str, Any]) -> str:
    """The hedge's solver status in a plan document (``no_hedge`` without one)."""
    hedge = document.get("hedge") or {}
    return str((hedge.get("solver") or {}).get("status") or "no_hedge")


def software_versions() -> dict[str, Any]:
    """Package and solver versions recorded with every stored plan."""
    return dict(versions())


class MarketContext:
    """The market data the desk's hedge calls run against: a case file on the server.

    The case gives the curves, risk settings, covariance, benchmark and hedge universe and
    limits; a desk request brings its own book and may override the universe, limits and
    costs. Files the case names resolve against its folder (and only that folder).
    """

    def __init__(self, path: str | Path) -> None:
        text, _ = read_text(path)
        self.path = Path(path).resolve()
        #: Curves and priced universes of this market data, shared by every hedge call.
        self.cache = MarketCache()
        #: Key-rate DV01 books: templates per request shape and compiled models per structure.
        self.fast = FastHedges()
        # Validate once at start-up: a bad market case stops the server, not every request.
        run = PlanRun.from_text(text, str(self.path))
        run.cache = self.cache
        run.validate()
        self._curves = run.analysis.curves
        self._tenors = list(run.tenors)
        self.data: dict[str, Any] = parse_yaml(text, str(self.path))

    def treasury_curve(self) -> YieldCurve:
        """The market case's Treasury curve (anchored on its analysis date)."""
        return self._curves.treasury

    def key_tenors(self) -> list[str]:
        """The market case's key tenors."""
        return list(self._tenors)

    def case_data(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The market case with a request's book and hedge overrides merged in."""
        data = copy.deepcopy(self.data)
        hedge = data.setdefault("hedge", {})
        for key in ("universe", "limits", "costs"):
            if overrides.get(key) is not None:
                hedge[key] = overrides[key]
        if overrides.get("horizon_days") is not None:
            hedge["horizon_days"] = overrides["horizon_days"]
        data["holdings"] = overrides["holdings"]
        return data

    def hedge(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Size the hedge of a request's book: the ``hedge --json`` document.

        A book given as key-rate DV01s (``overrides["krd_dv01"]`` set, ``holdings`` its
        ladder) takes the fast path (:mod:`hedge_planner.service.fast_hedge`); holdings the
        ordinary one (:meth:`ordinary_hedge`).
        """
        if overrides.get("krd_dv01") is None:
            return self.ordinary_hedge(overrides)[0]
        return self.fast.hedge(
            overrides, self.cache, self.path.parent, lambda: self.ordinary_hedge(overrides)
        )

    def ordinary_hedge(self, overrides: Mapping[str, Any]) -> tuple[dict[str, Any], PlanRun]:
        """The hedge document through the whole case (validated, compiled), and its run."""
        data = self.case_data(overrides)
        folder = self.path.parent
        try:
            with file_sandbox(folder):
                run = PlanRun.from_data(data, str(folder / REQUEST_NAME), self.cache)
                run.require_hedge()
                plan = run.hedge()
        except InputError as exc:
            raise _relocate(exc, folder) from None
        assert plan is not None
        return plan.document().model_dump(mode="json"), run
