"""The Data sheet: the tidy table, one row per value read, excluded workbooks' rows shaded.

A thousand returns make ~30,000 rows; they are streamed into the sheet's XML (``rows.py``). A sheet
holds at most ``rows.ROW_LIMIT`` rows (Excel's limit), one of them the header: when the values outnumber
them, the table continues on "Data 2", "Data 3", ..., each with its own header, so no value is
dropped and none is written past the limit.
"""

from __future__ import annotations

from itertools import islice

from ...workbook.style import print_setup
from ...workbook.xlsx_out import OutputBook
from ..core import EXCLUDED, TIDY_COLUMNS, TIDY_KEYS, Comparison
from . import rows as rows_module
from .frame import CUT_NOTE, FOOTER, header_row
from .rows import Body, RowsSheet, shade_rows_where
from .styles import Styles

WIDTHS = (28, 12, 14, 8, 22, 16, 9, 12, 7, 28, 40, 28, 28, 7, 12, 7, 10, 14)


def data_parts(n_rows: int) -> list[tuple[str, int, int]]:
    """(sheet name, first row, end row) of the tidy table on each Data sheet, below its header."""
    per = rows_module.ROW_LIMIT - 1
    starts = range(0, max(n_rows, 1), per)
    return [("Data" if k == 0 else f"Data {k + 1}", start, min(start + per, n_rows)) for k, start in enumerate(starts)]


def draw_data(book: OutputBook, st: Styles, c: Comparison) -> None:
    headers = [heading for _, heading in TIDY_COLUMNS]
    for name, start, end in data_parts(c.tidy_count):
        ws = book.wb.add_worksheet(name, worksheet_class=RowsSheet)
        for col, width in enumerate(WIDTHS):
            ws.set_column(col, col, width)
        n = end - start
        header_row(ws, st, 0, headers, WIDTHS, n)

        def rows(start: int = start, end: int = end) -> islice[tuple[object, ...]]:
            return islice(c.tidy_rows(), start, end)

        # A return's rows share the columns before the field (file, names, round): drawn once per return.
        same = TIDY_KEYS.index("field_id")
        ws.set_body(Body(rows, n, len(headers), 1, st.date, cut_note=CUT_NOTE, repeated=same))
        shade_rows_where(ws, 1, n, len(headers), TIDY_KEYS.index("status"), EXCLUDED, st.excluded_fill)
        print_setup(ws, footer=FOOTER)
