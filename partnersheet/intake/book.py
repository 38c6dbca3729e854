"""One opened workbook as the reader sees it: sheet names, answer names, formulas, bounded cell grids.

``open_book`` picks the reader for the file's kind: .xlsx/.xlsm/.xltx through python-calamine
(after each sheet's extent was checked, see ``xmlbook.scan_sheet``), .ods and flat .fods through
``xmlbook.read_ods``. Either way no grid is larger than the bounds the templates can fill, and
every value found beyond them is listed in ``far`` by sheet, never read.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from functools import lru_cache
from typing import Any

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol

from ..spec.names import ANSWER_NAME_PREFIX, META_SHEET, PROPERTY_PREFIX
from ..types.parsing import as_text
from .problems import ProblemCode
from .safety import Opened, Unusable
from .xmlbook import (
    CUSTOM_PROPERTIES_NS,
    PACKAGE_REL_NS,
    SPREADSHEET_NS,
    FarCells,
    OdsContent,
    SheetScan,
    elements,
    read_ods,
    relationship_id,
    scan_sheet,
)

_REF = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^'!.$][^!]*?))[!.]\$?([A-Za-z]{1,3})\$?(\d{1,7})$")

Position = tuple[str, int, int]


@lru_cache(maxsize=8192)  # workbooks from one template carry the same references
def parse_ref(text: str) -> Position | None:
    """``'Sheet name'!$C$5`` (Excel) or ``$'Sheet name'.$C$5`` (ODF) -> (sheet, row, col)."""
    match = _REF.match(text.strip().lstrip("="))
    if not match:
        return None
    sheet = match[1].replace("''", "'") if match[1] is not None else match[2]
    row, col = xl_cell_to_rowcol(f"{match[3].upper()}{match[4]}")
    return sheet, row, col


class Book:
    """The parts of one workbook the reader needs. ``rows`` x ``cols`` bound every grid."""

    def __init__(self, opened: Opened, rows: int, cols: int) -> None:
        self.opened = opened
        self.rows, self.cols = rows, cols
        self.sheet_names: list[str] = []
        self.names: dict[str, Position | None] = {}
        self.formulas: dict[str, dict[tuple[int, int], str]] = {}
        self.far: dict[str, FarCells] = {}
        self._grids: dict[str, list[list[Any]]] = {}

    def grid(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._grids:
            self._grids[sheet] = self._read_grid(sheet)
        return self._grids[sheet]

    def _read_grid(self, sheet: str) -> list[list[Any]]:
        raise NotImplementedError

    def cell(self, sheet: str, row: int, col: int) -> tuple[Any, str | None]:
        grid = self.grid(sheet)
        raw = grid[row][col] if row < len(grid) and col < len(grid[row]) else None
        formula = self.formulas.get(sheet, {}).get((row, col))
        return (None if raw == "" else raw), formula

    def meta(self) -> dict[str, str]:
        """The hidden _meta sheet, or the document's custom properties if the sheet is gone."""
        if META_SHEET in self.sheet_names:
            rows = self.grid(META_SHEET)
            return {as_text(r[0]).strip(): as_text(r[1]).strip() for r in rows[1:] if len(r) >= 2 and r[0]}
        found = {}
        for name, value in self.properties().items():
            if name.startswith(PROPERTY_PREFIX):
                value = value.strip()
                found[name.removeprefix(PROPERTY_PREFIX)] = "" if value == "-" else value
        return found

    def properties(self) -> dict[str, str]:
        return {}

    def saved_at(self) -> str:
        """When the workbook says it was last saved (ISO 8601 as written), or "" if it does not say."""
        return ""

    def _dated(self, part: str, local: str, namespaces: frozenset[str]) -> str:
        if not self.opened.has(part):
            return ""
        found = elements(self.opened.read_part(part), part, {local: namespaces})
        return found[-1][2].strip() if found else ""


DC_TERMS = frozenset({"http://purl.org/dc/terms/"})
DC_ELEMENTS = frozenset({"http://purl.org/dc/elements/1.1/"})


