"""What a template is: fields, sections, sheets and scales, as frozen dataclasses.

``spec.py`` builds these from the TOML files and checks them; every other module only reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import UsageError
from ..i18n import BASE, tr
from ..types import FieldType, field_type
from ..types.parsing import collapse
from .names import ANSWER_NAME_PREFIX

IDENTITY_KEYS = ("library", "partner", "rater", "side", "round")
LAYOUTS = ("form", "rubric", "blocks", "table")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Sheet names the generator adds itself, or that Excel reserves; a form sheet may not take them.
RESERVED_SHEET_NAMES = ("instructions", "history")


class UnknownLanguage(UsageError):
    """A language the template spec does not declare."""


@dataclass(frozen=True)
class Level:
    label: str
    score: float


@dataclass(frozen=True)
class Band:
    label: str
    min: float


@dataclass(frozen=True)
class Scale:
    """An ordered rating scale, best level first, with an optional unscored option."""

    id: str
    title: str
    levels: tuple[Level, ...]
    not_observed: str | None
    bands: tuple[Band, ...]
    discuss_levels: int = 2
    # Trends: a change between rounds is called only when the band moves or the score moves by
    # ``change_levels`` levels or more, and at least ``change_raters`` raters rated both rounds.
    change_levels: float = 0.5
    change_raters: int = 2

    @property
    def options(self) -> tuple[str, ...]:
        extra = (self.not_observed,) if self.not_observed else ()
        return tuple(level.label for level in self.levels) + extra

    def score_of(self, label: str) -> float | None:
        for level in self.levels:
            if level.label == label:
                return level.score
        return None

    def band_for(self, score: float) -> str:
        for band in self.bands:
            if score >= band.min:
                return band.label
        return self.bands[-1].label


@dataclass(frozen=True)
class Confidentiality:
    """What the comparison may show about raters, as the spec promises them (``[confidentiality]``).

    Confidential (the default): a side's own figures appear only when at least ``min_raters`` of
    its raters took part, and no name or workbook is shown with a rating or a note. Attributed:
    names, sides and every figure are shown. Raters are told which applies on the Instructions sheet.
    """

    min_raters: int = 3
    attributed: bool = False


@dataclass(frozen=True)
class Field:
    """One answer cell. ``context`` says where it sits in words (indicator, organization, column)."""

    id: str
    label: str
    type: str
    help: str
    required: bool = False
    choices: str | None = None
    scale: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    identity: str | None = None
    group: str | None = None
    column: str | None = None
    context: str = ""
    sheet: str = ""
    # Ids this field had in earlier versions of its template: their answers are this field's.
    replaces: tuple[str, ...] = ()
    # In a table: the row (1-based) this cell belongs to; ``required`` then means "in a filled row".
    row: int | None = None
    # Pre-filled from this field of another template's return (``prefill_from``); may hold {n}.
    prefill: str | None = None
    lines: float | None = None
    # How the comparison summarises the answers (``summary = "by_side"``: a choice counted by side).
    summary: str | None = None
    # The choices that end what a table row tracks (an action Done or Dropped is never overdue).
    ends: tuple[str, ...] = ()

    @property
    def form_lines(self) -> float:
        """The answer row's height in lines: the spec's ``lines``, else its type's."""
        return self.lines or self.kind.form_lines

    # The language its texts are in (the template view it belongs to).
    lang: str = BASE
    # A rubric criterion's opposite, shown beside it ("IS NOT sustainable when ..." for "IS ...").
    contrast: str = ""

    @property
    def full_label(self) -> str:
        return f"{self.context}: {self.label}" if self.context else self.label

    @property
    def name(self) -> str:
        """The workbook-level defined name of this field's cell."""
        return f"{ANSWER_NAME_PREFIX}{self.id}"

    @property
    def kind(self) -> FieldType:
        """The registered type object that owns what this field's type means."""
        return field_type(self.type)

    @property
    def input_title(self) -> str:
        return tr(self.lang, self.kind.title)

    @property
    def input_message(self) -> str:
        return self.kind.input_message(self)


@dataclass(frozen=True)
class Group:
    """A set of fields shown together: an indicator of a rubric, or one organization block."""

    id: str
    label: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Column:
    id: str
    short: str
    heading: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    layout: str
    fields: tuple[Field, ...]
    groups: tuple[Group, ...] = ()
    columns: tuple[Column, ...] = ()
    scale: str | None = None
    headings: tuple[str, ...] = ()
    required_blocks: int = 0
    # A table: ``groups`` are its rows (records), ``columns`` its column headings.
    rows: int = 0
    number_heading: str = ""


