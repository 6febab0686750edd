"""Portfolio fleets: one plan per mandate from a manifest, ranked in a summary table.

A manifest (YAML) names the mandates in one of two ways::

    cases:                        # each mandate its own case file
      - {name: core, case: core/case.yaml}
      - {name: long, case: long/case.yaml}

    template: template.yaml       # one case (market data, benchmark, hedge) ...
    holdings_dir: mandates/       # ... and one holdings CSV per mandate (name = file stem)

Relative paths resolve against the manifest's folder. The manifest is validated like a case file
(unknown keys with "did you mean", the key path and line of each problem, exit 2). A template is
validated once before any mandate runs; each mandate's plan then runs as a task of
:mod:`hedge_planner.engine` (the template text is scattered once). A mandate whose inputs or
solve fail is reported with its located error and the others complete.

Summary columns: ``mandate``, ``status`` (the solver's, or ``error``), ``breaches`` (hard limits
the plan does not meet: the limits to move when infeasible, else constraints with negative
slack), ``tracking_error_bp`` post-hedge bp per year, ``hedge_cost`` currency over the horizon
(carry cost + slippage and other cash terms; the tracking-error penalty excluded),
``trades`` (count), ``error``, and with ``--db`` the stored plan's ``plan_id``. Rows rank
by breaches, then tracking error, then hedge cost
(ascending; failed mandates last).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from hedge_planner.case_errors import pydantic_issues
from hedge_planner.engine import (
    BatchFn,
    JobStats,
    ProgressFn,
    TaskInputError,
    TaskOutcome,
    run_guarded,
    run_job,
)
from hedge_planner.exits import format_issue
from hedge_planner.io import parse_yaml_lines, read_text
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import StrictModel
from hedge_planner.run import PlanRun
from pydantic import ConfigDict, Field, ValidationError, model_validator

logger = logging.getLogger(__name__)

#: Costs that are not cash spent on the hedge (the tracking-error penalty of the objective).
NON_CASH_COSTS = ("tracking_error",)
_HOLDINGS_LINE = re.compile(r"^holdings:[^\n]*$", re.MULTILINE)


class ManifestCase(StrictModel):
    """One mandate with its own case file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    case: str = Field(min_length=1, description="case YAML, relative to the manifest")


class Manifest(StrictModel):
    """A fleet manifest: ``cases``, or ``template`` with ``holdings_dir``."""

    model_config = ConfigDict(extra="forbid")

    cases: list[ManifestCase] | None = None
    template: str | None = None
    holdings_dir: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Manifest:
        if (self.cases is None) == (self.template is None):
            raise ValueError("give either cases or template (with holdings_dir), not both")
        if (self.template is None) != (self.holdings_dir is None):
            raise ValueError("template and holdings_dir go together")
        if self.cases is not None:
            names = [c.name for c in self.cases]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"mandate names must be unique: {', '.join(dup)}")
        return self


@dataclass(frozen=True)
class Mandate:
    """A task: the mandate's name and its case (own text, or the template's holdings file)."""

    name: str
    source: str
    text: str | None = None
    holdings: str | None = None


@dataclass(frozen=True)
class Template:
    """The shared case of a template fleet (``None`` text: every mandate has its own case)."""

    text: str | None
    name: str | None


def load_manifest(path: str | Path) -> tuple[Template, list[Mandate]]:
    """Read and validate a manifest; the template (if any) is validated before any mandate.

    Raises
    ------
    InputError
        Located at the manifest's key and line (or at the template, or the holdings folder).
    """
    text, name = read_text(path)
    data, lines = parse_yaml_lines(text, name)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            pydantic_issues(exc, name, data=data, lines=lines, model=Manifest)
        ) from None
    base = Path(name).parent
    if manifest.cases is not None:
        mandates, issues = [], []
        for i, c in enumerate(manifest.cases):
            try:
                case_text, case_name = read_text(base / c.case)
            except InputError as exc:
                issues.append(
                    InputIssue(name, lines.get(("cases", i, "case")), f"cases[{i}].case",
                               "; ".join(x.reason for x in exc.issues))
                )  # fmt: skip
                continue
            mandates.append(Mandate(c.name, case_name, text=case_text))
        if issues:
            raise InputError(issues)
        return Template(None, None), mandates
    assert manifest.template is not None and manifest.holdings_dir is not None
    return _template_fleet(name, lines, base / manifest.template, base / manifest.holdings_dir)


def _template_fleet(
    name: str, lines: dict[Any, int], template: Path, folder: Path
) -> tuple[Template, list[Mandate]]:
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        reason = f"{folder} is not a folder of holdings CSV files"
        raise InputError([InputIssue(name, lines.get(("holdings_dir",)), "holdings_dir", reason)])
    text, tname = read_text(template)
    shared = Template(text, tname)
    mandates = [Mandate(f.stem, tname, holdings=str(f.resolve())) for f in files]
    if _HOLDINGS_LINE.search(text) is None:
        reason = "a template must name its holdings file on one line (holdings: FILE.csv)"
        hint = "the fleet replaces that line for each mandate"
        raise InputError([InputIssue(tname, None, "holdings", reason, hint)])
    # The template is checked once, with the first mandate's holdings: a problem anywhere but
    # in that holdings file (curves, benchmark, hedge) would fail every mandate, so it stops here.
    try:
        PlanRun.from_text(*mandate_case_text(shared, mandates[0]))
    except InputError as exc:
        own = [i for i in exc.issues if i.source != mandates[0].holdings]
        if own:
            raise InputError(own) from None
    return shared, mandates


