"""The comparison workbook, drawn from a Comparison with XlsxWriter.

Every number is a value computed in Python (never a formula, whose cached result some clients show
as 0); every answer a respondent typed goes through ``OutputBook.write_cell``, which writes strings
as strings. The Summary page (chart and heatmap) is drawn by ``compile_summary``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..files import atomic_write, display_basename
from ..workbook.xlsx_out import OutputBook
from .core import EXCLUDED, TIDY_COLUMNS, TIDY_KEYS, Comparison
from .data import Body, RowsSheet, shade_rows_where
from .scores import InstrumentResult
from .styles import Styles, fit_height
from .summary import draw_summary, scale_notes

FOOTER = "&L&8partnersheet comparison: &A&R&8Page &P of &N"
# How a text too long for one cell ends on the comparison's sheets: the tidy export keeps it whole.
CUT_NOTE = (
    " [… cut here: an Excel cell holds at most 32,767 characters; the whole text is in the tidy data "
    "export (compile --data)]"
)
STATUS_WORDS = {"valid": "in the scores", "invalid": "excluded from scores", "unreadable": "not read"}


def build_workbook(c: Comparison) -> bytes:
    """The whole comparison workbook, in memory."""
    book = OutputBook("comparison", cut_note=CUT_NOTE)
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
    draw_summary(book, st, c)
    _indicators(book, st, c.instruments, c.version_notes)
    _perspectives(book, st, c.instruments)
    _candidates(book, st, c)
    _evidence(book, st, c)
    _data(book, st, c)
    _problems(book, st, c)
    _about(book, st, c)
    return book.close()


def write_comparison(c: Comparison, path: Path, force: bool = False) -> Path:
    return atomic_write(path, build_workbook(c), force)


def _sheet(
    book: OutputBook,
    st: Styles,
    name: str,
    title: str,
    note: str,
    widths: Sequence[float],
    worksheet_class: type | None = None,
) -> Any:
    """A sheet with a title and a note above its table; returns it, the table starts on row 3."""
    ws = book.wb.add_worksheet(name, worksheet_class=worksheet_class)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, title, st.title)
    ws.set_row(0, 24)
    if note:
        ws.merge_range(1, 0, 1, max(len(widths) - 1, 1), note, st.note)
        ws.set_row(1, fit_height(note, sum(widths)))
    ws.set_landscape()
    ws.set_paper(1)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.set_footer(FOOTER)
    return ws


def _header(ws: Any, st: Styles, row: int, headers: Sequence[str], widths: Sequence[float], n_rows: int) -> None:
    """A bold header row, tall enough for its longest heading, frozen, filterable, repeated in print."""
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, st.header)
    ws.set_row(row, max(fit_height(text, width, bold=True) for text, width in zip(headers, widths, strict=False)))
    ws.freeze_panes(row + 1, 0)
    ws.autofilter(row, 0, row + max(n_rows, 1), len(headers) - 1)
    ws.repeat_rows(row)


def _indicators(
    book: OutputBook, st: Styles, instruments: list[InstrumentResult], version_notes: Sequence[str] = ()
) -> None:
    headers = ("Partnership", "Indicator", "Score", "Band", "Ratings", "Raters", "Not observed")
    headers += ("Lowest", "Highest", "Spread", "Largest gap between raters (levels)", "For discussion")
    widths = (30, 30, 8, 17, 8, 8, 9, 8, 8, 8, 13, 50)
    discuss = sorted({res.instrument.scale.discuss_levels for res in instruments}) or [2]
    note = (
        "Score: mean of the criterion ratings of all raters in the scores (Not observed is not counted). "
        "Lowest, Highest and Spread are over those ratings; the largest gap compares two raters on the same "
        f"criterion, and a gap of {' or '.join(map(str, discuss))} levels or more is flagged for discussion."
    )
    if version_notes:
        note += " " + " ".join(version_notes)
    ws = _sheet(book, st, "Indicators", "Indicators by partnership", note, widths)
    rows = [(p, r) for res in instruments for p in res.partnerships for r in p.indicators]
    top = 3
    _header(ws, st, top, headers, widths, len(rows))
    row = top
    for p, r in rows:
        row += 1
        flag = "; ".join(f"{label} ({gap:g} levels apart)" for label, gap in r.flagged)
        values: tuple[Any, ...] = (p.label, r.indicator.label, r.score, r.band, r.ratings, r.raters, r.not_observed)
        values += (r.low, r.high, r.spread, r.rater_gap if r.ratings else None, flag)
        fmts = (st.wrap, st.wrap, st.score, st.text, st.int, st.int, st.int, st.general, st.general, st.general)
        fmts += (st.general, st.flag if flag else st.wrap)
        for col, (value, fmt) in enumerate(zip(values, fmts, strict=True)):
            book.write_cell(ws, row, col, value, fmt)
        texts = ((p.label, widths[0]), (r.indicator.label, widths[1]), (flag, widths[-1]))
        ws.set_row(row, max(fit_height(text, width) for text, width in texts))
    if rows:
        for res in instruments:
            st.score_scale(ws, top + 1, 2, row, 2, res.instrument.scale)
    else:
        ws.write_string(top + 1, 0, "No rated assessments among the inputs.", st.note_plain)


def _perspectives(book: OutputBook, st: Styles, instruments: list[InstrumentResult]) -> None:
    sides = next((res.instrument.sides for res in instruments if res.instrument.sides), ())
    headers = ["Partnership", "Indicator"]
    for side in sides:
        headers += [f"{side} score", f"{side} ratings"]
    if len(sides) >= 2:
        headers.append(f"Gap ({sides[0]} − {sides[1]})")
    widths = [30, 32] + [11, 10] * len(sides) + ([13] if len(sides) >= 2 else [])
    note = (
        f"Each side's score is the mean of its raters' criterion ratings. The gap is the {sides[0]} score minus "
        f"the {sides[1]} score: positive when the {sides[0].lower()} side rates the partnership higher; "
        "a gap of a whole level or more is shaded. 'All indicators' is the mean of the indicator scores."
        if len(sides) >= 2
        else "Scores by side, where a side is recorded."
    )
    ws = _sheet(book, st, "Perspectives", "Perspectives: each side's view", note, widths)
    top = 3
    n = sum(len(p.indicators) + 1 for res in instruments for p in res.partnerships)
    _header(ws, st, top, headers, widths, n)
    row = top
    for res in instruments:
        for p in res.partnerships:
            for r in p.indicators:
                row += 1
                values: list[Any] = [p.label, r.indicator.label]
                for side in sides:
                    s = r.by_side.get(side)
                    values += [s.score if s else None, s.ratings if s else None]
                if len(sides) >= 2:
                    values.append(r.gap(sides))
                _perspective_row(book, st, ws, row, values, widths)
            row += 1
            values = [p.label, "All indicators"]
            for side in sides:
                values += [p.side_overall.get(side), None]
            if len(sides) >= 2:
                values.append(p.side_gap(sides))
            _perspective_row(book, st, ws, row, values, widths, bold=True)
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
    if row == top:
        ws.write_string(top + 1, 0, "No rated assessments among the inputs.", st.note_plain)


def _perspective_row(
    book: OutputBook, st: Styles, ws: Any, row: int, values: list[Any], widths: Sequence[float], bold: bool = False
) -> None:
    ws.set_row(row, max(fit_height(str(values[c] or ""), widths[c], bold=bold) for c in (0, 1)))
    for col, value in enumerate(values):
        if col < 2:
            fmt = st.wrap_bold if bold else st.wrap
        elif col >= 2 and (col - 2) % 2 == 1 and col != len(values) - 1:
            fmt = st.int
        else:
            fmt = st.score_bold if bold else st.score
        book.write_cell(ws, row, col, value, fmt)


def _candidates(book: OutputBook, st: Styles, c: Comparison) -> None:
    widest = max((len(t.organizations) for t in c.candidates), default=3)
    org_width = 38 if widest <= 3 else 30
    widths = [30] + [org_width] * widest + [14]
    note = (
        "The candidate organizations of each returned table, side by side. Total adds each amount across the "
        "organizations; the last rows add what both sides would commit to each organization."
    )
    ws = _sheet(book, st, "Candidates", "Candidate organizations", note, widths)
    last = len(widths) - 1
    row = 3
    if not c.candidates:
        ws.write_string(row, 0, "No candidate tables among the inputs.", st.note_plain)
        return
    for table in c.candidates:
        book.merged_text(ws, row, 0, row, last, f"{table.title}: {Path(table.file).name}", st.section)
        ws.set_row(row, 20)
        row += 1
        for label, value in table.about:
            _label_and_text(book, st, ws, row, label, value, widths)
            row += 1
        ws.write_string(row, 0, "", st.header)
        for i, name in enumerate(table.organizations, start=1):
            book.write_cell(ws, row, i, name, st.header)
        ws.write_string(row, last, "Total", st.header)
        ws.set_row(row, fit_height(max(table.organizations, key=len, default=""), org_width, bold=True))
        row += 1
        for section in table.sections:
            ws.merge_range(row, 0, row, last, section.heading, st.band)
            row += 1
            for item in section.rows:
                ws.write_string(row, 0, item.label, st.label)
                fmt = st.numbers.get(item.kind, st.wrap)
                height = fit_height(item.label, widths[0], bold=True)
                for i, value in enumerate(item.values, start=1):
                    book.write_cell(ws, row, i, value, fmt)
                    if isinstance(value, str):
                        height = max(height, fit_height(value, org_width))
                for i in range(len(item.values) + 1, last):
                    ws.write_blank(row, i, None, fmt)
                book.write_cell(ws, row, last, item.total, st.numbers_bold.get(item.kind, st.wrap))
                ws.set_row(row, height)
                row += 1
        for label, value in table.notes:
            _label_and_text(book, st, ws, row, label, value, widths)
            row += 1
        row += 1
    ws.fit_to_pages(1, 0)


def _label_and_text(
    book: OutputBook, st: Styles, ws: Any, row: int, label: str, value: Any, widths: Sequence[float]
) -> None:
    """A label, then its answer across the rest of the row, tall enough for the answer."""
    last = len(widths) - 1
    ws.write_string(row, 0, label, st.label)
    book.merged_text(ws, row, 1, row, last, value, st.wrap)
    ws.set_row(row, max(fit_height(label, widths[0], bold=True), fit_height(value, sum(widths[1:]))))


def _evidence(book: OutputBook, st: Styles, c: Comparison) -> None:
    headers = ("Partnership", "Indicator", "Rater", "Side", "Evidence or comment", "File", "Status")
    widths = (26, 26, 18, 9, 80, 24, 10)
    note = "Every evidence note and comment, by partnership and indicator, with who wrote it."
    ws = _sheet(book, st, "Evidence", "Evidence and comments", note, widths, RowsSheet)
    top, n = 3, len(c.evidence)
    _header(ws, st, top, headers, widths, n)
    if not n:
        ws.write_string(top + 1, 0, "No evidence notes or comments among the inputs.", st.note_plain)
        return

    def rows() -> Iterator[tuple[str, ...]]:
        for e in c.evidence:
            yield (e.partnership, e.indicator, e.rater, e.side, e.text, os.path.basename(e.file), e.status)

    def height(values: Sequence[Any]) -> float:
        return max(fit_height(value, width) for value, width in zip(values, widths, strict=True))

    formats = [st.wrap] * len(headers)
    ws.set_body(Body(rows, n, len(headers), top + 1, formats=formats, height=height, cut_note=CUT_NOTE))
    shade_rows_where(ws, top + 1, top + n, len(headers), headers.index("Status"), EXCLUDED, st.excluded_fill)


def _data(book: OutputBook, st: Styles, c: Comparison) -> None:
    """The tidy table: one row per value read, excluded workbooks' rows shaded."""
    widths = (28, 12, 14, 8, 22, 16, 9, 12, 28, 40, 28, 28, 7, 12, 7, 10, 14)
    headers = [heading for _, heading in TIDY_COLUMNS]
    ws = book.wb.add_worksheet("Data", worksheet_class=RowsSheet)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    n = c.tidy_count
    _header(ws, st, 0, headers, widths, n)
    ws.set_body(Body(c.tidy_rows, n, len(headers), 1, st.date, cut_note=CUT_NOTE))
    shade_rows_where(ws, 1, n, len(headers), TIDY_KEYS.index("status"), EXCLUDED, st.excluded_fill)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_footer(FOOTER)