class XlsxBook(Book):
    """.xlsx, .xlsm, .xltx in either namespace family; cell values from python-calamine."""

    def __init__(self, opened: Opened, rows: int, cols: int) -> None:
        super().__init__(opened, rows, cols)
        self.sheet_parts: dict[str, str] = {}
        self._structure()
        scans: dict[str, SheetScan] = {}
        for sheet, part in self.sheet_parts.items():
            if opened.has(part):
                scans[sheet] = scan_sheet(opened.read_part(part), part, rows, cols)
        self.formulas = {sheet: scan.formulas for sheet, scan in scans.items()}
        self.far = {sheet: scan.far for sheet, scan in scans.items() if scan.far}
        bounded = {self.sheet_parts[s]: scan.bounded for s, scan in scans.items() if scan.bounded is not None}
        self._scanned = set(scans)
        try:
            self.calamine = CalamineWorkbook.from_filelike(io.BytesIO(self._package(bounded)))
            self.sheet_names = list(self.calamine.sheet_names)
        except Exception as exc:  # calamine raises its own error types for damaged parts
            raise Unusable(ProblemCode.CORRUPT, f"cannot read cells: {exc}") from None

    def _package(self, replaced: dict[str, bytes]) -> bytes:
        """The file as it came, or a copy (in memory, never on disk) whose far cells were cut out."""
        if not replaced:
            return self.opened.data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            for name, body in self.opened.parts.items():
                copy.writestr(name, replaced.get(name, body))
        return out.getvalue()

    def _structure(self) -> None:
        wanted = {"sheet": SPREADSHEET_NS, "definedName": SPREADSHEET_NS, "Relationship": PACKAGE_REL_NS}
        found = elements(self.opened.read_part("xl/workbook.xml"), "xl/workbook.xml", wanted)
        rels = "xl/_rels/workbook.xml.rels"
        if self.opened.has(rels):
            found += elements(self.opened.read_part(rels), rels, wanted)
        targets = {}
        for tag, attrs, _ in found:
            if tag == "Relationship":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                targets[attrs.get("Id")] = posixpath.normpath(path)
        for tag, attrs, text in found:
            if tag == "sheet":
                part = targets.get(relationship_id(attrs))
                if part:
                    self.sheet_parts[attrs.get("name", "")] = part
            elif tag == "definedName":
                name = attrs.get("name", "")
                if name.startswith(ANSWER_NAME_PREFIX) and attrs.get("localSheetId") is None:
                    self.names[name] = parse_ref(text)

    def _read_grid(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._scanned:  # its extent is unknown: python-calamine could be asked for anything
            raise Unusable(ProblemCode.CORRUPT, f"the part holding sheet {sheet!r} cannot be found")
        try:
            return self.calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:
            raise Unusable(ProblemCode.CORRUPT, f"cannot read sheet {sheet!r}: {exc}") from None

    def properties(self) -> dict[str, str]:
        part = "docProps/custom.xml"
        if not self.opened.has(part):
            return {}
        found = elements(self.opened.read_part(part), part, {"property": CUSTOM_PROPERTIES_NS})
        return {attrs.get("name", ""): text for _, attrs, text in found}

    def saved_at(self) -> str:
        """The core properties' dcterms:modified, which Excel and LibreOffice set on every save."""
        return self._dated("docProps/core.xml", "modified", DC_TERMS)


class OdsBook(Book):
    """.ods (any writer, indented or not) and flat .fods, read from their XML into bounded grids."""

    def __init__(self, opened: Opened, rows: int, cols: int) -> None:
        super().__init__(opened, rows, cols)
        self.content: OdsContent = read_ods(opened.read_part("content.xml"), "content.xml", rows, cols)
        self.sheet_names = self.content.sheet_names
        self.formulas = self.content.formulas
        self.far = {sheet: cells for sheet, cells in self.content.far.items() if cells}
        for name, address in self.content.ranges.items():
            if name.startswith(ANSWER_NAME_PREFIX):
                self.names[name] = parse_ref(address)

    def _read_grid(self, sheet: str) -> list[list[Any]]:
        return self.content.grids.get(sheet, [])

    def saved_at(self) -> str:
        part = "content.xml" if self.opened.kind == "fods" else "meta.xml"
        return self._dated(part, "date", DC_ELEMENTS)

    def properties(self) -> dict[str, str]:
        if self.opened.kind == "fods":
            return self.content.properties
        if not self.opened.has("meta.xml"):
            return {}
        return read_ods(self.opened.read_part("meta.xml"), "meta.xml", 0, 0).properties


def open_book(opened: Opened, rows: int, cols: int) -> Book:
    """The reader for this kind of file, bounded to ``rows`` x ``cols`` per sheet."""
    if opened.kind == "xlsx":
        return XlsxBook(opened, rows, cols)
    return OdsBook(opened, rows, cols)
