"""Logging for the command line: messages go to standard error, never standard output."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

#: The package's root logger; every module logs under it (``logging.getLogger(__name__)``).
PACKAGE_LOGGER = "hedge_planner"
_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of each record.

    Looking the stream up per record (instead of binding it once) keeps logs on standard error
    when a test runner or :func:`hedge_planner.jsonout.json_stdout` swaps the streams.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        # Assign rather than setStream(): that flushes the previous stream, which a test runner
        # may have closed already.
        self.stream = sys.stderr
        super().emit(record)


def level_for(verbose: int, quiet: bool) -> int:
    """The logging level for ``-v`` counted ``verbose`` times, or ``--quiet``.

    Parameters
    ----------
    verbose
        0: warnings and errors; 1: also progress (INFO); 2 or more: DEBUG.
    quiet
        Errors only; overrides ``verbose``.

    Returns
    -------
    int
        A :mod:`logging` level.
    """
    if quiet:
        return logging.ERROR
    if verbose >= 2:
        return logging.DEBUG
    if verbose == 1:
        return logging.INFO
    return logging.WARNING


def configure_logging(verbose: int = 0, quiet: bool = False) -> int:
    """Send the package's log records at the chosen level to standard error.

    Idempotent: calling it again (one process running several commands, as tests do) replaces
    the handler instead of adding another.

    Returns
    -------
    int
        The level set.
    """
    level = level_for(verbose, quiet)
    pkg = logging.getLogger(PACKAGE_LOGGER)
    for handler in list(pkg.handlers):
        if isinstance(handler, _StderrHandler):
            pkg.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    pkg.addHandler(handler)
    pkg.setLevel(level)
    return level
