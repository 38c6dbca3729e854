"""The status workbook: a filterable Status sheet coloured by state, response rates, stray returns."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..files import atomic_write, display_basename, display_name
from ..workbook.generate import document_date
from ..workbook.xlsx_out import OutputBook
from .status import HAS_ERRORS, NOT_RETURNED, VALID, StatusReport

# Fill per state; text stays near-black on every fill (contrast well above 4.5:1).
STATE_FILLS = {NOT_RETURNED: "#F8CBAD", HAS_ERRORS: "#FFE699", VALID: "#C6EFCE"}
STATUS_HEADERS = (
    "Partnership",
    "Side",
    "Round",
    "Rater",
    "Email",
    "State",
    "What to do",
    "File",
    "Errors",
    "Cells to fix",
    "Older copies (superseded)",
    "Roster row",
)


def status_workbook(report: StatusReport) -> bytes:
    book = OutputBook("status report")
    book.wb.set_properties(
        {
            "title": "Who has returned their workbook",
            "subject": "Per roster row: not returned, returned with errors, or valid; response rates",
            "author": "partnersheet",
            "comments": f"Written by partnersheet {__version__}",
            "created": document_date().replace(tzinfo=None),
        }
    )
    rows = []
    for r in report.rows:
        who = r.row.who
        rows.append(
            (
                who.partner,
                who.side,
                who.round,
                who.rater,
                r.row.email,
                r.state,
                r.todo,
                display_basename(r.file) if r.file else "",
                r.errors if r.file else None,
                ", ".join(r.cells),
                ", ".join(display_basename(f) for f in r.older),
                r.row.where,
            )
        )
    ws = book.table(
        "Status",
        STATUS_HEADERS,
        rows,
        widths=(30, 10, 13, 22, 26, 20, 40, 34, 7, 30, 30, 11),
        wrap_cols=(0, 6, 7, 9, 10),
    )
    state_col = STATUS_HEADERS.index("State")
    for state, fill in STATE_FILLS.items():
        fmt = book.wb.add_format({"bg_color": fill, "font_color": "#000000", "valign": "top"})
        ws.conditional_format(
            1,
            state_col,
            max(len(rows), 1),
            state_col,
            {"type": "cell", "criteria": "==", "value": f'"{state}"', "format": fmt},
        )
    rates = report.rates()
    summary = book.table(
        "Response rates",
        ("Partnership", "Side", "Round", "On the roster", "Returned", "Valid", "Response rate (valid)"),
        [(g.partner, g.side, g.round, g.expected, g.returned, g.valid, g.rate) for g in rates],
        widths=(34, 10, 13, 13, 10, 8, 14),
        wrap_cols=(0,),
    )
    percent = book.wb.add_format({"num_format": "0%", "valign": "top"})
    for i, g in enumerate(rates, start=1):
        summary.write_number(i, 6, g.rate, percent)
    others = [(f, "not on the roster") for f in report.unmatched] + [(f, "could not be read") for f in report.unusable]
    others += [(f, f"another template ({f.template_id}): not this roster's") for f in report.other_templates]
    book.table(
        "Other files",
        ("File", "Why it is listed", "Partner", "Rater", "Round", "Errors", "Full path"),
        [
            (
                display_basename(f.file),
                why,
                f.identity.get("partner", ""),
                f.identity.get("rater", ""),
                f.identity.get("round", ""),
                f.errors,
                display_name(f.file),
            )
            for f, why in others
        ],
        widths=(34, 18, 28, 22, 13, 8, 60),
        wrap_cols=(0, 2, 6),
    )
    return book.close()


def write_status_workbook(report: StatusReport, path: Path, force: bool = False) -> Path:
    return atomic_write(path, status_workbook(report), force)
