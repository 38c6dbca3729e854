"""The Problems sheet: every problem found in the inputs, with its effect on the scores."""

from __future__ import annotations

from typing import Any

from ...files import display_basename
from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from .frame import STATUS_WORDS, TABLE_TOP, framed_sheet, header_row
from .styles import Styles

HEADERS = (
    "File",
    "Effect",
    "Severity",
    "Code",
    "Sheet",
    "Cell",
    "Field",
    "Value seen",
    "What is wrong",
    "How to fix it",
)
WIDTHS = (28, 15, 8, 18, 11, 6, 28, 18, 48, 44)


def draw_problems(book: OutputBook, st: Styles, c: Comparison) -> None:
    excluded, unreadable = len(c.excluded), c.unreadable
    note = (
        f"{excluded} workbook{'s' * (excluded != 1)} with errors (excluded from scores, still listed on Data) "
        f"and {unreadable} unreadable file{'s' * (unreadable != 1)}. Warnings do not exclude a workbook."
    )
    ws = framed_sheet(book, st, "Problems", "Problems found in the inputs", note, WIDTHS)
    top = TABLE_TOP
    reports = sorted(c.batch.files, key=lambda f: f.file)
    rows = [(f, p) for f in reports for p in f.problems]
    header_row(ws, st, top, HEADERS, WIDTHS, len(rows))
    for row, (f, p) in enumerate(rows, start=top + 1):
        values: tuple[Any, ...] = (
            *(display_basename(p.file), STATUS_WORDS.get(f.status, f.status), p.severity, p.code, p.sheet, p.cell),
            *(p.field_label, p.value, p.message, p.hint),
        )
        for col, value in enumerate(values):
            book.write_cell(ws, row, col, value, st.wrap)
        ws.set_row(row, max(fit_height(str(v or ""), w) for v, w in zip(values, WIDTHS, strict=True)))
    if not rows:
        ws.write_string(top + 1, 0, "No problems found.", st.note_plain)