def _problems(book: OutputBook, st: Styles, c: Comparison) -> None:
    headers = ("File", "Effect", "Severity", "Code", "Sheet", "Cell", "Field", "Value seen", "What is wrong")
    headers += ("How to fix it",)
    widths = (28, 15, 8, 18, 11, 6, 28, 18, 48, 44)
    excluded, unreadable = len(c.excluded), c.unreadable
    note = (
        f"{excluded} workbook{'s' * (excluded != 1)} with errors (excluded from scores, still listed on Data) "
        f"and {unreadable} unreadable file{'s' * (unreadable != 1)}. Warnings do not exclude a workbook."
    )
    ws = _sheet(book, st, "Problems", "Problems found in the inputs", note, widths)
    top = 3
    reports = sorted(c.batch.files, key=lambda f: f.file)
    rows = [(f, p) for f in reports for p in f.problems]
    _header(ws, st, top, headers, widths, len(rows))
    for row, (f, p) in enumerate(rows, start=top + 1):
        values = (display_basename(f.file), STATUS_WORDS.get(f.status, f.status), p.severity, p.code, p.sheet, p.cell)
        values += (p.field_label, p.value, p.message, p.hint)
        for col, value in enumerate(values):
            book.write_cell(ws, row, col, value, st.wrap)
        ws.set_row(row, max(fit_height(str(v or ""), w) for v, w in zip(values, widths, strict=True)))
    if not rows:
        ws.write_string(top + 1, 0, "No problems found.", st.note_plain)


