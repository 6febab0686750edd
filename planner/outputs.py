"""Output folders and atomic output sets.

A run writes a *set* of files (plan.json and the reports chosen with ``plan --output``:
report.html, report.xlsx, report.pdf, blotter.csv; see :data:`OUTPUT_FILES`) that belong
together. To keep a folder from ever holding a half-written file or a mix of two runs that
looks complete:

1. :func:`prepare_out_folder` checks ``--out`` before any work (a writable folder, created if
   missing);
2. :class:`OutputSet` writes every file to a temporary name in that folder, then renames them all
   into place at the end, with SIGINT/SIGTERM held back during the renames (each rename is atomic
   on one file system). On any failure or interruption before that, the temporaries are removed
   and the previous set stays as it was;
3. every file of a set carries the same run id, and plan.json (renamed last) lists the other
   files with their SHA-256 (:meth:`OutputSet.manifest`), so :func:`verify_output_set` can tell a
   complete set from a mixed one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import signal
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hedge_planner.models.errors import InputError, InputIssue

logger = logging.getLogger(__name__)

_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}

#: Report kinds of ``plan --output`` and the file each writes beside plan.json.
OUTPUT_FILES: dict[str, str] = {
    "html": "report.html",
    "xlsx": "report.xlsx",
    "pdf": "report.pdf",
    "blotter": "blotter.csv",
}
#: The reports written when ``--output`` is not given.
DEFAULT_OUTPUTS: tuple[str, ...] = ("html", "xlsx")


def parse_outputs(text: str) -> list[str]:
    """The report kinds of a ``--output`` value (comma-separated, order kept, repeats dropped).

    Raises
    ------
    InputError
        An unknown kind (named, with the known ones as the hint), or an empty list.
    """
    kinds: list[str] = []
    for raw in text.split(","):
        kind = raw.strip().lower()
        if not kind:
            continue
        if kind not in OUTPUT_FILES:
            raise InputError(
                [
                    InputIssue(
                        f"--output {text!r}",
                        None,
                        None,
                        f"unknown report {kind!r}",
                        f"choose from {', '.join(OUTPUT_FILES)} (comma-separated)",
                    )
                ]
            )
        if kind not in kinds:
            kinds.append(kind)
    if not kinds:
        raise InputError(
            [
                InputIssue(
                    f"--output {text!r}",
                    None,
                    None,
                    "no report named",
                    f"e.g. --output {','.join(DEFAULT_OUTPUTS)}",
                )
            ]
        )
    return kinds


_TMP_MARK = ".tmp"


def _folder_error(path: str, reason: str, hint: str = "") -> InputError:
    return InputError([InputIssue(f"--out {path!r}", None, None, reason, hint)])


def _first_existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(path.anchor or ".")


def prepare_out_folder(path: str | Path) -> Path:
    """Check (and create if missing) the output folder, before any work is done.

    Parameters
    ----------
    path
        The ``--out`` value.

    Returns
    -------
    Path
        The folder, existing and writable.

    Raises
    ------
    InputError
        The path is empty, names an existing file or device (``/dev/null``), lies below a
        file, cannot be created, or is not writable.
    """
    text = str(path)
    if not text.strip():
        raise _folder_error(text, "the output folder is empty", "give a folder, e.g. --out out")
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        kind = "a file" if folder.is_file() else "a device or special file, not a folder"
        raise _folder_error(text, f"names {kind}", "give a folder to write the reports into")
    if not folder.exists():
        ancestor = _first_existing_ancestor(folder)
        if not ancestor.is_dir():
            raise _folder_error(
                text, f"lies below {str(ancestor)!r}, which is not a folder", "choose another path"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _folder_error(text, f"cannot create the folder: {exc.strerror}") from None
        logger.info("created output folder %s", folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=".hedge-planner-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _folder_error(
            text, f"the folder is not writable: {exc.strerror}", "choose a writable folder"
        ) from None
    return folder


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back (delivered when the block ends), where the platform allows."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class OutputSet:
    """Files written together: staged under temporary names, then renamed into place at once.

    Use as a context manager; leaving the block by an exception (KeyboardInterrupt included)
    before :meth:`commit` removes the temporaries and leaves the folder's previous files alone.

    Parameters
    ----------
    folder
        An existing writable folder (see :func:`prepare_out_folder`).
    run_id
        Identifier of the run, recorded in the manifest and in temporary names.
    """

    def __init__(self, folder: Path, run_id: str) -> None:
        self.folder = Path(folder)
        self.run_id = run_id
        self._staged: dict[str, Path] = {}
        self._committed = False

    def temp_path(self, name: str) -> Path:
        """Temporary path for ``name`` (hidden, same folder, same suffix so writers agree)."""
        final = Path(name)
        return self.folder / f".{final.stem}.{self.run_id}{_TMP_MARK}{final.suffix}"

    def stage(self, name: str, write: Callable[[Path], object]) -> Path:
        """Write one file of the set to its temporary path with ``write(path)``."""
        if self._committed:
            raise RuntimeError("output set already committed")
        tmp = self.temp_path(name)
        self._staged[name] = tmp
        write(tmp)
        logger.debug("staged %s as %s", name, tmp.name)
        return tmp

    def manifest(self) -> dict[str, Any]:
        """Names, sizes and SHA-256 of the files staged so far, with the run id."""
        return {
            "run_id": self.run_id,
            "files": {
                name: {"sha256": sha256_file(tmp), "bytes": tmp.stat().st_size}
                for name, tmp in self._staged.items()
            },
        }

    def commit(self) -> list[Path]:
        """Rename every staged file into place, in staging order, signals held back."""
        done: list[Path] = []
        with _signals_held():
            for name, tmp in self._staged.items():
                final = self.folder / name
                os.replace(tmp, final)
                done.append(final)
            self._committed = True
        logger.info("wrote %s", ", ".join(str(p) for p in done))
        return done

    def discard(self) -> None:
        """Remove the temporaries (the previous set in the folder is untouched)."""
        for tmp in self._staged.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._staged.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._committed:
            self.discard()


def write_plan_set(
    folder: Path,
    document: dict[str, Any],
    reports: dict[str, Callable[[Path], object]],
    dump: Callable[[Any], str],
) -> list[Path]:
    """Write plan.json and its reports as one output set.

    The reports are staged first; their hashes go into ``document["outputs"]``; plan.json is
    staged and renamed last, so a crash between renames leaves a plan.json whose manifest does
    not match the new reports (and :func:`verify_output_set` says so).

    Parameters
    ----------
    folder
        Output folder (checked by :func:`prepare_out_folder`).
    document
        The plan document; must carry ``provenance.run_id``. Gains an ``outputs`` manifest.
    reports
        File name -> writer taking the temporary path, in writing order.
    dump
        Serialiser of the document to JSON text.

    Returns
    -------
    list of Path
        The files written, in rename order (plan.json last).

    Raises
    ------
    InputError
        An operating-system error while writing (disk full...); nothing was replaced.
    """
    run_id = str(document["provenance"]["run_id"])
    try:
        with OutputSet(folder, run_id) as out:
            for name, write in reports.items():
                out.stage(name, write)
            document["outputs"] = out.manifest()
            out.stage("plan.json", lambda p: p.write_text(dump(document), encoding="utf-8"))
            return out.commit()
    except OSError as exc:
        # The environment (disk full, folder removed, permissions changed mid-run), not a bug.
        raise _folder_error(
            str(folder),
            f"cannot write the outputs: {exc.strerror or exc}",
            "the files of the previous run were left as they were",
        ) from exc


_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _pdf_contains(path: Path, needle: bytes) -> bool:
    """Whether ``needle`` is in a PDF, in plain objects or in its Flate-compressed streams (the
    document information, with the run id as its subject, may sit in an object stream)."""
    data = path.read_bytes()
    if needle in data:
        return True
    for m in _PDF_STREAM.finditer(data):
        try:
            if needle in zlib.decompress(m.group(1)):
                return True
        except zlib.error:
            continue  # not a Flate stream (images, fonts in other filters)
    return False


def _embeds_run_id(path: Path, run_id: str) -> bool:
    """Whether a report file carries ``run_id`` (xlsx: in its document properties; pdf: in its
    document information)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            return run_id in zf.read("docProps/core.xml").decode("utf-8", "replace")
    if path.suffix == ".pdf":
        return _pdf_contains(path, run_id.encode("ascii", "replace"))
    return run_id in path.read_text(encoding="utf-8", errors="replace")


def verify_output_set(folder: Path) -> list[str]:
    """Problems that make the folder's files not one complete set (empty list: consistent).

    Checks that plan.json exists and parses, that its manifest's run id is the plan's run id,
    and that every listed file exists, has the recorded SHA-256 and embeds the run id.
    """
    plan_path = Path(folder) / "plan.json"
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"plan.json unreadable: {exc}"]
    manifest = plan.get("outputs") or {}
    run_id = (plan.get("provenance") or {}).get("run_id")
    problems: list[str] = []
    if not run_id or manifest.get("run_id") != run_id:
        problems.append("plan.json's manifest and provenance name different runs")
    for name, meta in (manifest.get("files") or {}).items():
        path = Path(folder) / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != meta.get("sha256"):
            problems.append(f"{name} does not match plan.json's SHA-256 (from another run?)")
        elif run_id and not _embeds_run_id(path, str(run_id)):
            problems.append(f"{name} does not carry run id {run_id}")
    return problems
