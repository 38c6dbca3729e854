"""Returned workbook file -> Submission: every field's value by field id, with where it was found.

Why python-calamine: it reads cell values ~30x faster than openpyxl and keeps each cell's own type
(a form column mixes dates, numbers and text). It has no API for defined names or formulas, so
those come from the workbook XML after the safety checks in ``safety.py``: ``xl/workbook.xml`` with
expat directly (no tree; DTDs refused), the rest with defusedxml.
Fields are found by their defined names, so inserted rows and renamed sheets still read; when the
names are gone we fall back to the spec's positions and say so. Either way each answer is checked
against the label beside it (``labels.py``): names stay put when rows are sorted, labels move with
their values. The input file is only ever read.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.parsers import expat

from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from ..i18n import BASE, language_name
from ..spec import IDENTITY_KEYS, Template, TemplateRegistry, UnknownLanguage, as_registry, template_by_hash
from ..spec.names import ANSWER_NAME_PREFIX, META_SHEET, PROPERTY_PREFIX
from ..types import parse as normalise
from ..types.parsing import as_text
from .labels import find_by_labels, follow_labels
from .problems import Problem, ProblemCode, make_problem
from .safety import Opened, Unusable, sniff_and_open

MAX_FILE_BYTES = 20 * 1024 * 1024
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_REF = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^'!.$][^!]*?))[!.]\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass(frozen=True)
class Value:
    """One field's answer: as typed, as understood, and where it is now."""

    field_id: str
    raw: Any
    text: str
    value: Any
    score: float | None
    sheet: str
    cell: str
    error: ProblemCode | None = None
    detail: str = ""
    formula: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.text.strip() == "" and self.formula is None


