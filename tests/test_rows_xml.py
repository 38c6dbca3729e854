"""The streamed sheet body (``compile/sheets/rows.py``) against XlsxWriter's own output.

``RowsSheet`` writes body rows straight into the worksheet XML through XlsxWriter internals, in the
form XlsxWriter uses in its public ``constant_memory`` mode. This writes the same rows both ways,
once streamed and once cell by cell with XlsxWriter's public API in ``constant_memory`` mode, then
parses both sheets and compares every cell (reference, type, value), its style (resolved through
styles.xml to number format, font, fill, border and alignment, not an index) and every row's height.
It compares meaning, not bytes: it is what guards the XlsxWriter version pin in setup.cfg.

Three differences are by design and allowed: XlsxWriter writes a text that starts with ``<r>`` and
ends with ``</r>`` unescaped, as its own rich-text markup (DESIGN.md fact 13), so the reference
writes a stand-in there and the streamed cell must hold the text exactly; a text written by the
cell API is a shared string in a normal workbook and an inline string in constant_memory mode (both
are text cells); and XlsxWriter
rounds a row height to whole pixels (409 points is written 408.75) where the streamed rows keep the
points given, so heights must agree within half a pixel.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from partnersheet.compile.sheets.rows import Body, RowsSheet, StyledRow
from partnersheet.workbook.cells import CUT_NOTE, TextWorkbook, fit_text, mistaken_for_markup
from partnersheet.workbook.generate import WORKBOOK_OPTIONS
from partnersheet.workbook.style import fit_height, row_height

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
LONG = "Lorem ipsum dolor sit amet. " * 1500  # beyond a cell's 32,767 characters: cut with the note
ODD_TEXTS = [
    "plain text",
    "a & b < c > d",
    "  leading and trailing spaces  ",
    "line one\nline two",
    "control \x01\x07 characters",
    "literal _x0041_ escape",
    "=SUM(A1:A9)",
    "+1 for the joint book club",
    "<r>looks like rich text</r>",
    "emoji 🙂 and accents é",
    "http://example.org/looks-like-a-link",
    LONG,
    "🙂" * 17000,  # 34,000 UTF-16 units in 17,000 characters
]
VALUES: list[Any] = [
    *ODD_TEXTS,
    "plain text",  # again: the streamed writer caches escaped texts
    None,
    "",
    0,
    -250,
    3.5,
    1 / 3,
    1e20,
    True,
    False,
    -0.0,
    float("nan"),  # no Excel number: written as its text, never as a <v> Excel must repair
    float("-inf"),
    date(2026, 3, 15),
    datetime(2026, 3, 15, 14, 30, 5),
    Path("not/a/string"),  # any other object is written as its text
]
N_COLS = 5
WIDTHS = (20, 30, 12, 40, 9)


def _rows(repeated: int = 0) -> list[tuple[Any, ...]]:
    """Every value in every column, shifted row by row so each column meets each kind.

    With ``repeated``, the first that many columns hold the same values over runs of three rows
    (as the Data sheet's file and names do), and runs of equal but differently typed values
    (1, 1.0, True) follow each other, which must not be drawn as the run before them. The columns
    after them recur (drawn once, then reused): every row's is met again under another head, and
    equal but differently typed ones (1, 1.0, True, 0, 0.0, False) must each be drawn as typed.
    """
    n = len(VALUES)
    rows = [tuple(VALUES[(i + col) % n] for col in range(N_COLS)) for i in range(n)]
    if not repeated:
        return rows
    heads = [tuple(VALUES[(i // 3 + col) % n] for col in range(repeated)) for i in range(n)]
    heads += [(1,) * repeated, (1.0,) * repeated, (True,) * repeated, ("1",) * repeated]
    rows += rows[: len(heads) - n]
    drawn = [head + row[repeated:] for head, row in zip(heads, rows, strict=True)]
    width = N_COLS - repeated
    typed = [(v,) * width for v in (1, 1.0, True, "1", 1, 0, 0.0, False, 0, True)]
    again = [(f"head {i}",) * repeated + row[repeated:] for i, row in enumerate(drawn)]
    return drawn + [("typed",) * repeated + tail for tail in typed] + again


def _height(values: Sequence[Any]) -> float:
    return max(fit_height(str(v) if v is not None else "", w) for v, w in zip(values, WIDTHS, strict=True))


def _formats(wb: Any) -> dict[str, Any]:
    """The same formats, added in the same order, to either workbook."""
    return {
        "header": wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "text_wrap": True}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "score": wb.add_format({"num_format": "0.00", "border": 1}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
    }


def _column_formats(f: dict[str, Any]) -> list[Any]:
    return [f["wrap"], f["wrap"], f["score"], None, f["wrap"]]


def _cell_formats(f: dict[str, Any], r: int) -> list[Any]:
    """The "Styled" sheet's formats, cell by cell: each row differs (StyledRow), some cells have none."""
    cycle = [f["wrap"], f["score"], None, f["header"], f["wrap"], None]
    return [cycle[(r + col) % len(cycle)] for col in range(N_COLS)]


def _styled_height(r: int, values: Sequence[Any]) -> float | None:
    """Every third row keeps the default height; the others are fitted to their values."""
    return None if r % 3 == 0 else _height(values)


SHEETS = {
    # name: (first body row, rows above it written with the cell API, heights or not)
    "Data": (1, 1, False),
    "Evidence": (4, 4, True),
    "Repeated": (1, 1, False),
    "Styled": (3, 3, True),
    "Repeated and tall": (2, 2, True),
}
REPEATED = {"Repeated": 2, "Repeated and tall": 3}  # leading columns drawn once per run


def _streamed() -> bytes:
    buffer = io.BytesIO()
    wb = TextWorkbook(buffer, WORKBOOK_OPTIONS)
    f = _formats(wb)
    for name, (first, above, heights) in SHEETS.items():
        rows = _rows(REPEATED.get(name, 0))
        ws = wb.add_worksheet(name, worksheet_class=RowsSheet)
        for r in range(above):
            ws.write_string(r, 0, f"{name} heading {r}", f["header"])
        if name == "Styled":
            rows = [StyledRow(v, _cell_formats(f, r), _styled_height(r, v)) for r, v in enumerate(rows)]
        ws.set_body(
            Body(
                lambda rows=rows: iter(rows),
                len(rows),
                N_COLS,
                first,
                f["date"],
                formats=_column_formats(f),
                height=_height if heights else None,
                cut_note=CUT_NOTE,
                repeated=REPEATED.get(name, 0),
            )
        )
    wb.close()
    return buffer.getvalue()


STAND_IN = "stand-in for text XlsxWriter would take for markup"


def _reference(path: Path) -> tuple[bytes, dict[str, dict[str, str]]]:
    """The same rows through XlsxWriter's public API, in its constant_memory mode; and per sheet,
    the cells (A1 references) where a stand-in replaces markup-like text, with that text."""
    options = {k: v for k, v in WORKBOOK_OPTIONS.items() if k != "in_memory"} | {"constant_memory": True}
    wb = xlsxwriter.Workbook(str(path), options)
    stand_ins: dict[str, dict[str, str]] = {name: {} for name in SHEETS}
    f = _formats(wb)
    column_formats = _column_formats(f)
    for name, (first, above, heights) in SHEETS.items():
        ws = wb.add_worksheet(name)
        for r in range(above):
            ws.write_string(r, 0, f"{name} heading {r}", f["header"])
        for r, values in enumerate(_rows(REPEATED.get(name, 0)), start=first):
            styled = name == "Styled"
            height = _styled_height(r - first, values) if styled else _height(values) if heights else None
            if height is not None:
                ws.set_row(r, row_height(height))
            for col, value in enumerate(values):
                fmt = _cell_formats(f, r - first)[col] if styled else column_formats[col]
                if value is None or value == "":
                    ws.write_blank(r, col, None, fmt)
                elif isinstance(value, bool):
                    ws.write_boolean(r, col, value, fmt)
                elif isinstance(value, float) and not math.isfinite(value):
                    ws.write_string(r, col, str(value), fmt)
                elif isinstance(value, int | float):
                    ws.write_number(r, col, value, fmt)
                elif isinstance(value, datetime | date):
                    ws.write_datetime(r, col, value, f["date"])
                else:
                    text = fit_text(str(value), CUT_NOTE)
                    if mistaken_for_markup(text):
                        stand_ins[name][xl_rowcol_to_cell(r, col)] = text
                        text = STAND_IN
                    ws.write_string(r, col, text, fmt)
    wb.close()
    return path.read_bytes(), stand_ins


def _styles(book: zipfile.ZipFile) -> list[tuple[Any, ...]]:
    """Each cell style (cellXfs entry) as what it means: number format, font, fill, border, alignment."""
    root = ET.fromstring(book.read("xl/styles.xml"))
    codes = {nf.get("numFmtId"): nf.get("formatCode") for nf in root.iterfind("m:numFmts/m:numFmt", NS)}
    parts = {
        kind: [ET.tostring(e) for e in root.iterfind(f"m:{kind}s/m:{kind}", NS)] for kind in ("font", "fill", "border")
    }
    styles = []
    for xf in root.iterfind("m:cellXfs/m:xf", NS):
        num = xf.get("numFmtId", "0")
        alignment = xf.find("m:alignment", NS)
        styles.append(
            (
                codes.get(num, num),
                parts["font"][int(xf.get("fontId", "0"))],
                parts["fill"][int(xf.get("fillId", "0"))],
                parts["border"][int(xf.get("borderId", "0"))],
                tuple(sorted(alignment.attrib.items())) if alignment is not None else (),
            )
        )
    return styles


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    root = ET.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iterfind(".//m:t", NS)) for si in root.iterfind("m:si", NS)]


