"""A DataFrame attribute built on first read.

The desk's fast path scales a unit ladder's per-holding yield table by each request's faces
(:func:`hedge_planner.service.ladder.scale_book`); three pandas column assignments cost
~0.3 ms a call, and nothing of the hedge document reads the table. :class:`LazyFrame` lets
:class:`~hedge_planner.workflow.BookRisk` and :class:`~hedge_planner.workflow.CaseAnalysis`
hold either the table or a picklable function building it (``frame_source``): the table is
built once, on first read of the attribute, and kept on the instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["FrameSource", "LazyFrame"]

#: A table, or a function (picklable: e.g. a :func:`functools.partial`) building it.
FrameSource = pd.DataFrame | Callable[[], pd.DataFrame]


def resolve(source: FrameSource) -> pd.DataFrame:
    """The table of ``source`` (built now when it is a function)."""
    return source if isinstance(source, pd.DataFrame) else source()


class LazyFrame:
    """Read-only attribute: :func:`resolve` of the instance's field ``field``, kept after the
    first read (in the instance's ``__dict__``, like :func:`functools.cached_property`, so it
    also works on frozen dataclasses)."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> pd.DataFrame:
        if obj is None:  # the class attribute itself
            return self  # type: ignore[return-value]
        cached = obj.__dict__.get(self.name)
        if cached is None:
            cached = resolve(getattr(obj, self.field))
            obj.__dict__[self.name] = cached
        return cached
