"""The Evidence sheet: every evidence note and comment, by partnership and indicator, streamed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import EXCLUDED, Comparison
from .frame import CUT_NOTE, TABLE_TOP, framed_sheet, header_row
from .rows import Body, RowsSheet, shade_rows_where
from .styles import Styles

HEADERS = ("Partnership", "Indicator", "Rater", "Side", "Evidence or comment", "File", "Status")
WIDTHS = (26, 26, 18, 9, 80, 24, 10)
# Confidential: no writer, no file; notes of workbooks left out of the scores are left out here too.
ANONYMOUS = ("Partnership", "Indicator", "Side", "Evidence or comment")
ANONYMOUS_WIDTHS = (26, 26, 9, 96)
ANONYMOUS_NOTE = (
    "Every evidence note and comment of the workbooks in the scores, by partnership and indicator, without who "
    "wrote it (confidential). A note's side is left out where that side has too few raters to be shown (see "
    "Perspectives). Names of raters typed in a note read [name]."
)


def draw_evidence(book: OutputBook, st: Styles, c: Comparison) -> None:
    headers, widths = (ANONYMOUS, ANONYMOUS_WIDTHS) if c.anonymous else (HEADERS, WIDTHS)
    note = (
        ANONYMOUS_NOTE
        if c.anonymous
        else "Every evidence note and comment, by partnership and indicator, with who wrote it."
    )
    ws = framed_sheet(book, st, "Evidence", "Evidence and comments", note, widths, RowsSheet)
    top, n = TABLE_TOP, len(c.evidence)
    header_row(ws, st, top, headers, widths, n)
    if not n:
        ws.write_string(top + 1, 0, "No evidence notes or comments among the inputs.", st.note_plain)
        return

    def rows() -> Iterator[tuple[str, ...]]:
        for e in c.evidence:
            if c.anonymous:
                yield (e.partnership, e.indicator, e.side, e.text)
            else:
                yield (e.partnership, e.indicator, e.rater, e.side, e.text, os.path.basename(e.file), e.status)

    def height(values: Sequence[Any]) -> float:
        return max(fit_height(value, width) for value, width in zip(values, widths, strict=True))

    formats = [st.wrap] * len(headers)
    ws.set_body(Body(rows, n, len(headers), top + 1, formats=formats, height=height, cut_note=CUT_NOTE))
    if not c.anonymous:
        shade_rows_where(ws, top + 1, top + n, len(headers), headers.index("Status"), EXCLUDED, st.excluded_fill)
