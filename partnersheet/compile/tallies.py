"""Choices counted by side: how many raters of each side chose each option of a summarised field.

A field the spec marks ``summary = "by_side"`` (a choice, such as where a partnership stands on a
spectrum) is counted per partnership and round, over the same returns as the scores, for each side
and for all raters; the option chosen most is named, and a tie is said as one. Answers are counted
by their English label, so returns in every language count together. Nothing here names a field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..intake.read import Submission
from ..spec import Field, Template

NO_ANSWERS = "no answers"


@dataclass(frozen=True)
class Tally:
    """How many raters chose each option, over one side or over every rater."""

    counts: tuple[tuple[str, int], ...]
    """Every option of the field's list, in the list's order, with how many raters chose it."""
    raters: int
    """Raters who gave a valid answer (what "3 of 4" counts against)."""
    withheld: str = ""
    """Why the counts are not shown (too few raters on a side, see ``confidential``); "" when they are."""

    @property
    def most(self) -> tuple[str, ...]:
        """The options chosen most: one, several on a tie, none when nobody answered or it is withheld."""
        top = max((n for _, n in self.counts), default=0)
        return tuple(option for option, n in self.counts if n == top) if top else ()

    @property
    def chosen(self) -> tuple[tuple[str, int], ...]:
        """The options someone chose, most chosen first (the list's order between equals)."""
        picked = [(option, n) for option, n in self.counts if n]
        return tuple(sorted(picked, key=lambda item: -item[1]))

    def most_words(self) -> str:
        """'Consult (2 of 3)', 'Tie: Consult, Inform (1 each of 2)', the reason it is withheld, or no answers."""
        if self.withheld:
            return self.withheld
        most = self.most
        if not most:
            return NO_ANSWERS
        n = dict(self.counts)[most[0]]
        if len(most) == 1:
            return f"{most[0]} ({n} of {self.raters})"
        return f"Tie: {'; '.join(most)} ({n} each of {self.raters})"

    def all_words(self) -> str:
        """Every option chosen with its count, one per line, most chosen first."""
        if self.withheld:
            return self.withheld
        return "\n".join(f"{option} ({n} of {self.raters})" for option, n in self.chosen) or NO_ANSWERS

    def hidden(self, why: str) -> Tally:
        """The same tally with its counts withheld (how many raters answered stays shown)."""
        return replace(self, counts=tuple((option, 0) for option, _ in self.counts), withheld=why)


@dataclass(frozen=True)
class ChoiceSummary:
    """One summarised field of one partnership and round: each side's tally and everyone's."""

    field: Field
    overall: Tally
    by_side: dict[str, Tally]

    def words(self) -> str:
        """'Where is it today? Library: Consult (2 of 3); Partner: Inform (1 of 2); all raters: ...'."""
        parts = [f"{side}: {t.most_words()}" for side, t in self.by_side.items()]
        parts.append(f"all raters: {self.overall.most_words()}")
        label = self.field.label
        return f"{label}{'' if label.endswith(('?', ':', '.')) else ':'} {'; '.join(parts)}."


def tallied_fields(template: Template) -> tuple[Field, ...]:
    """The fields the spec asks to count by side (``summary``), in the form's order."""
    return tuple(f for f in template.fields if f.summary)


def tally_choices(
    template: Template, fields: tuple[Field, ...], sides: tuple[str, ...], raters: Iterable[tuple[str, Submission]]
) -> tuple[ChoiceSummary, ...]:
    """Each field's tally over ``raters`` (each a side and the one return counted for that rater)."""
    answers: list[tuple[str, dict[str, str]]] = []
    for side, sub in raters:
        picked = {}
        for f in fields:
            v = sub.values.get(f.id)
            if v is not None and v.error is None and isinstance(v.value, str) and v.value:
                picked[f.id] = v.value
        answers.append((side, picked))
    found = []
    for f in fields:
        options = list(template.options(f))
        chosen = [(side, picked[f.id]) for side, picked in answers if f.id in picked]
        options += sorted({value for _, value in chosen} - set(options))  # from another version's list

        def tally(values: list[str], options: list[str] = options) -> Tally:
            return Tally(tuple((option, values.count(option)) for option in options), len(values))

        by_side = {side: tally([value for s, value in chosen if s == side]) for side in sides}
        found.append(ChoiceSummary(f, tally([value for _, value in chosen]), by_side))
    return tuple(found)
