"""Returned workbooks -> one comparison: a tidy table, and the tables a director reads.

This module only computes; ``sheets`` draws the workbook, one module per sheet. The spec drives every step:
indicators are the groups of a template's rubric section, scores and bands come from its rating
scale, candidates are the blocks of a template's blocks section. Nothing here names a field id,
a label or a threshold of the built-in templates.

Every submission that could be read contributes one tidy row per value. A submission with an
error-severity problem is kept in the tidy table (flagged ``excluded``) and listed, but left out
of every computed table, so one broken file cannot move a score.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import UsageError
from ..files import atomic_write, display_name
from ..intake.problems import ProblemCode
from ..intake.read import Submission
from ..intake.validate import SUPERSEDED, Batch, validate_paths
from ..rounds.order import RoundOrder, order_rounds
from ..spec import Template, TemplateRegistry, as_registry
from ..workbook.generate import document_date
from ..workbook.xlsx_out import csv_safe
from .actions import FollowUp, follow_up
from .agreements import AgreementSummary, agreement_summaries, summarised_fields
from .candidates import CandidateTable, candidate_tables
from .scores import (
    EXCLUDED,
    INCLUDED,
    EvidenceRow,
    InstrumentResult,
    evidence_rows,
    instruments_for,
    key_of,
    score_instrument,
)
from .trends import InstrumentTrends, trends_of
from .versions import merge_versions, remap

if TYPE_CHECKING:
    from .confidential import Applied, Pseudonyms, RowMask

UNREADABLE = "unreadable"
OUTSIDE_FORM = "(outside the form)"
STRAY = str(ProblemCode.STRAY_VALUE)
TIDY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", "File"),
    ("workbook_id", "Workbook id"),
    ("template_id", "Template"),
    ("template_version", "Version"),
    ("partner", "Partner"),
    ("rater", "Rater"),
    ("side", "Side"),
    ("round", "Round"),
    ("round_order", "Round order"),
    ("field_id", "Field id"),
    ("field_label", "Field"),
    ("value_as_typed", "Value as typed"),
    ("value", "Normalised value"),
    ("score", "Score"),
    ("sheet", "Sheet"),
    ("cell", "Cell"),
    ("status", "Status"),
    ("value_problem", "Value problem"),
)
TIDY_KEYS = tuple(key for key, _ in TIDY_COLUMNS)
TIDY_SUFFIXES = (".csv", ".json")


@dataclass(frozen=True)
class InputRow:
    file: str
    status: str
    template_id: str
    template_version: str
    workbook_id: str
    errors: int
    warnings: int
    sha256: str


@dataclass
class Comparison:
    """Everything one compile produced, ready to draw or export."""

    batch: Batch
    compiled_at: datetime
    submissions: list[Submission]
    excluded: set[str]
    instruments: list[InstrumentResult]
    candidates: list[CandidateTable]
    evidence: list[EvidenceRow]
    inputs: list[InputRow]
    templates: list[tuple[str, str, str, dict[str, int]]]
    """(template id, title, current version, {version seen: submissions})"""
    version_notes: list[str] = field(default_factory=list)
    unsummarised: list[str] = field(default_factory=list)
    """Questions no sheet summarises (their answers are on the Data sheet only), in words."""
    """What differs between the versions compiled together, in words."""
    actions: FollowUp | None = None
    """The actions of returned action plans (None when none was among the inputs)."""
    agreements: list[AgreementSummary] = field(default_factory=list)
    rounds: RoundOrder = field(default_factory=lambda: RoundOrder((), ""))
    """Every round among the returns, first to last."""
    trends: list[InstrumentTrends] = field(default_factory=list)
    """Per instrument (in the order of ``instruments``): each partnership over its rounds."""
    tool_version: str = __version__
    applied: dict[str, Applied] = field(default_factory=dict)
    """Per template id, the confidentiality its results are shown under (empty: not yet masked)."""
    mask: RowMask | None = None
    """What the Data sheet and the tidy export may show (``confidential.shown`` sets it)."""
    names: Pseudonyms | None = None
    """The keys that stand for names, files and workbook ids, when confidential (for ``--identities``)."""

    @property
    def anonymous(self) -> bool:
        """Whether names are kept apart from what people rated and wrote (any template confidential)."""
        return any(not a.attributed for a in self.applied.values())

    @property
    def over_time(self) -> bool:
        """True when some partnership was assessed in two rounds or more."""
        return any(t.over_time for t in self.trends)

    @property
    def compiled(self) -> int:
        return len(self.submissions)

    @property
    def unreadable(self) -> int:
        return len(self.batch.unreadable)

    @property
    def valid(self) -> bool:
        return self.batch.valid

    def status_of(self, sub: Submission) -> str:
        if sub.file in self.superseded:
            return SUPERSEDED
        return EXCLUDED if sub.file in self.excluded else INCLUDED

    @cached_property
    def superseded(self) -> set[str]:
        """Files replaced by a newer copy from the same rater (kept once: asked per tidy row)."""
        return {f.file for f in self.batch.files if f.status == SUPERSEDED}

    @property
    def tidy_count(self) -> int:
        """How many rows ``tidy_rows`` yields."""
        if self.mask is not None:
            return self.mask.count
        return sum(len(sub.values) + len(sub.strays) for sub in self.submissions)

    def tidy_rows(self) -> Iterator[tuple[Any, ...]]:
        """The tidy table as it may be shown: every row read, or, when confidential, ``mask``'s rows."""
        rows = self.all_tidy_rows()
        return rows if self.mask is None else self.mask.rows(rows)

    def all_tidy_rows(self) -> Iterator[tuple[Any, ...]]:
        """One row per value of every submission read, in TIDY_COLUMNS order. Nothing is dropped.

        Text typed outside the answer cells follows each submission's answers, with no field id
        and the field column saying it is outside the form.
        """
        for sub in self.submissions:
            who = sub.who
            status = self.status_of(sub)
            file = sub.shown_file
            head = (file, sub.workbook_id, sub.template_id, sub.template_version, who.partner, who.rater)
            tail = (who.side, who.round, self.rounds.position(who.round) or None)
            fields = sub.template.fields_by_id
            for fid, v in sub.values.items():
                f = fields.get(fid)
                yield (
                    *head,
                    *tail,
                    fid,
                    f.full_label if f is not None else "",
                    v.formula if v.formula is not None else v.text,
                    v.value,
                    v.score,
                    v.sheet,
                    v.cell,
                    status,
                    v.error or "",
                )
            for v in sub.strays:  # typed outside the answer cells: kept, and said to be outside the form
                text = v.formula if v.formula is not None else v.text
                yield (*head, *tail, "", OUTSIDE_FORM, text, v.value, None, v.sheet, v.cell, status, STRAY)

    def closing_line(self, output: str) -> str:
        parts = [f"{len(self.excluded)} with problems, excluded from scores"]
        if self.unreadable:
            parts.append(f"{self.unreadable} unreadable")
        n = self.compiled
        return f"Compiled {n} workbook{'s' * (n != 1)} ({'; '.join(parts)}) into {output}"


