"""Template specs: TOML files in ``workbook_templates/`` loaded into frozen dataclasses.

A spec is the single source of truth for a workbook. Every step (generate, read, validate,
compile) asks the spec what a field is; no field is described anywhere else in code.
Loading checks the spec thoroughly so a mistake fails once, with the file and key named.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import workbook_templates

from ..errors import PartnersheetError
from ..i18n import BASE, supported, tr
from ..types import field_type, registered_types
from ..types.base import COMMON_KEYS, INPUT_TITLE_MAX
from .model import (
    ID_PATTERN,
    IDENTITY_KEYS,
    LAYOUTS,
    RESERVED_SHEET_NAMES,
    Band,
    Column,
    Confidentiality,
    Field,
    Group,
    InstructionSection,
    Level,
    Scale,
    Section,
    Sheet,
    Template,
    UnknownLanguage,
)

# The template model is re-exported: `from .spec import Field` reads as naturally as `.model`.
__all__ = [
    "IDENTITY_KEYS",
    "ID_PATTERN",
    "LAYOUTS",
    "RESERVED_SHEET_NAMES",
    "TEMPLATES_DIR",
    "Band",
    "Column",
    "Confidentiality",
    "Field",
    "Group",
    "InstructionSection",
    "Level",
    "Scale",
    "Section",
    "Sheet",
    "SpecError",
    "Template",
    "UnknownLanguage",
    "UnknownTemplate",
    "load_template_file",
    "parse_template",
    "spec_hash_of",
]

CRITERION_KEYS = ("id", "text", "help", "replaces", "contrast")
# Keys of a spec that are not its English content: they do not change its hash (see spec_hash_of).
TRANSLATION_KEYS = ("languages", "translations")
CONFIDENTIALITY_KEYS = ("min_raters", "attributed")
# A field's key that changes only the comparison, not the workbook: it does not change the hash either.
SUMMARY_KEY = "summary"
ENDS_KEY = "ends"
# Keys that change what the comparison makes of the answers, never the workbook: left out of the spec hash.
COMPILE_ONLY_KEYS = frozenset({SUMMARY_KEY, ENDS_KEY})
T = TypeVar("T")
R = TypeVar("R")

TEMPLATES_DIR = Path(workbook_templates.__file__).resolve().parent


class SpecError(PartnersheetError):
    """A template spec is broken; the message names the spec file and the key."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "", *, source: str = "", key: str = "", what: str = "") -> None:
        super().__init__(message, hint)
        self.source, self.key, self.what = source, key, what


class SpecErrors(SpecError):
    """Every mistake found in one spec (``templates check``), first one as the message."""

    def __init__(self, errors: list[SpecError]) -> None:
        first = errors[0]
        super().__init__(first.message, first.hint, source=first.source, key=first.key, what=first.what)
        self.errors = errors


