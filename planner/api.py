"""The Python API: load a case, run the stages, get typed results and DataFrames.

A notebook or a desk system uses the planner through :class:`Case`::

    import hedge_planner as hp
    case = hp.load_case("examples/core_plus/case.yaml")
    plan = case.plan()                 # the typed plan document (hedge_planner.document.Plan)
    case.holdings_risk()               # DataFrame, one row per holding
    case.trades()                      # DataFrame, one row per hedge trade
    case.scenarios()                   # DataFrame, one row per scenario

A case can also be built from Python objects: :func:`case_from_dict` takes the case as a mapping
(the same keys as a case file) and the holdings as a DataFrame or a list of records.

Every bad input raises :class:`InputError` whose ``issues`` locate each problem (file or the
case key path, 1-based row, column, reason, hint), exactly as the command line reports them.

Units follow the package's conventions: rates decimals, durations years, convexity years^2, DV01
currency per bp, P&L and money in currency.

Examples
--------
A two-bond book on a flat 4% Treasury curve (no hedge section: measure and stress only):

>>> import hedge_planner as hp
>>> case = hp.case_from_dict(
...     {
...         "analysis_date": "2024-01-02",
...         "curves": {"treasury": {"par_yields": {"1y": 0.04, "5y": 0.04, "30y": 0.04}}},
...     },
...     holdings=[
...         {"id": "A", "face": 1e6, "coupon": 0.04, "maturity": "2029-01-02", "yield": 0.04},
...         {"id": "B", "face": 2e6, "coupon": 0.03, "maturity": "2033-01-02", "yield": 0.041},
...     ],
... )
>>> risk = case.holdings_risk()
>>> list(risk.index)
['A', 'B']
>>> bool((risk["modified_duration"] > 4).all())
True
>>> plan = case.plan()
>>> plan.hedge is None
True
>>> stress = case.scenarios()  # no hedge: hedged P&L is the book's own
>>> bool((stress["hedged_pnl"] == stress["unhedged_pnl"]).all())
True

Bad input names the case key that is wrong:

>>> try:
...     hp.case_from_dict({"analysis_date": "2024-13-01", "holdings": [], "curves": {}})
... except hp.InputError as exc:
...     print(exc.issues[0].column)
analysis_date
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from hedge_planner.cases import AnalysisCase
from hedge_planner.document import Plan
from hedge_planner.hedge_plan import HedgePlan
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.outputs import prepare_out_folder, write_plan_set
from hedge_planner.run import PlanRun
from hedge_planner.workflow import CaseAnalysis

logger = logging.getLogger(__name__)

__all__ = [
    "Case",
    "InputError",
    "InputIssue",
    "Plan",
    "case_from_dict",
    "load_case",
    "records_frame",
]

#: Name under which a case built from Python objects is reported in error locations.
PYTHON_SOURCE = "<python>"


def _plain(value: Any) -> Any:
    """A DataFrame cell as a YAML/JSON scalar: dates as ISO text, missing values dropped."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


