"""What-if grids: several case parameters varied together, one result row per point.

Built beside the single-parameter :meth:`PlanRun.sweep <hedge_planner.run.PlanRun.sweep>` (whose
internals it does not touch): ``sweep --param A=... --param B=...`` solves the cartesian product
of the values (or, with ``--zip``, the i-th value of every parameter together). Any limit or cost
weight of :data:`~hedge_planner.hedging.SWEEP_PARAMS` is changed on the compiled problem without a
rebuild; ``horizon_days`` changes the pricing of the universe (carry, rolls), so each distinct
horizon compiles its own problem.

Every point is solved from the same starting state (a problem compiled for its batch, the
mixed-integer warm start cleared before each solve), so a point's result does not depend on
which points ran before it nor on the engine (:mod:`hedge_planner.engine`) that ran it.

Row columns (units): ``<param>`` inputs in the case file's units; ``status``, ``proven``;
``objective`` and ``cost:<term>`` currency over the horizon (``cost:carry`` is the carry cost,
``cost:slippage`` the cash cost of trading); ``post_hedge_duration`` years, ``post_hedge_dv01``
currency per bp, ``post_hedge_te_bp`` bp per year; ``te:<group>`` the Euler contribution of each
factor group (``rates``, ``swap_spread``, ``spread:<sector>``) to the tracking error, bp per
year, summing to ``post_hedge_te_bp``; ``binding`` the hard limits binding at the plan
(``;``-separated); ``trade:<instrument>`` units traded (contracts or notional); ``error`` why
a point has no plan. Parameter names (case key paths, scenario shocks) and the
``scenario:<name>:<figure>`` P&L columns of shocked points: :mod:`hedge_planner.grid_params`.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hedge_planner.case_hedge import SWEEP_KEYS, sweep_value_problem
from hedge_planner.engine import JobStats, ProgressFn, TaskOutcome, run_guarded, run_job
from hedge_planner.grid_params import (
    HEDGE_PARAMS,
    REBUILD_PARAMS,
    canonical_name,
    check_scenario_values,
    is_scenario,
    scenario_params,
    scenario_pnl,
    shocked_scenarios,
)
from hedge_planner.hedging import SWEEP_PARAMS, HedgeProblem
from hedge_planner.hedging import build_problem as _build_problem
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import parse_number
from hedge_planner.outputs import OutputSet
from hedge_planner.run import PlanRun
from hedge_planner.solvers.results import HedgeResult

logger = logging.getLogger(__name__)

#: Most points one grid may solve (each is a full mixed-integer solve).
MAX_GRID_POINTS = 100_000
GRID_PARAMS = HEDGE_PARAMS


def _bad(text: str, reason: str) -> InputError:
    return InputError([InputIssue("--param", None, text, reason)])


def _number(text: str, raw: str) -> float:
    try:
        # Strict decimals, as in every input file (no 1_000, nan or inf).
        v = parse_number(raw.strip())
    except ValueError:
        raise _bad(
            text, f"{raw.strip()!r} is not a plain decimal number such as 0.5 or 1e-3"
        ) from None
    if not math.isfinite(v):
        raise _bad(text, f"{raw.strip()!r} is not a finite number")
    return v


def parse_param(text: str) -> tuple[str, list[float]]:
    """``NAME=START:STOP:STEP`` (inclusive) or ``NAME=v1,v2,...`` as (name, values).

    Raises
    ------
    InputError
        Located at ``--param`` with the user's text: unknown name, bad number, empty range.
    """
    name, sep, spec = text.partition("=")
    name = name.strip()
    if not sep or not spec.strip():
        raise _bad(text, "expected NAME=START:STOP:STEP or NAME=v1,v2,...")
    name = canonical_name(name, text)  # a hedge key path becomes its short name
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise _bad(text, "a range is START:STOP:STEP (inclusive)")
        start, stop, step = (_number(text, p) for p in parts)
        if step <= 0 or stop < start:
            raise _bad(text, "need STEP > 0 and STOP >= START")
        n = math.floor((stop - start) / step + 1e-9) + 1
        if n > MAX_GRID_POINTS:
            raise _bad(text, f"{n} values is too many (max {MAX_GRID_POINTS})")
        values = [start + i * step for i in range(n)]
    else:
        values = [_number(text, p) for p in spec.split(",")]
    if name == "horizon_days" and any(v != round(v) or not 0 < v <= 3650 for v in values):
        raise _bad(text, "horizon_days values must be whole days in 1..3650")
    return name, values


def grid_points(params: Sequence[tuple[str, list[float]]], zipped: bool) -> list[dict[str, float]]:
    """The points of the grid: the cartesian product of the values, or zipped.

    Raises
    ------
    InputError
        A parameter given twice, zipped lists of different lengths, or too many points.
    """
    names = [n for n, _ in params]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _bad(dup[0], f"parameter {dup[0]!r} is given more than once")
    lists = [v for _, v in params]
    if zipped:
        if len({len(v) for v in lists}) > 1:
            lengths = ", ".join(f"{n}: {len(v)}" for n, v in params)
            raise _bad(",".join(names), f"--zip needs lists of one length ({lengths})")
        combos = list(zip(*lists, strict=True))
    else:
        total = math.prod(len(v) for v in lists)
        if total > MAX_GRID_POINTS:
            raise _bad(",".join(names), f"{total} points is too many (max {MAX_GRID_POINTS})")
        combos = list(itertools.product(*lists))
    return [dict(zip(names, c, strict=True)) for c in combos]


@dataclass(frozen=True)
class CaseBundle:
    """The case as read: every worker compiles it once (cached by :attr:`token`).

    The case text and its name travel to the workers (scattered once); files it names
    (holdings, curves) are read by each worker from the same paths, so a remote cluster
    needs them on a shared file system.
    """

    text: str
    name: str

    @property
    def token(self) -> str:
        """SHA-256 of the name and text: the key of the per-process cache."""
        return hashlib.sha256(f"{self.name}\0{self.text}".encode()).hexdigest()


#: Per-process runs of each bundle and horizon: the measured book and universe, built once.
_RUNS: dict[tuple[str, int | None], PlanRun] = {}


def bundle_run(bundle: CaseBundle, horizon: int | None = None) -> PlanRun:
    """The bundle's run (``hedge.horizon_days`` replaced when given), built once per process."""
    key = (bundle.token, horizon)
    run = _RUNS.get(key)
    if run is None:
        run = PlanRun.from_text(bundle.text, bundle.name)
        if horizon is not None and run.case.hedge is not None:
            hedge = run.case.hedge.model_copy(update={"horizon_days": int(horizon)})
            run = PlanRun(run.case.model_copy(update={"hedge": hedge}), run.source, bundle.text)
        _RUNS[key] = run
    return run


