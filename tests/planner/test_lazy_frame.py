"""LazyFrame: a table given as a function is built on first read only, once, and kept; a
table given directly is returned as is; instances pickle with either."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from functools import partial

import pandas as pd
from hedge_planner.lazy_frame import FrameSource, LazyFrame

BUILT: list[int] = []


def _table(n: int) -> pd.DataFrame:
    BUILT.append(n)
    return pd.DataFrame({"face": [float(k) for k in range(n)]})


@dataclass(frozen=True)
class _Holder:
    frame_source: FrameSource
    table = LazyFrame("frame_source")


def test_function_is_called_on_first_read_only_once() -> None:
    BUILT.clear()
    h = _Holder(partial(_table, 3))
    assert BUILT == []  # nothing built by construction
    first = h.table
    assert h.table is first and BUILT == [3]
    pd.testing.assert_frame_equal(first, pd.DataFrame({"face": [0.0, 1.0, 2.0]}))


def test_table_given_directly_is_the_attribute() -> None:
    t = pd.DataFrame({"face": [1.0]})
    assert _Holder(t).table is t


def test_holders_pickle_before_and_after_the_first_read() -> None:
    BUILT.clear()
    h = _Holder(partial(_table, 2))
    copy = pickle.loads(pickle.dumps(h))
    pd.testing.assert_frame_equal(copy.table, _table(2))
    h.table
    again = pickle.loads(pickle.dumps(h))
    pd.testing.assert_frame_equal(again.table, h.table)
    assert isinstance(_Holder.table, LazyFrame)
