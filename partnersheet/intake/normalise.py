"""Turning what a person typed into the value a field means, carefully.

Spreadsheet clients drift types ("0042" becomes 42, ISO text becomes a date, a score is typed
instead of a label). Each field type accepts the honest variants and names what it cannot accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from ..spec import Field, Template
from .problems import ProblemCode

EXCEL_EPOCH = date(1899, 12, 30)
_NUMBER_JUNK = re.compile(r"^\s*(?:US)?\$?\s*|\s*(?:USD|dollars?|hours?|hrs?|h|/\s*month|per month)\s*$", re.IGNORECASE)
_WORDED_DATES = ("%d %B %Y", "%B %d %Y", "%d %b %Y", "%b %d %Y")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
# Commas only as thousands separators: "1,200" is 1200, but "1,5" (a decimal comma) is refused.
_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# The dates the generated workbook's validation allows; a number typed into a date cell
# (12 shows as 1900-01-12) must not pass silently as a date.
DATE_MIN, DATE_MAX = date(1990, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class Normalised:
    """What a raw cell value means for its field: a value, or the problem code and detail."""

    value: str | float | date | None
    score: float | None = None
    error: ProblemCode | None = None
    detail: str = ""


def as_text(raw: Any) -> str:
    """The value as the person saw it, for reports and the tidy table."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, timedelta):
        return str(raw)
    return str(raw)


@lru_cache(maxsize=4096)  # mostly the same few option labels, over and over
def collapse(text: str) -> str:
    return " ".join(text.split()).casefold()


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        text = _NUMBER_JUNK.sub("", raw.strip()).replace(" ", "")
        if "," in text:
            if not _GROUPED.match(text):
                return None
            text = text.replace(",", "")
        try:
            value = float(text)
        except ValueError:
            return None
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    return None


def normalise(template: Template, f: Field, raw: Any) -> Normalised:
    """Normalise one raw cell value for its field."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Normalised(None)
    if f.type in ("choice", "rating"):
        return _option(template, f, raw)
    if f.type in ("integer", "currency", "hours"):
        value = _number(raw)
        if value is None:
            return Normalised(None, error=ProblemCode.NOT_A_NUMBER)
        if f.type == "integer" and not value.is_integer():
            return Normalised(None, error=ProblemCode.NOT_WHOLE_NUMBER)
        low, high = f.min, f.max
        if (low is not None and value < low) or (high is not None and value > high):
            return Normalised(None, error=ProblemCode.OUT_OF_RANGE, detail=f"{_fmt(low)} to {_fmt(high)}")
        return Normalised(value)
    if f.type == "date":
        n = _date(raw)
        if isinstance(n.value, date) and not DATE_MIN <= n.value <= DATE_MAX:
            return Normalised(
                None, error=ProblemCode.OUT_OF_RANGE, detail=f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"
            )
        return n
    text = as_text(raw).strip()
    if f.max_length and len(text) > f.max_length:
        return Normalised(text, error=ProblemCode.TOO_LONG, detail=f"{len(text)} characters; at most {f.max_length}")
    return Normalised(text)


def _fmt(number: float | None) -> str:
    if number is None:
        return "any"
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,}"


def _option(template: Template, f: Field, raw: Any) -> Normalised:
    options = template.options(f)
    wanted = collapse(as_text(raw))
    for option in options:
        if collapse(option) == wanted:
            return Normalised(option, _score(template, f, option))
    if f.type == "rating" and f.scale:
        scale = template.scales[f.scale]
        number = _number(raw)
        for level in scale.levels:
            if number is not None and number == level.score:
                return Normalised(level.label, level.score)
    code = ProblemCode.NOT_A_RATING if f.type == "rating" else ProblemCode.NOT_A_CHOICE
    return Normalised(None, error=code, detail=", ".join(options))


def _score(template: Template, f: Field, label: str) -> float | None:
    return template.scales[f.scale].score_of(label) if f.type == "rating" and f.scale else None


def _date(raw: Any) -> Normalised:
    if isinstance(raw, datetime):
        return Normalised(raw.date())
    if isinstance(raw, date):
        return Normalised(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 20000 < raw < 80000:
        return Normalised(EXCEL_EPOCH + timedelta(days=int(raw)))  # a date serial that lost its format
    if isinstance(raw, str):
        match = _ISO_DATE.match(raw.strip())
        if match:
            try:
                return Normalised(date(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                pass
        # Dates with the month in words cannot be misread; 03/01/2026 can (March or January), so it is refused.
        text = " ".join(raw.replace(",", " ").split())
        for pattern in _WORDED_DATES:
            try:
                return Normalised(datetime.strptime(text, pattern).date())
            except ValueError:
                continue
    return Normalised(None, error=ProblemCode.NOT_A_DATE)