def check_points(run: PlanRun, points: list[dict[str, float]]) -> None:
    """Every value against the case file's own bounds and limits, before any solve.

    Raises
    ------
    InputError
        Under the case key (``hedge.limits...``) in the user's units; a scenario parameter the
        case does not have (did-you-mean hint) or a shock its definition refuses.
    """
    run.require_hedge()
    hedge = run.case.hedge
    assert hedge is not None
    params = run.problem().optimizer.params
    issues: list[InputIssue] = []
    seen: set[tuple[str, float]] = set()
    names = list(points[0]) if points else []
    shocks = scenario_params(run.case, names)
    if shocks:
        issues += check_scenario_values(run.case, run.tenors, shocks, points)
    for point in points:
        for name, v in point.items():
            if name in REBUILD_PARAMS or is_scenario(name) or (name, v) in seen:
                continue
            seen.add((name, v))
            key = "hedge." + ".".join(SWEEP_KEYS[name])
            if SWEEP_PARAMS[name] not in params:
                missing = f"the case sets no {name} limit to vary; add it to the case first"
                issues.append(InputIssue(run.source, None, key, missing))
                continue
            bad = sweep_value_problem(hedge, name, v)
            if bad is not None:
                issues.append(InputIssue("--param", None, key, f"value {v:g}: {bad}"))
    if issues:
        raise InputError(sorted(set(issues), key=str))


def te_by_group(problem: HedgeProblem, q: np.ndarray) -> dict[str, float]:
    """Euler contributions of each factor group to the tracking error at ``q``, bp per year.

    ``c_i = e_i (S e)_i / sqrt(e' S e)`` (currency per year) summed over the factors of a group
    and divided by ``MV * 1e-4``; the groups sum to the tracking error.
    """
    ctx = problem.optimizer.ctx
    e = ctx.exposure(q)
    se = ctx.fcov @ e
    te = math.sqrt(max(float(e @ se), 0.0))
    out: dict[str, float] = {}
    for name, ei, sei in zip(ctx.factor_risk.names, e, se, strict=True):
        group = (
            "rates"
            if name.startswith("rate:")
            else "swap_spread"
            if name.startswith("swap_spread")
            else name
        )
        contrib = float(ei * sei) / te / ctx.mv * 1e4 if te > 0 else 0.0
        out[group] = out.get(group, 0.0) + contrib
    return out


def point_row(problem: HedgeProblem, point: dict[str, float], r: HedgeResult) -> dict[str, Any]:
    """One grid row (columns and units in the module docstring)."""
    row: dict[str, Any] = dict(point)
    row["status"] = r.status
    row["proven"] = r.proven
    row["objective"] = r.objective
    post = r.post
    row["post_hedge_duration"] = None if post is None else post.duration
    row["post_hedge_dv01"] = None if post is None else post.dv01
    row["post_hedge_te_bp"] = None if post is None else post.te_bp
    if r.q is not None and post is not None:
        row.update({f"te:{g}": v for g, v in te_by_group(problem, r.q).items()})
    row.update({f"cost:{k}": v for k, v in r.costs.items()})
    row["binding"] = ";".join(c.name for c in r.constraints if c.binding)
    if r.trades is not None:
        row.update({f"trade:{m.name}": float(r.trades.get(m.name, 0.0)) for m in problem.members})
    row["error"] = None if r.proven else (r.message or r.status)
    return row


