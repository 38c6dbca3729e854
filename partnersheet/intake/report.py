"""Validation reports for people: a text summary for the terminal and a workbook to send back.

The terminal is the coordinator's: it speaks English. The workbook's rows are sent back to each
respondent: *What is wrong* and *How to fix it* are in the language of the workbook a row is
about, with the English beside them for the coordinator when that language is not English.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..files import atomic_write, display_basename, display_name
from ..i18n import BASE
from ..workbook.generate import document_date
from ..workbook.xlsx_out import OutputBook
from .validate import Batch

PROBLEM_HEADERS = (
    "File",
    "Sheet",
    "Cell",
    "Field",
    "Severity",
    "Code",
    "What is wrong",
    "How to fix it",
    "Value seen",
    "Language",
    "In English (for the coordinator)",
)


def text_report(batch: Batch, verbose_valid: bool = True) -> list[str]:
    """Problems grouped by file, each with where, what and how to fix; a closing count line."""
    lines: list[str] = []
    for report in batch.files:
        if not report.problems:
            if verbose_valid:
                lines.append(f"{report.file}: valid")
            continue
        counts = []
        if report.errors:
            counts.append(f"{report.errors} error{'s' * (report.errors != 1)}")
        if report.warnings:
            counts.append(f"{report.warnings} warning{'s' * (report.warnings != 1)}")
        label = "unreadable" if report.status == "unreadable" else ", ".join(counts)
        lines.append(f"{report.file}: {label}")
        for p in report.problems:
            where = f"{p.sheet}!{p.cell}" if p.sheet and p.cell else (p.sheet or "-")
            lines.append(f"  {p.severity:<7} {where:<22} [{p.code}] {p.message}")
            lines.append(f"  {'':<7} {'':<22} fix: {p.hint}")
    s = batch.stats()
    skipped = f", {s['skipped']} skipped" if s["skipped"] else ""
    skipped += f", {s['superseded']} replaced by a newer copy" if s["superseded"] else ""
    lines.append(
        f"Checked {s['files']} file{'s' * (s['files'] != 1)}: {s['valid']} valid, "
        f"{s['invalid']} with errors, {s['unreadable']} unreadable{skipped} "
        f"({s['errors']} errors, {s['warnings']} warnings)"
    )
    return lines


def problem_rows(batch: Batch) -> list[tuple[str, ...]]:
    return [
        (
            display_basename(p.file),
            p.sheet,
            p.cell,
            p.field_label,
            p.severity,
            p.code,
            p.local_message or p.message,
            p.local_hint or p.hint,
            p.value,
            p.lang,
            "" if p.lang == BASE else f"{p.message}. Fix: {p.hint}",
        )
        for p in batch.problems
    ]


def write_problem_workbook(batch: Batch, path: Path, force: bool = False) -> Path:
    """A workbook a coordinator can filter by file and send back: one row per problem."""
    book = OutputBook("problems report")
    book.wb.set_properties(
        {
            "title": "Problems found in returned workbooks",
            "subject": "What to fix in each returned partnersheet workbook, and where",
            "author": "partnersheet",
            "comments": f"Written by partnersheet {__version__} from {len(batch.files)} files",
            "created": document_date().replace(tzinfo=None),
        }
    )
    summary_rows = [
        (display_basename(f.file), f.status, f.errors, f.warnings, display_name(f.file)) for f in batch.files
    ]
    book.table(
        "Problems",
        PROBLEM_HEADERS,
        problem_rows(batch),
        widths=(28, 12, 6, 30, 8, 16, 40, 40, 16, 9, 40),
        wrap_cols=(0, 3, 6, 7, 8, 10),
    )
    book.table(
        "Files",
        ("File", "Status", "Errors", "Warnings", "Full path"),
        summary_rows,
        widths=(34, 12, 9, 10, 60),
        wrap_cols=(0, 4),
    )
    return atomic_write(path, book.close(), force)
