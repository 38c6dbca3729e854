"""Who has returned what: each roster row matched to its return, and what is left to do.

A return is matched to its roster row by the workbook id stamped at `new` (the same id the roster
gives again), else by partner, rater and round as typed. Status is the coordinator's tool: it
names people (reminders need them) but never shows a rating or a note.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..files import atomic_write, check_writable, display_name, inputs_apart_from_outputs
from ..intake.problems import ERROR
from ..intake.validate import Batch, FileReport, validate_paths
from ..spec import Template, TemplateRegistry
from ..types.parsing import collapse
from ..workbook.xlsx_out import csv_safe
from .roster import RosterRow, read_roster, workbook_of

NOT_RETURNED = "not returned"
HAS_ERRORS = "returned with errors"
VALID = "valid"
SUPERSEDED = "superseded"
STATES = (NOT_RETURNED, HAS_ERRORS, VALID)
# How many problem cells a reminder lists before "and N more".
CELLS_IN_REMINDER = 8


_key = collapse  # how names and rounds on the roster are compared with a return's


@dataclass
class RowStatus:
    """One roster row: who, and what has come back from them."""

    row: RosterRow
    state: str = NOT_RETURNED
    file: str = ""
    errors: int = 0
    warnings: int = 0
    cells: list[str] = field(default_factory=list)  # where the errors are, e.g. "Rubric!C9"
    older: list[str] = field(default_factory=list)  # superseded copies from the same rater

    @property
    def todo(self) -> str:
        """What the rater still has to do, in words for a reminder; empty when nothing."""
        if self.state == NOT_RETURNED:
            return "send the completed workbook"
        if self.state == HAS_ERRORS:
            shown = ", ".join(self.cells[:CELLS_IN_REMINDER])
            more = len(self.cells) - CELLS_IN_REMINDER
            where = f" in cells {shown}" + (f" and {more} more" if more > 0 else "") if self.cells else ""
            return f"fix {self.errors} problem{'s' * (self.errors != 1)}{where}, then send it again"
        return ""

    def to_dict(self) -> dict[str, Any]:
        who = self.row.who
        return {
            "partner": who.partner,
            "rater": who.rater,
            "side": who.side,
            "round": who.round,
            "email": self.row.email,
            "roster_row": self.row.where,
            "state": self.state,
            "file": display_name(self.file) if self.file else "",
            "errors": self.errors,
            "warnings": self.warnings,
            "cells": self.cells,
            "superseded": [display_name(f) for f in self.older],
            "todo": self.todo,
        }


@dataclass(frozen=True)
class GroupRate:
    """Responses for one partnership, side and round."""

    partner: str
    side: str
    round: str
    expected: int
    returned: int
    valid: int

    @property
    def rate(self) -> float:
        return self.valid / self.expected if self.expected else 0.0


@dataclass
class StatusReport:
    rows: list[RowStatus]
    unmatched: list[FileReport]  # returns of the roster's template that match no roster row
    unusable: list[FileReport]  # files that could not be read at all
    batch: Batch
    template_id: str = ""
    other_templates: list[FileReport] = field(default_factory=list)
    """Returns of other templates (an agreement, another instrument): set aside, this roster is not theirs."""

    def other_template_counts(self) -> dict[str, int]:
        """How many returns of each other template were set aside, by template id."""
        found: dict[str, int] = {}
        for f in self.other_templates:
            found[f.template_id] = found.get(f.template_id, 0) + 1
        return dict(sorted(found.items()))

    @property
    def complete(self) -> bool:
        return all(r.state == VALID for r in self.rows)

    def counts(self) -> dict[str, int]:
        found = {state: sum(r.state == state for r in self.rows) for state in STATES}
        return {
            "roster_rows": len(self.rows),
            **found,
            "unmatched": len(self.unmatched),
            "unusable": len(self.unusable),
            "other_templates": len(self.other_templates),
        }

    def rates(self) -> list[GroupRate]:
        groups: dict[tuple[str, str, str], list[RowStatus]] = {}
        for r in self.rows:
            who = r.row.who
            groups.setdefault((who.partner, who.side, who.round), []).append(r)
        return [
            GroupRate(
                partner,
                side,
                round_,
                len(items),
                sum(i.state != NOT_RETURNED for i in items),
                sum(i.state == VALID for i in items),
            )
            for (partner, side, round_), items in sorted(groups.items(), key=lambda kv: tuple(map(_key, kv[0])))
        ]

    def reminders(self) -> list[RowStatus]:
        return [r for r in self.rows if r.todo]

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "counts": self.counts(),
            "rows": [r.to_dict() for r in self.rows],
            "rates": [
                {
                    "partner": g.partner,
                    "side": g.side,
                    "round": g.round,
                    "expected": g.expected,
                    "returned": g.returned,
                    "valid": g.valid,
                    "rate": round(g.rate, 4),
                }
                for g in self.rates()
            ],
            "unmatched": [_file_dict(f) for f in self.unmatched],
            "unusable": [_file_dict(f) for f in self.unusable],
            "other_templates": [_file_dict(f) | {"template_id": f.template_id} for f in self.other_templates],
        }


def _file_dict(f: FileReport) -> dict[str, Any]:
    return {"file": display_name(f.file), "status": f.status, "identity": f.identity, "errors": f.errors}


def status_of(
    template: Template,
    roster: str | Path,
    paths: Iterable[str | Path],
    *,
    report: Path | None = None,
    reminders: Path | None = None,
    force: bool = False,
    templates: TemplateRegistry | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> StatusReport:
    """Read the roster and every return, say per roster row what has come back, write what is asked.

    Outputs are checked before anything is read: none may be an input (the roster or a return),
    and none may replace a file unless ``force``.
    """
    from ..intake.read import is_partnersheet_output
    from ..intake.validate import collect_paths
    from .status_report import write_status_workbook

    outputs = [p for p in (report, reminders) if p is not None]
    if report is not None and report.suffix.lower() != ".xlsx":
        raise UsageError(f"{display_name(report)}: the status report must be an .xlsx file")
    if reminders is not None and reminders.suffix.lower() != ".csv":
        raise UsageError(f"{display_name(reminders)}: the reminders must be a .csv file")
    inputs_apart_from_outputs([Path(roster)], outputs)
    files = inputs_apart_from_outputs(collect_paths(paths), outputs, is_partnersheet_output)
    for out in outputs:
        check_writable(out, force)
    rows = read_roster(template, roster)
    batch = validate_paths(files, workers, progress, templates)
    result = match_returns(template, rows, batch)
    if report is not None:
        write_status_workbook(result, report, force)
    if reminders is not None:
        write_reminders(result, reminders, force)
    return result


def match_returns(template: Template, rows: list[RosterRow], batch: Batch) -> StatusReport:
    statuses = [RowStatus(row) for row in rows]
    by_id = {workbook_of(template, s.row)[2]: s for s in statuses}
    by_who = {(_key(s.row.who.partner), _key(s.row.who.rater), _key(s.row.who.round)): s for s in statuses}
    unmatched: list[FileReport] = []
    unusable: list[FileReport] = []
    other: list[FileReport] = []
    for report in batch.files:
        if report.status in ("unreadable", "skipped"):
            if report.status == "unreadable":
                unusable.append(report)
            continue
        if report.template_id != template.id:  # another template's return: never matched to this roster
            other.append(report)
            continue
        target = by_id.get(report.workbook_id) if report.workbook_id else None
        if target is None:
            who = _typed_identity(batch, report)
            target = by_who.get((_key(who["partner"]), _key(who["rater"]), _key(who["round"])))
        if target is None:
            unmatched.append(report)
            continue
        if report.status == SUPERSEDED:
            target.older.append(report.file)
            continue
        if target.file:  # two current returns for one row: the batch already reports it as an error
            if report.errors >= target.errors:  # keep the better one in view; the batch names both
                target.older.append(report.file)
                continue
            target.older.append(target.file)
        target.file = report.file
        target.errors, target.warnings = report.errors, report.warnings
        target.cells = [f"{p.sheet}!{p.cell}" if p.sheet else p.cell for p in report.problems if p.severity == ERROR]
        target.cells = [c for c in target.cells if c]
        target.state = HAS_ERRORS if report.errors else VALID
    return StatusReport(statuses, unmatched, unusable, batch, template.id, other)


def _typed_identity(batch: Batch, report: FileReport) -> dict[str, str]:
    """Partner, rater and round as the returned workbook holds them (typed, or stamped)."""
    sub = next((s for s in batch.submissions if s.file == report.file), None)
    found = {key: report.identity.get(key, "") for key in ("partner", "rater", "round")}
    if sub is not None:
        for key in found:
            f = sub.template.identity_field(key)
            if f is not None and f.id in sub.values and sub.values[f.id].text.strip():
                found[key] = sub.values[f.id].text
    return found


# --- outputs ----------------------------------------------------------------------------------

REMINDER_COLUMNS = ("name", "email", "partnership", "side", "round", "what to do", "file")


def reminders_csv(report: StatusReport) -> bytes:
    """One row per rater with something left to do, ready for a mail merge (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REMINDER_COLUMNS)
    for r in report.reminders():
        who = r.row.who
        values = (
            who.rater,
            r.row.email,
            who.partner,
            who.side,
            who.round,
            r.todo,
            display_name(r.file) if r.file else "",
        )
        writer.writerow([csv_safe(v) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_reminders(report: StatusReport, path: Path, force: bool = False) -> Path:
    return atomic_write(path, reminders_csv(report), force)