class _Reader:
    """Walks raw TOML data, remembering the key path so errors name it."""

    def __init__(
        self, source: str, collect: bool = False, lang: str = BASE, catalog: dict[str, str] | None = None
    ) -> None:
        self.source = source
        # The language texts are read in, and its translations keyed by the English text. Every
        # visible text goes through ``text``/``tr``, so ``used`` ends up holding each English
        # text of the spec with the first key it stands at: what a translation must cover.
        self.lang = lang
        self.catalog = catalog or {}
        self.used: dict[str, str] = {}
        # Collecting (for `templates check`): a broken unit (a field, a list, a section) is noted
        # and skipped, so one run reports every mistake; otherwise the first one raises.
        self.collect = collect
        self.errors: list[SpecError] = []
        # Filled before the sheets are read, so each field type can check what it refers to.
        self.choices: dict[str, tuple[str, ...]] = {}
        self.scales: dict[str, Scale] = {}
        # Fields with ``summary``, by the key path they were read at: checked against the whole template.
        self.summarised: list[tuple[str, Field]] = []

    def fail(self, key: str, what: str) -> SpecError:
        if self.lang != BASE:
            what = f"in {self.lang}: {what}"
        return SpecError(f"{self.source}: {key}: {what}", source=self.source, key=key, what=what)

    def note(self, key: str, what: str) -> None:
        """A mistake that does not stop reading the rest: collected, or raised at once."""
        if not self.collect:
            raise self.fail(key, what)
        self.errors.append(self.fail(key, what))

    def each(self, items: Iterable[T], parse: Callable[[T], R]) -> list[R]:
        """Parse each item; when collecting, a broken item is noted and left out."""
        done = []
        for item in items:
            try:
                done.append(parse(item))
            except SpecError as exc:
                if not self.collect:
                    raise
                self.errors.append(exc)
        return done

    def get(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        kind: type | tuple[type, ...],
        default: Any = ...,
    ) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in data:
            if default is ...:
                raise self.fail(where, "missing")
            return default
        value = data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(where, f"expected a number, got {value!r}")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(where, f"expected {names}, got {type(value).__name__}")
        return value

    def text(self, data: dict[str, Any], key: str, path: str, default: Any = ...) -> Any:
        """A text a person reads, in the reader's language (the default, if used, as it is)."""
        if key not in data and default is not ...:
            return default
        return self.tr(self.get(data, key, path, str), f"{path}.{key}" if path else key)

    def tr(self, text: str, where: str) -> str:
        """One visible text in the reader's language; a missing translation was noted at load."""
        self.used.setdefault(text, where)
        return text if self.lang == BASE else self.catalog.get(text, text)

    def ident(self, data: dict[str, Any], key: str, path: str) -> str:
        value = self.get(data, key, path, str)
        if not ID_PATTERN.match(value):
            raise self.fail(f"{path}.{key}", f"{value!r} is not a valid id (lower case, digits, _)")
        return value


