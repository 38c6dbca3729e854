"""Numbers: whole numbers, dollars and staff hours. One pair of bounds serves workbook and validator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import Phrase, phrase, tr
from ..intake.problems import ProblemCode
from .base import FieldType, Normalised
from .parsing import fmt, number

if TYPE_CHECKING:
    from ..spec.model import Field, Template


class NumberType(FieldType):
    extra_keys = frozenset({"min", "max"})
    summable = True
    table_width = 12.0

    def __init__(
        self, name: str, *, title: str, hint: str, number_format: str, ceiling: float, whole: bool = False
    ) -> None:
        self.name = name
        self.title = title
        self.hint = hint
        self.number_format = number_format
        self.ceiling = ceiling
        self.whole = whole

    def bounds(self, f: Field) -> tuple[float, float]:
        """Without ``min`` an amount cannot be negative; without ``max`` it is capped where Excel is."""
        low = f.min if f.min is not None else 0
        high = f.max if f.max is not None else self.ceiling
        return low, high

    def check(self, f: Field, template_lists: dict[str, Any], scales: dict[str, Any]) -> list[tuple[str, str]]:
        problems = super().check(f, template_lists, scales)
        low, high = self.bounds(f)
        if low > high:
            problems.append(("min", f"min ({fmt(low)}) is greater than max ({fmt(high)})"))
        if self.whole and any(b is not None and not float(b).is_integer() for b in (f.min, f.max)):
            problems.append(("min", "a whole-number field needs whole-number min and max"))
        return problems

    def validation(self, template: Template, f: Field) -> dict[str, Any]:
        low, high = self.bounds(f)
        if self.whole:
            return {
                "validate": "integer",
                "criteria": "between",
                "minimum": int(low),
                "maximum": int(high),
                "error_message": tr(f.lang, "Please type a whole number from {range}.").format(
                    range=self.range_text(f)
                ),
            }
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_message": tr(f.lang, "Please type a number from {range} ({message})").format(
                range=self.range_text(f), message=self.input_message(f)
            )[:255],
        }

    def range_text(self, f: Field) -> str:
        return self.range_phrase(f).said(f.lang)

    def range_phrase(self, f: Field) -> Phrase:
        """The accepted range in words, in any language (a problem says it in two)."""
        low, high = self.bounds(f)
        if f.max is not None:
            return phrase("{low} to {high}", low=fmt(low), high=fmt(high))
        return phrase("{low} or more", low=fmt(low))

    def parse(self, template: Template, f: Field, raw: Any) -> Normalised:
        value = number(raw)
        if value is None:
            return Normalised(None, error=ProblemCode.NOT_A_NUMBER)
        if self.whole and not value.is_integer():
            return Normalised(None, error=ProblemCode.NOT_WHOLE_NUMBER)
        low, high = self.bounds(f)
        if not low <= value <= high:
            return Normalised(
                None, error=ProblemCode.OUT_OF_RANGE, detail=self.range_phrase(f), context={"min": low, "max": high}
            )
        return Normalised(value)

    def sample(self, template: Template, f: Field) -> Any:
        low, high = self.bounds(f)
        return float(min(max(low, 12), high))

    def outside(self, template: Template, f: Field) -> list[Any]:
        low, high = self.bounds(f)
        step = 1 if self.whole else 0.5
        fraction = [low + 0.5] if self.whole else []
        return [low - step, high + step, *fraction]
