"""Answers chosen from a list: a choice list, or a rating scale whose levels carry scores.

A workbook shows its options in its own language; an answer is accepted in that language or in
English and kept as the English label, so returns in every language compile as one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import BASE, tr
from ..intake.problems import ProblemCode
from .base import FieldType, Normalised
from .parsing import as_text, collapse, number

if TYPE_CHECKING:
    from ..spec.model import Field, Template

# ``summary = "by_side"``: the comparison counts, per partnership, round and side, how many raters
# chose each option, and names the one chosen most.
BY_SIDE = "by_side"
SUMMARIES = (BY_SIDE,)


class ChoiceType(FieldType):
    name = "choice"
    title = "Choose from the list"
    hint = "Choose from the list."
    extra_keys = frozenset({"choices", "summary", "ends"})
    table_width = 14.0
    refused = ProblemCode.NOT_A_CHOICE

    def check(self, f: Field, template_lists: dict[str, Any], scales: dict[str, Any]) -> list[tuple[str, str]]:
        problems = super().check(f, template_lists, scales)
        if not f.choices:
            problems.append(("choices", 'a choice field needs `choices = "<list name>"` naming a list under [choices]'))
        elif f.choices not in template_lists:
            known = ", ".join(template_lists) or "none yet"
            problems.append(("choices", f"no choice list named {f.choices!r} (lists: {known}); add it under [choices]"))
        # ``ends`` names choices as the spec writes them (English), as returns are stored: checked there.
        options = template_lists.get(f.choices or "", []) if f.lang == BASE else f.ends
        unknown = [e for e in f.ends if e not in options] if f.choices in template_lists else []
        if unknown or not all(isinstance(e, str) for e in f.ends):
            problems.append(("ends", f"ends names choices of the field's list, not {unknown or list(f.ends)}"))
        if f.summary is not None and f.summary not in SUMMARIES:
            problems.append(("summary", f"unknown summary {f.summary!r}; use {' or '.join(map(repr, SUMMARIES))}"))
        elif f.summary is not None and f.identity is not None:
            problems.append(
                ("summary", f"an identity field is not summarised: it says whose return it is ({f.identity})")
            )
        return problems

    def options(self, template: Template, f: Field) -> tuple[str, ...]:
        return template.choices[f.choices] if f.choices else ()

    def list_name(self, f: Field) -> str | None:
        return f"list_{f.choices}"

    def validation(self, template: Template, f: Field) -> dict[str, Any]:
        return {
            "validate": "list",
            "source": f"={self.list_name(f)}",
            "error_message": tr(f.lang, "Please choose one of the options in the list."),
        }

    def parse(self, template: Template, f: Field, raw: Any) -> Normalised:
        """The option typed, in the workbook's language or in English, as its English label.

        ``template`` is the view in the workbook's language; options match by position.
        """
        options = self.options(template, f)
        base = template.base
        english = self.options(base, base.field(f.id)) if base is not template else options
        wanted = collapse(as_text(raw))
        for option, neutral in zip(options, english, strict=True):
            if wanted in (collapse(option), collapse(neutral)):
                return Normalised(neutral, self.score(base, f, neutral))
        return self.by_number(base, f, raw) or Normalised(
            None, error=self.refused, detail=", ".join(options), context={"choices": list(options)}
        )

    def score(self, template: Template, f: Field, label: str) -> float | None:
        return None

    def by_number(self, template: Template, f: Field, raw: Any) -> Normalised | None:
        return None

    def sample(self, template: Template, f: Field) -> Any:
        return self.options(template, f)[0]

    def outside(self, template: Template, f: Field) -> list[Any]:
        return ["Something else entirely"]


class RatingType(ChoiceType):
    """A level of a scale: its label is shown, its score is what compile averages."""

    name = "rating"
    title = "Choose a rating"
    hint = "Choose a rating from the list."
    extra_keys = frozenset({"scale"})
    refused = ProblemCode.NOT_A_RATING
    scored = True

    def check(self, f: Field, template_lists: dict[str, Any], scales: dict[str, Any]) -> list[tuple[str, str]]:
        problems = FieldType.check(self, f, template_lists, scales)
        if f.scale is None or f.scale not in scales:
            known = ", ".join(scales) or "none yet"
            problems.append(("scale", f"no rating scale named {f.scale!r} (scales: {known}); add it under [scales]"))
        return problems

    def options(self, template: Template, f: Field) -> tuple[str, ...]:
        return template.scales[f.scale].options if f.scale else ()

    def list_name(self, f: Field) -> str | None:
        return f"scale_{f.scale}"

    def score(self, template: Template, f: Field, label: str) -> float | None:
        return template.scales[f.scale].score_of(label) if f.scale else None

    def by_number(self, template: Template, f: Field, raw: Any) -> Normalised | None:
        """A level's score typed instead of its label (3 for Effective) is that level."""
        value = number(raw)
        if value is None or not f.scale:
            return None
        for level in template.scales[f.scale].levels:
            if value == level.score:
                return Normalised(level.label, level.score)
        return None
