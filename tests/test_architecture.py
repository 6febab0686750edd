"""Dependencies flow one way (planner -> solvers/scenarios -> models); QuantLib is test-only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "models": {"planner", "solvers", "scenarios"},
    "solvers": {"planner", "scenarios"},
    "scenarios": {"planner", "solvers"},
    "planner": set(),
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layering_and_no_runtime_quantlib(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        imports = imported_top_levels(path)
        bad = imports & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
        assert "QuantLib" not in imports, f"{path.relative_to(ROOT)} imports QuantLib at run time"
