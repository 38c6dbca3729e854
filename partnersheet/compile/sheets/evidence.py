"""The Evidence sheet: every evidence note and comment, by partnership and indicator, streamed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import EXCLUDED, Comparison
from . import rows as rows_module
from .frame import CUT_NOTE, TABLE_TOP, framed_sheet, header_row
from .rows import Body, RowsSheet, shade_rows_where
from .styles import Styles

HEADERS = ("Partnership", "Indicator", "Rater", "Side", "Evidence or comment", "File", "Status")
WIDTHS = (26, 26, 18, 9, 80, 24, 10)
# Confidential: no writer, no file; notes of workbooks left out of the scores are left out here too.
ANONYMOUS = ("Partnership", "Indicator", "Side", "Evidence or comment")
ANONYMOUS_WIDTHS = (26, 26, 9, 96)
MORE = "… and {n:,} more notes and comments than a sheet holds: every one is on the Data sheets and in the tidy export"
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
    # Past Excel's last row the notes stop, and the last row says how many more there are and where
    # they are: every note is also a row of the Data sheets, which continue, and of the tidy export.
    room = rows_module.ROW_LIMIT - (top + 1)
    shown = n if n <= room else room - 1
    rest = n - shown
    header_row(ws, st, top, headers, widths, shown + (1 if rest else 0))
    if not n:
        ws.write_string(top + 1, 0, "No evidence notes or comments among the inputs.", st.note_plain)
        return

    def rows() -> Iterator[tuple[str, ...]]:
        for e in islice(c.evidence, shown):
            if c.anonymous:
                yield (e.partnership, e.indicator, e.side, e.text)
            else:
                yield (e.partnership, e.indicator, e.rater, e.side, e.text, os.path.basename(e.file), e.status)
        if rest:
            yield (MORE.format(n=rest),) + ("",) * (len(headers) - 1)

    def height(values: Sequence[Any]) -> float:
        return max(fit_height(value, width) for value, width in zip(values, widths, strict=True))

    formats = [st.wrap] * len(headers)
    ws.set_body(
        Body(rows, shown + (1 if rest else 0), len(headers), top + 1, formats=formats, height=height, cut_note=CUT_NOTE)
    )
    if not c.anonymous:
        shade_rows_where(ws, top + 1, top + shown, len(headers), headers.index("Status"), EXCLUDED, st.excluded_fill)
