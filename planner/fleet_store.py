"""``fleet --db``: each mandate's plan stored in the plan store of :mod:`hedge_planner.service`.

A stored plan carries what a plan submitted to the service carries: the full inputs (the case
text and every file it read: holdings, benchmark holdings, covariance, contracts...), the plan
document, the HTML and Excel reports, the package and solver versions and the time. The worker
that plans a mandate also renders its reports and reads its input files; the parent writes
the rows (one writer, so SQLite needs no locking between workers).

Stored inputs are portable: a template fleet's case names its mandate's holdings file by its
plain file name (the full path it was read from is a detail of this machine), so
``Submission.from_inputs`` runs them again on the service.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from hedge_planner.case_paths import record_files
from hedge_planner.engine import TaskOutcome, run_guarded
from hedge_planner.fleet import Mandate, Template, located, mandate_case_text
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.run import PlanRun

logger = logging.getLogger(__name__)

__all__ = ["open_store", "plan_fleet_store_batch", "store_mandate", "store_plans"]


def _read_inputs(files: dict[str, Path]) -> tuple[dict[str, str], dict[str, str]]:
    """Text files as text; any other as base64 (``files_base64``)."""
    text: dict[str, str] = {}
    binary: dict[str, str] = {}
    for name, path in files.items():
        data = path.read_bytes()
        try:
            text[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            binary[name] = base64.b64encode(data).decode("ascii")
    return text, binary


def store_mandate(template: Template, mandate: Mandate) -> dict[str, Any]:
    """The mandate's plan document, full inputs and both reports (bytes).

    Raises
    ------
    InputError
        The mandate's inputs, located as for ``plan``.
    """
    from hedge_planner.report_excel import write_excel
    from hedge_planner.report_html import write_html

    text, source = mandate_case_text(template, mandate)
    with record_files() as files:
        plan = PlanRun.from_text(text, source).plan()
    stored_text = text
    if mandate.holdings is not None:
        # The holdings file under its plain name, in the text and among the files.
        name = Path(mandate.holdings).name
        stored_text = mandate_case_text(template, mandate, holdings_as=name)[0]
        files = {(name if k == mandate.holdings else k): p for k, p in files.items()}
    texts, binary = _read_inputs(files)
    inputs: dict[str, Any] = {"case_name": Path(source).name, "case": stored_text, "files": texts}
    if binary:
        inputs["files_base64"] = binary
    with tempfile.TemporaryDirectory(prefix="hp-fleet-") as tmp:
        html, xlsx = Path(tmp) / "report.html", Path(tmp) / "report.xlsx"
        write_html(plan, html)
        write_excel(plan, xlsx)
        return {
            "document": plan.to_json(),
            "inputs": inputs,
            "report_html": html.read_bytes(),
            "report_xlsx": xlsx.read_bytes(),
        }


def plan_fleet_store_batch(template: Template, batch: list[tuple[int, Any]]) -> list[TaskOutcome]:
    """Batch function of ``fleet --db``: plan, inputs and reports per mandate."""
    return [run_guarded(lambda m: located(store_mandate, template, m), i, m) for i, m in batch]


def open_store(url: str) -> Any:
    """The plan store at ``url``, opened (and migrated) before any mandate runs.

    Raises
    ------
    InputError
        At ``--db``: a malformed URL or a database that cannot be reached.
    """
    from hedge_planner.service.store import PlanStore
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        return PlanStore(url)
    except (ArgumentError, OperationalError, ValueError) as exc:
        reason = f"cannot open the plan store: {str(exc).splitlines()[0][:160]}"
        hint = "give sqlite:///PATH or postgresql://USER@HOST/DB of a server that runs"
        raise InputError([InputIssue("--db", None, "--db", reason, hint)]) from None


def store_plans(store: Any, names: list[str], outcomes: list[TaskOutcome]) -> dict[str, str]:
    """Store every planned mandate (portfolio = mandate name); ``{mandate: plan id}``."""
    from hedge_planner.service.jobs import software_versions, solver_status

    versions = software_versions()
    ids: dict[str, str] = {}
    for name, outcome in zip(names, outcomes, strict=True):
        if outcome.error is not None:
            continue
        value = outcome.value
        document = value["document"]
        ids[name] = store.add_plan(
            portfolio=name,
            analysis_date=dt.date.fromisoformat(str(document["analysis_date"])),
            status=solver_status(document),
            inputs=value["inputs"],
            document=document,
            versions=versions,
            report_html=value["report_html"],
            report_xlsx=value["report_xlsx"],
            key_id=None,
        )
    logger.info("stored %d plans in the plan store", len(ids))
    return ids
