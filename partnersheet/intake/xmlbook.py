"""The XML layer under reading: workbook structure, sheet extents, formulas, and .ods/.fods cells.

Every client writes the same things differently: Excel "Strict Open XML" uses other namespaces,
some writers prefix every element (``<x:c>``), LibreOffice can indent its XML, Gnumeric writes
.ods python-calamine refuses. So elements are matched by local name within both namespace
families, and .ods and flat .fods files are read here directly, with expat (no tree; DTDs refused).

Bounded reading (python-calamine allocates a sheet's whole used range, so one value at XFD1048576
aborts the process): each sheet's extent is taken from its own cell references, never from
``<dimension>``. A sheet whose values all lie inside the bounds goes to python-calamine untouched;
otherwise the cells beyond them are cut out of a copy of its XML first, and only their positions
are kept, to be reported. An .ods is read straight into a bounded grid, whatever its repeat counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from xlsxwriter.utility import xl_cell_to_rowcol

from .problems import ProblemCode
from .safety import Unusable

# Both namespace families: ECMA-376 transitional, and ISO/IEC 29500 strict (Excel's "Strict Open XML").
SPREADSHEET_NS = frozenset(
    {"http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"}
)
RELATIONSHIP_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PACKAGE_REL_NS = frozenset({"http://schemas.openxmlformats.org/package/2006/relationships"})
CUSTOM_PROPERTIES_NS = frozenset(
    {
        "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
        "http://purl.oclc.org/ooxml/officeDocument/customProperties",
    }
)
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384

Element = tuple[str, dict[str, str], str]
"""(local name, attributes, text): attributes keyed by local name, or ``{namespace}name`` when qualified."""


def _refuse_dtd(*_: Any) -> None:
    raise Unusable(ProblemCode.XML_ENTITIES)


def _parser(namespaces: bool = True) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}") if namespaces else expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def _run(parser: expat.XMLParserType, data: bytes, part: str) -> None:
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise Unusable(ProblemCode.CORRUPT, f"{part} is not valid XML ({exc})") from None


def _split(tag: str) -> tuple[str, str]:
    """``namespace}local`` (expat's form) -> (namespace, local)."""
    ns, _, local = tag.rpartition("}")
    return ns, local


def elements(data: bytes, part: str, wanted: dict[str, frozenset[str]]) -> list[Element]:
    """The ``wanted`` elements (local name -> accepted namespaces), in document order, with their text.

    No tree is built (several times faster than ElementTree on ``xl/workbook.xml``) and it is as
    strict: any document type or entity declaration is refused.
    """
    found: list[Element] = []
    current: list[Any] = []
    text: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if current:
            return
        ns, local = _split(tag)
        if ns in wanted.get(local, ()):
            keyed = {(k.rpartition("}")[2] if "}" not in k else "{" + k): v for k, v in attrs.items()}
            current[:] = [local, keyed]
            text.clear()

    def end(tag: str) -> None:
        if current and _split(tag)[1] == current[0]:
            found.append((current[0], current[1], "".join(text)))
            current.clear()

    def chars(data: str) -> None:
        if current:
            text.append(data)

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    _run(parser, data, part)
    return found


def relationship_id(attrs: dict[str, str]) -> str | None:
    """A sheet's ``r:id``, in whichever relationships namespace the file uses."""
    return next((attrs[f"{{{ns}}}id"] for ns in RELATIONSHIP_NS if f"{{{ns}}}id" in attrs), None)


# --- .xlsx sheets: extent, formulas, and cutting what lies beyond the bounds ------------------------

# Every cell element's start tag, with its reference when that is its first attribute.
_CELL_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])(?:\sr="([A-Z]{1,3})([0-9]{1,7})")?')
_ANY_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_PLAIN_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_CONTENT = frozenset({"v", "is", "f"})


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


FAR_SAMPLE = 20


@dataclass
class FarCells:
    """Values beyond the bounds on one sheet: how many, and where the first few are (never what they hold)."""

    count: int = 0
    sample: list[tuple[int, int]] = field(default_factory=list)

    def add(self, position: tuple[int, int]) -> None:
        self.count += 1
        if len(self.sample) < FAR_SAMPLE:
            self.sample.append(position)

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class SheetScan:
    """What one sheet's XML holds beyond its values: formulas, and values beyond the bounds."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    far: FarCells = field(default_factory=FarCells)
    bounded: bytes | None = None
    """The sheet's XML without the far cells, when there were any."""


def scan_sheet(data: bytes, part: str, rows: int, cols: int) -> SheetScan:
    """Find a sheet's formulas and any value beyond ``rows`` x ``cols``, looking at every cell.

    The quick look suffices for what Excel, LibreOffice, XlsxWriter and openpyxl write: every cell
    element's first attribute is its reference, so a regular expression finds them all, and when
    none lies beyond the bounds and there is no formula, nothing more is needed. Anything else
    (cells without references, other attribute orders, UTF-16, formulas) is read with expat.
    """
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in data[:200]:
        refs = _CELL_TAG.findall(data)
        cols_seen = {c for c, _ in refs}
        # b"" among the columns: a cell whose reference is not its first attribute (or has none).
        plain = b"" not in cols_seen and not _ANY_FORMULA.search(data)
        if plain and _inside(refs, cols_seen, rows, cols):
            return SheetScan()
    return _scan_fully(data, part, rows, cols)


