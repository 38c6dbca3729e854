"""The Candidates sheet: the candidate organizations of each returned table side by side, totalled."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from .frame import TABLE_TOP, framed_sheet
from .styles import Styles


def draw_candidates(book: OutputBook, st: Styles, c: Comparison) -> None:
    widest = max((len(t.organizations) for t in c.candidates), default=3)
    org_width = 38 if widest <= 3 else 30
    widths = [30] + [org_width] * widest + [14]
    note = (
        "The candidate organizations of each returned table, side by side. Total adds each amount across the "
        "organizations; the last rows add what both sides would commit to each organization."
    )
    ws = framed_sheet(book, st, "Candidates", "Candidate organizations", note, widths)
    last = len(widths) - 1
    row = TABLE_TOP
    if not c.candidates:
        ws.write_string(row, 0, "No candidate tables among the inputs.", st.note_plain)
        return
    for table in c.candidates:
        book.merged_text(ws, row, 0, row, last, f"{table.title}: {Path(table.file).name}", st.section)
        ws.set_row(row, 20)
        row += 1
        for label, value in table.about:
            _label_and_text(book, st, ws, row, label, value, widths)
            row += 1
        ws.write_string(row, 0, "", st.header)
        for i, name in enumerate(table.organizations, start=1):
            book.write_cell(ws, row, i, name, st.header)
        ws.write_string(row, last, "Total", st.header)
        ws.set_row(row, fit_height(max(table.organizations, key=len, default=""), org_width, bold=True))
        row += 1
        for section in table.sections:
            ws.merge_range(row, 0, row, last, section.heading, st.band)
            row += 1
            for item in section.rows:
                ws.write_string(row, 0, item.label, st.label)
                fmt = st.numbers.get(item.kind, st.wrap)
                height = fit_height(item.label, widths[0], bold=True)
                for i, value in enumerate(item.values, start=1):
                    book.write_cell(ws, row, i, value, fmt)
                    if isinstance(value, str):
                        height = max(height, fit_height(value, org_width))
                for i in range(len(item.values) + 1, last):
                    ws.write_blank(row, i, None, fmt)
                book.write_cell(ws, row, last, item.total, st.numbers_bold.get(item.kind, st.wrap))
                ws.set_row(row, height)
                row += 1
        for label, value in table.notes:
            _label_and_text(book, st, ws, row, label, value, widths)
            row += 1
        row += 1


def _label_and_text(
    book: OutputBook, st: Styles, ws: Any, row: int, label: str, value: Any, widths: Sequence[float]
) -> None:
    """A label, then its answer across the rest of the row, tall enough for the answer."""
    last = len(widths) - 1
    ws.write_string(row, 0, label, st.label)
    book.merged_text(ws, row, 1, row, last, value, st.wrap)
    ws.set_row(row, max(fit_height(label, widths[0], bold=True), fit_height(value, sum(widths[1:]))))