def _sheet(data: bytes, index: int) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
    """(dimension, {cell ref: (type, value, style)}, {row number: (height, custom height)})."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        styles = _styles(book)
        shared = _shared_strings(book)
        root = ET.fromstring(book.read(f"xl/worksheets/sheet{index}.xml"))
    dimension = root.find("m:dimension", NS)
    cells: dict[str, Any] = {}
    rows: dict[str, Any] = {}
    for row in root.iterfind("m:sheetData/m:row", NS):
        ht = row.get("ht")
        rows[row.get("r", "")] = (float(ht) if ht is not None else None, row.get("customHeight"))
        for c in row.iterfind("m:c", NS):
            kind = c.get("t", "n")
            v = c.find("m:v", NS)
            if kind == "inlineStr":
                kind, value = "text", "".join(t.text or "" for t in c.iterfind("m:is//m:t", NS))
            elif kind == "s":
                kind, value = "text", shared[int(v.text or "") if v is not None else 0]
            else:
                value = None if v is None else float(v.text or "") if kind == "n" else v.text
            cells[c.get("r", "")] = (kind, value, styles[int(c.get("s", "0"))])
    return (dimension.get("ref") if dimension is not None else None), cells, rows


@pytest.mark.parametrize(("index", "name"), list(enumerate(SHEETS, start=1)))
def test_streamed_rows_hold_what_xlsxwriter_itself_writes(tmp_path: Path, index: int, name: str) -> None:
    mine = _sheet(_streamed(), index)
    reference, stand_ins = _reference(tmp_path / "reference.xlsx")
    theirs = _sheet(reference, index)
    assert stand_ins[name], "markup-like text is among the rows"
    for ref, text in stand_ins[name].items():
        kind, value, style = theirs[1][ref]
        assert (kind, value) == ("text", STAND_IN)
        theirs[1][ref] = (kind, text, style)
    assert mine[0] == theirs[0], "sheet dimension"
    assert mine[2].keys() == theirs[2].keys(), "rows present"
    for r, (ht, custom) in theirs[2].items():
        mine_ht, mine_custom = mine[2][r]
        assert mine_custom == custom, r
        assert (mine_ht is None) == (ht is None) and abs((mine_ht or 0) - (ht or 0)) <= 0.375, (r, mine_ht, ht)
    assert mine[1].keys() == theirs[1].keys(), "cells present"
    for ref, cell in theirs[1].items():
        assert mine[1][ref] == cell, ref
    heights = SHEETS[name][2]
    assert len(theirs[1]) > len(_rows()) * (N_COLS - 2), "the reference wrote the rows"
    assert any(ht for ht, _ in theirs[2].values()) == heights


def test_xlsxwriter_is_the_version_the_pin_names() -> None:
    """setup.cfg pins XlsxWriter to the minor version this comparison was run against."""
    cfg = (Path(__file__).parents[1] / "setup.cfg").read_text()
    pin = next(line.split("xlsxwriter", 1)[1].strip() for line in cfg.splitlines() if "xlsxwriter>=" in line)
    low, high = (part.strip().lstrip("><=") for part in pin.split(","))
    version = tuple(int(x) for x in xlsxwriter.__version__.split(".")[:2])
    assert tuple(map(int, low.split(".")[:2])) <= version < tuple(map(int, high.split(".")[:2]))