@dataclass(frozen=True)
class Sheet:
    id: str
    name: str
    title: str
    sections: tuple[Section, ...]
    # Printed portrait on at most this many pages, one page wide (0: landscape, no limit).
    pages: int = 0

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for section in self.sections for f in section.fields)


@dataclass(frozen=True)
class InstructionSection:
    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    version: str
    description: str
    return_to: str
    intro: str
    instructions: tuple[InstructionSection, ...]
    choices: dict[str, tuple[str, ...]]
    scales: dict[str, Scale]
    sheets: tuple[Sheet, ...]
    spec_hash: str
    source: str
    fields_by_id: dict[str, Field] = field(repr=False, compare=False)
    # The template whose returns pre-fill this one (its fields say which answer: ``Field.prefill``).
    prefill_from: str | None = None
    # The language of this view's texts, every language the spec declares (English first), a hash
    # of this language's translations (stamped, so reworded translations are noticed), and every
    # view of the same spec by language (shared by all of them).
    lang: str = BASE
    languages: tuple[str, ...] = (BASE,)
    translation_hash: str = ""
    views: dict[str, Template] = field(default_factory=dict, repr=False, compare=False)
    confidentiality: Confidentiality = Confidentiality()

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(self.fields_by_id.values())

    @property
    def base(self) -> Template:
        """The English view: the language-neutral meaning every answer is stored in."""
        return self.views.get(BASE, self)

    @property
    def view_key(self) -> str:
        """What caches of drawn layouts key on: the spec's content and the language of its texts."""
        return self.spec_hash if self.lang == BASE else f"{self.spec_hash}:{self.lang}"

    def in_language(self, lang: str | None) -> Template:
        """The same template with every text a person reads in ``lang`` (built and checked at load)."""
        wanted = (lang or BASE).strip().lower() or BASE
        if wanted in self.views:
            return self.views[wanted]
        if wanted == BASE:
            return self
        raise UnknownLanguage(
            f"template {self.id!r} has no language {wanted!r}; it has: {', '.join(self.languages)}",
            "use one of those, or add translations to the template spec (docs/translations.md)",
        )

    def field(self, field_id: str) -> Field:
        return self.fields_by_id[field_id]

    def options(self, f: Field) -> tuple[str, ...]:
        """The labels a list-type field accepts, in display order (none for other types)."""
        return f.kind.options(self, f)

    def identity_field(self, key: str) -> Field | None:
        return self._identity_fields.get(key)

    @cached_property
    def _identity_fields(self) -> dict[str, Field]:
        """The first field marked as each identity key (asked for every tidy row: worked out once)."""
        found: dict[str, Field] = {}
        for f in self.fields:
            if f.identity:
                found.setdefault(f.identity, f)
        return found

    def identity_option(self, key: str, value: str) -> int | None:
        """Which option of a listed identity (a side) ``value`` is, in any language of the spec;
        None when the identity is not a list or ``value`` is none of its options."""
        f = self.identity_field(key)
        if f is None or not self.options(f):
            return None
        wanted = collapse(value)
        for view in (self, self.base, *self.views.values()):
            for i, option in enumerate(view.options(view.field(f.id))):
                if collapse(option) == wanted:
                    return i
        return None

    def identity_neutral(self, key: str, value: str) -> str:
        """An identity as programs read it: a listed one (a side) by its English label, whichever
        language a workbook shows or stamps it in; anything else as it is."""
        i = self.identity_option(key, value)
        f = self.base.identity_field(key)
        return value if i is None or f is None else self.base.options(f)[i]

    def identity_shown(self, key: str, value: str) -> str:
        """An identity as this view shows it: a listed one (a side) in this view's language."""
        i = self.identity_option(key, value)
        f = self.identity_field(key)
        return value if i is None or f is None else self.options(f)[i]

    def sections(self) -> Iterator[tuple[Sheet, Section]]:
        for sheet in self.sheets:
            for section in sheet.sections:
                yield sheet, section

    def tables(self) -> Iterator[Section]:
        """The repeated-row table sections, whose rows are records read and checked together."""
        return (section for _, section in self.sections() if section.layout == "table")