def _inside(refs: list[tuple[bytes, bytes]], cols_seen: set[bytes], rows: int, cols: int) -> bool:
    if not refs:
        return True
    return max(map(int, {r for _, r in refs})) <= rows and max(map(_col_number, cols_seen)) <= cols


def _scan_fully(data: bytes, part: str, rows: int, cols: int) -> SheetScan:
    """Walk every cell (positions as a spreadsheet counts them) and copy the XML minus far cells."""
    scan = SheetScan()
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    state: dict[str, Any] = {
        "in_data": False,
        "row": -1,
        "col": -1,
        "skip": 0,
        "cell": None,
        "content": False,
        "f": None,
    }
    formula_text: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if state["skip"]:
            state["skip"] += 1
            if local in _CONTENT:
                state["content"] = True
            return
        if local == "sheetData":
            state["in_data"] = True
        elif state["in_data"] and local == "row":
            given = attrs.get("r", "")
            state["row"] = int(given) - 1 if given.isdigit() else state["row"] + 1
            state["col"] = -1
            attrs = {**attrs, "r": str(state["row"] + 1)}
        elif state["in_data"] and local == "c":
            match = _PLAIN_REF.match(attrs.get("r", ""))
            if match:
                row, col = xl_cell_to_rowcol(match[1].upper() + match[2])
                state["row"] = row
            else:
                row, col = state["row"], state["col"] + 1
            state["col"] = col
            state["cell"], state["content"] = (row, col), False
            if row >= rows or col >= cols:
                state["skip"] = 1
                return
            attrs = {**attrs, "r": _ref(row, col)}
        elif state["in_data"] and local == "f" and state["cell"] is not None:
            state["f"] = state["cell"]
            formula_text.clear()
        out.append("<" + tag + "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items()) + ">")

    def end(tag: str) -> None:
        local = tag.rpartition(":")[2]
        if state["skip"]:
            state["skip"] -= 1
            if not state["skip"] and state["content"]:
                scan.far.add(state["cell"])
            if not state["skip"]:
                state["cell"] = None
            return
        if local == "f" and state["f"] is not None:
            scan.formulas[state["f"]] = "=" + "".join(formula_text)
            state["f"] = None
        elif local == "c":
            state["cell"] = None
        elif local == "sheetData":
            state["in_data"] = False
        out.append(f"</{tag}>")

    def chars(text: str) -> None:
        if state["skip"]:
            return
        if state["f"] is not None:
            formula_text.append(text)
        out.append(escape(text))

    parser = _parser(namespaces=False)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    _run(parser, data, part)
    if scan.far:
        scan.bounded = "".join(out).encode("utf-8")
    return scan


def _ref(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


# --- .ods and .fods: read straight into bounded grids -----------------------------------------------


@dataclass
class OdsContent:
    """An OpenDocument spreadsheet as the reader needs it, bounded to ``rows`` x ``cols`` per sheet."""

    sheet_names: list[str] = field(default_factory=list)
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    far: dict[str, FarCells] = field(default_factory=dict)
    ranges: dict[str, str] = field(default_factory=dict)
    """named range -> its cell-range-address, e.g. ``$'Rubric'.$C$5``"""
    properties: dict[str, str] = field(default_factory=dict)
    """user-defined document properties (meta.xml, or office:meta inside a .fods)"""


def _ods_value(attrs: dict[str, str], text: str) -> Any:
    """A cell's value as python-calamine gives it: float, date/datetime, bool, timedelta or text."""
    kind = attrs.get(f"{OFFICE}}}value-type", "")
    try:
        if kind in ("float", "percentage", "currency"):
            return float(attrs.get(f"{OFFICE}}}value", "0"))
        if kind == "date":
            stamp = attrs.get(f"{OFFICE}}}date-value", "")
            return datetime.fromisoformat(stamp) if "T" in stamp else date.fromisoformat(stamp)
        if kind == "boolean":
            return attrs.get(f"{OFFICE}}}boolean-value", "").lower() == "true"
        if kind == "time":
            match = re.fullmatch(r"-?PT(\d+)H(\d+)M([\d.]+)S", attrs.get(f"{OFFICE}}}time-value", ""))
            if match:
                return timedelta(hours=int(match[1]), minutes=int(match[2]), seconds=float(match[3]))
    except ValueError:
        pass
    if kind == "string" and f"{OFFICE}}}string-value" in attrs:
        return attrs[f"{OFFICE}}}string-value"]
    return text


def read_ods(data: bytes, part: str, rows: int, cols: int) -> OdsContent:
    """Read an .ods ``content.xml`` (or a whole .fods) into grids no larger than ``rows`` x ``cols``.

    Repeated rows and cells (``number-rows-repeated``, ``number-columns-repeated``) are counted,
    never expanded beyond the bounds; values beyond them are only noted by position. Text is the
    paragraphs of a cell joined by line breaks, with ``<text:s/>``, ``<text:tab/>`` and
    ``<text:line-break/>`` as spaces, a tab and a line break; whitespace between elements (indented
    XML) and comments attached to a cell are not part of its value.
    """
    doc = OdsContent()
    st: dict[str, Any] = {"table": None, "row": 0, "row_repeat": 1, "cells": [], "col": 0, "cell": None}
    para: list[str] = []
    paras: list[str] = []
    depth: dict[str, Any] = {"p": 0, "note": 0, "meta": None}

    def start(tag: str, attrs: dict[str, str]) -> None:
        ns, local = _split(tag)
        if ns == TABLE:
            if local == "table":
                name = attrs.get(f"{TABLE}}}name", "")
                doc.sheet_names.append(name)
                st.update(table=name, row=0)
                doc.grids[name], doc.formulas[name], doc.far[name] = [], {}, FarCells()
            elif local == "table-row" and st["table"] is not None:
                st.update(row_repeat=_count(attrs.get(f"{TABLE}}}number-rows-repeated"), EXCEL_ROWS), cells=[], col=0)
            elif local in ("table-cell", "covered-table-cell") and st["table"] is not None:
                st["cell"] = attrs
                paras.clear()
            elif local == "named-range":
                doc.ranges[attrs.get(f"{TABLE}}}name", "")] = attrs.get(f"{TABLE}}}cell-range-address", "")
        elif ns == OFFICE and local == "annotation":
            depth["note"] += 1
        elif st["cell"] is not None and not depth["note"] and ns == TEXT:
            if local in ("p", "h"):
                depth["p"] += 1
                para.clear()
            elif local == "s":
                para.append(" " * _count(attrs.get(f"{TEXT}}}c"), 1024))
            elif local == "tab":
                para.append("\t")
            elif local == "line-break":
                para.append("\n")
        elif ns == META and local == "user-defined":
            depth["meta"] = attrs.get(f"{META}}}name", "")
            para.clear()

    def end(tag: str) -> None:
        ns, local = _split(tag)
        if ns == TABLE and st["table"] is not None:
            if local in ("table-cell", "covered-table-cell") and st["cell"] is not None:
                _end_cell(doc, st, "\n".join(paras), rows, cols)
            elif local == "table-row":
                _end_row(doc, st, rows)
            elif local == "table":
                _trim(doc.grids[st["table"]])
                st["table"] = None
        elif ns == OFFICE and local == "annotation":
            depth["note"] -= 1
        elif ns == TEXT and local in ("p", "h") and depth["p"] and not depth["note"]:
            depth["p"] -= 1
            paras.append("".join(para))
        elif ns == META and local == "user-defined" and depth["meta"] is not None:
            doc.properties[depth["meta"]] = "".join(para)
            depth["meta"] = None

    def chars(text: str) -> None:
        if (depth["p"] and not depth["note"]) or depth["meta"] is not None:
            para.append(text)

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    _run(parser, data, part)
    return doc


def _count(text: str | None, limit: int) -> int:
    return min(int(text), limit) if text and text.isdigit() and int(text) > 0 else 1


def _end_cell(doc: OdsContent, st: dict[str, Any], text: str, rows: int, cols: int) -> None:
    attrs, table = st["cell"], st["table"]
    st["cell"] = None
    repeat = _count(attrs.get(f"{TABLE}}}number-columns-repeated"), EXCEL_COLS)
    formula = attrs.get(f"{TABLE}}}formula")
    value = _ods_value(attrs, text)
    col = st["col"]
    st["col"] = col + repeat
    if value == "" and formula is None:
        return
    for c in range(col, min(col + repeat, EXCEL_COLS)):
        if c >= cols or st["row"] >= rows:
            doc.far[table].add((st["row"], c))
            break  # one position is enough to report a repeated value
        st["cells"].append((c, value))
        if formula:
            for r in range(st["row"], min(st["row"] + st["row_repeat"], rows)):
                doc.formulas[table][(r, c)] = formula.split(":", 1)[1] if formula.startswith("of:") else formula


def _end_row(doc: OdsContent, st: dict[str, Any], rows: int) -> None:
    grid, cells, first = doc.grids[st["table"]], st["cells"], st["row"]
    st["row"] = first + st["row_repeat"]
    if not cells:
        return
    if first + st["row_repeat"] > rows:
        doc.far[st["table"]].add((max(first, rows), cells[0][0]))
    for r in range(first, min(first + st["row_repeat"], rows)):
        while len(grid) <= r:
            grid.append([])
        line = grid[r]
        for c, value in cells:
            while len(line) <= c:
                line.append("")
            line[c] = value


def _trim(grid: list[list[Any]]) -> None:
    """Make the grid rectangular, as python-calamine returns it (empty cells are "")."""
    width = max((len(line) for line in grid), default=0)
    for line in grid:
        line.extend([""] * (width - len(line)))


def plain_ref(row: int, col: int) -> str:
    """A cell reference like ``XFD1048576`` for a zero-based position."""
    return _ref(row, col)
