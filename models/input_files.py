"""Guarded reading of user files: size and type checks, strict numbers, a safe YAML/JSON loader.

Every file the product reads on a user's behalf goes through :func:`read_user_text` (regular
files only, checked with ``stat`` *before* reading; a size limit; UTF-8 checked), and every YAML
or JSON document through :func:`load_yaml` / :func:`load_json`, which refuse duplicate keys,
alias bombs and deep nesting. Failures are :class:`~models.errors.InputError` naming the file
and, where known, the 1-based physical line.

Limits (documented in the README, "Input limits and plausibility bounds"):

* :data:`MAX_FILE_BYTES` (256 MiB, overridable with the environment variable
  ``HEDGE_PLANNER_MAX_FILE_BYTES``);
* :data:`MAX_YAML_ALIASES` aliases and :data:`MAX_DOCUMENT_NODES` nodes after alias expansion;
* :data:`MAX_NESTING_DEPTH` levels of nesting in YAML and JSON.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import yaml
from hedge_planner.models.errors import InputError, InputIssue
from pydantic import BaseModel, ConfigDict, model_validator

#: Largest file read, bytes (256 MiB); ``HEDGE_PLANNER_MAX_FILE_BYTES`` overrides it.
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
#: Most aliases (``*name``) one YAML document may use.
MAX_YAML_ALIASES = 100
#: Most nodes a YAML document may have once its aliases are expanded (alias bombs).
MAX_DOCUMENT_NODES = 2_000_000
#: Deepest nesting of mappings/lists in a YAML or JSON document.
MAX_NESTING_DEPTH = 50
#: Characters of a user's value quoted back in a message.
ECHO_CHARS = 20

STDIN = "-"

# A decimal number as a person types it: optional sign, ASCII digits, optional fraction and
# exponent. No underscores (1_000), no non-ASCII digits, no nan/inf, no hex.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def max_file_bytes() -> int:
    """The file size limit in bytes (environment override, else 256 MiB)."""
    raw = os.environ.get("HEDGE_PLANNER_MAX_FILE_BYTES", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_FILE_BYTES


def clip(value: Any, limit: int = ECHO_CHARS) -> str:
    """``repr`` of a user's value, cut to ``limit`` characters so messages never echo a file."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)


