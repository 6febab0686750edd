"""Provenance of a run: what produced a plan, from which case file, when.

Every plan.json and report records :func:`provenance`: the package and library versions, the
SHA-256 of the case file as it was on disk, the run time (UTC) and a run id that every file of one
output set shares. A :class:`hedge_planner.run.PlanRun` takes it when the case is loaded; the plan
document types it as :class:`hedge_planner.document.Provenance`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import platform
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGE = "hedge-planner"
#: Distributions whose versions change the numbers (solver, modelling layer, arithmetic).
LIBRARIES = ("numpy", "cvxpy", "highspy")


@functools.cache
def _version(dist: str) -> str | None:
    # Cached: the code this process runs does not change if a package is reinstalled under
    # it, and the lookup (~5 ms) ran on every hedge call of the service.
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def package_version() -> str:
    """The installed hedge-planner version (``unknown`` when run from an uninstalled tree)."""
    return _version(PACKAGE) or "unknown"


def versions() -> dict[str, str | None]:
    """Versions of the package, Python and the numerical libraries (``None`` if absent)."""
    out: dict[str, str | None] = {
        PACKAGE: package_version(),
        "python": platform.python_version(),
    }
    out.update({lib: _version(lib) for lib in LIBRARIES})
    return out


def sha256_of(path: str | Path) -> str | None:
    """Hex SHA-256 of a file's bytes, or ``None`` if it is not a readable regular file."""
    p = Path(path)
    try:
        if not p.is_file():
            return None
        digest = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def provenance(
    case_file: str | Path | None = None,
    *,
    case_text: str | None = None,
    now: dt.datetime | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Versions, case hash and run time of one run, as a JSON-ready dict.

    Parameters
    ----------
    case_file
        Path of the case file; its bytes are hashed. ``<stdin>`` or a missing file hashes
        ``case_text`` instead (UTF-8), when given.
    case_text
        The case text, for cases read from standard input.
    now
        Run time (default: now); stored in UTC, ISO 8601, whole seconds.
    run_id
        Identifier shared by every file of one output set (default: a fresh random UUID).

    Returns
    -------
    dict
        ``run_id``, ``run_time_utc``, ``case_file``, ``case_sha256`` (hex, or ``None``),
        ``case_sha256_of`` (``file`` or ``text``), and ``versions`` (package, python, numpy,
        cvxpy, highspy).
    """
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    digest = sha256_of(case_file) if case_file is not None else None
    source = "file" if digest else None
    if digest is None and case_text is not None:
        digest = hashlib.sha256(case_text.encode("utf-8")).hexdigest()
        source = "text"
    return {
        "run_id": run_id or uuid.uuid4().hex,
        "run_time_utc": when.isoformat(),
        "case_file": None if case_file is None else str(case_file),
        "case_sha256": digest,
        "case_sha256_of": source,
        "versions": versions(),
    }
