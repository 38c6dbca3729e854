"""The tool's own fixed texts in every language it speaks, keyed by their English wording.

Template specs translate their own texts (``[translations.es]`` in the spec, see
``docs/translations.md``); this catalogue holds what the tool itself writes around them: type
hints and titles, validation messages, the Instructions sheet's fixed lines, print footers, and
the problems' messages and fixes. Keyed by the English text (as gettext does), so a reworded
English text has no translation until someone writes one, and a test says so.
It imports nothing from the rest of the package: every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import es

BASE = "en"
# Language code -> (the language's own name, its texts, its problem messages and fixes).
_LANGUAGES: dict[str, tuple[str, dict[str, str], dict[str, tuple[str, str]]]] = {
    BASE: ("English", {}, {}),
    "es": (es.NAME, es.TEXTS, es.PROBLEMS),
}


class MissingText(KeyError):
    """A tool text with no translation in a language the tool claims to speak (a bug, caught by tests)."""


def supported() -> tuple[str, ...]:
    """Languages the tool's own texts exist in: a spec may declare only these."""
    return tuple(_LANGUAGES)


def language_name(lang: str) -> str:
    return _LANGUAGES[lang][0]


def tr(lang: str, text: str) -> str:
    """``text`` (an English tool text) in ``lang``; English comes back as it is."""
    if lang == BASE:
        return text
    try:
        return _LANGUAGES[lang][1][text]
    except KeyError:
        raise MissingText(f"no {lang} text for {text!r} in partnersheet/i18n/{lang}.py") from None


@dataclass(frozen=True)
class Phrase:
    """A tool text with the values it holds, said in whichever language is asked: a problem's detail
    is written once and reads in English for the coordinator and in the respondent's language."""

    text: str
    values: tuple[tuple[str, Any], ...] = ()

    def said(self, lang: str) -> str:
        values = {key: v.said(lang) if isinstance(v, Phrase) else v for key, v in self.values}
        return tr(lang, self.text).format(**values)

    def __str__(self) -> str:
        return self.said(BASE)


def phrase(text: str, **values: Any) -> Phrase:
    """``Phrase(text, values)``: ``text`` is an English tool text with ``{name}`` placeholders."""
    return Phrase(text, tuple(values.items()))


def said(text: str | Phrase, lang: str) -> str:
    """A detail as it reads in ``lang``: a Phrase in that language, any other text as it is."""
    return text.said(lang) if isinstance(text, Phrase) else text


def problem_text(lang: str, code: str, message: str, hint: str) -> tuple[str, str]:
    """A problem's message and fix templates in ``lang`` (``message``/``hint`` are the English ones)."""
    if lang == BASE:
        return message, hint
    try:
        return _LANGUAGES[lang][2][code]
    except KeyError:
        raise MissingText(f"no {lang} message for problem {code!r} in partnersheet/i18n/{lang}.py") from None


def catalogue(lang: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Every text and problem text of a language (for tests that check nothing is missing)."""
    return _LANGUAGES[lang][1], _LANGUAGES[lang][2]
