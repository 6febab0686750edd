"""Names of grid parameters, and scenario shocks as grid parameters.

A ``--param`` name is one of

- a hedge parameter by its short name (``duration_band``, ``risk_aversion``, ``horizon_days``...)
  or by its case key path (``hedge.limits.duration.band``, ``hedge.costs.risk_aversion``,
  ``hedge.horizon_days``); key paths become the short name in the result rows;
- ``scenarios.parallel_bp``: an extra parallel shift of the Treasury curve (bp, positive = rates
  up), evaluated beside the case's own scenarios;
- ``scenarios.<NAME>`` or ``scenarios.<NAME>.<FIELD>``: a shock of one of the case's scenarios
  (the standard set and ``scenarios.custom``, by the names the plan shows). ``<FIELD>`` is a
  numeric key of the scenario's definition (``shift_bp``, ``size_bp``, ``scale``,
  ``spreads_bp.<sector>``, ``shifts_bp.<tenor>``, ``rates.shift_bp``...); without it the
  scenario's size (``shift_bp`` of a parallel, ``size_bp`` of a curve shape, twist or butterfly,
  ``scale`` of a historical replay). Units are the definition's own (bp, or a multiple).

A scenario shock does not change the hedge (the optimiser does not see scenarios): a point's row
adds, per shocked scenario ``S``, ``scenario:S:unhedged_pnl``, ``scenario:S:hedge_pnl``,
``scenario:S:hedged_pnl``, ``scenario:S:benchmark_pnl`` (scaled to the book's value) and
``scenario:S:hedged_active_pnl`` (hedged minus benchmark), currency, by full revaluation exactly
as the plan's scenario matrix; ``scenario:S:hedged_pnl_bp`` in bp of the book's market value.
Unknown names are refused with a "did you mean" hint before any solve.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hedge_planner.case_hedge import SWEEP_KEYS
from hedge_planner.hedging import SWEEP_PARAMS
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import did_you_mean
from hedge_planner.scenarios.definitions import Scenario, ScenarioError
from hedge_planner.scenarios.specs import (
    default_scenario_specs,
    parse_scenario_specs,
    spec_to_scenario,
)

logger = logging.getLogger(__name__)

#: Parameters that need a problem compiled for the value (not a re-solve).
REBUILD_PARAMS = ("horizon_days",)
#: Hedge parameters by short name.
HEDGE_PARAMS = (*SWEEP_PARAMS, *REBUILD_PARAMS)
#: Case key path of each hedge parameter.
KEY_PATHS = {
    **{"hedge." + ".".join(path): name for name, path in SWEEP_KEYS.items()},
    "hedge.horizon_days": "horizon_days",
}
SCENARIO_PREFIX = "scenarios."
#: The extra parallel shift a grid may add (bp), whatever scenarios the case has.
PARALLEL_PARAM = "scenarios.parallel_bp"
#: The field a bare ``scenarios.<NAME>`` varies, by scenario kind.
SIZE_FIELD = {
    "parallel": "shift_bp",
    "bull_steepener": "size_bp",
    "bear_steepener": "size_bp",
    "bull_flattener": "size_bp",
    "bear_flattener": "size_bp",
    "twist": "size_bp",
    "butterfly": "size_bp",
    "historical": "scale",
}
#: Columns of the P&L of each shocked scenario (currency, except ``_bp``).
PNL_COLUMNS = (
    "unhedged_pnl",
    "hedge_pnl",
    "hedged_pnl",
    "benchmark_pnl",
    "hedged_active_pnl",
    "hedged_pnl_bp",
)


def _bad(text: str, reason: str, hint: str = "") -> InputError:
    return InputError([InputIssue("--param", None, text, reason, hint)])


def canonical_name(name: str, text: str | None = None) -> str:
    """The parameter's name in rows: a hedge key path becomes its short name.

    ``text`` is the user's whole ``--param`` text, where an error is located. Scenario names
    are checked against the case later (:func:`scenario_params`).

    Raises
    ------
    InputError
        An unknown hedge parameter, with the closest known name.
    """
    if name in HEDGE_PARAMS:
        return name
    if name in KEY_PATHS:
        return KEY_PATHS[name]
    if name.startswith(SCENARIO_PREFIX) and len(name) > len(SCENARIO_PREFIX):
        return name
    known = [*HEDGE_PARAMS, *KEY_PATHS, PARALLEL_PARAM, "scenarios.<NAME>[.<FIELD>]"]
    hint = did_you_mean(name, known[:-1]) or "one of " + ", ".join(known)
    raise _bad(text or name, f"unknown parameter {name!r}", hint)


def is_scenario(name: str) -> bool:
    """Whether a (canonical) parameter is a scenario shock."""
    return name.startswith(SCENARIO_PREFIX)


def case_specs(case: Any) -> dict[str, Any]:
    """The case's scenario definitions by the names the plan shows (defaults, then custom)."""
    spec = case.scenarios
    specs = default_scenario_specs() if spec.include_defaults else []
    if spec.custom:
        specs += parse_scenario_specs(spec.custom, "scenarios.custom")
    return {s.name or s.default_name(): s for s in specs}


