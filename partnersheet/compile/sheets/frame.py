"""What every table sheet of the comparison shares: its frame (title, note, printed page) and its
header row, and the words used on several sheets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...workbook.style import LETTER, MARGINS, fit_height, footer, print_setup
from ...workbook.xlsx_out import OutputBook
from .styles import Styles

FOOTER = footer("partnersheet comparison: &A")
# How a text too long for one cell ends on the comparison's sheets: the tidy export keeps it whole.
CUT_NOTE = (
    " [… cut here: an Excel cell holds at most 32,767 characters; the whole text is in the tidy data "
    "export (compile --data)]"
)
STATUS_WORDS = {
    "valid": "in the scores",
    "invalid": "excluded from scores",
    "unreadable": "not read",
    "superseded": "replaced by a newer copy",
}
TABLE_TOP = 3  # the row of a framed sheet's header row (title, note and a gap above it)


def framed_sheet(
    book: OutputBook,
    st: Styles,
    name: str,
    title: str,
    note: str,
    widths: Sequence[float],
    worksheet_class: type | None = None,
) -> Any:
    """A sheet with a title and a note above its table; returns it, the table starts on row 3."""
    ws = book.wb.add_worksheet(name, worksheet_class=worksheet_class)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, title, st.title)
    ws.set_row(0, 24)
    if note:
        ws.merge_range(1, 0, 1, max(len(widths) - 1, 1), note, st.note)
        ws.set_row(1, fit_height(note, sum(widths)))
    print_setup(ws, footer=FOOTER, paper=LETTER, margins=MARGINS)
    return ws


def header_row(ws: Any, st: Styles, row: int, headers: Sequence[str], widths: Sequence[float], n_rows: int) -> None:
    """A bold header row, tall enough for its longest heading, frozen, filterable, repeated in print."""
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, st.header)
    ws.set_row(row, max(fit_height(text, width, bold=True) for text, width in zip(headers, widths, strict=False)))
    ws.freeze_panes(row + 1, 0)
    ws.autofilter(row, 0, row + max(n_rows, 1), len(headers) - 1)
    ws.repeat_rows(row)
