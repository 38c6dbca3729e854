"""How answers are used, in the words raters read on the Instructions sheet: one catalogue.

Every sentence is built here from the spec's ``[confidentiality]`` (and whether the template has
sides and ratings), so what raters are promised is what ``compile`` does. Each sentence is one
English text with ``{placeholders}``, translated through the tool's catalogue (``partnersheet/i18n``)
into the workbook's language.
"""

from __future__ import annotations

from ..i18n import tr
from .model import Template

HEADING = "How your answers are used"
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

SIDE_PROMISE = (
    "Your ratings are shown only together with at least {others} others from your side, "
    "and your name is never shown with your notes."
)
SIDE_FOLDED = (
    "If fewer than {n} people from your side take part, your side's scores are not shown on their own: "
    "your ratings count only in the partnership's overall scores."
)
NO_SIDE_PROMISE = "Your name is never shown with your answers in the comparison."
NOTES_AS_WRITTEN = (
    "Your notes are shown as you wrote them, without your name: leave out anything that would identify you."
)
COORDINATOR_KNOWS = "The coordinator who sent you this workbook sees who has returned it, to send reminders."
ATTRIBUTED = (
    "This assessment is attributed, not anonymous: the comparison shows your name beside your ratings "
    "and your notes, and your side's scores however few people from your side take part."
)
ATTRIBUTED_NOTES = "Write your notes knowing that the people who read the comparison will see who wrote them."


def number_word(n: int, lang: str) -> str:
    return tr(lang, NUMBER_WORDS[n - 1]) if 1 <= n <= len(NUMBER_WORDS) else str(n)


def terms(template: Template) -> tuple[str, ...]:
    """The sentences that tell a rater how this template's answers are used, in its language."""
    conf, lang = template.confidentiality, template.lang
    if conf.attributed:
        return (tr(lang, ATTRIBUTED), tr(lang, ATTRIBUTED_NOTES))
    has_sides = template.identity_field("side") is not None and any(f.kind.scored for f in template.fields)
    lines: list[str] = []
    if has_sides and conf.min_raters > 1:
        lines.append(tr(lang, SIDE_PROMISE).format(others=number_word(conf.min_raters - 1, lang)))
        lines.append(tr(lang, SIDE_FOLDED).format(n=number_word(conf.min_raters, lang)))
    else:
        lines.append(tr(lang, NO_SIDE_PROMISE))
    lines += [tr(lang, NOTES_AS_WRITTEN), tr(lang, COORDINATOR_KNOWS)]
    return tuple(lines)
