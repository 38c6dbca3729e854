"""How answers are used, in the words raters read on the Instructions sheet: one catalogue.

Every sentence is built here from the spec's ``[confidentiality]`` (and whether the template has
sides and ratings), so what raters are promised is what ``compile`` does. Each sentence is one
English text with ``{placeholders}``, so a translation catalogue can key on it.
"""

from __future__ import annotations

from .model import Template

HEADING = "How your answers are used"
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

SIDE_PROMISE = (
    "Your ratings are shown only together with at least {others} others from your side, "
    "and your name is never shown with your notes."
)
SIDE_FOLDED = (
    "If fewer than {n} people from your side take part, your side's scores are not shown on their own: "
    "your ratings count only in the partnership's overall scores."
)
NO_SIDE_PROMISE = "Your name is never shown with your ratings or your notes in the comparison."
NOTES_AS_WRITTEN = (
    "Your notes are shown as you wrote them, without your name: leave out anything that would identify you."
)
COORDINATOR_KNOWS = (
    "The coordinator who sent you this workbook sees who has returned it, to send reminders, "
    "but shares results only in this form."
)
ATTRIBUTED = (
    "This assessment is attributed, not anonymous: the comparison shows your name beside your ratings "
    "and your notes, and your side's scores however few people from your side take part."
)
ATTRIBUTED_NOTES = "Write your notes knowing that the people who read the comparison will see who wrote them."


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def terms(template: Template) -> tuple[str, ...]:
    """The sentences that tell a rater how this template's answers are used."""
    conf = template.confidentiality
    if conf.attributed:
        return (ATTRIBUTED, ATTRIBUTED_NOTES)
    has_sides = template.identity_field("side") is not None and any(f.kind.scored for f in template.fields)
    lines: list[str] = []
    if has_sides and conf.min_raters > 1:
        lines.append(SIDE_PROMISE.format(others=number_word(conf.min_raters - 1)))
        lines.append(SIDE_FOLDED.format(n=number_word(conf.min_raters)))
    else:
        lines.append(NO_SIDE_PROMISE)
    lines += [NOTES_AS_WRITTEN, COORDINATOR_KNOWS]
    return tuple(lines)
