"""Results of functions of arrays, remembered by the arrays' values.

The desk's service solves one compiled hedge per book; several steps of every call work on
arrays that do not change from book to book (the covariance validated three times, its
factorisation, the tracking error's exposure basis, the level set's Hessian block). An
:class:`ArrayMemo` returns the result computed before when every input array is equal
element for element (same dtype, shape and bytes), so a changed input is computed afresh and
a repeated one is not. Results are shared by every caller: arrays in them are made read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = ["ArrayMemo"]

T = TypeVar("T")


def _frozen(value: Any) -> Any:
    """``value`` with its arrays (itself, or the items of a tuple) made read-only."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, tuple):
        for item in value:
            _frozen(item)
    return value


class ArrayMemo:
    """A least-recently-used memo keyed by array values (thread-safe).

    Parameters
    ----------
    size
        Entries kept.
    """

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        #: Calls answered from the memo / computed (diagnostics, tests).
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(arrays: Sequence[np.ndarray], extra: Hashable = None) -> Hashable:
        """The memo key of ``arrays`` (dtype, shape and bytes of each) and ``extra``."""
        parts = []
        for a in arrays:
            a = np.ascontiguousarray(a)
            parts.append((a.dtype.str, a.shape, a.tobytes()))
        return (extra, tuple(parts))

    def get(
        self, arrays: Sequence[np.ndarray], compute: Callable[[], T], extra: Hashable = None
    ) -> T:
        """``compute()``, or its earlier result for equal ``arrays`` and ``extra``.

        ``compute`` must depend on nothing but ``arrays`` and ``extra``; an exception it
        raises is not remembered.
        """
        k = self.key(arrays, extra)
        with self._lock:
            if k in self._entries:
                self._entries.move_to_end(k)
                self.hits += 1
                return self._entries[k]
        value = _frozen(compute())
        with self._lock:
            self.misses += 1
            self._entries[k] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        """Entries kept."""
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
