"""Files named in a case: resolved against the case file's folder, optionally confined.

:func:`resolve_path` is the one place a case's file names (holdings, benchmark holdings,
covariance, contracts, spread tables) become paths. Inside :func:`file_sandbox` (the HTTP
service) they may only name files in one folder: those uploaded with the case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import clip

__all__ = ["file_sandbox", "record_files", "resolve_path"]

#: While set (see :func:`file_sandbox`), the one folder case files may name files in.
_SANDBOX: ContextVar[Path | None] = ContextVar("case_file_sandbox", default=None)
#: While set (see :func:`record_files`), every file a case names: {name as written: path}.
_RECORD: ContextVar[dict[str, Path] | None] = ContextVar("case_file_record", default=None)


@contextmanager
def record_files() -> Iterator[dict[str, Path]]:
    """Collect the files cases name while loaded in this context, ``{name as written: path}``.

    A fleet's ``--db`` stores each plan with its full inputs: the case text and every file
    it read (holdings, benchmark holdings, covariance, contracts...).
    """
    files: dict[str, Path] = {}
    token = _RECORD.set(files)
    try:
        yield files
    finally:
        _RECORD.reset(token)


@contextmanager
def file_sandbox(folder: Path) -> Iterator[None]:
    """Confine the file names of cases loaded in this context to ``folder``.

    The HTTP service loads cases sent by remote users: a case naming ``/etc/passwd`` or
    ``../secret.csv`` must not read the server's files, only the files uploaded with it.
    """
    token = _SANDBOX.set(folder.resolve())
    try:
        yield
    finally:
        _SANDBOX.reset(token)


def resolve_path(case_name: str, relative: str) -> Path:
    """A path named in a case file, relative to the case file's folder.

    Raises
    ------
    InputError
        Inside :func:`file_sandbox`, when the path leaves the sandbox folder.
    """
    base = Path(case_name).parent if case_name != "<stdin>" else Path.cwd()
    path = Path(relative)
    path = path if path.is_absolute() else base / path
    sandbox = _SANDBOX.get()
    if sandbox is not None and not path.resolve().is_relative_to(sandbox):
        reason = f"{clip(relative)} names a file outside the files submitted with the case"
        hint = "upload the file with the case or give its contents inline"
        raise InputError([InputIssue(case_name, None, None, reason, hint)])
    record = _RECORD.get()
    if record is not None:
        record.setdefault(relative, path)
    return path
