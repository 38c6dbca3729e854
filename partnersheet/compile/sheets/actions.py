"""The Actions sheet: every action of the returned action plans, the overdue ones first.

Drawn only when action plans are among the inputs; the matching and the dates are computed in
``compile/actions.py``. The Indicators sheet shows each action beside the indicator it addresses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..actions import Action, FollowUp
from ..core import Comparison
from .frame import TABLE_TOP, framed_sheet, header_row
from .styles import Styles

HEADERS = (
    "Partnership",
    "Indicator",
    "Round",
    "Agreed action",
    "Owner",
    "Side",
    "Due date",
    "Status",
    "Days overdue",
    "Shown beside (Indicators sheet)",
    "How progress will be measured",
    "File",
    "Cell",
)
WIDTHS = (26, 28, 12, 40, 16, 9, 11, 12, 9, 36, 28, 28, 16)
WRAPPED = {0, 1, 3, 4, 9, 10, 11}


def actions_note(follow: FollowUp) -> str:
    """One sentence on the actions as of the compile date (Indicators and Actions sheets)."""
    n, late = len(follow.actions), len(follow.overdue)
    return (
        f"{n} action{'s' * (n != 1)} from returned action plans; {late} overdue on {follow.as_of.isoformat()} "
        f"(due before that date and not {' or '.join(follow.ending)}): the Actions sheet lists them first."
    )


def _order(a: Action) -> tuple[Any, ...]:
    """Overdue first (longest overdue first), then unmatched, then open by due date, closed last."""
    return (not a.overdue, -(a.days_overdue or 0), not a.unmatched, a.closed, a.due is None, a.due)


def draw_actions(book: OutputBook, st: Styles, c: Comparison) -> None:
    follow = c.actions
    if follow is None:
        return
    unmatched = len(follow.unmatched)
    note = actions_note(follow) + (
        f" {unmatched} name{'s' * (unmatched == 1)} no partnership, indicator or round of this comparison: "
        "Shown beside says why; they are kept, not dropped."
        if unmatched
        else " Each is shown beside the indicator it names (partnership, indicator and round, if given)."
    )
    ws = framed_sheet(book, st, "Actions", "Actions from returned action plans", note, WIDTHS)
    actions = sorted(follow.actions, key=_order)
    top = TABLE_TOP
    header_row(ws, st, top, HEADERS, WIDTHS, len(actions))
    for row, a in enumerate(actions, start=top + 1):
        beside = "; ".join(a.beside) if a.beside else f"Not matched: {a.unmatched}"
        values = (
            *(a.partnership, a.indicator, a.round, a.action, a.owner, a.side, a.due, a.status, a.days_overdue),
            *(beside, a.measure, Path(a.file).name, a.cell),
        )
        fmts = [st.wrap if col in WRAPPED else st.text for col in range(len(HEADERS))]
        fmts[6] = st.date
        fmts[8] = st.int
        if a.overdue:
            fmts[7] = fmts[8] = st.flag
        if a.unmatched:
            fmts[9] = st.flag
        for col, (value, fmt) in enumerate(zip(values, fmts, strict=True)):
            book.write_cell(ws, row, col, value, fmt)
        ws.set_row(row, max(fit_height(values[col], WIDTHS[col]) for col in WRAPPED))
    if not actions:
        ws.write_string(top + 1, 0, "The returned action plans hold no actions yet.", st.note_plain)
