"""Choices counted by side (``compile/tallies.py``) on the Summary: a small table per summarised field.

One row per partnership at its latest round, one column per side and one for all raters, each cell
the answer chosen most with how many chose it; a withheld side's cell says why. Plain cells under a
header row, so a screen reader reads each answer with its side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...spec import Field
from ...workbook.style import LINE_HEIGHT, fit_height
from ...workbook.xlsx_out import OutputBook
from ..scores import Instrument, PartnershipResult
from ..tallies import ChoiceSummary
from .styles import Styles

ALL_RATERS = "All raters"
NOTE = (
    "Each cell is the answer chosen by most raters of that side, with how many chose it of those who answered; "
    "a tie names each answer chosen most. Every answer, round by round, is on the Perspectives sheet."
)


def choice_heading(f: Field) -> str:
    """The heading of a summarised field's table: the question as raters read it."""
    return f"{f.label} (the answer each side chose most)"


def choice_headers(sides: Sequence[str]) -> list[str]:
    return [*(f"{side} side" for side in sides), ALL_RATERS]


def choice_cells(s: ChoiceSummary, sides: Sequence[str]) -> list[tuple[str, bool]]:
    """(text, withheld) per side then for all raters: the answer chosen most."""
    tallies = [s.by_side[side] for side in sides if side in s.by_side] + [s.overall]
    return [(t.most_words(), bool(t.withheld)) for t in tallies]


def draw_choice_tables(
    book: OutputBook,
    st: Styles,
    ws: Any,
    set_row: Callable[[int, float], None],
    widths: Sequence[float],
    instrument: Instrument,
    latest: Sequence[PartnershipResult],
    row: int,
) -> int:
    """Each of the instrument's summarised fields as a table from ``row``; returns the next free row."""
    last = len(widths) - 1
    for i, f in enumerate(instrument.tallied):
        heading = choice_heading(f)
        book.merged_text(ws, row, 0, row, last, heading, st.section)
        set_row(row, fit_height(heading, sum(widths), bold=True))
        row += 1
        ws.merge_range(row, 0, row, last, NOTE, st.note)
        set_row(row, fit_height(NOTE, sum(widths)))
        row += 1
        headers = ["Partnership", *choice_headers(instrument.sides)]
        for col, text in enumerate(headers):
            ws.write_string(row, col, text, st.header)
        set_row(row, max(fit_height(text, width, bold=True) for text, width in zip(headers, widths, strict=False)))
        for p in latest:
            row += 1
            book.write_cell(ws, row, 0, p.label, st.mid_bold)
            height = max(LINE_HEIGHT + 3, fit_height(p.label, widths[0], bold=True))
            for col, (text, withheld) in enumerate(choice_cells(p.choices[i], instrument.sides), start=1):
                book.write_cell(ws, row, col, text, st.withheld if withheld else st.mid_wrap)
                height = max(height, fit_height(text, widths[col]))
            set_row(row, height)
        row += 2
    return row
