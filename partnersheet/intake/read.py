"""Returned workbook file -> Submission: every field's value by field id, with where it was found.

Why python-calamine: it reads cell values ~30x faster than openpyxl and keeps each cell's own type
(a form column mixes dates, numbers and text). It has no API for defined names or formulas, so
those come from the workbook XML after the safety checks in ``safety.py`` (see ``book.py`` and
``xmlbook.py``, which also bound every sheet to the area a template can fill).
Fields are found by their defined names, so inserted rows and renamed sheets still read; when the
names are gone we fall back to the spec's positions and say so. Either way each answer is checked
against the label beside it (``labels.py``): names stay put when rows are sorted, labels move with
their values. Values typed outside the answer cells are kept as strays and reported. The input file
is only ever read.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from ..files import display_name
from ..i18n import BASE, Phrase, language_name, phrase
from ..spec import IDENTITY_KEYS, Template, TemplateRegistry, UnknownLanguage, as_registry, template_by_hash
from ..types import parse as normalise
from ..types.parsing import as_text, collapse, one_line
from ..workbook.layout import layout_for
from .book import Book as _Book
from .book import open_book
from .labels import find_by_labels, follow_labels, meanings_for
from .problems import Problem, ProblemCode, make_problem
from .safety import Unusable, sniff_and_open
from .tables import follow_tables
from .xmlbook import plain_ref

MAX_FILE_BYTES = 20 * 1024 * 1024
# When names are lost, how far below its place an answer's label is looked for (rows inserted).
LABEL_SEARCH_ROWS = 40
# How far beyond a form's last row and column a returned sheet is read (rows and columns people
# insert); anything further out is reported by position and never loaded.
ROW_MARGIN = 200
COL_MARGIN = 16


class Value(NamedTuple):
    """One field's answer: as typed, as understood, and where it is now.

    A named tuple rather than a dataclass: 1,000 returns hold some 30,000 of them, each pickled
    back from a reading process; a tuple unpickles in a third of the time and takes less memory.
    """

    field_id: str
    raw: Any
    text: str
    value: Any
    score: float | None
    sheet: str
    cell: str
    error: ProblemCode | None = None
    detail: str | Phrase = ""
    formula: str | None = None
    context: dict[str, Any] | None = None
    """What a problem about this value should carry (None when there is nothing)."""

    @property
    def empty(self) -> bool:
        return self.text.strip() == "" and self.formula is None


@dataclass(frozen=True)
class Who:
    """Whose answers a submission holds, read from the fields marked as identity in the spec."""

    partner: str
    rater: str
    side: str
    round: str


@dataclass
class Submission:
    """A returned workbook as data. ``problems`` holds what reading itself noticed.

    ``template`` is the English view whatever the workbook's language: values of choices and
    ratings are stored as English labels, and so is ``identity`` (the stamped side), so compile,
    status and the reports never need to know the language; ``lang`` is the language the
    workbook was read in (its labels, and the respondent's problems).
    """

    file: str
    sha256: str
    template: Template
    template_version: str
    spec_hash: str
    workbook_id: str
    identity: dict[str, str]
    values: dict[str, Value]
    problems: list[Problem] = field(default_factory=list)
    strays: list[Value] = field(default_factory=list)
    """What was typed on a form sheet outside the answer cells (``field_id`` empty), kept and reported."""
    saved_at: str = ""
    """When the workbook says it was last saved (ISO 8601), "" when it does not say."""
    file_modified: float = 0.0
    """The file's modification time, the fallback for telling corrected copies apart."""
    lang: str = BASE

    @property
    def view(self) -> Template:
        """The template in the workbook's language: its labels as the respondent saw them."""
        return self.template.in_language(self.lang)

    @property
    def template_id(self) -> str:
        return self.template.id

    def value(self, field_id: str) -> Any:
        v = self.values.get(field_id)
        return None if v is None else v.value

    @cached_property
    def who(self) -> Who:
        """The identity fields' answers (the stamped identity where a field is missing), spaces tidied;
        worked out once, since every table of a compile asks."""
        found: dict[str, str] = {}
        for key in ("partner", "rater", "side", "round"):
            f = self.template.identity_field(key)
            v = self.values.get(f.id) if f is not None else None
            text = self.identity.get(key, "") if v is None else v.value if isinstance(v.value, str) else v.text
            found[key] = one_line(text)
        return Who(**found)

    @cached_property
    def shown_file(self) -> str:
        """The file's name as people should see it (``display_name``), worked out once."""
        return display_name(self.file)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the template by its spec hash: worker processes send results back small."""
        return {**self.__dict__, "template": self.template.spec_hash}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, template=template_by_hash(state["template"]))


@dataclass(frozen=True)
class Unreadable:
    """A file that could not be read at all, with the problem that says why."""

    file: str
    sha256: str
    problem: Problem


_cell_name = lru_cache(maxsize=8192)(xl_rowcol_to_cell)
_rowcol = lru_cache(maxsize=8192)(xl_cell_to_rowcol)
_REF_CELL = re.compile(r"^\$?[A-Z]{1,3}\$?\d{1,7}$")


def _load(path: Path) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            if os.access(path, os.R_OK | os.X_OK):
                raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "a folder")
            raise Unusable(ProblemCode.NO_PERMISSION, "a folder that cannot be opened")
        if not stat.S_ISREG(info.st_mode):
            raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "not a regular file")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise Unusable(
                ProblemCode.NOT_PARTNERSHEET, f"{size // 1_000_000} MB, far larger than a partnersheet workbook"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise Unusable(ProblemCode.FILE_MISSING) from None
    except IsADirectoryError:
        raise Unusable(ProblemCode.NOT_A_SPREADSHEET, "a folder") from None
    except PermissionError:
        raise Unusable(ProblemCode.NO_PERMISSION, "permission denied") from None
    except OSError as exc:
        raise Unusable(ProblemCode.NO_PERMISSION, exc.strerror or str(exc)) from None


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def is_partnersheet_output(path: str | Path) -> bool:
    """Whether a file is a comparison or report this tool wrote (safe to replace with --force)."""
    result = read_submission(path)
    return isinstance(result, Unreadable) and result.problem.code == ProblemCode.PARTNERSHEET_OUTPUT


def read_submission(
    path: str | Path, templates: TemplateRegistry | Mapping[str, Template] | None = None
) -> Submission | Unreadable:
    """Read one returned workbook. Never raises for a bad file: returns an Unreadable instead.

    ``templates`` is where its template is looked for (default: the built-ins and the folders in
    $PARTNERSHEET_TEMPLATES); a plain mapping of id to template also serves.
    """
    path = Path(path)
    name = str(path)
    digest = ""
    try:
        data = _load(path)
        digest = hashlib.sha256(data).hexdigest()
        return _read(path, name, data, digest, as_registry(templates))
    except Unusable as exc:
        return Unreadable(
            name, digest, make_problem(exc.code, name, detail=exc.detail, value=exc.value, other=exc.other)
        )
    except Exception as exc:  # a bug in this tool must still name the file and never crash a batch
        return Unreadable(
            name, digest, make_problem(ProblemCode.INTERNAL_ERROR, name, detail=f"{type(exc).__name__}: {exc}")
        )
    except BaseException as exc:  # a panic inside python-calamine (pyo3 raises it as a BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        return Unreadable(name, digest, make_problem(ProblemCode.INTERNAL_ERROR, name, detail=f"panic: {exc}"))


def _bounds(registry: TemplateRegistry) -> tuple[int, int]:
    """Rows and columns a returned sheet is read to: the largest form of these templates plus margins."""
    sheets = [sl for found in registry.found for sl in layout_for(found.template).sheets]
    rows = max((sl.last_row for sl in sheets), default=0) + 1 + ROW_MARGIN
    cols = max((sl.last_col for sl in sheets), default=0) + 1 + COL_MARGIN
    return rows, cols


def _read(path: Path, name: str, data: bytes, digest: str, registry: TemplateRegistry) -> Submission:
    opened = sniff_and_open(path, data)
    try:
        book = open_book(opened, *_bounds(registry))
        meta = book.meta()
        template_id = meta.get("template_id", "")
        if not template_id:
            if meta.get("output"):
                raise Unusable(ProblemCode.PARTNERSHEET_OUTPUT, meta["output"])
            raise Unusable(ProblemCode.NOT_PARTNERSHEET, "no partnersheet details inside")
        problems: list[Problem] = []
        version = meta.get("template_version", "")
        spec_hash = meta.get("spec_hash", "")
        template = _template_of(registry, template_id, version, name, problems)
        if spec_hash != template.spec_hash and template.version == version:
            problems.append(
                make_problem(
                    ProblemCode.TEMPLATE_ALTERED,
                    name,
                    value=f"{template_id} {version}",
                    detail=phrase("its fingerprint differs"),
                    context={"spec_hash": spec_hash, "expected": template.spec_hash, "source": template.source},
                )
            )
        view = _view_of(template, meta, name, problems)
        # Labels are compared as that version and wording drew them; another wording reads by name.
        same_wording = (
            version == template.version
            and view.lang == (meta.get("language", "") or BASE)
            and (view.lang == BASE or meta.get("translation_hash", "") == view.translation_hash)
        )
        values = _read_values(book, view, name, problems, same_wording=same_wording)
        strays = _strays(book, view, values, problems)
        # Values a problem already names as not read (under an edited table header) stay strays, so
        # they reach the Data sheet, but are not reported again one warning each.
        named = {(p.sheet, ref) for p in problems for ref in p.context.get("unread_cells", ())}
        problems += _far_problems(book, name) + [
            make_problem(ProblemCode.STRAY_VALUE, name, sheet=v.sheet, cell=v.cell, value=v.formula or v.text)
            for v in strays
            if (v.sheet, v.cell) not in named
        ]
        # Language-neutral for every program that reads it (a side stamped "Organización aliada"
        # reads "Partner"), whatever language the workbook shows and stamps it in.
        identity = {key: view.identity_neutral(key, meta.get(key, "")) for key in IDENTITY_KEYS}
        return Submission(
            name,
            digest,
            template,
            version,
            spec_hash,
            meta.get("workbook_id", ""),
            identity,
            values,
            problems,
            strays,
            saved_at=book.saved_at(),
            file_modified=_modified(path),
            lang=view.lang,
        )
    except zipfile.BadZipFile as exc:
        raise Unusable(ProblemCode.CORRUPT, str(exc)) from None
    finally:
        opened.close()


def _far_problems(book: _Book, name: str) -> list[Problem]:
    """One warning per sheet with values beyond the bounds, naming the first of them; none was read."""
    problems = []
    for sheet, cells in book.far.items():
        beyond = plain_ref(book.rows - 1, book.cols - 1)
        words = "{n} cell beyond {cell}" if cells.count == 1 else "{n} cells beyond {cell}"
        detail = phrase(words, n=cells.count, cell=beyond)
        problems.append(
            make_problem(
                ProblemCode.FAR_VALUE,
                name,
                sheet=sheet,
                cell=plain_ref(*min(cells.sample)),
                detail=detail,
                context={"cells": [plain_ref(*c) for c in sorted(cells.sample)], "count": cells.count},
            )
        )
    return problems


_TEXTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def _template_texts(template: Template) -> tuple[frozenset[str], frozenset[str]]:
    """Every text the template puts on its form sheets (titles, labels, criteria): as written, and collapsed."""
    key = template.view_key  # one spec, one set of texts per language
    if key not in _TEXTS:
        written = frozenset(c.text for sl in layout_for(template).sheets for c in sl.cells)
        _TEXTS[key] = written, frozenset(map(collapse, written))
    return _TEXTS[key]


def _strays(book: _Book, template: Template, values: dict[str, Value], problems: list[Problem]) -> list[Value]:
    """Values on the form sheets that are neither an answer, nor an answer's label, nor the template's
    own text, nor a cell a problem already names (an edited label and the answer it left unused)."""
    answers: dict[str, set[tuple[int, int]]] = {}
    meanings = meanings_for(template)
    for v in values.values():
        r, c = _rowcol(v.cell)
        answers.setdefault(v.sheet, set()).add((r, c))
        m = meanings.fields.get(v.field_id)
        if m is not None:  # its label, even when worded otherwise (a return of unknown version)
            answers[v.sheet].add((r + m.d_row, c + m.d_col))
    for p in problems:
        named = [p.cell, p.context.get("answer_cell", ""), *p.context.get("answer_cells", ())]
        named += [part.strip() for part in str(p.context.get("detail", "")).split(",")] if p.sheet else []
        unread = set(p.context.get("unread_cells", ()))  # not used, so kept as strays (see _read)
        for ref in named:
            if ref in unread:
                continue
            if p.sheet and ref and _REF_CELL.match(ref):
                answers.setdefault(p.sheet, set()).add(_rowcol(ref))
    written, collapsed = _template_texts(template)
    strays = []
    for sheet in sorted(answers, key=book.sheet_names.index):
        formulas = book.formulas.get(sheet, {})
        mine = answers[sheet]
        for r, line in enumerate(book.grid(sheet)):
            for c, raw in enumerate(line):
                if (raw == "" and (r, c) not in formulas) or (r, c) in mine:
                    continue
                formula = formulas.get((r, c))
                if formula is None and raw.__class__ is str and (raw in written or collapse(raw) in collapsed):
                    continue
                value = None if raw == "" else raw
                strays.append(Value("", value, as_text(raw), value, None, sheet, _cell_name(r, c), formula=formula))
    return strays


def _view_of(template: Template, meta: dict[str, str], name: str, problems: list[Problem]) -> Template:
    """The template in the language the workbook is stamped with (English when it says none)."""
    lang = meta.get("language", "") or BASE
    try:
        return template.in_language(lang)
    except UnknownLanguage:
        problems.append(make_problem(ProblemCode.LANGUAGE_UNKNOWN, name, value=lang, detail=language_name(BASE)))
        return template


def _template_of(
    registry: TemplateRegistry, template_id: str, version: str, name: str, problems: list[Problem]
) -> Template:
    """The template a return was made from, by id and version; never a guess between versions."""
    versions = registry.versions(template_id)
    if not version and len(versions) == 1:
        problems.append(make_problem(ProblemCode.VERSION_UNKNOWN, name, value=template_id, detail=versions[0].version))
        return versions[0]
    template = registry.find(template_id, version)
    if template is None:
        known = ", ".join(t.version for t in versions)
        raise Unusable(
            ProblemCode.UNKNOWN_TEMPLATE,
            f"versions here: {known}" if known else "",
            value=f"{template_id!r} version {version or '(none)'}",
            other=registry.where(),
        )
    return template


def _positions_now(
    book: _Book, template: Template, name: str, problems: list[Problem]
) -> tuple[dict[str, tuple[str, int, int] | None], set[str]]:
    """Where each answer cell is now, found without names: by the form's title and its own label.

    See ``labels.find_by_labels``: rows inserted, sorted or moved still read, and a field whose
    label cannot be found (or stands twice) is reported, never guessed at.
    """
    found, reported, noticed = find_by_labels(template, book.grid, book.sheet_names, name)
    problems.extend(noticed)
    return dict(found), reported


def _raw_at(book: _Book) -> Callable[[str, int, int], Any]:
    def raw_at(sheet: str, row: int, col: int) -> Any:
        return book.cell(sheet, row, col)[0]

    return raw_at


def _read_values(
    book: _Book, template: Template, name: str, problems: list[Problem], same_wording: bool = True
) -> dict[str, Value]:
    by_names = any(f.name in book.names for f in template.fields)
    if by_names:
        named = {f.id: book.names.get(f.name) for f in template.fields}
        # Names stay put when rows are sorted: the label beside each answer says whose it is.
        where_now, reported, noticed = follow_labels(
            template, named, _raw_at(book), book.sheet_names, name, same_wording
        )
        problems.extend(noticed)
    else:
        problems.append(make_problem(ProblemCode.NAMES_MISSING, name))
        where_now, reported = _positions_now(book, template, name, problems)
    if next(template.tables(), None) is not None:
        # Table rows are records: each is read from the row carrying its number (``tables.py``).
        where_now, in_tables, noticed = follow_tables(
            template, where_now, _raw_at(book), book.sheet_names, name, same_wording
        )
        reported |= in_tables
        problems.extend(noticed)
    values: dict[str, Value] = {}
    missing = {
        f.id for f in template.fields if (w := where_now.get(f.id)) is None or w[0] not in book.sheet_names
    } - reported
    for form in template.sheets:  # a whole form sheet gone is one problem, not one per answer
        ids = {f.id for f in form.fields}
        if ids and ids <= missing:
            problems.append(make_problem(ProblemCode.SHEET_MISSING, name, sheet=form.name, detail=str(len(ids))))
            missing -= ids
            where_now = {k: v for k, v in where_now.items() if k not in ids}
    for f in template.fields:
        where = where_now.get(f.id)
        if where is None or where[0] not in book.sheet_names:
            if f.id in missing:
                problems.append(make_problem(ProblemCode.FIELD_NOT_FOUND, name, field_id=f.id, label=f.full_label))
            continue
        sheet, row, col = where
        raw, formula = book.cell(sheet, row, col)
        ref = _cell_name(row, col)
        if formula is not None:
            values[f.id] = Value(
                f.id, raw, formula, None, None, sheet, ref, error=ProblemCode.FORMULA_IN_CELL, formula=formula
            )
            continue
        n = normalise(template, f, raw)
        values[f.id] = Value(
            f.id, raw, as_text(raw), n.value, n.score, sheet, ref, n.error, n.detail, context=n.context or None
        )
    return values
