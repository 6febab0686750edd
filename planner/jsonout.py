"""JSON on standard output: strict documents, and nothing else on the stream.

Two guarantees behind every ``--json`` command:

* :func:`dumps` writes strict JSON (RFC 8259): non-finite floats (NaN, +/-inf), which JSON cannot
  represent, become ``null``; numpy scalars and arrays become plain numbers and lists.
* :func:`json_stdout` points file descriptor 1 at standard error while a command runs, so anything
  a library prints (the HiGHS banner is written by C code straight to descriptor 1) lands on
  standard error; the JSON document is written to the real standard output at the end.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import logging
import math
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

import numpy as np

logger = logging.getLogger(__name__)

#: Where :func:`emit_json` writes while :func:`json_stdout` is active (``None``: ``sys.stdout``).
_sink: TextIO | None = None


def sanitize(value: Any) -> Any:
    """A copy of ``value`` that :func:`json.dumps` accepts with ``allow_nan=False``.

    Non-finite floats become ``None`` (JSON ``null``); numpy scalars become Python scalars and
    numpy arrays, tuples and sets become lists; mapping keys become strings. Other objects are
    returned unchanged (``default=str`` in :func:`dumps` renders dates and paths).

    Parameters
    ----------
    value
        Any JSON-like structure.

    Returns
    -------
    Any
        The cleaned structure.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return sanitize(value.tolist())
    if isinstance(value, np.generic):
        return sanitize(value.item())
    if isinstance(value, Mapping):
        return {str(k): sanitize(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [sanitize(v) for v in value]
    return value


def dumps(document: Any) -> str:
    """Strict, indented JSON text of ``document`` (after :func:`sanitize`), with a newline."""
    return json.dumps(sanitize(document), indent=2, allow_nan=False, default=str) + "\n"


def emit_json(document: Any) -> None:
    """Write ``document`` as strict JSON to the command's standard output."""
    stream = _sink if _sink is not None else sys.stdout
    stream.write(dumps(document))
    stream.flush()


def _flush_c_stdio() -> None:
    """Flush C-level ``stdout`` buffers (text that native libraries printed but not yet wrote)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def json_stdout(enabled: bool = True) -> Iterator[None]:
    """Keep standard output for the JSON document alone while the block runs.

    File descriptor 1 is pointed at standard error for the duration, and :func:`emit_json`
    writes to a saved duplicate of the original descriptor. When ``sys.stdout`` has no real
    descriptor (a test runner captured it), nothing is redirected.

    Parameters
    ----------
    enabled
        ``False`` makes this a no-op (commands run without ``--json``).
    """
    global _sink
    try:
        fd = sys.stdout.fileno() if enabled else -1
        err_fd = sys.stderr.fileno() if enabled else -1
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        fd = -1
    if fd < 0:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    os.dup2(err_fd, fd)
    previous = _sink
    _sink = open(saved, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - closed below
    logger.debug("standard output redirected to standard error while the command runs")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        _flush_c_stdio()
        with contextlib.suppress(OSError, ValueError):
            _sink.flush()
        _sink.close()
        _sink = previous
        os.dup2(saved, fd)
        os.close(saved)
