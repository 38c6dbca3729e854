"""Submission + spec -> Problems, for one workbook and across a batch.

``validate_paths`` is the library entry point: it finds the files (``paths``), reads them (``pool``:
in two processes when the batch is large enough to pay for it), checks each, then checks the batch
as a whole (``copies``). It returns a report; it never prints and never decides an exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import display_name
from ..spec import IDENTITY_KEYS, Field, TemplateRegistry
from .copies import check_batch, same_text
from .paths import QUIETLY_SKIPPED, collect_paths
from .pool import PARALLEL_FROM, read_many
from .problems import ERROR, WARNING, Problem, ProblemCode, make_problem
from .read import Submission, Unreadable, Value

__all__ = [
    "PARALLEL_FROM",
    "QUIETLY_SKIPPED",
    "SUPERSEDED",
    "Batch",
    "FileReport",
    "check_batch",
    "check_submission",
    "collect_paths",
    "read_many",
    "validate_paths",
]

SUPERSEDED = "superseded"  # a file status: an older copy of a return, not counted


def check_submission(sub: Submission) -> list[Problem]:
    """Every problem in one submission: what reading noticed, then each answer against the spec.

    Fields are named as the respondent saw them: in the workbook's language.
    """
    problems = list(sub.problems)
    template = sub.view
    for f in template.fields:
        v = sub.values.get(f.id)
        if v is None:
            continue  # already reported as field-not-found
        if v.error:
            problem = make_problem(
                v.error, sub.file, value=v.formula or v.text, detail=v.detail, context=v.context, **_at(f, v)
            )
            problems.append(problem)
        elif f.required and f.row is None and v.empty:
            problems.append(make_problem(ProblemCode.REQUIRED_MISSING, sub.file, **_at(f, v)))
    problems += _incomplete_rows(sub)
    for key in IDENTITY_KEYS:
        expected = sub.identity.get(key, "")
        identity_field = template.identity_field(key)
        if not expected or identity_field is None or identity_field.id not in sub.values:
            continue
        v = sub.values[identity_field.id]
        if same_text(template.identity_neutral(key, v.text), expected):  # a side shown in Spanish is its English
            continue
        problems.append(
            make_problem(
                ProblemCode.IDENTITY_CHANGED,
                sub.file,
                sheet=v.sheet,
                cell=v.cell,
                field_id=identity_field.id,
                label=identity_field.label,
                value=v.text,
                other=template.identity_shown(key, expected),  # what to put back, as the workbook showed it
            )
        )
    return problems


def _at(f: Field, v: Value) -> dict[str, Any]:
    """Where a problem about an answer is (made only for answers with a problem: most have none)."""
    return {"sheet": v.sheet, "cell": v.cell, "field_id": f.id, "label": f.full_label}


def _incomplete_rows(sub: Submission) -> list[Problem]:
    """A table row is a record: blank, it is not there; started, its required columns are needed."""
    problems = []
    for section in sub.template.tables():
        for row in section.groups:
            filled = [f for f in row.fields if f.id in sub.values and not sub.values[f.id].empty]
            if not filled:
                continue
            detail = ", ".join(f"{f.label}: {sub.values[f.id].text}" for f in filled[:2])
            for f in row.fields:
                v = sub.values.get(f.id)
                if f.required and v is not None and v.empty:
                    problems.append(
                        make_problem(
                            ProblemCode.ROW_INCOMPLETE,
                            sub.file,
                            sheet=v.sheet,
                            cell=v.cell,
                            field_id=f.id,
                            label=f.full_label,
                            detail=detail[:120],
                        )
                    )
    return problems


@dataclass
class FileReport:
    file: str
    status: str
    problems: list[Problem]
    template_id: str = ""
    template_version: str = ""
    workbook_id: str = ""
    identity: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == WARNING for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": display_name(self.file),
            "status": self.status,
            "template_id": self.template_id,
            "template_version": self.template_version,
            "workbook_id": self.workbook_id,
            "identity": self.identity,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class Batch:
    """Everything one run read: usable submissions, unreadable files, and the per-file report."""

    submissions: list[Submission]
    unreadable: list[Unreadable]
    files: list[FileReport]

    @property
    def valid(self) -> bool:
        """True when at least one file was checked and none that counts has an error."""
        return bool(self.files) and all(f.errors == 0 or f.status == SUPERSEDED for f in self.files)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def problems_for(self, file: str) -> list[Problem]:
        return next((f.problems for f in self.files if f.file == file), [])

    def stats(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "valid": sum(f.status == "valid" for f in self.files),
            "invalid": sum(f.status == "invalid" for f in self.files),
            "unreadable": sum(f.status == "unreadable" for f in self.files),
            "skipped": sum(f.status == "skipped" for f in self.files),
            "superseded": sum(f.status == SUPERSEDED for f in self.files),
            "errors": sum(f.errors for f in self.files),
            "warnings": sum(f.warnings for f in self.files),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "stats": self.stats(), "files": [f.to_dict() for f in self.files]}


def validate_paths(
    paths: Iterable[str | Path],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    templates: TemplateRegistry | None = None,
) -> Batch:
    """Read and check every workbook under ``paths``; ``progress(1)`` is called as each file is read.

    ``templates`` says where templates are looked for (default: built-ins and $PARTNERSHEET_TEMPLATES).
    """
    files = collect_paths(paths)
    subs: list[Submission] = []
    unreadable: list[Unreadable] = []
    per_file: dict[str, list[Problem]] = {}
    for result in read_many(files, workers, templates):
        if isinstance(result, Unreadable):
            if result.problem.severity == ERROR:
                unreadable.append(result)
            per_file[result.file] = [result.problem]
        else:
            subs.append(result)
            per_file[result.file] = check_submission(result)
        if progress is not None:
            progress(1)
    for file, problems in check_batch(subs).items():
        per_file[file].extend(problems)
    reports = []
    by_file = {s.file: s for s in subs}
    for path in files:
        name = str(path)
        problems = per_file.get(name, [])
        sub = by_file.get(name)
        if sub is None:
            skipped = problems and all(p.severity != ERROR for p in problems)
            reports.append(FileReport(name, "skipped" if skipped else "unreadable", problems))
            continue
        problems = [p.localised(sub.lang) for p in problems]  # told in the respondent's language too
        if any(p.code == ProblemCode.SUPERSEDED for p in problems):
            status = SUPERSEDED  # replaced by a newer copy: its own problems no longer need fixing
        elif any(p.severity == ERROR for p in problems):
            status = "invalid"
        else:
            status = "valid"
        reports.append(
            FileReport(name, status, problems, sub.template_id, sub.template_version, sub.workbook_id, sub.identity)
        )
    return Batch(subs, unreadable, reports)
