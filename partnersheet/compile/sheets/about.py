"""The About sheet: who compiled what, the templates and versions, how scores are computed, and
every input with its SHA-256."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ...workbook.style import fit_height
from ...workbook.xlsx_out import OutputBook
from ..core import Comparison
from .frame import STATUS_WORDS, framed_sheet
from .rows import Body, RowsSheet
from .styles import Styles
from .summary import scale_notes

WIDTHS = (34, 16, 16, 12, 38, 8, 9, 66)
INPUT_HEADERS = ("File", "Status", "Template", "Version", "Workbook id", "Errors", "Warnings", "SHA-256")
# Confidential: files and workbook ids by key (the coordinator's --identities file maps them back);
# no checksums, since the keys are made from the inputs' contents.
COUNT_COLUMNS = (5, 6)  # errors, warnings
KEYED_HEADERS = ("File key", "Status", "Template", "Version", "Workbook key", "Errors", "Warnings", "")


def draw_about(book: OutputBook, st: Styles, c: Comparison) -> None:
    ws = framed_sheet(book, st, "About", "About this comparison", "", WIDTHS, RowsSheet)
    stats = c.batch.stats()
    facts: tuple[tuple[str, str], ...] = (
        ("Made by", f"partnersheet {c.tool_version}"),
        ("Compiled", c.compiled_at.strftime("%Y-%m-%d %H:%M UTC")),
        (
            "Inputs",
            f"{stats['files']} files: {c.compiled - len(c.excluded)} in the scores, {len(c.excluded)} excluded "
            f"with problems, {c.unreadable} unreadable",
        ),
    )
    facts += tuple(("Confidentiality", f"{a.title}: {a.words()}") for a in c.applied.values())
    row = 2
    for label, value in facts:
        ws.write_string(row, 0, label, st.label)
        ws.merge_range(row, 1, row, 7, value, st.wrap)
        ws.set_row(row, fit_height(value, sum(WIDTHS[1:])))
        row += 1
    row += 1
    ws.write_string(row, 0, "Templates", st.subheading)
    row += 1
    for col, text in enumerate(("Template", "Title", "", "Current version", "Versions compiled (workbooks)")):
        ws.write_string(row, col, text, st.header)
    ws.merge_range(row, 1, row, 2, "Title", st.header)
    for tid, title, version, seen in c.templates:
        row += 1
        book.write_cell(ws, row, 0, tid, st.text)
        book.merged_text(ws, row, 1, row, 2, title, st.wrap)
        book.write_cell(ws, row, 3, version, st.text)
        book.write_cell(ws, row, 4, ", ".join(f"{v or '?'} ({n})" for v, n in seen.items()), st.text)
    if c.unsummarised:
        row = _notes(book, st, ws, row, "Answers on the Data sheet only", c.unsummarised)
    if c.version_notes:
        row = _notes(book, st, ws, row, "Versions compiled together", c.version_notes)
    lines = [line for res in c.instruments for line in scale_notes(res.instrument)]
    row = _notes(book, st, ws, row, "How the scores are computed", lines)
    row += 2
    ws.write_string(row, 0, "Inputs", st.subheading)
    row += 1
    for col, text in enumerate(KEYED_HEADERS if c.anonymous else INPUT_HEADERS):
        ws.write_string(row, col, text, st.header)
    if not c.inputs:
        return

    def rows() -> Iterator[tuple[Any, ...]]:
        for item in c.inputs:
            yield (
                *(item.file, STATUS_WORDS.get(item.status, item.status), item.template_id, item.template_version),
                *(item.workbook_id, item.errors, item.warnings, item.sha256),
            )

    def height(values: Sequence[Any]) -> float:
        return fit_height(values[0], WIDTHS[0], 1)

    # One row per input (10,000 for a large compile): streamed like the Data sheet, not held as cells.
    formats = [st.int if col in COUNT_COLUMNS else st.wrap for col in range(len(INPUT_HEADERS))]
    ws.set_body(Body(rows, len(c.inputs), len(INPUT_HEADERS), row + 1, formats=formats, height=height))


def _notes(book: OutputBook, st: Styles, ws: Any, row: int, heading: str, lines: Sequence[str]) -> int:
    """A subheading two rows below ``row`` and its lines, each as tall as its text; the last row used."""
    row += 2
    ws.write_string(row, 0, heading, st.subheading)
    for line in lines:
        row += 1
        book.merged_text(ws, row, 0, row, len(WIDTHS) - 1, line, st.note)
        ws.set_row(row, fit_height(line, sum(WIDTHS), 1))
    return row
