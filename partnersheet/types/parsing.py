"""Reading what a person typed, carefully: the shared helpers every field type parses with.

Spreadsheet clients drift types ("0042" becomes 42, ISO text becomes a date, a score is typed
instead of a label). These helpers accept the honest variants and refuse the ambiguous ones.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

EXCEL_EPOCH = date(1899, 12, 30)
_NUMBER_JUNK = re.compile(r"^\s*(?:US)?\$?\s*|\s*(?:USD|dollars?|hours?|hrs?|h|/\s*month|per month)\s*$", re.IGNORECASE)
_WORDED_DATES = ("%d %B %Y", "%B %d %Y", "%d %b %Y", "%b %d %Y")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
# Commas only as thousands separators: "1,200" is 1200, but "1,5" (a decimal comma) is refused.
_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# The dates a generated workbook's validation allows; a number typed into a date cell
# (12 shows as 1900-01-12) must not pass silently as a date.
DATE_MIN, DATE_MAX = date(1990, 1, 1), date(2100, 12, 31)


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


def one_line(text: Any) -> str:
    """Text as a person reads it: line breaks, tabs and runs of spaces each one space, none at the ends."""
    return " ".join(str(text or "").split())


@lru_cache(maxsize=4096)  # mostly the same few option labels, over and over
def collapse(text: str) -> str:
    """Text compared the way a person would: case and runs of spaces ignored."""
    return one_line(text).casefold()


def natural(text: str) -> tuple[Any, ...]:
    """A sort key that puts "Site 2" before "Site 10" (numbers by value, the rest as text)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text))


def number(raw: Any) -> float | None:
    """A number typed as a number or as text ("1,200", "$500", "6 hours"); None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        text = _NUMBER_JUNK.sub("", raw.strip()).replace(" ", "")
        if "," in text:
            if not _GROUPED.match(text):
                return None
            text = text.replace(",", "")
        try:
            value = float(text)
        except ValueError:
            return None
    else:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def fmt(value: float | None) -> str:
    """A bound as a person reads it: 1,500 or 2.5."""
    if value is None:
        return "any"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def parse_date(raw: Any) -> date | None:
    """A date from a date cell, a serial that lost its format, ISO text, or a month in words."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 20000 < raw < 80000:
        return EXCEL_EPOCH + timedelta(days=int(raw))  # a date serial that lost its format
    if isinstance(raw, str):
        match = _ISO_DATE.match(raw.strip())
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
        # Dates with the month in words cannot be misread; 03/01/2026 can (March or January), so it is refused.
        text = " ".join(raw.replace(",", " ").split())
        for pattern in _WORDED_DATES:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    return None
