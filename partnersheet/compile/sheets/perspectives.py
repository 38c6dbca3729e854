"""The Perspectives sheet: each side's score per indicator (library and partner), and the gap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from ..tallies import ChoiceSummary
from .frame import TABLE_TOP, framed_sheet, header_row
from .rows import Body, RowsSheet, StyledRow
from .styles import Styles


def draw_perspectives(book: OutputBook, st: Styles, c: Comparison) -> None:
    instruments = c.instruments
    sides = next((res.instrument.sides for res in instruments if res.instrument.sides), ())
    headers = ["Partnership", "Indicator"]
    for side in sides:
        headers += [f"{side} score", f"{side} ratings"]
    if len(sides) >= 2:
        headers.append(f"Gap ({sides[0]} − {sides[1]})")
    # Answers counted by side (``summary = "by_side"``) share the side columns: wider, to hold them.
    counted = any(p.choices for res in instruments for p in res.partnerships)
    widths = [30, 32] + [26 if counted else 14, 9] * len(sides) + ([13] if len(sides) >= 2 else [])
    note = (
        f"Each side's score is the mean of its raters' criterion ratings. The gap is the {sides[0]} score minus "
        f"the {sides[1]} score: positive when the {sides[0].lower()} side rates the partnership higher; "
        "a gap of a whole level or more is shaded. 'All indicators' is the mean of the indicator scores."
        if len(sides) >= 2
        else "Scores by side, where a side is recorded."
    )
    held = sorted({a.min_raters for a in c.applied.values() if not a.attributed})
    if held and sides:
        note += (
            f" Confidential: a side's scores are shown only with at least {' or '.join(map(str, held))} raters from "
            "that side; otherwise the cell says why (an empty cell means no ratings). Those ratings still count "
            "in the overall scores on Summary and Indicators."
        )
    if counted:
        note += (
            " Below each partnership's scores, a question counted by side shows every answer each side chose, with "
            "how many of its raters chose it; the ratings column counts the raters who answered."
        )
    ws = framed_sheet(book, st, "Perspectives", "Perspectives: each side's view", note, widths, RowsSheet)
    top = TABLE_TOP
    n = sum(len(p.indicators) + 1 + len(p.choices) for res in instruments for p in res.partnerships)
    header_row(ws, st, top, headers, widths, n)
    body: list[StyledRow] = []
    for res in instruments:
        for p in res.partnerships:
            for r in p.indicators:
                values: list[Any] = [p.label, r.indicator.label]
                for side in sides:
                    s = r.by_side.get(side)
                    values += [(s.withheld or s.score) if s else None, s.ratings if s else None]
                if len(sides) >= 2:
                    why = {side: s.withheld for side, s in r.by_side.items() if s.withheld}
                    values.append(_why(why, {side: s.raters for side, s in r.by_side.items()}, sides) or r.gap(sides))
                body.append(_perspective_row(st, values, widths))
            values = [p.label, "All indicators"]
            for side in sides:
                values += [p.withheld.get(side) or p.side_overall.get(side), None]
            if len(sides) >= 2:
                values.append(_why(p.withheld, p.raters_by_side, sides) or p.side_gap(sides))
            body.append(_perspective_row(st, values, widths, bold=True))
            body += [_choice_row(st, p.label, choice, sides, widths) for choice in p.choices]
        row = top + len(body)
        if len(sides) >= 2 and row > top:
            step = res.instrument.step
            gap_col = len(headers) - 1
            for criteria, value in ((">=", step), ("<=", -step)):
                ws.conditional_format(
                    top + 1,
                    gap_col,
                    row,
                    gap_col,
                    {"type": "cell", "criteria": criteria, "value": value, "format": st.gap_fill},
                )
    ws.set_body(Body(lambda: body, len(body), len(headers), top + 1, cut_note=book.cut_note))
    if not body:
        ws.write_string(top + 1, 0, "No rated assessments among the inputs.", st.note_plain)


def _why(withheld: dict[str, str], raters: dict[str, int], sides: tuple[str, ...]) -> str:
    """Why a gap is not shown: the reason of the side with fewer raters."""
    held = [side for side in sides[:2] if side in withheld]
    return withheld[min(held, key=lambda side: raters.get(side, 0))] if held else ""


def _choice_row(st: Styles, label: str, s: ChoiceSummary, sides: tuple[str, ...], widths: Any) -> StyledRow:
    """A question counted by side: each side's answers (or why they are withheld), and how many answered."""
    values: list[Any] = [label, s.field.label] + [None] * (2 * len(sides))
    formats: list[Any] = [st.wrap, st.wrap] + [None] * (2 * len(sides))
    height = max(fit_height(label, widths[0]), fit_height(s.field.label, widths[1]))
    for i, side in enumerate(sides):
        tally = s.by_side.get(side)
        if tally is None:
            continue
        text = tally.all_words()
        values[2 + 2 * i], formats[2 + 2 * i] = text, st.withheld if tally.withheld else st.wrap
        values[3 + 2 * i], formats[3 + 2 * i] = tally.raters, st.int
        height = max(height, fit_height(text, widths[2 + 2 * i]))
    return StyledRow(values, formats, height)


def _perspective_row(st: Styles, values: list[Any], widths: Sequence[float], bold: bool = False) -> StyledRow:
    texts = [(str(v), widths[c]) for c, v in enumerate(values) if isinstance(v, str)]
    formats = []
    for col, value in enumerate(values):
        if col < 2:
            fmt = st.wrap_bold if bold else st.wrap
        elif col >= 2 and (col - 2) % 2 == 1 and col != len(values) - 1:
            fmt = st.int
        elif isinstance(value, str):  # why a figure is withheld
            fmt = st.withheld
        else:
            fmt = st.score_bold if bold else st.score
        formats.append(fmt)
    return StyledRow(values, formats, max(fit_height(text, width, bold=bold) for text, width in texts))
