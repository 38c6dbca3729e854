"""Text as Excel can hold it: the one path by which any text reaches a cell the tool writes.

Two things about XlsxWriter and Excel decide this module:
- XlsxWriter stores a string that starts with ``<r>`` and ends with ``</r>`` unescaped in the
  shared strings, taking it for its own rich-text XML. A respondent who types such text would get a
  workbook Excel offers to repair (or, with ``&`` or ``<`` inside, malformed XML that LibreOffice
  reads as blanks from there on). Such text is written inline in the cell instead, escaped, as
  XlsxWriter writes strings in its constant-memory mode: every reader gets exactly the text typed.
  (A rich string of two runs would also be escaped, but calamine misreads ``_xHHHH_`` escapes
  inside runs.)
- A cell holds at most 32,767 UTF-16 code units (an emoji counts two). Longer text is cut at a
  character boundary and ends with a visible note saying so. (Row heights: ``style.py``.)
"""

from __future__ import annotations

import re
from collections import namedtuple
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from .style import row_height  # noqa: F401  (its home is style.py; kept importable from here)

EXCEL_MAX_TEXT = 32767  # UTF-16 code units
CUT_NOTE = " [… cut here: an Excel cell holds at most 32,767 characters]"
RICH_START, RICH_END = "<r>", "</r>"
# Text that needs work before it can sit in XML: markup characters, control characters (which
# become _xHHHH_ escapes), literal _xHHHH_ sequences (escaped in turn), and edge whitespace.
_NEEDS_CARE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")


def utf16_len(text: str) -> int:
    """Length as Excel counts it: characters beyond U+FFFF take two UTF-16 units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _cut(text: str, units: int) -> str:
    """The longest start of ``text`` within ``units`` UTF-16 units, never half a character."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            return text[:index]
    return text


def fit_text(text: str, note: str = CUT_NOTE) -> str:
    """``text`` unchanged when a cell can hold it, else cut so that it ends with ``note``."""
    if len(text) <= EXCEL_MAX_TEXT // 2 or utf16_len(text) <= EXCEL_MAX_TEXT:
        return text
    return _cut(text, EXCEL_MAX_TEXT - utf16_len(note)) + note


def mistaken_for_markup(text: str) -> bool:
    """Would XlsxWriter write this string raw, as its own rich-text XML?"""
    return text.startswith(RICH_START) and text.endswith(RICH_END)


InlineText = namedtuple("InlineText", "string, format")


class TextSheet(Worksheet):
    """A worksheet that can hold a string in the cell itself (an inline string), escaped.

    Used for text XlsxWriter would otherwise take for markup; every reader (Excel, LibreOffice,
    calamine, openpyxl) reads an inline string like any other string cell.
    """

    def write_inline_text(self, row: int, col: int, text: str, fmt: Any = None) -> int:
        if self._check_dimensions(row, col):
            return -1
        self.table[row][col] = InlineText(text, fmt)
        return 0

    def inline_xml(self, text: str) -> str:
        """The end of a ``<c>`` element holding ``text`` inline: ``' t="inlineStr">...</c>'``."""
        if not _NEEDS_CARE.search(text):
            return f' t="inlineStr"><is><t>{text}</t></is></c>'
        text = self._escape_data(self._escape_control_characters(text))
        preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f' t="inlineStr"><is><t{preserve}>{text}</t></is></c>'

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        if cell.__class__ is not InlineText:
            super()._write_cell(row, col, cell)
            return
        style = f' s="{cell.format._get_xf_index()}"' if cell.format is not None else ""
        self.fh.write(f'<c r="{xl_rowcol_to_cell(row, col)}"{style}' + self.inline_xml(cell.string))


class TextWorkbook(xlsxwriter.Workbook):
    """An XlsxWriter workbook whose worksheets can all take any text through ``write_text``."""

    worksheet_class = TextSheet


def write_text(ws: TextSheet, row: int, col: int, text: str, fmt: Any = None, note: str = CUT_NOTE) -> None:
    """Write ``text`` as a string cell, exactly as given (or cut with ``note`` when too long)."""
    text = fit_text(text, note)
    if mistaken_for_markup(text):
        ws.write_inline_text(row, col, text, fmt)
    else:
        ws.write_string(row, col, text, fmt)
