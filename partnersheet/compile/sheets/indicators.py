"""The Indicators sheet: each partnership's score per indicator, its spread, and what to discuss."""

from __future__ import annotations

from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from .actions import actions_note
from .frame import TABLE_TOP, framed_sheet, header_row
from .rows import Body, RowsSheet, StyledRow
from .styles import Styles

HEADERS = (
    "Partnership",
    "Indicator",
    "Score",
    "Band",
    "Ratings",
    "Raters",
    "Not observed",
    "Lowest",
    "Highest",
    "Spread",
    "Largest gap between raters (levels)",
    "For discussion",
)
WIDTHS = (30, 30, 8, 17, 8, 8, 9, 8, 8, 8, 13, 50)
ACTION = ("Action (status, owner, due)", 60)  # shown when returned action plans are among the inputs


def draw_indicators(book: OutputBook, st: Styles, c: Comparison) -> None:
    instruments = c.instruments
    discuss = sorted({res.instrument.scale.discuss_levels for res in instruments}) or [2]
    note = (
        "Score: mean of the criterion ratings of all raters in the scores (Not observed is not counted). "
        "Lowest, Highest and Spread are over those ratings; the largest gap compares two raters on the same "
        f"criterion, and a gap of {' or '.join(map(str, discuss))} levels or more is flagged for discussion."
    )
    if c.version_notes:
        note += " " + " ".join(c.version_notes)
    follow = c.actions
    headers, widths = ((*HEADERS, ACTION[0]), (*WIDTHS, ACTION[1])) if follow else (HEADERS, WIDTHS)
    if follow:
        note += " " + actions_note(follow)
    ws = framed_sheet(book, st, "Indicators", "Indicators by partnership", note, widths, RowsSheet)
    rows = [(res, p, r) for res in instruments for p in res.partnerships for r in p.indicators]
    top = TABLE_TOP
    header_row(ws, st, top, headers, widths, len(rows))
    body: list[StyledRow] = []
    for res, p, r in rows:
        flag = "; ".join(f"{label} ({gap:g} levels apart)" for label, gap in r.flagged)
        values: tuple[Any, ...] = (
            *(p.label, r.indicator.label, r.score, r.band, r.ratings, r.raters, r.not_observed),
            *(r.low, r.high, r.spread, r.rater_gap if r.ratings else None, flag),
        )
        fmts: tuple[Any, ...] = (
            *(st.wrap, st.wrap, st.score, st.text, st.int, st.int, st.int, st.general, st.general, st.general),
            *(st.general, st.flag if flag else st.wrap),
        )
        texts = [(p.label, WIDTHS[0]), (r.indicator.label, WIDTHS[1]), (flag, WIDTHS[-1])]
        if follow:
            mine = follow.beside(res.instrument.template.id, p.partner, p.round, r.indicator.id)
            text = "\n".join(a.line() for a in mine)
            values, fmts = (*values, text), (*fmts, st.flag if any(a.overdue for a in mine) else st.wrap)
            texts.append((text, ACTION[1]))
        body.append(StyledRow(values, fmts, max(fit_height(text, width) for text, width in texts)))
    ws.set_body(Body(lambda: body, len(body), len(headers), top + 1, cut_note=book.cut_note))
    if rows:
        first = top + 1
        for res in instruments:  # each instrument's rows coloured on its own scale
            count = sum(len(p.indicators) for p in res.partnerships)
            if count:
                st.score_scale(ws, first, 2, first + count - 1, 2, res.instrument.scale)
            first += count
    else:
        ws.write_string(top + 1, 0, "No rated assessments among the inputs.", st.note_plain)
