"""The Trends sheet: each partnership's indicators round by round, what changed, and whether it counts.

Drawn only when some partnership was assessed in two rounds or more. Every figure comes from
``compile/trends.py``; this module only lays them out. The words about thresholds come from the
template's rating scale.
"""

from __future__ import annotations

from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from ..trends import OVERALL, TOO_FEW, InstrumentTrends, TrendRow
from .frame import TABLE_TOP, framed_sheet, header_row
from .indicators import ACTION
from .rows import Body, RowsSheet, StyledRow
from .styles import Styles

HEADERS = (
    "Partnership",
    "Indicator",
    "Round",
    "Score",
    "Band",
    "Change since previous round",
    "Previous round",
    "Raters",
    "Rated both rounds",
    "Left",
    "Joined",
    "Verdict",
)
WIDTHS = (30, 30, 14, 8, 17, 12, 14, 8, 9, 7, 7, 24)


def threshold_words(t: InstrumentTrends) -> str:
    """When a change is called, in words from the scale of the instrument."""
    scale = t.instrument.scale
    n = scale.change_raters
    return (
        f"A change is called only when the band moves or the score moves by {scale.change_levels:g} of a level or "
        f"more, and at least {n} rater{'s' * (n != 1)} rated the partnership in both rounds; otherwise the verdict "
        "says why not."
    )


def draw_trends(book: OutputBook, st: Styles, c: Comparison) -> None:
    shown = [t for t in c.trends if t.over_time]
    if not shown:
        return
    rows: list[tuple[InstrumentTrends, TrendRow]] = []
    single: list[str] = []
    for t in shown:
        for p in t.partnerships:
            if len(p.rounds) > 1:
                rows += [(t, r) for r in p.rows]
            else:
                single.append(p.latest.label)
    note = (
        f"Rounds in order ({c.rounds.how}): {', '.join(shown[0].rounds)}. Each partnership's scores round by round; "
        "the change is against the partnership's previous round. Raters are matched by name: 'Rated both rounds' "
        "stayed, 'Left' rated only the previous round, 'Joined' only this one. "
        + " ".join(dict.fromkeys(threshold_words(t) for t in shown))
        + " ▲ ▼ a change that counts; △ ▽ a move that does not."
    )
    if single:
        note += f" Assessed in one round only (not shown): {', '.join(single)}."
    follow = c.actions  # returned action plans: each action beside the indicator and round it addresses
    headers, widths = ((*HEADERS, ACTION[0]), (*WIDTHS, ACTION[1])) if follow else (HEADERS, WIDTHS)
    ws = framed_sheet(book, st, "Trends", "Trends: what changed since the previous round", note, widths, RowsSheet)
    top = TABLE_TOP
    header_row(ws, st, top, headers, widths, len(rows))
    body: list[StyledRow] = []
    for t, r in rows:
        overall = r.indicator == OVERALL
        first = not r.previous_round
        values: tuple[Any, ...] = (
            *(r.partner, r.indicator, r.round, r.score, r.band, r.change, r.previous_round, r.raters),
            *((None, None, None) if first else (r.stayed, r.left, r.joined)),
            r.verdict,
        )
        text = st.wrap_bold if overall else st.wrap
        fmts: tuple[Any, ...] = (
            *(text, text, st.wrap, st.score_bold if overall else st.score, st.wrap),
            st.change_called if r.called else st.change_uncalled,
            *(st.wrap, st.int, st.int, st.int, st.int),
            st.wrap_bold if r.called else (st.muted if r.verdict == TOO_FEW or first else st.wrap),
        )
        height = max(fit_height(str(values[c] or ""), WIDTHS[c], bold=overall) for c in (0, 1, 11))
        if follow and r.indicator_id:
            mine = follow.beside(t.instrument.template.id, r.partner, r.round, r.indicator_id)
            action = "\n".join(a.line() for a in mine)
            values, fmts = (*values, action), (*fmts, st.flag if any(a.overdue for a in mine) else st.wrap)
            height = max(height, fit_height(action, ACTION[1]))
        body.append(StyledRow(values, fmts, height))
    ws.set_body(Body(lambda: body, len(body), len(headers), top + 1, cut_note=book.cut_note))
    for t in shown:
        st.score_scale(ws, top + 1, 3, top + len(body), 3, t.instrument.scale)