# --- compiling ----------------------------------------------------------------------------------


def compile_paths(
    paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    compiled_at: datetime | None = None,
    templates: TemplateRegistry | None = None,
    round_order: Sequence[str] | None = None,
    confidentiality: str | None = None,
) -> Comparison:
    """Read, validate and compile every workbook under ``paths``. ``progress(1)`` per file read.

    The result is what may be shown: each template's spec decides whether it is confidential,
    unless ``confidentiality`` ("confidential" or "attributed") decides for this run.
    """
    from .confidential import shown

    batch = validate_paths(paths, workers, progress, templates)
    return shown(compile_batch(batch, compiled_at, templates, round_order), confidentiality)


def rounds_of(subs: Iterable[Submission], given: Sequence[str] | None = None) -> RoundOrder:
    """The rounds of the submissions, first to last (by median assessment date unless ``given``)."""

    def seen(sub: Submission) -> tuple[str, list[date]]:
        dated = [f.id for f in sub.template.fields if f.kind.dated]
        found = [v.value for fid in dated if (v := sub.values.get(fid)) is not None and v.error is None]
        return sub.who.round, [d for d in found if isinstance(d, date)]

    return order_rounds(map(seen, subs), given)


def compile_batch(
    batch: Batch,
    compiled_at: datetime | None = None,
    templates: TemplateRegistry | None = None,
    round_order: Sequence[str] | None = None,
) -> Comparison:
    """Compile an already validated batch.

    ``templates`` is the registry the batch was read with (default: built-ins and
    $PARTNERSHEET_TEMPLATES): versions without returns still carry renames between versions.
    ``round_order`` lists the rounds first to last (default: by their median assessment date).
    """
    subs = sorted(batch.submissions, key=lambda s: s.file)
    registry = as_registry(templates)
    merged = {
        tid: merge_versions((s.template for s in subs if s.template_id == tid), via=registry.versions(tid))
        for tid in {s.template_id for s in subs}
    }
    subs = [remap(s, merged[s.template_id]) for s in subs]
    error_files = {f.file for f in batch.files if f.errors and f.status != UNREADABLE}
    superseded = {f.file for f in batch.files if f.status == SUPERSEDED}
    excluded = {s.file for s in subs if s.file in error_files or s.file in superseded}
    included = [s for s in subs if s.file not in excluded]
    rounds = rounds_of(subs, round_order)
    by_template: dict[str, list[Submission]] = {}
    by_id: dict[str, Template] = {}
    for sub in subs:
        by_id.setdefault(sub.template_id, sub.template)
    for sub in included:
        by_template.setdefault(sub.template_id, []).append(sub)
    instruments: list[InstrumentResult] = []
    trends: list[InstrumentTrends] = []
    candidates: list[CandidateTable] = []
    evidence: list[EvidenceRow] = []
    for tid in sorted(by_id):
        template = by_id[tid]
        for instrument in instruments_for(template):
            mine = by_template.get(tid, [])
            result = score_instrument(instrument, mine, rounds)
            instruments.append(result)
            trends.append(trends_of(result, rounds.labels))
            labels = {(key_of(p.partner), key_of(p.round)): p.label for p in result.partnerships}
            everyone = [s for s in subs if s.template_id == tid]
            evidence.extend(evidence_rows(instrument, everyone, labels, excluded))
        candidates.extend(candidate_tables(template, by_template.get(tid, [])))
    evidence.sort(key=lambda e: e.order)
    digests = {s.file: s.sha256 for s in subs} | {u.file: u.sha256 for u in batch.unreadable}
    inputs = sorted(
        (
            InputRow(
                display_name(f.file),
                f.status,
                f.template_id,
                f.template_version,
                f.workbook_id,
                f.errors,
                f.warnings,
                digests.get(f.file, ""),
            )
            for f in batch.files
        ),
        key=lambda r: r.file,
    )
    versions: list[tuple[str, str, str, dict[str, int]]] = []
    for tid in sorted(by_id):
        seen: dict[str, int] = {}
        for sub in subs:
            if sub.template_id == tid:
                seen[sub.template_version] = seen.get(sub.template_version, 0) + 1
        versions.append((tid, by_id[tid].title, by_id[tid].version, dict(sorted(seen.items()))))
    compiled_at = compiled_at or document_date(stamp_now=True)
    return Comparison(
        batch=batch,
        compiled_at=compiled_at,
        submissions=subs,
        excluded=excluded,
        instruments=instruments,
        candidates=candidates,
        evidence=evidence,
        inputs=inputs,
        templates=versions,
        version_notes=[note for tid in sorted(merged) for note in merged[tid].notes()],
        unsummarised=[line for tid in sorted(by_id) for line in data_only(by_id[tid])],
        actions=follow_up(instruments, included, compiled_at.date()),
        agreements=agreement_summaries(included, compiled_at.date()),
        rounds=rounds,
        trends=trends,
    )