def _solve_point(
    problem: HedgeProblem, point: dict[str, float]
) -> tuple[dict[str, Any], np.ndarray]:
    """The point's row and the positions after its hedge (units per universe member)."""
    opt = problem.optimizer
    values = {
        SWEEP_PARAMS[n]: problem.to_optimizer_value(n, v)
        for n, v in point.items()
        if n not in REBUILD_PARAMS and not is_scenario(n)
    }
    opt.set_params(**values)
    # Why: the branch and bound starts from the previous plan's integers; clearing it makes
    # each point independent of the order (and engine) the points are solved in.
    opt.warm_int = None
    r = opt.solve()
    # Positions after the hedge; the current ones when the solve left none (as in the plan).
    presents = r.q is not None and r.post is not None
    q = np.asarray(r.q if presents else opt.ctx.q0, dtype=np.float64)
    return point_row(problem, point, r), q


def _hedge_part(point: dict[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple((n, v) for n, v in point.items() if not is_scenario(n))


def solve_grid_batch(bundle: CaseBundle, batch: list[tuple[int, Any]]) -> list[TaskOutcome]:
    """Batch function of a grid job: a problem compiled per horizon for this batch.

    Points that differ only in scenario shocks share one solve (the hedge does not depend on
    the scenarios); each then gets its shocked scenarios' P&L at that hedge.
    """
    problems: dict[int | None, HedgeProblem] = {}
    solved: dict[tuple[tuple[str, float], ...], tuple[dict[str, Any], np.ndarray]] = {}

    def solve(point: dict[str, float]) -> dict[str, Any]:
        h = point.get("horizon_days")
        horizon = None if h is None else int(h)
        run = bundle_run(bundle, horizon)
        if horizon not in problems:
            problems[horizon] = _build_problem(run.case, run.analysis, run.universe(), run.source)
        problem = problems[horizon]
        hedge_point = _hedge_part(point)
        if hedge_point not in solved:
            solved[hedge_point] = _solve_point(problem, dict(hedge_point))
        hedge_row, q = solved[hedge_point]
        row = {**point, **hedge_row}
        shocks = scenario_params(run.case, list(point))
        if shocks:
            scenarios = shocked_scenarios(run.case, run.tenors, shocks, point)
            row.update(scenario_pnl(run, problem.members, q, scenarios))
        return row

    return [run_guarded(solve, i, p) for i, p in batch]


def run_grid(
    bundle: CaseBundle,
    points: list[dict[str, float]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    size: int | None = None,
    progress: ProgressFn | None = None,
    stats: JobStats | None = None,
) -> list[dict[str, Any]]:
    """Solve every point (validated first); rows in point order, failures with their error."""
    base = bundle_run(bundle)
    check_points(base, points)
    for h in sorted({int(p["horizon_days"]) for p in points if "horizon_days" in p}):
        bundle_run(bundle, h).problem()  # a horizon the universe cannot be priced at fails here
    outcomes = run_job(
        solve_grid_batch,
        bundle,
        points,
        workers=workers,
        scheduler=scheduler,
        size=size,
        progress=progress,
        stats=stats,
    )
    rows = []
    for o in outcomes:
        if o.error is not None:
            rows.append({**points[o.index], "status": "error", "proven": False, "error": o.error})
        else:
            rows.append({**o.value, "seconds": o.seconds})
    return rows


def rows_frame(rows: list[dict[str, Any]], names: Sequence[str]) -> pd.DataFrame:
    """Rows as a table: the inputs ``names`` first, then status, figures, TE groups, costs,
    trades, binding limits and errors."""
    frame = pd.DataFrame(rows)
    order = ["status", "proven", "objective", "post_hedge_duration", "post_hedge_dv01"]
    order.append("post_hedge_te_bp")
    first = list(names)
    prefixes = ("te:", "cost:", "trade:", "scenario:")
    groups = [c for p in prefixes for c in frame.columns if c.startswith(p)]
    rest = [c for c in ("binding", "error", "seconds") if c in frame.columns]
    cols = first + [c for c in order if c in frame.columns] + groups + rest
    return frame[cols]


def write_table(frame: pd.DataFrame, folder: Path, stem: str, run_id: str) -> list[Path]:
    """Write ``stem``.parquet and ``stem``.csv together (staged, then renamed into place)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    with OutputSet(folder, run_id) as out:
        out.stage(f"{stem}.parquet", lambda p: pq.write_table(table, p))
        out.stage(f"{stem}.csv", lambda p: frame.to_csv(p, index=False, float_format="%.17g"))
        return out.commit()