def mandate_case_text(
    template: Template, mandate: Mandate, holdings_as: str | None = None
) -> tuple[str, str]:
    """The mandate's case text and name (the template's with its holdings line replaced).

    ``holdings_as`` names the holdings file in the text instead of its full path (the stored
    inputs of ``fleet --db`` carry the file under that name).
    """
    if mandate.text is not None:
        return mandate.text, mandate.source
    assert template.text is not None and mandate.holdings is not None
    # One line replaced, so every other line of the template keeps its number in errors.
    named = holdings_as or mandate.holdings
    quoted = "'" + named.replace("'", "''") + "'"
    text = _HOLDINGS_LINE.sub(lambda _: f"holdings: {quoted}", template.text, count=1)
    return text, mandate.source


def plan_mandate(template: Template, mandate: Mandate) -> dict[str, Any]:
    """The mandate's plan document (JSON-ready); input problems raise with their location."""
    text, source = mandate_case_text(template, mandate)
    return PlanRun.from_text(text, source).plan().to_json()


def plan_fleet_batch(template: Template, batch: list[tuple[int, Any]]) -> list[TaskOutcome]:
    """Batch function of a fleet job: one plan per mandate, each failure located."""
    return [run_guarded(lambda m: located(plan_mandate, template, m), i, m) for i, m in batch]


def located(fn: Any, template: Template, mandate: Mandate) -> dict[str, Any]:
    try:
        result: dict[str, Any] = fn(template, mandate)
    except InputError as exc:
        # Plain text carries the file, row, key and hint of every problem across processes.
        raise TaskInputError("; ".join(format_issue(i) for i in exc.issues)) from None
    return result


def run_fleet(
    template: Template,
    mandates: list[Mandate],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    size: int | None = None,
    progress: ProgressFn | None = None,
    stats: JobStats | None = None,
    batch_fn: BatchFn = plan_fleet_batch,
) -> list[TaskOutcome]:
    """Plan every mandate; outcomes (plan documents or errors) in manifest order.

    ``batch_fn`` makes each mandate's value (default the plan document;
    :func:`hedge_planner.fleet_store.plan_fleet_store_batch` adds inputs and reports).
    """
    return run_job(
        batch_fn,
        template,
        mandates,
        workers=workers,
        scheduler=scheduler,
        size=size,
        progress=progress,
        stats=stats,
    )


def _breaches(hedge: dict[str, Any]) -> int:
    infeasible = hedge.get("infeasibility")
    if infeasible:
        return max(1, len(infeasible.get("relaxations") or []))
    return sum(
        1
        for c in hedge.get("constraints") or []
        if c["slack"] < -1e-6 * max(1.0, abs(c["limit"]), abs(c["value"]))
    )


def summary_row(name: str, outcome: TaskOutcome) -> dict[str, Any]:
    """The mandate's summary row (columns in the module docstring)."""
    if outcome.error is not None:
        return {"mandate": name, "status": "error", "error": outcome.error}
    hedge = outcome.value.get("hedge")
    if hedge is None:
        return {"mandate": name, "status": "no hedge section", "breaches": 0, "error": None}
    post = hedge.get("post_hedge") or {}
    costs = hedge.get("costs") or {}
    return {
        "mandate": name,
        "status": hedge["solver"]["status"],
        "breaches": _breaches(hedge),
        "tracking_error_bp": post.get("tracking_error_bp"),
        "hedge_cost": sum(v for k, v in costs.items() if k not in NON_CASH_COSTS and v is not None),
        "trades": len(hedge.get("trades") or []),
        "error": hedge["solver"].get("message"),
    }


def summary_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows ranked: fewest breaches, then lowest TE, then lowest hedge cost; failures last."""

    def key(r: dict[str, Any]) -> tuple[float, ...]:
        def num(v: Any) -> float:
            return math.inf if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

        failed = 1.0 if r["status"] == "error" else 0.0
        return (failed, num(r.get("breaches")), num(r.get("tracking_error_bp")),
                num(r.get("hedge_cost")), 0.0)  # fmt: skip

    ranked = sorted(rows, key=key)
    cols = ["mandate", "status", "breaches", "tracking_error_bp", "hedge_cost", "trades", "error"]
    if any("plan_id" in r for r in rows):
        cols.append("plan_id")  # fleet --db: the stored plan of each mandate
    frame = pd.DataFrame(ranked, columns=cols)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    for col in ("breaches", "trades"):  # counts stay integers beside failed (empty) rows
        frame[col] = frame[col].astype("Int64")
    return frame
