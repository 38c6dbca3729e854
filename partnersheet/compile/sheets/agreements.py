"""The Agreements sheet: per partnership, what each side committed beside what its table offered,
the goals with due dates, the milestones due soon and the review date.

Drawn only when agreements are among the inputs; the figures come from ``compile/agreements.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..agreements import SOON_DAYS, AgreementSummary
from ..core import Comparison
from .frame import TABLE_TOP, framed_sheet
from .styles import Styles

WIDTHS = (36, 30, 30, 14, 22)
LAST = len(WIDTHS) - 1
NO_OFFER = "Offered: no partnership table among the inputs names this organization"


def draw_agreements(book: OutputBook, st: Styles, c: Comparison) -> None:
    if not c.agreements:
        return
    as_of = c.compiled_at.date()
    note = (
        f"Each returned agreement: the resources each side committed beside what the partnership tables among the "
        f"inputs offered for that organization (found by its name), the SMART goals by due date, the milestones due "
        f"in the {SOON_DAYS} days from {as_of.isoformat()}, and the review date."
    )
    ws = framed_sheet(book, st, "Agreements", "Partnership agreements", note, WIDTHS)
    row = TABLE_TOP
    for a in c.agreements:
        row = _agreement(book, st, ws, row, a, as_of) + 1


def _header(book: OutputBook, st: Styles, ws: Any, row: int, headers: list[str]) -> None:
    for col, text in enumerate(headers):
        book.write_cell(ws, row, col, text, st.header)
    ws.set_row(row, max(fit_height(t, WIDTHS[i], bold=True) for i, t in enumerate(headers)))


def _line(book: OutputBook, st: Styles, ws: Any, row: int, label: str, value: Any, fmt: Any = None) -> None:
    ws.write_string(row, 0, label, st.label)
    book.merged_text(ws, row, 1, row, LAST, value, fmt or st.wrap)
    ws.set_row(row, fit_height(value if isinstance(value, str) else "", sum(WIDTHS[1:])))


def _agreement(book: OutputBook, st: Styles, ws: Any, row: int, a: AgreementSummary, as_of: date) -> int:
    """Draw one agreement from ``row``; returns the row after it."""
    book.merged_text(
        ws, row, 0, row, LAST, f"{a.partnership or '(partner not named)'}: {Path(a.file).name}", st.section
    )
    ws.set_row(row, 20)
    row += 1
    _line(book, st, ws, row, "Library", a.library)
    row += 1
    if a.review is None:
        review = "No review date"
    else:
        days = (a.review - as_of).days
        review = f"{a.review.isoformat()} ({f'in {days} days' if days >= 0 else f'{-days} days ago'})"
    _line(book, st, ws, row, "Review date", review)
    row += 1
    term = " to ".join(d.isoformat() for d in (a.start, a.end) if d is not None) or "Not given"
    _line(book, st, ws, row, "Term", term)
    row += 2
    offers = [f"Offered in {Path(o.file).name} (candidate {o.candidate})" for o in a.offers] or [NO_OFFER]
    _header(book, st, ws, row, ["Resources committed", "Committed in this agreement", *offers[: LAST - 1]])
    row += 1
    for r in a.resources:
        fmt = st.numbers.get(r.type, st.wrap)
        ws.write_string(row, 0, r.label, st.label)
        book.write_cell(ws, row, 1, r.committed, fmt)
        texts = [(r.label, WIDTHS[0]), (r.committed, WIDTHS[1])]
        for i, value in enumerate(r.offered[: LAST - 1], start=2):
            book.write_cell(ws, row, i, value, fmt)
            texts.append((value, WIDTHS[i]))
        ws.set_row(row, max(fit_height(t if isinstance(t, str) else "", w) for t, w in texts))
        row += 1
    row += 1
    row = _rows(
        book,
        st,
        ws,
        row,
        ["Goal", "How it is measured", "Target", "Due date", "Owner"],
        [(g["goal"], g["measure"], g["target"], g["due"], g["owner"]) for g in a.goals],
        "No goals written down.",
    )
    row += 1
    heading = f"Milestone due by {(as_of + timedelta(days=SOON_DAYS)).isoformat()}"
    rows = [(m["milestone"], m["owner"], m["status"], m["date"]) for m in a.milestones_soon]
    empty = f"No milestone due in the next {SOON_DAYS} days ({a.milestones} written down)."
    return _rows(book, st, ws, row, [heading, "Owner", "Status", "Date"], rows, empty)


def _rows(
    book: OutputBook, st: Styles, ws: Any, row: int, headers: list[str], rows: list[tuple[Any, ...]], empty: str
) -> int:
    _header(book, st, ws, row, headers)
    row += 1
    for values in rows:
        for col, value in enumerate(values):
            book.write_cell(ws, row, col, value, st.date if isinstance(value, date) else st.wrap)
        ws.set_row(row, max(fit_height(v if isinstance(v, str) else "", WIDTHS[i]) for i, v in enumerate(values)))
        row += 1
    if not rows:
        book.merged_text(ws, row, 0, row, LAST, empty, st.note)
        row += 1
    return row
