"""Free text: short answers and long notes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import phrase, tr
from ..intake.problems import ProblemCode
from .base import FieldType, Normalised
from .parsing import as_text

if TYPE_CHECKING:
    from ..spec.model import Field, Template


class TextType(FieldType):
    number_format = "@"  # text stays as typed: "1/2" is not a date, "00123" keeps its zeros
    wraps = True
    extra_keys = frozenset({"max_length"})

    def __init__(self, name: str, *, title: str, form_lines: float, table_width: float, note: bool = False) -> None:
        self.name = name
        self.title = title
        self.form_lines = form_lines
        self.table_width = table_width
        self.note = note

    def check(self, f: Field, template_lists: dict[str, Any], scales: dict[str, Any]) -> list[tuple[str, str]]:
        problems = super().check(f, template_lists, scales)
        if f.max_length is not None and f.max_length < 1:
            problems.append(("max_length", "max_length must be 1 or more"))
        return problems

    def validation(self, template: Template, f: Field) -> dict[str, Any]:
        if not f.max_length:
            return {"validate": "any"}
        return {
            "validate": "length",
            "criteria": "<=",
            "value": f.max_length,
            "error_message": tr(f.lang, "Please keep this answer to {n} characters.").format(n=f.max_length),
        }

    def parse(self, template: Template, f: Field, raw: Any) -> Normalised:
        text = as_text(raw).strip()
        if f.max_length and len(text) > f.max_length:
            return Normalised(
                text,
                error=ProblemCode.TOO_LONG,
                detail=phrase("{n} characters; at most {max}", n=len(text), max=f.max_length),
                context={"length": len(text), "max_length": f.max_length},
            )
        return Normalised(text)

    def compile_value(self, value: Any, text: str) -> Any:
        return text.strip()

    def sample(self, template: Template, f: Field) -> Any:
        return ("Sample answer " * 20)[: min(f.max_length or 40, 40)].strip()

    def outside(self, template: Template, f: Field) -> list[Any]:
        return ["x" * (f.max_length + 1)] if f.max_length else []
