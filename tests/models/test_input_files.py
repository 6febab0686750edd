"""Guarded file reading, strict numbers and the safe YAML/JSON loaders (Reliability findings)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hedge_planner.models.errors import InputError
from hedge_planner.models.input_files import (
    MAX_NESTING_DEPTH,
    MAX_YAML_ALIASES,
    clip,
    did_you_mean,
    load_json,
    load_yaml,
    parse_number,
    read_user_text,
)


def only_issue(exc: pytest.ExceptionInfo[InputError]):
    assert len(exc.value.issues) == 1, exc.value.issues
    return exc.value.issues[0]


# ---- strict numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1.0), ("-0.5", -0.5), ("+.25", 0.25), ("1e-4", 1e-4), (" 2.5E3 ", 2500.0), (3, 3.0)],
)
def test_plain_decimals_are_numbers(text: object, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    ["1_000", "١٢٣", "۱۲", "nan", "NaN", "inf", "-Infinity", "0x10", "1,5", "", "1e", True],
)
def test_loose_or_non_finite_numbers_are_refused(text: object) -> None:
    # float() accepts '1_000', Arabic-Indic digits, 'nan' and 'inf'; a cell typed so is a typo.
    with pytest.raises(ValueError):
        parse_number(text)


def test_non_finite_floats_are_refused() -> None:
    for value in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match="finite"):
            parse_number(value)


def test_clip_never_echoes_long_values() -> None:
    assert clip("x" * 200_000) == repr("x" * 20 + "...")
    assert clip("short") == "'short'"


def test_did_you_mean() -> None:
    assert did_you_mean("frequncy", ["frequency", "face"]) == "did you mean 'frequency'?"
    assert did_you_mean("zzz", ["frequency", "face"]) == ""


# ---- files -----------------------------------------------------------------------------------


def test_directory_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_user_text(tmp_path)
    issue = only_issue(info)
    assert issue.source == str(tmp_path) and "directory" in issue.reason


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    # Opening a FIFO with no writer would block forever: the stat check must come first.
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        read_user_text(fifo)
    assert "FIFO" in only_issue(info).reason


def test_device_is_refused() -> None:
    with pytest.raises(InputError) as info:
        read_user_text("/dev/zero")
    assert "device" in only_issue(info).reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_user_text(tmp_path / "nope.csv")
    assert only_issue(info).reason == "file not found"


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEDGE_PLANNER_MAX_FILE_BYTES", "100")
    big = tmp_path / "big.csv"
    big.write_text("x" * 101)
    with pytest.raises(InputError) as info:
        read_user_text(big)
    assert "over the 100-byte limit" in only_issue(info).reason
    big.write_text("x" * 100)
    assert read_user_text(big)[0] == "x" * 100


def test_latin1_file_names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "cov.csv"
    path.write_bytes(b",2y\n2y,1\n# caf\xe9\n")
    with pytest.raises(InputError) as info:
        read_user_text(path)
    issue = only_issue(info)
    assert (issue.source, issue.row) == (str(path), 3)
    assert "not UTF-8" in issue.reason and "0xe9" in issue.reason


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"id,face\n\x00\x01\x02")
    with pytest.raises(InputError) as info:
        read_user_text(path)
    assert (only_issue(info).row, "binary" in only_issue(info).reason) == (2, True)


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\r\n1,2\r\n")
    assert read_user_text(path)[0] == "a,b\n1,2\n"


# ---- YAML --------------------------------------------------------------------------------------


def yaml_issue(text: str):
    with pytest.raises(InputError) as info:
        load_yaml(text, "case.yaml")
    return only_issue(info)


def test_duplicate_yaml_keys_are_refused_with_both_lines() -> None:
    issue = yaml_issue("curves:\n  par_yields:\n    2y: 0.04\n    5y: 0.041\n    2y: 0.05\n")
    assert issue.row == 5
    assert "duplicate key '2y' (first on line 3)" in issue.reason
    assert yaml_issue("analysis_date: 2024-01-02\nanalysis_date: 2024-01-03\n").row == 2


def test_python_tags_are_refused() -> None:
    issue = yaml_issue("a: !!python/object/apply:os.system [echo hi]\n")
    assert issue.row == 1 and "unsupported YAML tag" in issue.reason


def test_invalid_yaml_is_located() -> None:
    issue = yaml_issue("a: 1\nb: [1, 2\n")
    assert issue.row is not None and issue.reason.startswith("invalid YAML")


def test_control_character_in_yaml_text_is_a_user_error() -> None:
    # Text that never went through a file reader (a service request body) reaches the YAML
    # reader itself, which refuses the character as it is built.
    with pytest.raises(InputError) as err:
        load_yaml("a: \x1f\n", "case.yaml")
    assert err.value.issues[0].source == "case.yaml"
    assert "unacceptable character" in err.value.issues[0].reason


def test_alias_bomb_is_refused() -> None:
    # "Billion laughs": 9 levels of 9 aliases expand to 9^9 strings from a few hundred bytes.
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 9):
        lines.append(f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 9) + "]")
    issue = yaml_issue("\n".join(lines) + "\n")
    assert "aliases" in issue.reason or "expanded" in issue.reason


def test_alias_count_limit() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    assert f"more than {MAX_YAML_ALIASES} aliases" in yaml_issue(text).reason
    ok = "a: &a 1\nb: [" + ", ".join(["*a"] * 3) + "]\n"
    assert load_yaml(ok, "x")[0] == {"a": 1, "b": [1, 1, 1]}


def test_recursive_alias_is_refused() -> None:
    assert "recursive" in yaml_issue("a: &a [*a]\n").reason


def test_deep_nesting_is_refused() -> None:
    depth = MAX_NESTING_DEPTH + 5
    assert "nested deeper" in yaml_issue("a: " + "[" * depth + "]" * depth + "\n").reason
    ok = "a: " + "[" * 10 + "]" * 10 + "\n"
    assert load_yaml(ok, "x")[0] is not None


def test_yaml_numbers_are_strict() -> None:
    data, lines = load_yaml("a: 1_000\nb: 1:30\nc: 1e-4\nd: -2\ne: .5\n", "x")
    # YAML 1.1 reads 1_000 as 1000 and 1:30 as 90 (sexagesimal); both stay text here.
    assert data == {"a": "1_000", "b": "1:30", "c": 1e-4, "d": -2, "e": 0.5}
    assert lines[("c",)] == 3


def test_yaml_line_map_follows_nesting() -> None:
    _, lines = load_yaml("x:\n  - id: A\n    face: 1\n  - id: B\n", "x")
    assert lines[("x", 0, "face")] == 3
    assert lines[("x", 1)] == 4


# ---- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"q": NaN}', "non-finite"),
        ('{"q": -Infinity}', "non-finite"),
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),
        ("[" * (MAX_NESTING_DEPTH + 1) + "]" * (MAX_NESTING_DEPTH + 1), "nested deeper"),
        ('{"a": ', "invalid JSON"),
    ],
)
def test_json_guards(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        load_json(text, "plan.json")
    assert fragment in only_issue(info).reason


def test_impossible_yaml_date_is_located() -> None:
    # YAML's timestamp constructor raises a bare ValueError for month 13.
    issue = yaml_issue("a: 1\nmaturity: 2024-13-01\n")
    assert issue.row == 2 and "invalid date '2024-13-01'" in issue.reason
