"""The example's modelled holdings (callables, putables, MBS pools) as one revaluer, shared by
the tests of the stacked and prefetched modelled-holdings passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hedge_planner.cases import load_analysis_case
from hedge_planner.stress import modelled_revaluer
from hedge_planner.workflow import analyze_case

CORE_PLUS = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"


def example_revaluer() -> tuple[Any, np.ndarray]:
    """The example's modelled-holdings revaluer and those holdings' face amounts (currency)."""
    case, name = load_analysis_case(CORE_PLUS)
    analysis = analyze_case(case, name)
    rev = modelled_revaluer(case, analysis)
    assert rev is not None
    return rev, analysis.book.face[rev.positions]
