"""Located issues from pydantic errors on case files: the user's key path, line, did-you-mean.

pydantic locates an error by its own path, which includes the union member it tried
(``benchmark.BenchmarkProfile.duration``); the user knows the file's keys. These helpers map one
to the other, find the line of the key, and suggest the closest known key for a misspelt one.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from hedge_planner.models.errors import InputIssue
from hedge_planner.models.input_files import DocPath, clip, did_you_mean, error_message
from hedge_planner.scenarios.definitions import ScenarioError
from pydantic import BaseModel, ValidationError


def _model_types(annotation: Any) -> list[Any]:
    """Leaf types of an annotation (``Annotated``, unions and ``None`` unwrapped)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _model_types(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _model_types(a)]
    return [annotation]


def _allowed_keys(root: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """Keys a case file may use at ``loc`` (pydantic's location, union tags included)."""
    candidates: list[Any] = [root]
    for part in loc:
        step: list[Any] = []
        for t in candidates:
            if isinstance(t, type) and issubclass(t, BaseModel):
                if part == t.__name__:  # pydantic names the union member it tried
                    step.append(t)
                for fname, field in t.model_fields.items():
                    if part in (fname, field.alias):
                        step += _model_types(field.annotation)
            elif typing.get_origin(t) is list and isinstance(part, int):
                step += _model_types(typing.get_args(t)[0])
            elif typing.get_origin(t) is dict and isinstance(part, str):
                step += _model_types(typing.get_args(t)[1])
        candidates = step
    return [
        field.alias or fname
        for t in candidates
        if isinstance(t, type) and issubclass(t, BaseModel)
        for fname, field in t.model_fields.items()
    ]


def _has(current: Any, part: Any) -> bool:
    """Whether ``part`` is a key (mapping) or an index (list) of the user's data ``current``."""
    if isinstance(current, dict):
        return part in current
    return isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)


def _user_path(data: Any, loc: Sequence[Any]) -> list[Any]:
    """The user's own key path: pydantic's location without the union-member tags it adds."""
    out: list[Any] = []
    current = data
    for k, part in enumerate(loc):
        if _has(current, part):
            current = current[part]
        elif k < len(loc) - 1:
            continue  # a union tag or validator name, not a key of the file
        else:
            current = None
        out.append(part)
    return out


def _union_tags(data: Any, loc: Sequence[Any]) -> list[tuple[tuple[Any, ...], Any]]:
    """``(location before the tag, tag)`` for each union-member tag pydantic put in ``loc``."""
    tags = []
    current = data
    for k, part in enumerate(loc[:-1]):
        if _has(current, part):
            current = current[part]
        else:
            tags.append((tuple(loc[:k]), part))
    return tags


def _best_union_members(errors: list[Any], data: Any) -> list[Any]:
    """Keep, per union, only the errors of the member that fits best (fewest errors).

    A benchmark profile with one bad weight would otherwise also be reported as a holdings
    benchmark with unknown keys ``duration``, ``krd``...
    """
    if data is None:
        return errors
    counts: dict[tuple[Any, ...], dict[Any, int]] = {}
    for err in errors:
        for where, tag in _union_tags(data, err["loc"]):
            per_tag = counts.setdefault(where, {})
            per_tag[tag] = per_tag.get(tag, 0) + 1
    best = {where: min(tags, key=lambda t: tags[t]) for where, tags in counts.items()}
    return [
        err
        for err in errors
        if all(best[where] == tag for where, tag in _union_tags(data, err["loc"]))
    ]


def format_path(path: Sequence[Any]) -> str:
    """``hedge.universe.futures[0].price`` from ``("hedge", "universe", "futures", 0, "price")``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(lines: Mapping[DocPath, int], path: Sequence[Any]) -> int | None:
    """Line of ``path`` in the case file, or of its nearest ancestor that has one."""
    key = tuple(path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None


def _issue_message(err: Mapping[str, Any], allowed: Sequence[str], key: Any) -> tuple[str, str]:
    if err["type"] == "extra_forbidden":
        hint = did_you_mean(str(key), allowed) or (
            f"known keys: {', '.join(sorted(allowed))}" if allowed else ""
        )
        return f"unknown key {clip(key)}", hint
    if err["type"] == "missing":
        return "required key is missing", ""
    return error_message(err), ""


def pydantic_issues(
    exc: ValidationError,
    source: str,
    prefix: str = "",
    *,
    data: Any = None,
    lines: Mapping[DocPath, int] | None = None,
    model: type[BaseModel] | None = None,
) -> list[InputIssue]:
    """Turn a pydantic error into located issues.

    The column is the user's own dotted key path (union-member tags pydantic inserts are
    dropped when ``data`` is given); the row is the key's line when ``lines`` is given; an
    unknown key gets a did-you-mean hint when ``model`` is given.
    """
    out = []
    for err in _best_union_members(exc.errors(), data):
        loc = list(err["loc"])
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, ScenarioError) and inner.issues:
            base = _user_path(data, loc) if data is not None else loc
            for sub_path, reason, hint in inner.issues:
                path = [*base, *sub_path]
                row = line_of(lines or {}, path)
                out.append(InputIssue(source, row, prefix + format_path(path), reason, hint))
            continue
        path = _user_path(data, loc) if data is not None else loc
        allowed = _allowed_keys(model, loc[:-1]) if model is not None else []
        reason, hint = _issue_message(err, allowed, loc[-1] if loc else "")
        row = line_of(lines or {}, path)
        out.append(InputIssue(source, row, (prefix + format_path(path)) or None, reason, hint))
    return out
