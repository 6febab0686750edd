"""hedge-planner: an optimisation-driven hedge planner for fixed-income portfolios.

``import hedge_planner`` gives the Python API (see :mod:`hedge_planner.api`): :func:`load_case`,
:func:`case_from_dict`, :class:`Case` (stages, the typed plan, DataFrames of holdings risk,
trades and scenarios), :class:`Plan` and :class:`InputError`. The names load on first use, so
importing a submodule (``hedge_planner.models.krd``) does not import the whole planner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hedge_planner.api import (
        Case,
        InputError,
        InputIssue,
        Plan,
        case_from_dict,
        load_case,
        records_frame,
    )

__all__ = [
    "Case",
    "InputError",
    "InputIssue",
    "Plan",
    "case_from_dict",
    "load_case",
    "records_frame",
]


def __getattr__(name: str) -> Any:
    """The API's names, imported from :mod:`hedge_planner.api` when first asked for."""
    if name in __all__:
        return getattr(importlib.import_module("hedge_planner.api"), name)
    raise AttributeError(f"module 'hedge_planner' has no attribute {name!r}")