def _holding_records(holdings: pd.DataFrame | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Holdings as inline records (the case file's ``holdings:`` list)."""
    if isinstance(holdings, pd.DataFrame):
        frame = holdings.reset_index() if holdings.index.name == "id" else holdings
        raw: Sequence[Mapping[Any, Any]] = frame.to_dict("records")
    else:
        raw = list(holdings)
    out = []
    for rec in raw:
        row = {}
        for key, value in rec.items():
            plain = _plain(value)
            # A missing optional cell of a DataFrame (NaN/None) means "not given".
            if plain is None or (isinstance(plain, float) and math.isnan(plain)):
                continue
            row[str(key)] = plain
        out.append(row)
    return out


def records_frame(records: Sequence[Mapping[str, Any]], index: str | None = None) -> pd.DataFrame:
    """A DataFrame of JSON records, nested mappings flattened to ``outer.inner`` columns.

    Parameters
    ----------
    records
        JSON-ready records (for instance a plan section's rows).
    index
        Column to index by, when present.

    Examples
    --------
    >>> records_frame([{"id": "x", "krd": {"2y": 1.5}}], index="id").loc["x", "krd.2y"].item()
    1.5
    """
    frame = pd.json_normalize([dict(r) for r in records], sep=".") if records else pd.DataFrame()
    if index is not None and index in frame.columns:
        frame = frame.set_index(index)
    return frame


class Case:
    """A validated case and its stages, each computed at most once.

    Build one with :func:`load_case` or :func:`case_from_dict`. The stages are those of
    :class:`hedge_planner.run.PlanRun` (available as :attr:`run` for everything else).
    """

    def __init__(self, run: PlanRun) -> None:
        self.run = run

    @property
    def data(self) -> AnalysisCase:
        """The validated case (pydantic model of the case file)."""
        return self.run.case

    @property
    def source(self) -> str:
        """Where the case came from (the name every input problem is located in)."""
        return self.run.source

    def validate(self) -> dict[str, Any]:
        """Check every input without optimising; counts of holdings, tenors, instruments."""
        return self.run.validate()

    def measure(self) -> CaseAnalysis:
        """Curves, holdings' risk, sectors, covariance and the benchmark comparison."""
        return self.run.measure()

    def hedge(self) -> HedgePlan | None:
        """The optimised hedge (``None`` when the case has no hedge section)."""
        return self.run.hedge()

    def plan(self) -> Plan:
        """The typed plan document: every stage assembled (cached after the first call)."""
        cached: Plan | None = getattr(self, "_plan", None)
        if cached is None:
            cached = self.run.plan()
            self._plan = cached
        return cached

    def plan_document(self) -> dict[str, Any]:
        """The plan as the JSON document ``plan.json`` holds."""
        return self.plan().to_json()

    def holdings_risk(self) -> pd.DataFrame:
        """One row per holding, indexed by id: prices, yields, durations (years), convexity
        (years^2), DV01 and key-rate DV01s (currency per bp, columns ``krd_dv01.<tenor>``)."""
        return records_frame(self.measure().to_json()["holdings"], index="id")

    def trades(self) -> pd.DataFrame:
        """One row per hedge trade (empty without a hedge section); nested figures flattened."""
        hedge = self.plan_document().get("hedge") or {}
        return records_frame(hedge.get("trades") or [])

    def scenarios(self) -> pd.DataFrame:
        """One row per scenario, indexed by name: shifts (bp) and P&L (currency)."""
        section = self.plan_document().get("scenarios") or {}
        rows = section.get("rows") if isinstance(section, dict) else section
        return records_frame(rows or [], index="name")

    def write_reports(self, folder: str | Path) -> list[Path]:
        """Write ``plan.json``, ``report.html`` and ``report.xlsx`` into ``folder``."""
        # The report writers import the whole rendering stack; only needed here.
        from hedge_planner.jsonout import dumps
        from hedge_planner.report_excel import write_excel
        from hedge_planner.report_html import write_html

        out = prepare_out_folder(folder)
        plan = self.plan()
        reports: dict[str, Callable[[Path], object]] = {
            "report.html": lambda p: write_html(plan, p),
            "report.xlsx": lambda p: write_excel(plan, p),
        }
        return write_plan_set(out, plan.to_json(), reports, dumps)


def load_case(path: str | Path) -> Case:
    """Read and validate a case file (paths inside it resolve against its folder).

    Raises
    ------
    InputError
        Every problem of the case and the files it names, located.
    """
    return Case(PlanRun.load(path))


def case_from_dict(
    case: Mapping[str, Any],
    holdings: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    *,
    base_dir: str | Path | None = None,
    name: str = PYTHON_SOURCE,
) -> Case:
    """Validate a case given as Python objects.

    Parameters
    ----------
    case
        The case's keys, as in a case file (dates as ``datetime.date`` or ISO text).
    holdings
        The holdings, as a DataFrame (columns as in the holdings CSV; an ``id`` index is
        accepted) or a list of records; replaces ``case["holdings"]`` when given.
    base_dir
        Folder that relative file names in the case resolve against (default: the current
        folder).
    name
        Name that error locations use for the case.

    Raises
    ------
    InputError
        Every problem, located by the case key path (``holdings[3].coupon``...) under
        ``name``.
    """
    data = dict(case)
    if holdings is not None:
        data["holdings"] = _holding_records(holdings)
    source = str(Path(base_dir) / name) if base_dir is not None else name
    return Case(PlanRun.from_data(data, source))
