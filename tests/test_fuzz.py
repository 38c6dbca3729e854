"""Property tests: damaged workbooks never raise, never hang, and never hit the internal-error path.

Two kinds of damage: to the file as a whole (cut short, bytes flipped, as a bad download or disk
does), and to one part inside a still well-formed zip (so the XML parsers and python-calamine see
broken content rather than a broken archive).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from helpers import fill, make_workbook, valid_effectiveness_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnersheet.intake.problems import ProblemCode
from partnersheet.intake.read import Submission, Unreadable, read_submission
from partnersheet.intake.validate import check_submission

FUZZ = settings(
    max_examples=150,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WHO = {"partner": "Food Bank", "rater": "B. Chen", "round": "Spring 2026"}


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("fuzz-source")
    path = make_workbook(folder, "effectiveness", "valid.xlsx", **WHO)
    values = valid_effectiveness_values("effectiveness", **WHO) | {"overall_comments": "Fine =1+1 <b>&amp;</b>"}
    fill(path, values)
    data = path.read_bytes()
    result = read_submission(path)
    assert isinstance(result, Submission) and check_submission(result) == []
    return data


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check_never_fails(path: Path) -> None:
    start = time.perf_counter()
    result = read_submission(path)
    assert isinstance(result, Submission | Unreadable)
    if isinstance(result, Submission):
        problems = check_submission(result)
        assert all(p.code in {c.value for c in ProblemCode} and "\n" not in p.message for p in problems)
        for v in result.values.values():
            assert isinstance(v.text, str)
    else:
        assert result.problem.code in {c.value for c in ProblemCode}
        assert result.problem.code != "internal-error", result.problem.message
        assert result.problem.file == str(path)
        assert "\n" not in result.problem.message  # the text report gives each problem one line
    assert time.perf_counter() - start < 2.0


def _flip(data: bytearray, flips: list[tuple[int, int]]) -> None:
    for position, mask in flips:
        if data:
            data[position % len(data)] ^= mask


@FUZZ
@given(data=st.data())
def test_truncated_and_flipped_files_never_raise(valid_bytes: bytes, work: Path, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(valid_bytes)), label="length")
    damaged = bytearray(valid_bytes[:cut])
    flips = data.draw(
        st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=12),
        label="flips",
    )
    _flip(damaged, flips)
    path = work / "damaged.xlsx"
    path.write_bytes(bytes(damaged))
    check_never_fails(path)


@FUZZ
@given(data=st.data())
def test_damaged_parts_inside_a_sound_zip_never_raise(valid_bytes: bytes, work: Path, data: st.DataObject) -> None:
    with zipfile.ZipFile(io.BytesIO(valid_bytes)) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    name = data.draw(st.sampled_from(sorted(parts)), label="part")
    body = parts[name]
    cut = data.draw(st.integers(min_value=0, max_value=len(body)), label="length")
    damaged = bytearray(body[:cut] if data.draw(st.booleans(), label="truncate") else body)
    _flip(
        damaged,
        data.draw(
            st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=6),
            label="flips",
        ),
    )
    parts[name] = bytes(damaged)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part_name, part in parts.items():
            z.writestr(part_name, part)
    path = work / "damaged-part.xlsx"
    path.write_bytes(out.getvalue())
    check_never_fails(path)


@settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_typed_in_any_kind_of_field_is_read_or_reported(valid_bytes: bytes, work: Path, text: str) -> None:
    """Whatever a person types (control characters aside, which .xlsx cannot hold) is read or named."""
    text = "".join(c for c in text if c in "\t\n\r" or (c >= " " and not 0xD800 <= ord(c) <= 0xDFFF and c != "\ufffe"))
    source = work / "source.xlsx"
    source.write_bytes(valid_bytes)
    typed = {"rater_organization": text, "assessment_date": text, "mission__shared_mission": text}
    path = fill(source, typed, work / "typed.xlsx")
    result = read_submission(path)
    assert isinstance(result, Submission)
    problems = check_submission(result)
    for field_id in typed:
        v = result.values[field_id]
        reported = {p.code for p in problems if p.field_id == field_id}
        assert v.value is not None or reported or not text.strip() or v.formula is not None
        assert v.error is None or v.error in reported
