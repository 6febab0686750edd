"""A DataFrame attribute built on first read.

The desk's fast path scales a unit ladder's per-holding yield table by each request's faces
(:func:`hedge_planner.service.ladder.scale_book`); three pandas column assignments cost
~0.3 ms a call, and nothing of the hedge document reads the table. :class:`LazyFrame` lets
:class:`~hedge_planner.workflow.BookRisk` and :class:`~hedge_planner.workflow.CaseAnalysis`
hold either the table or a picklable function building it (``frame_source``): the table is
built once, on first read of the attribute, and kept on the instance. The plan's own table is a
:class:`~hedge_planner.models.yield_risk.YieldTable` (columns, no pandas): the plan reads its
columns and rows (:func:`yield_records`), and pandas is imported only where a DataFrame is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from hedge_planner.models.yield_risk import YieldTable

if TYPE_CHECKING:  # pandas is imported where a table is read as a DataFrame
    import pandas as pd

__all__ = ["FrameSource", "LazyFrame", "resolve", "yield_columns", "yield_records", "yield_view"]

#: A table without pandas (:class:`~hedge_planner.models.yield_risk.YieldTable`), a DataFrame,
#: or a function (picklable: e.g. a :func:`functools.partial`) building one.
FrameSource: TypeAlias = "YieldTable | pd.DataFrame | Callable[[], pd.DataFrame]"


def resolve(source: FrameSource) -> pd.DataFrame:
    """The DataFrame of ``source`` (built now from a table or a function)."""
    if isinstance(source, YieldTable):
        return source.frame()
    return source() if callable(source) else source


def yield_view(owner: Any, name: str = "yield_frame") -> Any:
    """``owner``'s yield table as it is read: its DataFrame attribute ``name`` when already
    built or when ``owner.frame_source`` is not a table, else the
    :class:`~hedge_planner.models.yield_risk.YieldTable` itself (no pandas)."""
    built = owner.__dict__.get(name)
    if built is None and isinstance(owner.frame_source, YieldTable):
        return owner.frame_source
    return built if built is not None else getattr(owner, name)


def yield_columns(owner: Any) -> Any:
    """The columns of ``owner``'s yield table by name (:func:`yield_view`): either way
    ``np.asarray(result[column])`` is the column."""
    view = yield_view(owner)
    return view.columns if isinstance(view, YieldTable) else view


def yield_records(owner: Any) -> list[Any]:
    """The rows of ``owner``'s yield table as dicts of Python scalars (:func:`yield_view`)."""
    view = yield_view(owner)
    return view.records() if isinstance(view, YieldTable) else list(view.to_dict("records"))


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
