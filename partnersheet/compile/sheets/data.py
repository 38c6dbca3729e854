"""The Data sheet: the tidy table, one row per value read, excluded workbooks' rows shaded.

A thousand returns make ~30,000 rows; they are streamed into the sheet's XML (``rows.py``).
"""

from __future__ import annotations

from ...workbook.style import print_setup
from ...workbook.xlsx_out import OutputBook
from ..core import EXCLUDED, TIDY_COLUMNS, TIDY_KEYS, Comparison
from .frame import CUT_NOTE, FOOTER, header_row
from .rows import Body, RowsSheet, shade_rows_where
from .styles import Styles

WIDTHS = (28, 12, 14, 8, 22, 16, 9, 12, 7, 28, 40, 28, 28, 7, 12, 7, 10, 14)


def draw_data(book: OutputBook, st: Styles, c: Comparison) -> None:
    headers = [heading for _, heading in TIDY_COLUMNS]
    ws = book.wb.add_worksheet("Data", worksheet_class=RowsSheet)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    n = c.tidy_count
    header_row(ws, st, 0, headers, WIDTHS, n)
    ws.set_body(Body(c.tidy_rows, n, len(headers), 1, st.date, cut_note=CUT_NOTE))
    shade_rows_where(ws, 1, n, len(headers), TIDY_KEYS.index("status"), EXCLUDED, st.excluded_fill)
    print_setup(ws, footer=FOOTER)