def _about(book: OutputBook, st: Styles, c: Comparison) -> None:
    widths = (34, 16, 16, 12, 38, 8, 9, 66)
    ws = _sheet(book, st, "About", "About this comparison", "", widths)
    stats = c.batch.stats()
    facts = (
        ("Made by", f"partnersheet {c.tool_version}"),
        ("Compiled", c.compiled_at.strftime("%Y-%m-%d %H:%M UTC")),
        (
            "Inputs",
            f"{stats['files']} files: {c.compiled - len(c.excluded)} in the scores, {len(c.excluded)} excluded "
            f"with problems, {c.unreadable} unreadable",
        ),
    )
    row = 2
    for label, value in facts:
        ws.write_string(row, 0, label, st.label)
        ws.merge_range(row, 1, row, 4, value, st.text)
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
    if c.version_notes:
        row += 2
        ws.write_string(row, 0, "Versions compiled together", st.subheading)
        for line in c.version_notes:
            row += 1
            book.merged_text(ws, row, 0, row, 7, line, st.note)
            ws.set_row(row, fit_height(line, sum(widths), 1))
    row += 2
    ws.write_string(row, 0, "How the scores are computed", st.subheading)
    for res in c.instruments:
        for line in scale_notes(res.instrument):
            row += 1
            ws.merge_range(row, 0, row, 7, line, st.note)
            ws.set_row(row, fit_height(line, sum(widths), 1))
    row += 2
    ws.write_string(row, 0, "Inputs", st.subheading)
    row += 1
    headers = ("File", "Status", "Template", "Version", "Workbook id", "Errors", "Warnings", "SHA-256")
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, st.header)
    for item in c.inputs:
        row += 1
        values = (item.file, STATUS_WORDS.get(item.status, item.status), item.template_id, item.template_version)
        values += (item.workbook_id, item.errors, item.warnings, item.sha256)
        for col, value in enumerate(values):
            book.write_cell(ws, row, col, value, st.int if isinstance(value, int) else st.wrap)
        ws.set_row(row, fit_height(item.file, widths[0], 1))