def parse_number(value: Any) -> float:
    """A finite float from a strictly formatted decimal (or a real number passed through).

    Raises
    ------
    ValueError
        For text that is not a plain decimal number (``1_000``, Arabic-Indic digits, ``nan``),
        for booleans and for non-finite values, with a short reason.
    """
    if isinstance(value, bool):
        raise ValueError(f"{clip(value)} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"{clip(text)} is not a number")
        number = float(text)
    else:
        raise ValueError(f"{clip(value)} is not a number")
    if not math.isfinite(number):
        raise ValueError(f"{clip(value)} is not a finite number")
    return number


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` for the closest option, or ``""`` when none is close."""
    by_lower = {str(o).lower(): str(o) for o in sorted(set(options), key=str)}
    close = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.75)
    return f"did you mean {by_lower[close[0]]!r}?" if close else ""


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------


def _file_issue(name: str, reason: str, hint: str = "", row: int | None = None) -> InputError:
    return InputError([InputIssue(name, row, None, reason, hint)])


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped, newlines normalised) or an error naming the file and row."""
    if b"\x00" in data:
        row = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _file_issue(name, "binary content (NUL byte)", "expected a UTF-8 text file", row)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise _file_issue(
            name,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8 (e.g. from a spreadsheet: 'CSV UTF-8')",
            row,
        ) from None
    if "\r" in text:  # only copy the text when there is something to normalise
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def iter_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, one at a time.

    For the csv module: ``io.StringIO`` would hold a second, 4-bytes-per-character copy of a
    large file.
    """
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def read_user_bytes(source: str | os.PathLike[str], stream: IO[bytes] | None = None) -> bytes:
    """The bytes of a regular file (or of ``stream`` for ``-``) within the size limit.

    The file is ``stat``-ed first: a directory, FIFO or device is refused without reading it.
    """
    limit = max_file_bytes()
    name = "<stdin>" if str(source) == STDIN else str(source)
    if str(source) == STDIN:
        handle = stream if stream is not None else sys.stdin.buffer
        data = handle.read(limit + 1)
    else:
        try:
            info = os.stat(source)
        except FileNotFoundError:
            raise _file_issue(name, "file not found") from None
        except OSError as exc:
            raise _file_issue(name, f"cannot read file: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise _file_issue(name, f"{_kind_of(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise _file_issue(
                name,
                f"file is {info.st_size:,} bytes, over the {limit:,}-byte limit",
                "split the file, or raise HEDGE_PLANNER_MAX_FILE_BYTES",
            )
        try:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise _file_issue(name, f"cannot read file: {exc.strerror}") from None
    if len(data) > limit:
        raise _file_issue(name, f"input is over the {limit:,}-byte limit")
    return data


def read_user_text(source: str | os.PathLike[str]) -> tuple[str, str]:
    """``(text, display name)`` of a user file (``-`` = standard input), size/type/encoding checked.

    Raises
    ------
    InputError
        Missing file, not a regular file, over the size limit, binary or not UTF-8.
    """
    name = "<stdin>" if str(source) == STDIN else str(source)
    return decode_text(read_user_bytes(source), name), name


# ------------------------------------------------------------------------------------------------
# YAML
# ------------------------------------------------------------------------------------------------


class _YamlRefused(yaml.MarkedYAMLError):
    """A document the safe loader refuses (duplicate key, too many aliases, too deep)."""


# YAML 1.1 reads 1_000 as 1000 and 1:30 as 90; these resolvers only accept plain decimals, so
# anything else stays a string and the schema reports it.
_INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$", re.ASCII)
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$",
    re.ASCII,
)


class SafeLimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, alias bombs and deep nesting.

    Numbers follow plain decimal syntax (no ``1_000``, no sexagesimal ``1:30``).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise _YamlRefused(
                    None, None, f"more than {MAX_YAML_ALIASES} aliases (*name)", mark
                )
        self._depth += 1
        try:
            if self._depth > MAX_NESTING_DEPTH:
                mark = self.peek_event().start_mark
                raise _YamlRefused(None, None, f"nested deeper than {MAX_NESTING_DEPTH}", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=False)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if first is not None:
                    raise _YamlRefused(
                        None,
                        None,
                        f"duplicate key {clip(key)} (first on line {first})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _construct_timestamp(loader: SafeLimitedLoader, node: Any) -> Any:
    # YAML reads 2024-13-01 as a timestamp and the base constructor raises a bare ValueError.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise _YamlRefused(
            None, None, f"invalid date {clip(node.value)}: {exc}", node.start_mark
        ) from None


SafeLimitedLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
SafeLimitedLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SafeLimitedLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_RE, list("-+0123456789"))
SafeLimitedLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))

#: Path of a value in a document: mapping keys and list indices.
DocPath = tuple[Any, ...]


def _expanded_size(root: Any, name: str) -> int:
    """Nodes after alias expansion (memoised, so a bomb is measured without expanding it)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _file_issue(name, "recursive YAML alias", "an alias may not contain itself")
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        sizes[key] = min(total, MAX_DOCUMENT_NODES + 1)
        return sizes[key]

    return size(root)


def _line_map(root: Any) -> dict[DocPath, int]:
    """1-based line of every key/item path (keys as plain scalars), aliases not re-entered."""
    lines: dict[DocPath, int] = {}
    seen: set[int] = set()
    stack: list[tuple[Any, DocPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child = (*path, key_node.value)
                    lines.setdefault(child, key_node.start_mark.line + 1)
                    stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*path, i), item.start_mark.line + 1)
                stack.append((item, (*path, i)))
    return lines


def _yaml_reason(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "could not determine a constructor" in str(exc):
        tag = getattr(getattr(exc, "problem", ""), "split", lambda _: [""])("'")
        return f"unsupported YAML tag {clip(tag[1] if len(tag) > 1 else '?', 40)}"
    return f"invalid YAML: {clip(problem, 80)[1:-1]}"


def load_yaml(text: str, name: str) -> tuple[Any, dict[DocPath, int]]:
    """Parse YAML safely; return the data and the 1-based line of each key/item path.

    Raises
    ------
    InputError
        Invalid YAML, an unsupported tag (``!!python/...``), duplicate keys, more than
        :data:`MAX_YAML_ALIASES` aliases, an expanded size over :data:`MAX_DOCUMENT_NODES`, or
        nesting deeper than :data:`MAX_NESTING_DEPTH`; located by line.
    """
    loader: SafeLimitedLoader | None = None
    try:
        # The reader checks the characters as it is built (a control character raises here).
        loader = SafeLimitedLoader(text)
        root = loader.get_single_node()
        if root is None:
            return None, {}
        if _expanded_size(root, name) > MAX_DOCUMENT_NODES:
            raise _file_issue(
                name, f"more than {MAX_DOCUMENT_NODES:,} values once aliases are expanded"
            )
        lines = _line_map(root)
        return loader.construct_document(root), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise _file_issue(name, _yaml_reason(exc), row=row) from None
    except RecursionError:
        raise _file_issue(name, f"nested deeper than {MAX_NESTING_DEPTH}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor's own error
        raise _file_issue(name, f"invalid YAML value: {clip(str(exc), 80)[1:-1]}") from None
    finally:
        if loader is not None:
            loader.dispose()


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {clip(key)}")
        out[key] = value
    return out


def _refuse_constant(token: str) -> float:
    raise ValueError(f"non-finite number {token}")


def _depth(data: Any) -> int:
    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, level + 1) for c in children)
    return deepest


def load_json(text: str, name: str) -> Any:
    """Parse JSON refusing duplicate keys, NaN/Infinity and nesting over the depth limit."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise _file_issue(name, f"invalid JSON: {exc.msg}", row=exc.lineno) from None
    except RecursionError:
        raise _file_issue(name, f"nested deeper than {MAX_NESTING_DEPTH}") from None
    except ValueError as exc:
        raise _file_issue(name, f"invalid JSON: {clip(str(exc), 60)[1:-1]}") from None
    if _depth(data) > MAX_NESTING_DEPTH:
        raise _file_issue(name, f"nested deeper than {MAX_NESTING_DEPTH}")
    return data


def load_mapping_file(path: str | Path) -> tuple[Any, str]:
    """Read a YAML or JSON file (by suffix) through the guards; ``(data, display name)``."""
    text, name = read_user_text(path)
    if str(path).lower().endswith(".json"):
        return load_json(text, name), name
    return load_yaml(text, name)[0], name


def _leaf_types(annotation: Any) -> set[Any]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _leaf_types(args[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_leaf_types(a) for a in args))
    return {annotation}


class BadNumber:
    """Stands in for text that is not a strict number; fails validation with its reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"BadNumber({self.reason!r})"


def _strict(value: Any, annotation: Any) -> Any:
    """Parse number-looking text strictly where ``annotation`` wants a float (not a str)."""
    leaves = _leaf_types(annotation)
    literal = any(
        typing.get_origin(leaf) is typing.Literal and value in typing.get_args(leaf)
        for leaf in leaves
    )
    if float in leaves and str not in leaves and isinstance(value, str) and not literal:
        try:
            return parse_number(value)
        except ValueError as exc:
            return BadNumber(str(exc))
    for leaf in leaves:
        origin, args = typing.get_origin(leaf), typing.get_args(leaf)
        if origin is dict and len(args) == 2 and isinstance(value, dict):
            return {k: _strict(v, args[1]) for k, v in value.items()}
        if origin is list and args and isinstance(value, list):
            return [_strict(v, args[0]) for v in value]
    return value


class StrictModel(BaseModel):
    """Base of input models: NaN/inf refused, number text read strictly (no ``1_000``)."""

    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _strict_numbers(cls, data: Any) -> Any:
        # A model-level hook: a field-level "*" validator would also touch discriminator fields,
        # which pydantic forbids. A bad number becomes a BadNumber, which fails the field's own
        # validation, so the error keeps the field's location and every field is checked.
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for fname, field in cls.model_fields.items():
            for key in {fname, field.alias} - {None}:
                if key in out:
                    out[key] = _strict(out[key], field.annotation)
        return out


def error_message(err: Mapping[str, Any]) -> str:
    """A pydantic error's message, cleaned for users (strict-number reasons, finite numbers)."""
    value = err.get("input")
    if isinstance(value, BadNumber):
        return value.reason
    if err.get("type") == "finite_number":
        return "value is not a finite number"
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")
