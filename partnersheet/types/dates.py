"""Dates: typed as dates, ISO text or with the month in words; never an ambiguous 03/01/2026."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..i18n import phrase, tr
from ..intake.problems import ProblemCode
from .base import FieldType, Normalised
from .parsing import DATE_MAX, DATE_MIN, parse_date

if TYPE_CHECKING:
    from ..spec.model import Field, Template


class DateType(FieldType):
    name = "date"
    title = "Date"
    hint = "Type a date as YYYY-MM-DD."
    number_format = "yyyy-mm-dd"
    table_width = 12.0
    dated = True

    def validation(self, template: Template, f: Field) -> dict[str, Any]:
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": datetime.combine(DATE_MIN, datetime.min.time()),
            "maximum": datetime.combine(DATE_MAX, datetime.min.time()),
            "error_message": tr(f.lang, "Please type a date such as 2026-03-15."),
        }

    def parse(self, template: Template, f: Field, raw: Any) -> Normalised:
        value = parse_date(raw)
        if value is None:
            return Normalised(None, error=ProblemCode.NOT_A_DATE)
        if not DATE_MIN <= value <= DATE_MAX:
            return Normalised(
                None,
                error=ProblemCode.OUT_OF_RANGE,
                detail=phrase("{low} to {high}", low=DATE_MIN.isoformat(), high=DATE_MAX.isoformat()),
                context={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            )
        return Normalised(value)

    def sample(self, template: Template, f: Field) -> Any:
        return date(2026, 3, 15)

    def outside(self, template: Template, f: Field) -> list[Any]:
        return [date(DATE_MIN.year - 1, 12, 31), date(DATE_MAX.year + 1, 1, 1)]