@dataclass
class Submission:
    """A returned workbook as data. ``problems`` holds what reading itself noticed.

    ``template`` is the English view whatever the workbook's language: values of choices and
    ratings are stored as English labels, so compile never needs to know the language; ``lang``
    is the language the workbook was read in (its labels, and the respondent's problems).
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


@lru_cache(maxsize=8192)  # workbooks from one template carry the same references
def _parse_ref(text: str) -> tuple[str, int, int] | None:
    """``'Sheet name'!$C$5`` (Excel) or ``$'Sheet name'.$C$5`` (ODF) -> (sheet, row, col)."""
    match = _REF.match(text.strip().lstrip("="))
    if not match:
        return None
    sheet = match[1].replace("''", "'") if match[1] is not None else match[2]
    row, col = xl_cell_to_rowcol(f"{match[3].upper()}{match[4]}")
    return sheet, row, col


def _refuse_dtd(*_: Any) -> None:
    raise Unusable(ProblemCode.XML_ENTITIES)


def _elements(data: bytes, part: str, wanted: set[str]) -> list[tuple[str, dict[str, str], str]]:
    """(tag, attributes, text) of the ``wanted`` elements, in document order, straight from expat.

    Tags and attribute names come as ``{namespace}name``, like ElementTree's. No tree is built,
    which makes this several times faster than defusedxml's ElementTree on ``xl/workbook.xml``,
    and it is as strict: any document type or entity declaration is refused.
    """
    found: list[tuple[str, dict[str, str], str]] = []
    current: list[Any] = []
    text: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if not current and "{" + tag in wanted:
            current.append("{" + tag)
            current.append({("{" + k if "}" in k else k): v for k, v in attrs.items()})
            text.clear()

    def end(tag: str) -> None:
        if current and current[0] == "{" + tag:
            found.append((current[0], current[1], "".join(text)))
            current.clear()

    def chars(data: str) -> None:
        if current:
            text.append(data)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise Unusable(ProblemCode.CORRUPT, f"{part} is not valid XML ({exc})") from None
    return found


_cell_name = lru_cache(maxsize=8192)(xl_rowcol_to_cell)


class _Book:
    """The parts of one workbook we need: sheet names, defined names, formulas, cell values."""

    def __init__(self, opened: Opened, data: bytes) -> None:
        self.opened = opened
        self.names: dict[str, tuple[str, int, int] | None] = {}
        self.sheet_parts: dict[str, str] = {}
        self.formulas: dict[str, dict[tuple[int, int], str]] = {}
        if opened.kind == "xlsx":
            self._xlsx_structure()
        else:
            self._ods_structure()
        try:
            self.calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.sheet_names = list(self.calamine.sheet_names)
        except Exception as exc:  # calamine raises its own error types for damaged parts
            raise Unusable(ProblemCode.CORRUPT, f"cannot read cells: {exc}") from None
        self._grids: dict[str, list[list[Any]]] = {}

    def _xlsx_structure(self) -> None:
        wanted = {f"{NS_MAIN}sheet", f"{NS_MAIN}definedName", f"{NS_PKG_REL}Relationship"}
        found = _elements(self.opened.read_part("xl/workbook.xml"), "xl/workbook.xml", wanted)
        if self.opened.has("xl/_rels/workbook.xml.rels"):
            rels = "xl/_rels/workbook.xml.rels"
            found += _elements(self.opened.read_part(rels), rels, wanted)
        targets = {}
        for tag, attrs, _ in found:
            if tag == f"{NS_PKG_REL}Relationship":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[attrs.get("Id")] = target
        for tag, attrs, text in found:
            if tag == f"{NS_MAIN}sheet":
                part = targets.get(attrs.get(f"{NS_REL}id"))
                if part:
                    self.sheet_parts[attrs.get("name", "")] = part
            elif tag == f"{NS_MAIN}definedName":
                name = attrs.get("name", "")
                if name.startswith(ANSWER_NAME_PREFIX) and attrs.get("localSheetId") is None:
                    self.names[name] = _parse_ref(text)

    def _ods_structure(self) -> None:
        content = self.opened.read_part("content.xml")
        root = self._parse(content, "content.xml")
        for named in root.iter(f"{NS_TABLE}named-range"):
            name = named.get(f"{NS_TABLE}name", "")
            if name.startswith(ANSWER_NAME_PREFIX):
                self.names[name] = _parse_ref(named.get(f"{NS_TABLE}cell-range-address", ""))
        if b"table:formula=" in content:
            for table in root.iter(f"{NS_TABLE}table"):
                self.formulas[table.get(f"{NS_TABLE}name", "")] = _ods_formulas(table)

    def _parse(self, data: bytes, part: str) -> Any:
        try:
            return SafeET.fromstring(data)
        except SafeET.ParseError as exc:
            raise Unusable(ProblemCode.CORRUPT, f"{part} is not valid XML ({exc})") from None
        except Exception as exc:  # defusedxml's EntitiesForbidden, DTDForbidden, ...
            if "Forbidden" in type(exc).__name__:
                raise Unusable(ProblemCode.XML_ENTITIES) from None
            raise Unusable(ProblemCode.CORRUPT, f"{part}: {exc}") from None

    def _xml(self, part: str) -> Any:
        return self._parse(self.opened.read_part(part), part)

    def grid(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._grids:
            try:
                rows = self.calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:
                raise Unusable(ProblemCode.CORRUPT, f"cannot read sheet {sheet!r}: {exc}") from None
            self._grids[sheet] = rows
            if self.opened.kind == "xlsx" and sheet not in self.formulas:
                self.formulas[sheet] = self._xlsx_formulas(sheet)
        return self._grids[sheet]

    def _xlsx_formulas(self, sheet: str) -> dict[tuple[int, int], str]:
        part = self.sheet_parts.get(sheet)
        if not part or not self.opened.has(part):
            return {}
        data = self.opened.read_part(part)
        if b"<f>" not in data and b"<f " not in data:
            return {}  # the usual case: no formulas at all, no parsing needed
        found = {}
        for cell in self._parse(data, part).iter(f"{NS_MAIN}c"):
            formula = cell.find(f"{NS_MAIN}f")
            if formula is not None:
                row, col = xl_cell_to_rowcol(cell.get("r", "A1"))
                found[(row, col)] = "=" + (formula.text or "")
        return found

    def cell(self, sheet: str, row: int, col: int) -> tuple[Any, str | None]:
        grid = self.grid(sheet)
        raw = grid[row][col] if row < len(grid) and col < len(grid[row]) else None
        formula = self.formulas.get(sheet, {}).get((row, col))
        return (None if raw == "" else raw), formula

    def meta(self) -> dict[str, str]:
        """The hidden _meta sheet, or the custom document properties if the sheet is gone."""
        if META_SHEET in self.sheet_names:
            rows = self.grid(META_SHEET)
            return {as_text(r[0]).strip(): as_text(r[1]).strip() for r in rows[1:] if len(r) >= 2 and r[0]}
        if self.opened.kind == "xlsx" and self.opened.has("docProps/custom.xml"):
            root = self._xml("docProps/custom.xml")
            found = {}
            for prop in root.iter(f"{NS_CUSTOM}property"):
                name = prop.get("name", "")
                if name.startswith(PROPERTY_PREFIX) and len(prop):
                    value = (prop[0].text or "").strip()
                    found[name.removeprefix(PROPERTY_PREFIX)] = "" if value == "-" else value
            return found
        return {}


def _ods_formulas(table: Any) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    row = 0
    for row_el in table.iter(f"{NS_TABLE}table-row"):
        col = 0
        for cell in row_el:
            if cell.tag not in (f"{NS_TABLE}table-cell", f"{NS_TABLE}covered-table-cell"):
                continue
            repeat = int(cell.get(f"{NS_TABLE}number-columns-repeated", "1"))
            formula = cell.get(f"{NS_TABLE}formula")
            if formula:
                found[(row, col)] = formula.split(":", 1)[-1] if formula.startswith("of:") else formula
            col += min(repeat, 16384)
        row += min(int(row_el.get(f"{NS_TABLE}number-rows-repeated", "1")), 1_048_576)
    return found


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


def _read(path: Path, name: str, data: bytes, digest: str, registry: TemplateRegistry) -> Submission:
    opened = sniff_and_open(path, data)
    try:
        book = _Book(opened, data)
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
                    detail="its fingerprint differs",
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
        identity = {key: meta.get(key, "") for key in IDENTITY_KEYS}
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
            view.lang,
        )
    except zipfile.BadZipFile as exc:
        raise Unusable(ProblemCode.CORRUPT, str(exc)) from None
    finally:
        opened.zip.close()


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
            f.id, raw, as_text(raw), n.value, n.score, sheet, ref, n.error, n.detail, context=n.context
        )
    return values