def data_only(template: Template) -> list[str]:
    """What a template asks that no summary sheet shows: named, so nothing is ignored silently.

    Rated criteria and their notes are instruments; comments go to Evidence; choices marked
    ``summary`` are counted by side on Summary and Perspectives; candidate blocks to Candidates;
    tables are records (agreements, action plans); identity fields say whose return it is. Anything
    else (another choice from a list, a date, a number outside those) is on the Data sheet only.
    """
    shown = {f.id for instrument in instruments_for(template) for ind in instrument.indicators for f in ind.criteria}
    shown |= {f.id for instrument in instruments_for(template) for ind in instrument.indicators for f in ind.notes}
    shown |= {f.id for instrument in instruments_for(template) for f in instrument.tallied}  # counted by side
    shown |= {f.id for f in template.fields if f.kind.note or f.identity or f.kind.dated}
    shown |= summarised_fields(template)  # the Agreements sheet's commitments
    shown |= {
        f.id for _, section in template.sections() if section.layout in ("blocks", "table") for f in section.fields
    }
    lines = []
    for _, section in template.sections():
        missing = [f for f in section.fields if f.id not in shown]
        if missing:
            labels = ", ".join(repr(f.full_label) for f in missing)
            lines.append(f"{template.title}, {section.title}: {labels}: on the Data sheet only, not summarised.")
    return lines


# --- the tidy table as CSV or JSON --------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def tidy_csv(comparison: Comparison) -> bytes:
    """The tidy table as CSV (UTF-8 with a byte-order mark, for Excel), formula-like text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TIDY_KEYS)
    for row in comparison.tidy_rows():
        writer.writerow(["" if v is None else csv_safe(_plain(v)) for v in row])
    return out.getvalue().encode("utf-8-sig")


def tidy_json(comparison: Comparison) -> bytes:
    """The tidy table as a JSON list of objects keyed by TIDY_KEYS."""
    rows = [dict(zip(TIDY_KEYS, map(_plain, row), strict=True)) for row in comparison.tidy_rows()]
    return (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def check_tidy_path(path: Path) -> None:
    if path.suffix.lower() not in TIDY_SUFFIXES:
        raise UsageError(f"{path}: the data export must end in .csv or .json", "name it e.g. tidy.csv or tidy.json")


def write_tidy(comparison: Comparison, path: Path, force: bool = False) -> Path:
    check_tidy_path(path)
    data = tidy_json(comparison) if path.suffix.lower() == ".json" else tidy_csv(comparison)
    return atomic_write(path, data, force)