def _numeric_leaves(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, Mapping):
        return [p for k, v in node.items() for p in _numeric_leaves(v, (*prefix, str(k)))]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [prefix]
    return []


def _resolve(param: str, specs: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(scenario name, field path) of a scenario parameter of this case."""
    rest = param[len(SCENARIO_PREFIX) :]
    owners = [n for n in specs if rest == n or rest.startswith(n + ".")]
    if not owners:
        if param == PARALLEL_PARAM:
            return PARALLEL_PARAM, ("shift_bp",)
        hint = did_you_mean(rest.split(".")[0], specs) or "scenarios: " + ", ".join(specs)
        raise _bad(param, f"the case has no scenario named {rest!r}", hint)
    name = max(owners, key=len)
    spec = specs[name]
    leaves = _numeric_leaves(spec.model_dump(exclude={"name", "description"}))
    if rest == name:
        field = SIZE_FIELD.get(spec.kind)
        if field is None:
            fields = ", ".join(".".join(p) for p in leaves)
            reason = f"scenario {name!r} ({spec.kind}) has no single size"
            raise _bad(param, reason, f"name one of its numbers: {fields}")
        return name, (field,)
    path = tuple(rest[len(name) + 1 :].split("."))
    if path not in leaves:
        options = [".".join(p) for p in leaves]
        hint = did_you_mean(".".join(path), options) or "its numbers: " + ", ".join(options)
        raise _bad(param, f"scenario {name!r} has no number at {'.'.join(path)!r}", hint)
    return name, path


def scenario_params(case: Any, names: Sequence[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each scenario parameter's (scenario name, field path) in this case.

    Raises
    ------
    InputError
        An unknown scenario or field (did-you-mean hint), or a scenario varied twice.
    """
    specs = case_specs(case)
    out = {n: _resolve(n, specs) for n in names if is_scenario(n)}
    targets = [(s, p) for s, p in out.values()]
    for param, target in out.items():
        if targets.count(target) > 1:
            raise _bad(param, "the same scenario number is varied by two parameters")
    return out


def _set(data: dict[str, Any], path: tuple[str, ...], value: float) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def shocked_scenarios(
    case: Any,
    tenors: Sequence[str],
    shocks: Mapping[str, tuple[str, tuple[str, ...]]],
    point: Mapping[str, float],
) -> list[Scenario]:
    """The scenarios a point shocks, each with the point's values in its definition.

    Raises
    ------
    ScenarioError
        A value the scenario definition refuses (beyond the plausible shift, a zero size...).
    """
    specs = case_specs(case)
    edits: dict[str, dict[tuple[str, ...], float]] = {}
    for param, (name, path) in shocks.items():
        edits.setdefault(name, {})[path] = point[param]
    out = []
    for name, changes in edits.items():
        if name == PARALLEL_PARAM:
            data: dict[str, Any] = {"kind": "parallel", "shift_bp": 0.0}
        else:
            data = specs[name].model_dump(exclude_none=True)
        data["name"] = name.removeprefix(SCENARIO_PREFIX)  # the name stays, whatever the size
        for path, value in changes.items():
            _set(data, path, value)
        (spec,) = parse_scenario_specs([data], f"scenarios.{data['name']}")
        out.append(spec_to_scenario(spec, list(tenors)))
    return out


def check_scenario_values(
    case: Any,
    tenors: Sequence[str],
    shocks: Mapping[str, tuple[str, tuple[str, ...]]],
    points: Sequence[Mapping[str, float]],
) -> list[InputIssue]:
    """Every distinct combination of scenario values built once, before any solve."""
    issues: list[InputIssue] = []
    seen: set[tuple[float, ...]] = set()
    for point in points:
        combo = tuple(point[p] for p in shocks)
        if combo in seen:
            continue
        seen.add(combo)
        try:
            shocked_scenarios(case, tenors, shocks, point)
        except ScenarioError as exc:
            values = ", ".join(f"{p}={point[p]:g}" for p in shocks)
            reason = "; ".join(r for _, r, _ in exc.issues) or str(exc)
            issues.append(InputIssue("--param", None, ",".join(shocks), f"{values}: {reason}"))
    return issues


def scenario_columns(stress: Any) -> dict[str, Any]:
    """The shocked scenarios' P&L columns of a point (units in the module docstring)."""
    out: dict[str, Any] = {}
    for row in stress.to_json()["scenarios"]:
        out.update({f"scenario:{row['name']}:{c}": row.get(c) for c in PNL_COLUMNS})
    return out


def scenario_pnl(
    run: Any, members: Sequence[Any], quantities: np.ndarray, scenarios: list[Scenario]
) -> dict[str, Any]:
    """Revalue the book and hedge (``quantities`` per member) under the point's scenarios."""
    from hedge_planner.stress import run_scenarios

    return scenario_columns(run_scenarios(run.case, run.analysis, members, quantities, scenarios))
