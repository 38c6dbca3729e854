"""Submission + spec -> Problems, for one workbook and across a batch.

``validate_paths`` is the library entry point: it finds the files, reads them (in two processes
when the batch is large enough to pay for it), checks each, then checks the batch as a whole.
It returns a report; it never prints and never decides an exit code.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..files import display_name
from ..spec import IDENTITY_KEYS, TemplateRegistry, as_registry
from .problems import ERROR, WARNING, Problem, ProblemCode, make_problem
from .read import Submission, Unreadable, read_submission

# Spreadsheet-like files people send back; the wrong kinds are picked up too so they are reported, not skipped.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb", ".csv", ".numbers")
PARALLEL_FROM = 150  # below this, starting worker processes costs more than it saves
CHUNK = 16


def collect_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand folders into the workbooks inside them; skip Office lock files and hidden files.

    Files named directly are kept whatever their name, so a wrong file gets a clear problem; so is
    a folder that cannot be listed, so it is reported rather than skipped.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            found.append(path)
            continue
        refused: list[Path] = []

        def note_refused(exc: OSError, refused: list[Path] = refused) -> None:
            refused.append(Path(exc.filename))

        for folder, dirs, files in os.walk(path, onerror=note_refused):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "~$")))
            for name in sorted(files):
                if not name.startswith((".", "~$")) and Path(name).suffix.lower() in WORKBOOK_SUFFIXES:
                    found.append(Path(folder, name))
        found.extend(refused)
    unique: dict[str, Path] = {}
    for p in found:
        try:
            key = str(p.resolve())
        except OSError:
            key = str(p)
        unique.setdefault(key, p)
    return list(unique.values())


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
        where: dict[str, Any] = {"sheet": v.sheet, "cell": v.cell, "field_id": f.id, "label": f.full_label}
        if v.error:
            problems.append(
                make_problem(v.error, sub.file, value=v.formula or v.text, detail=v.detail, context=v.context, **where)
            )
        elif f.required and v.empty:
            problems.append(make_problem(ProblemCode.REQUIRED_MISSING, sub.file, **where))
    for key in IDENTITY_KEYS:
        expected = sub.identity.get(key, "")
        identity_field = template.identity_field(key)
        if not expected or identity_field is None or identity_field.id not in sub.values:
            continue
        v = sub.values[identity_field.id]
        if _same(v.text, expected):
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
                other=expected,
            )
        )
    return problems


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _who(sub: Submission) -> tuple[str, ...] | None:
    """The person-and-partnership key of a submission, when it has one."""
    parts = []
    for key in ("partner", "rater", "round"):
        f = sub.template.identity_field(key)
        text = sub.values[f.id].text if f is not None and f.id in sub.values else ""
        parts.append(" ".join(text.split()).casefold())
    if not parts[0] or not parts[1]:
        return None
    return (sub.template.id, *parts)


def _content(sub: Submission) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v.text) for k, v in sub.values.items()))


def check_batch(subs: list[Submission]) -> dict[str, list[Problem]]:
    """Problems that only show across files: the same workbook twice, two answers from one rater."""
    found: dict[str, list[Problem]] = {}
    by_id: dict[str, Submission] = {}
    by_who: dict[tuple[str, ...], Submission] = {}
    for sub in sorted(subs, key=lambda s: s.file):
        first = by_id.get(sub.workbook_id) if sub.workbook_id else None
        # A workbook made for one named rater should come back once. One made for a partnership
        # only (or blank) may be copied to several raters: only an identical copy is a duplicate.
        for_one_rater = bool(sub.identity.get("rater"))
        if first is not None and (for_one_rater or _content(first) == _content(sub)):
            found.setdefault(sub.file, []).append(
                make_problem(ProblemCode.DUPLICATE_WORKBOOK, sub.file, value=sub.workbook_id, other=first.file)
            )
            continue
        by_id.setdefault(sub.workbook_id, sub)
        who = _who(sub)
        if who is None:
            continue
        earlier = by_who.get(who)
        if earlier is not None:
            detail = " / ".join(p for p in who[1:] if p)
            found.setdefault(sub.file, []).append(
                make_problem(ProblemCode.DUPLICATE_SUBMISSION, sub.file, detail=detail, other=earlier.file)
            )
        else:
            by_who[who] = sub
    return found


def read_many(
    paths: list[Path], workers: int | None = None, templates: TemplateRegistry | None = None
) -> Iterator[Submission | Unreadable]:
    """Read files in order, in two processes for big batches; results stream back as they finish.

    The registry pickles as its folders, so worker processes know the same user templates.
    """
    read = partial(read_submission, templates=as_registry(templates))
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(paths) >= PARALLEL_FROM else 1
    gc_was_enabled = gc.isenabled()
    gc.disable()  # reading makes many small objects that all stay alive; collection is wasted work
    try:
        if workers <= 1:
            for path in paths:
                yield read(path)
        else:
            with ProcessPoolExecutor(workers) as pool:
                yield from pool.map(read, paths, chunksize=CHUNK)
    finally:
        if gc_was_enabled:
            gc.enable()


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
        """True when at least one file was checked and none has an error."""
        return bool(self.files) and all(f.errors == 0 for f in self.files)

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
        status = "invalid" if any(p.severity == ERROR for p in problems) else "valid"
        reports.append(
            FileReport(name, status, problems, sub.template_id, sub.template_version, sub.workbook_id, sub.identity)
        )
    return Batch(subs, unreadable, reports)
