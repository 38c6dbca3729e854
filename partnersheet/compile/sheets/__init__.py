"""The comparison workbook, drawn from a Comparison with XlsxWriter: one module per sheet.

Every number is a value computed in Python (never a formula, whose cached result some clients show
as 0); every answer a respondent typed goes through ``OutputBook.write_cell``, which writes strings
as strings. ``frame`` holds what the sheets share (title and note, header row, printed page),
``styles`` the formats, ``rows`` the streamed body of the two long sheets (Evidence, Data). This
module only puts the sheets in order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...files import atomic_write_with
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from .about import draw_about
from .actions import draw_actions
from .agreements import draw_agreements
from .candidates import draw_candidates
from .data import draw_data
from .evidence import draw_evidence
from .frame import CUT_NOTE
from .indicators import draw_indicators
from .perspectives import draw_perspectives
from .problems import draw_problems
from .styles import Styles
from .summary import draw_summary
from .trends import draw_trends

__all__ = ["CUT_NOTE", "SHEETS", "build_workbook", "write_comparison"]

# The sheets in the order a reader meets them: the director's page first, the evidence last.
SHEETS: tuple[Callable[[OutputBook, Styles, Comparison], None], ...] = (
    draw_summary,
    draw_trends,
    draw_indicators,
    draw_perspectives,
    draw_candidates,
    draw_agreements,
    draw_actions,
    draw_evidence,
    draw_data,
    draw_problems,
    draw_about,
)


def build_workbook(c: Comparison, target: Path | None = None) -> bytes:
    """The whole comparison workbook: its bytes, or (with ``target``) streamed into that file."""
    book = OutputBook("comparison", cut_note=CUT_NOTE, target=target)
    st = Styles(book)
    book.wb.set_properties(
        {
            "title": "Partnership comparison",
            "subject": "Compiled from returned partnersheet workbooks",
            "author": "partnersheet",
            "comments": f"Compiled by partnersheet {c.tool_version} from {c.compiled} workbooks",
            "created": c.compiled_at.replace(tzinfo=None),
        }
    )
    book.wb.set_size(1400, 900)
    for draw in SHEETS:
        draw(book, st, c)
    return book.close()


def write_comparison(c: Comparison, path: Path, force: bool = False) -> Path:
    """Write the comparison workbook to ``path``, atomically, streamed through a temporary file beside
    it; refuse to overwrite unless ``force``."""
    return atomic_write_with(path, lambda tmp: build_workbook(c, tmp), force)
