"""What each field type makes of what people type: plain function calls, a table per type.

These run in milliseconds and pin the parser's rules one by one; the end-to-end tests open real
workbooks. Expected values are written out here by hand, from the rules in the README.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from partnersheet.spec import Band, Field, Level, Scale, Template
from partnersheet.types import parse

SCALE = Scale(
    "grade",
    "Grade",
    (Level("Highly effective", 4), Level("Effective", 3), Level("Somewhat effective", 2), Level("Ineffective", 1)),
    "Not observed",
    (Band("Good", 2.5), Band("Poor", 0)),
)
CHOICES = {"side": ("Library", "Partner")}


def _template(*fields: Field) -> Template:
    return Template(
        id="t",
        title="T",
        version="1",
        description="",
        return_to="",
        intro="",
        instructions=(),
        choices=CHOICES,
        scales={"grade": SCALE},
        sheets=(),
        spec_hash="",
        source="",
        fields_by_id={f.id: f for f in fields},
    )


def _field(ftype: str, **kw: Any) -> Field:
    return Field(id="f", label="F", type=ftype, help="", **kw)


def _parsed(ftype: str, raw: Any, **kw: Any) -> tuple[Any, Any]:
    f = _field(ftype, **kw)
    n = parse(_template(f), f, raw)
    return n.value, n.error


NUMBERS = [
    # (type, raw, field bounds, expected value, expected problem code)
    ("currency", 1500, {}, 1500.0, None),
    ("currency", "1,200", {}, 1200.0, None),
    ("currency", "$500", {}, 500.0, None),
    ("currency", "US$ 75.50", {}, 75.5, None),
    ("currency", "250 dollars", {}, 250.0, None),
    ("currency", "1,5", {}, None, "not-a-number"),  # a decimal comma is ambiguous
    ("currency", "12,34,567", {}, None, "not-a-number"),
    ("currency", -250, {}, None, "out-of-range"),  # no min: never negative, as the workbook says
    ("currency", -50, {"min": -100.0}, -50.0, None),
    ("currency", 1e13, {}, None, "out-of-range"),
    ("currency", "lots", {}, None, "not-a-number"),
    ("currency", True, {}, None, "not-a-number"),
    ("currency", "nan", {}, None, "not-a-number"),
    ("currency", "inf", {}, None, "not-a-number"),
    ("hours", "6 hours", {}, 6.0, None),
    ("hours", "4 per month", {}, 4.0, None),
    ("hours", "7.5 hrs", {}, 7.5, None),
    ("hours", 201, {"max": 200.0}, None, "out-of-range"),
    ("integer", 42, {}, 42.0, None),
    ("integer", "0042", {}, 42.0, None),
    ("integer", 2.5, {}, None, "not-whole-number"),
    ("integer", 0, {"min": 1.0}, None, "out-of-range"),
    ("integer", -1, {}, None, "out-of-range"),
]


@pytest.mark.parametrize(("ftype", "raw", "bounds", "value", "error"), NUMBERS)
def test_numbers(ftype: str, raw: Any, bounds: dict[str, float], value: Any, error: str | None) -> None:
    assert _parsed(ftype, raw, **bounds) == (value, error)


DATES = [
    (date(2026, 3, 15), date(2026, 3, 15), None),
    (datetime(2026, 3, 15, 9, 30), date(2026, 3, 15), None),
    ("2026-03-15", date(2026, 3, 15), None),
    ("2026-3-5", date(2026, 3, 5), None),
    ("15 March 2026", date(2026, 3, 15), None),
    ("March 15, 2026", date(2026, 3, 15), None),
    ("Mar 15 2026", date(2026, 3, 15), None),
    (46096, date(2026, 3, 15), None),  # a date serial that lost its format
    ("03/01/2026", None, "not-a-date"),  # March or January: refused, never guessed
    ("next Tuesday", None, "not-a-date"),
    ("2026-02-30", None, "not-a-date"),
    (12, None, "not-a-date"),  # 1900-01-12 in Excel: a number typed into a date cell
    (date(1989, 12, 31), None, "out-of-range"),
    (date(2101, 1, 1), None, "out-of-range"),
    ("1990-01-01", date(1990, 1, 1), None),
]


@pytest.mark.parametrize(("raw", "value", "error"), DATES)
def test_dates(raw: Any, value: Any, error: str | None) -> None:
    assert _parsed("date", raw) == (value, error)


OPTIONS = [
    ("rating", "Effective", "Effective", None),
    ("rating", "  highly   EFFECTIVE ", "Highly effective", None),
    ("rating", 3, "Effective", None),  # a level's score typed instead of its label
    ("rating", "3", "Effective", None),
    ("rating", 5, None, "not-a-rating"),
    ("rating", "Not observed", "Not observed", None),
    ("rating", "Very good", None, "not-a-rating"),
    ("choice", "partner", "Partner", None),
    ("choice", 1, None, "not-a-choice"),  # choices have no scores
    ("choice", "Both", None, "not-a-choice"),
]


@pytest.mark.parametrize(("ftype", "raw", "value", "error"), OPTIONS)
def test_options(ftype: str, raw: Any, value: Any, error: str | None) -> None:
    kw = {"scale": "grade"} if ftype == "rating" else {"choices": "side"}
    assert _parsed(ftype, raw, **kw) == (value, error)


def test_a_ratings_score_comes_with_it() -> None:
    f = _field("rating", scale="grade")
    assert parse(_template(f), f, "somewhat effective").score == 2
    assert parse(_template(f), f, "Not observed").score is None


TEXTS = [
    ("short_text", "  Ana  ", {}, "Ana", None),
    ("short_text", 123, {}, "123", None),  # a number typed in a text cell reads as the digits shown
    ("short_text", 0.5, {}, "0.5", None),
    ("short_text", True, {}, "TRUE", None),
    ("short_text", "x" * 11, {"max_length": 10}, "x" * 11, "too-long"),
    ("long_text", "line one\nline two", {}, "line one\nline two", None),
]


@pytest.mark.parametrize(("ftype", "raw", "kw", "value", "error"), TEXTS)
def test_texts(ftype: str, raw: Any, kw: dict[str, Any], value: Any, error: str | None) -> None:
    assert _parsed(ftype, raw, **kw) == (value, error)


@pytest.mark.parametrize(
    "ftype", ["short_text", "long_text", "choice", "rating", "integer", "currency", "hours", "date"]
)
@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_blank_is_empty_for_every_type(ftype: str, blank: Any) -> None:
    kw = {"scale": "grade"} if ftype == "rating" else {"choices": "side"} if ftype == "choice" else {}
    assert _parsed(ftype, blank, **kw) == (None, None)