def spec_hash_of(raw: dict[str, Any]) -> str:
    """Hash the parsed content, so comments, spacing and key order don't change it.

    Translations are left out: adding Spanish to a template must not make the English workbooks
    already sent out look altered. Each language's translations have their own hash. So are the
    COMPILE_ONLY_KEYS (``summary``, ``ends``): they change the comparison, never the workbook.
    """
    content = {k: v for k, v in raw.items() if k not in TRANSLATION_KEYS}
    content = _without(content, COMPILE_ONLY_KEYS)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without(raw: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """The spec with ``keys`` left out of every field of a section (its fields, or a table's columns)."""

    def field(f: Any) -> Any:
        return {k: v for k, v in f.items() if k not in keys} if isinstance(f, dict) else f

    def section(sec: Any) -> Any:
        if not isinstance(sec, dict):
            return sec
        return sec | {k: [field(f) for f in sec[k]] for k in ("fields", "columns") if isinstance(sec.get(k), list)}

    def sheet(sh: Any) -> Any:
        if not isinstance(sh, dict) or not isinstance(sh.get("sections"), list):
            return sh
        return sh | {"sections": [section(sec) for sec in sh["sections"]]}

    if not isinstance(raw.get("sheets"), list):
        return raw
    return raw | {"sheets": [sheet(sh) for sh in raw["sheets"]]}


def _parse_field(
    r: _Reader,
    raw: dict[str, Any],
    path: str,
    *,
    id_prefix: str = "",
    context: str = "",
    group: str | None = None,
    column: str | None = None,
    sheet: str,
    n: int | None = None,
    required: bool | None = None,
    row: int | None = None,
    texts: tuple[str, str] | None = None,
) -> Field:
    """One field; ``texts`` is its (label, help) when the caller has read them already (rubrics)."""
    label, help_text = texts or (r.text(raw, "label", path), r.text(raw, "help", path))
    fmt = (lambda s: s.replace("{n}", str(n))) if n is not None else (lambda s: s)
    ftype = r.get(raw, "type", path, str)
    try:
        kind = field_type(ftype)
    except KeyError as exc:
        raise r.fail(f"{path}.type", str(exc.args[0])) from None
    known = COMMON_KEYS | kind.extra_keys
    for key in raw:
        if key not in known:
            owners = [t.name for t in registered_types() if key in t.extra_keys]
            whose = f" ({key} is a key of {' and '.join(owners)} fields)" if owners else ""
            raise r.fail(
                f"{path}.{key}", f"not a key of a {ftype} field{whose}; it may have: {', '.join(sorted(known))}"
            )
    replaces = r.get(raw, "replaces", path, list, [])
    if not all(isinstance(old, str) and ID_PATTERN.match(old.replace("__", "_")) for old in replaces):
        raise r.fail(f"{path}.replaces", 'a list of earlier field ids, e.g. replaces = ["old_id"]')
    identity = r.get(raw, "identity", path, str, None)
    if identity is not None and identity not in IDENTITY_KEYS:
        raise r.fail(f"{path}.identity", f"unknown identity {identity!r}; use one of {', '.join(IDENTITY_KEYS)}")
    f = Field(
        id=id_prefix + r.ident(raw, "id", path),
        label=fmt(label),
        type=ftype,
        help=fmt(help_text),
        required=r.get(raw, "required", path, bool, False) if required is None else required,
        choices=r.get(raw, "choices", path, str, None),
        scale=r.get(raw, "scale", path, str, None),
        min=r.get(raw, "min", path, (int, float), None),
        max=r.get(raw, "max", path, (int, float), None),
        max_length=r.get(raw, "max_length", path, int, None),
        identity=identity,
        group=group,
        column=column,
        context=context,
        sheet=sheet,
        replaces=tuple(id_prefix + old if "__" not in old and id_prefix.endswith("__") else old for old in replaces),
        row=row,
        prefill=r.get(raw, "from", path, str, None),
        lines=r.get(raw, "lines", path, (int, float), None),
        summary=r.get(raw, "summary", path, str, None),
        ends=tuple(r.get(raw, ENDS_KEY, path, list, [])),
        lang=r.lang,
    )
    if f.summary is not None:
        if group is not None:
            r.note(f"{path}.summary", "only a question of a form section is summarised: move it to a form section")
        else:
            r.summarised.append((f"{path}.summary", f))
    if f.lines is not None and not 1 <= f.lines <= 20:
        r.note(f"{path}.lines", "lines is the answer row's height in lines: 1 to 20")
    if len(f.input_title) > INPUT_TITLE_MAX:  # pragma: no cover - titles are fixed per type
        raise r.fail(f"{path}.type", "input title too long")
    for key, message in kind.check(f, r.choices, r.scales):
        r.note(f"{path}.{key}", message)
    return f


def _parse_section(r: _Reader, raw: dict[str, Any], path: str, sheet_id: str) -> Section:
    sid = r.ident(raw, "id", path)
    title = r.text(raw, "title", path)
    layout = r.get(raw, "layout", path, str)
    if layout not in LAYOUTS:
        raise r.fail(f"{path}.layout", f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    if layout == "form":
        fields = tuple(
            r.each(
                enumerate(r.get(raw, "fields", path, list)),
                lambda item: _parse_field(r, item[1], f"{path}.fields[{item[0]}]", sheet=sheet_id),
            )
        )
        return Section(sid, title, layout, fields)
    if layout == "table":
        return _parse_table(r, raw, path, sid, title, sheet_id)
    if layout == "rubric":
        scale = r.get(raw, "scale", path, str)
        # Evidence rows are optional: an instrument may gather its notes in a form section instead.
        evidence_label = r.text(raw, "evidence_label", path, None)
        evidence_help = r.text(raw, "evidence_help", path, None) if evidence_label else None
        if evidence_label and evidence_help is None:
            raise r.fail(f"{path}.evidence_help", "missing (a rubric with evidence_label needs evidence_help)")
        evidence_max = r.get(raw, "evidence_max_length", path, int, None)
        ratings_required = r.get(raw, "ratings_required", path, bool, False)
        # A rubric of contrasts shows each criterion beside its opposite, under ``contrast_heading``.
        contrasted = "contrast_heading" in raw
        heading_keys = ("group_heading", "contrast_heading") if contrasted else ("group_heading",)
        headings = tuple(r.text(raw, k, path) for k in (*heading_keys, "item_heading", "value_heading"))
        # The input message of each criterion without its own help; ``{group}`` is the group's label.
        criterion_help = r.text(raw, "criterion_help", path, None) or tr(
            r.lang, "How effective is the partnership here? ({group})"
        )
        groups = []
        for gi, graw in enumerate(r.get(raw, "groups", path, list)):
            gpath = f"{path}.groups[{gi}]"
            gid = r.ident(graw, "id", gpath)
            glabel = r.text(graw, "label", gpath)
            gfields = []
            for ci, craw in enumerate(r.get(graw, "criteria", gpath, list)):
                cpath = f"{gpath}.criteria[{ci}]"
                for key in craw:
                    if key not in CRITERION_KEYS:
                        raise r.fail(
                            f"{cpath}.{key}", f"not a key of a criterion; it may have: {', '.join(CRITERION_KEYS)}"
                        )
                field_raw = {
                    "id": r.ident(craw, "id", cpath),
                    "type": "rating",
                    "scale": scale,
                    "required": ratings_required,
                    "replaces": craw.get("replaces", []),
                }
                texts = (
                    r.text(craw, "text", cpath),
                    r.text(craw, "help", cpath, None) or criterion_help.replace("{group}", glabel),
                )
                if contrasted != ("contrast" in craw):
                    raise r.fail(
                        f"{cpath}.contrast",
                        "every criterion of a rubric with contrast_heading needs a contrast, and only those",
                    )
                f = _parse_field(
                    r, field_raw, cpath, id_prefix=f"{gid}__", context=glabel, group=gid, sheet=sheet_id, texts=texts
                )
                gfields.append(replace(f, contrast=r.text(craw, "contrast", cpath)) if contrasted else f)
            if evidence_label is None:
                groups.append(Group(gid, glabel, tuple(gfields)))
                continue
            evidence_raw = {"id": "evidence", "type": "long_text", "max_length": evidence_max}
            if evidence_max is None:
                del evidence_raw["max_length"]
            gfields.append(
                _parse_field(
                    r,
                    evidence_raw,
                    f"{gpath}.evidence",
                    id_prefix=f"{gid}__",
                    context=glabel,
                    group=gid,
                    column="evidence",
                    sheet=sheet_id,
                    texts=(evidence_label, evidence_help or ""),
                )
            )
            groups.append(Group(gid, glabel, tuple(gfields)))
        fields = tuple(f for g in groups for f in g.fields)
        return Section(sid, title, layout, fields, groups=tuple(groups), scale=scale, headings=headings)
    # blocks: one block of fields repeated N times (the three candidate organizations)
    repeat = r.get(raw, "repeat", path, int)
    block_id = r.get(raw, "block_id", path, str)
    block_label = r.text(raw, "block_label", path)
    required_blocks = r.get(raw, "required_blocks", path, int, 0)
    name_raw = r.get(raw, "name_field", path, dict)
    columns_raw = r.get(raw, "columns", path, list)
    columns = tuple(
        Column(
            r.ident(c, "id", f"{path}.columns[{i}]"),
            r.text(c, "short", f"{path}.columns[{i}]"),
            r.text(c, "heading", f"{path}.columns[{i}]"),
        )
        for i, c in enumerate(columns_raw)
    )
    groups = []
    for n in range(1, repeat + 1):
        gid = block_id.replace("{n}", str(n))
        glabel = block_label.replace("{n}", str(n))
        gfields = [
            _parse_field(
                r,
                name_raw,
                f"{path}.name_field",
                id_prefix=f"{gid}_",
                context=glabel,
                group=gid,
                column="name",
                sheet=sheet_id,
                n=n,
                required=n <= required_blocks,
            )
        ]
        for column, craw in zip(columns, columns_raw, strict=True):
            for fi, fraw in enumerate(r.get(craw, "fields", f"{path}.columns", list)):
                gfields.append(
                    _parse_field(
                        r,
                        fraw,
                        f"{path}.columns.{column.id}.fields[{fi}]",
                        id_prefix=f"{gid}_{column.id}_",
                        context=f"{glabel}, {column.short}",
                        group=gid,
                        column=column.id,
                        sheet=sheet_id,
                        n=n,
                    )
                )
        groups.append(Group(gid, glabel, tuple(gfields)))
    fields = tuple(f for g in groups for f in g.fields)
    return Section(sid, title, layout, fields, groups=tuple(groups), columns=columns, required_blocks=required_blocks)


MAX_TABLE_ROWS = 200


def _parse_table(r: _Reader, raw: dict[str, Any], path: str, sid: str, title: str, sheet_id: str) -> Section:
    """A table: ``columns`` (each a field spec) repeated over ``rows`` records.

    Each cell is a field ``<section>__r<k>__<column>``; a column's ``required`` means "in a row
    that has any answer", so blank rows are never errors.
    """
    rows = r.get(raw, "rows", path, int)
    if not 1 <= rows <= MAX_TABLE_ROWS:
        raise r.fail(f"{path}.rows", f"a table needs 1 to {MAX_TABLE_ROWS} rows, not {rows}")
    # A visible text: the spec's own is translated as any other; the default is the tool's.
    number_heading = r.text(raw, "number_heading", path, None) or tr(r.lang, "No.")
    columns_raw = r.get(raw, "columns", path, list)
    if not columns_raw or not all(isinstance(c, dict) for c in columns_raw):
        raise r.fail(f"{path}.columns", "a table needs columns, each a field: { id, label, type, help, ... }")
    ids = [c.get("id") for c in columns_raw]
    if len(set(ids)) != len(ids):
        raise r.fail(f"{path}.columns", "two columns have the same id")
    for i, craw in enumerate(columns_raw):
        if "identity" in craw:
            raise r.fail(f"{path}.columns[{i}].identity", "a table cell cannot be an identity; use a form section")
    groups = []
    for k in range(1, rows + 1):
        gid = f"{sid}__r{k}"
        cells = [
            _parse_field(
                r,
                craw,
                f"{path}.columns[{i}]",
                id_prefix=f"{gid}__",
                context=f"{title}, row {k}",
                group=gid,
                column=craw.get("id"),
                sheet=sheet_id,
                row=k,
            )
            for i, craw in enumerate(columns_raw)
        ]
        groups.append(Group(gid, f"Row {k}", tuple(cells)))
    columns = tuple(Column(f.column or "", f.label, f.label) for f in groups[0].fields)
    fields = tuple(f for g in groups for f in g.fields)
    return Section(
        sid, title, "table", fields, groups=tuple(groups), columns=columns, rows=rows, number_heading=number_heading
    )


def parse_template(raw: dict[str, Any], source: str, *, collect: bool = False) -> Template:
    """Turn parsed TOML into a checked Template, or raise SpecError naming file and key.

    With ``collect``, every mistake is gathered and raised together as SpecErrors.
    """
    r = _Reader(source, collect)
    views: dict[str, Template] = {}
    try:
        catalogs = _translations(r, raw)
        languages = (BASE, *catalogs)
        views[BASE] = _parse_template(r, raw, source, languages)
        _check_translations(r, catalogs)
        if not r.errors:  # each language is the same spec again, its texts swapped for translations
            for lang, catalog in catalogs.items():
                translated = _Reader(source, collect, lang, catalog)
                views[lang] = _parse_template(translated, raw, source, languages)
                r.errors.extend(translated.errors)
    except SpecError as exc:
        if not collect:
            raise
        r.errors.append(exc)
    if r.errors:
        raise SpecErrors(r.errors)
    for view in views.values():
        view.views.update(views)
    return views[BASE]


def _translations(r: _Reader, raw: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``languages`` and ``[translations.<lang>]``: each declared language's texts by English text.

    Keyed by the English text (as gettext is), so a text repeated across the spec ("Pros") is
    translated once, and rewording the English leaves the old translation unused: both are
    reported at load, never silently shown in English.
    """
    declared = r.get(raw, "languages", "", list, [BASE])
    if BASE not in declared or not all(isinstance(lang, str) for lang in declared):
        raise r.fail("languages", f'a list of language codes starting with the base, e.g. ["{BASE}", "es"]')
    tables = r.get(raw, "translations", "", dict, {})
    catalogs: dict[str, dict[str, str]] = {}
    for lang in declared:
        if lang == BASE:
            continue
        if lang not in supported():
            r.note("languages", f"partnersheet has no {lang!r} texts of its own; it speaks {', '.join(supported())}")
            continue
        table = r.get(tables, lang, "translations", dict, {})
        bad = [k for k, v in table.items() if not isinstance(v, str) or not v.strip()]
        for key in bad:
            r.note(f"translations.{lang}.{key!r}", "a translation must be non-empty text")
        catalogs[lang] = {k: v for k, v in table.items() if k not in bad}
    for lang in tables:
        if lang not in declared:
            r.note(f"translations.{lang}", f"{lang!r} is not in languages = {declared!r}: add it there")
    return catalogs


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _check_translations(r: _Reader, catalogs: dict[str, dict[str, str]]) -> None:
    """Every visible text has a translation in every declared language, and every translation a text."""
    for lang, catalog in catalogs.items():
        for text, where in r.used.items():
            if text not in catalog:
                r.note(where, f"no {lang} translation of {text!r}: add it under [translations.{lang}]")
            elif sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(catalog[text])):
                wanted = " ".join(_PLACEHOLDER.findall(text)) or "none"
                r.note(f"translations.{lang}.{text!r}", f"the translation must keep the placeholders ({wanted})")
        for text in catalog:
            if text not in r.used:
                r.note(
                    f"translations.{lang}.{text!r}",
                    "not a text of this spec (was the English reworded?): update the key or remove it",
                )


def _translation_hash(catalog: dict[str, str]) -> str:
    canonical = json.dumps(catalog, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _parse_template(r: _Reader, raw: dict[str, Any], source: str, languages: tuple[str, ...]) -> Template:
    tid = r.get(raw, "id", "", str)
    if not re.match(r"^[a-z][a-z0-9-]*$", tid):
        raise r.fail("id", f"{tid!r} is not a valid template id")
    choices_raw = r.get(raw, "choices", "", dict, {})
    choices: dict[str, tuple[str, ...]] = {}

    def choice_list(item: tuple[str, Any]) -> None:
        name, values = item
        choices[name] = ()  # known even if broken, so fields naming it are not reported twice
        if not ID_PATTERN.match(name):
            raise r.fail(f"choices.{name}", f"{name!r} is not a valid list name (lower case, digits, _)")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise r.fail(f"choices.{name}", "a choice list must be a non-empty list of text")
        values = [r.tr(v, f"choices.{name}[{i}]") for i, v in enumerate(values)]
        if len({v.casefold() for v in values}) != len(values):
            raise r.fail(f"choices.{name}", "a choice list has the same choice twice (case is ignored): remove one")
        choices[name] = tuple(values)

    r.each(choices_raw.items(), choice_list)
    scales: dict[str, Scale] = {}

    def scale(item: tuple[str, Any]) -> None:
        name, sraw = item
        spath = f"scales.{name}"
        if not ID_PATTERN.match(name):
            raise r.fail(spath, f"{name!r} is not a valid scale name (lower case, digits, _)")
        levels = tuple(
            Level(
                r.text(lv, "label", f"{spath}.levels[{i}]"),
                float(r.get(lv, "score", f"{spath}.levels[{i}]", (int, float))),
            )
            for i, lv in enumerate(r.get(sraw, "levels", spath, list))
        )
        if not levels:
            raise r.fail(f"{spath}.levels", "a scale needs levels")
        bands = tuple(
            Band(
                r.text(b, "label", f"{spath}.bands[{i}]"),
                float(r.get(b, "min", f"{spath}.bands[{i}]", (int, float))),
            )
            for i, b in enumerate(r.get(sraw, "bands", spath, list, []))
        )
        if [b.min for b in bands] != sorted((b.min for b in bands), reverse=True):
            raise r.fail(f"{spath}.bands", "bands must be listed from the highest minimum down")
        discuss = r.get(sraw, "discuss_levels", spath, int, 2)
        if discuss < 1:
            raise r.fail(f"{spath}.discuss_levels", "must be 1 or more")
        change_levels = float(r.get(sraw, "change_levels", spath, (int, float), 0.5))
        if not change_levels > 0:
            raise r.fail(f"{spath}.change_levels", "must be more than 0 (a fraction of a level, e.g. 0.5)")
        change_raters = r.get(sraw, "change_raters", spath, int, 2)
        if change_raters < 1:
            raise r.fail(f"{spath}.change_raters", "must be 1 or more")
        scales[name] = Scale(
            name,
            r.text(sraw, "title", spath, name),
            levels,
            r.text(sraw, "not_observed", spath, None),
            bands,
            discuss,
            change_levels,
            change_raters,
        )

    r.each(r.get(raw, "scales", "", dict, {}).items(), scale)
    r.choices, r.scales = choices, scales
    instr_raw = r.get(raw, "instructions", "", dict)
    return_to = r.text(raw, "return_to", "")
    instructions = tuple(
        InstructionSection(
            r.text(s, "heading", f"instructions.sections[{i}]"),
            tuple(
                r.tr(item, f"instructions.sections[{i}].items[{k}]").replace("{return_to}", return_to)
                for k, item in enumerate(r.get(s, "items", f"instructions.sections[{i}]", list))
            ),
        )
        for i, s in enumerate(r.get(instr_raw, "sections", "instructions", list))
    )
    sheets = []
    sheet_names: set[str] = set()
    for si, shraw in enumerate(r.get(raw, "sheets", "", list)):
        spath = f"sheets[{si}]"
        sheet_id = r.ident(shraw, "id", spath)
        name = r.text(shraw, "name", spath)
        if (
            not name.strip()
            or len(name) > 31
            or any(c in name for c in "[]:*?/\\")
            or name.startswith(("_", "'"))
            or name.endswith("'")
            or name.casefold() in RESERVED_SHEET_NAMES
            or name.casefold() == tr(r.lang, "Instructions").casefold()
        ):
            r.note(f"{spath}.name", f"{name!r} is not a usable Excel sheet name (31 characters at most, no []:*?/\\)")
        if name.casefold() in sheet_names:
            r.note(f"{spath}.name", f"duplicate sheet name {name!r}")
        sheet_names.add(name.casefold())

        def one_section(item: tuple[int, Any], spath: str = spath, sheet_id: str = sheet_id) -> Section:
            return _parse_section(r, item[1], f"{spath}.sections[{item[0]}]", sheet_id)

        sections = tuple(r.each(enumerate(r.get(shraw, "sections", spath, list)), one_section))
        layouts = {s.layout for s in sections}
        if "table" in layouts and not layouts <= {"form", "table"}:
            r.note(f"{spath}.sections", "a sheet with a table may hold only form and table sections")
        pages = r.get(shraw, "pages", spath, int, 0)
        if not 0 <= pages <= 20:
            r.note(f"{spath}.pages", "pages is the most pages the sheet prints on: 1 to 20, or leave it out")
        sheets.append(Sheet(sheet_id, name, r.text(shraw, "title", spath), sections, pages))
    fields_by_id: dict[str, Field] = {}
    seen_identity: set[str] = set()
    for sheet in sheets:
        for section in sheet.sections:
            for f in section.fields:
                where = f"sheets.{sheet.id}.{section.id}.{f.id}"
                if f.id in fields_by_id:
                    r.note(where, f"duplicate field id {f.id!r}")
                if len(f.name) > 255:  # pragma: no cover - Excel's defined-name limit
                    r.note(where, "field id too long for an Excel name")
                if f.identity:
                    if f.identity in seen_identity:
                        r.note(f"{where}.identity", f"identity {f.identity!r} used twice")
                    seen_identity.add(f.identity)
                fields_by_id[f.id] = f
    if not fields_by_id:
        r.note("sheets", "a template needs at least one field")
    _check_summarised(r, sheets, fields_by_id)
    confidentiality = _confidentiality(r, r.get(raw, "confidentiality", "", dict, {}))
    return Template(
        id=tid,
        title=r.text(raw, "title", ""),
        version=r.get(raw, "version", "", str),
        description=r.text(raw, "description", ""),
        return_to=return_to,
        intro=r.text(instr_raw, "intro", "instructions", ""),
        instructions=instructions,
        choices=choices,
        scales=scales,
        sheets=tuple(sheets),
        spec_hash=spec_hash_of(raw),
        source=source,
        fields_by_id=fields_by_id,
        prefill_from=_prefill_from(r, raw, fields_by_id),
        lang=r.lang,
        languages=languages,
        translation_hash=_translation_hash(r.catalog) if r.lang != BASE else "",
        confidentiality=confidentiality,
    )


def _check_summarised(r: _Reader, sheets: list[Sheet], fields: dict[str, Field]) -> None:
    """A field summarised by side needs sides to count by, and a rubric whose Summary block shows it."""
    if not r.summarised:
        return
    side = next((f for f in fields.values() if f.identity == "side"), None)
    rubric = any(section.layout == "rubric" for sheet in sheets for section in sheet.sections)
    for key, _ in r.summarised:
        if side is None:
            r.note(key, 'summarised by side, but no field says the side: add a choice field with identity = "side"')
        if not rubric:
            r.note(key, "shown in the Summary block of the template's rubric, but this template has no rubric section")


def _prefill_from(r: _Reader, raw: dict[str, Any], fields: dict[str, Field]) -> str | None:
    """The template pre-filling this one; fields may say ``from`` only when there is one."""
    source = r.get(raw, "prefill_from", "", str, None)
    if source is None and any(f.prefill for f in fields.values()):
        r.note("prefill_from", 'fields say `from = ...`: name the template they come from, prefill_from = "<id>"')
    return source


def _confidentiality(r: _Reader, raw: dict[str, Any]) -> Confidentiality:
    """``[confidentiality]``: the fewest raters per side whose figures are shown, and attribution."""
    for key in raw:
        if key not in CONFIDENTIALITY_KEYS:
            r.note(
                f"confidentiality.{key}",
                f"not a key of confidentiality; it may have: {', '.join(CONFIDENTIALITY_KEYS)}",
            )
    default = Confidentiality()
    min_raters = r.get(raw, "min_raters", "confidentiality", int, default.min_raters)
    if min_raters < 1:
        r.note("confidentiality.min_raters", "must be 1 or more (3 is usual: a side's figures need three raters)")
        min_raters = default.min_raters
    return Confidentiality(min_raters, r.get(raw, "attributed", "confidentiality", bool, default.attributed))


def load_template_file(path: str | Path) -> Template:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_template(raw, path.name)


class UnknownTemplate(SpecError):
    """No template with that id where templates are looked for."""
