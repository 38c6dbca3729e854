"""Submission + spec -> Problems, for one workbook and across a batch.

``validate_paths`` is the library entry point: it finds the files, reads them (in two processes
when the batch is large enough to pay for it), checks each, then checks the batch as a whole.
It returns a report; it never prints and never decides an exit code.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..files import display_name
from ..i18n import Phrase, phrase
from ..spec import IDENTITY_KEYS, TemplateRegistry, as_registry
from .problems import ERROR, WARNING, Problem, ProblemCode, make_problem
from .read import Submission, Unreadable, read_submission

PARALLEL_FROM = 150  # below this, starting worker processes costs more than it saves
CHUNK = 16
SUPERSEDED = "superseded"  # a file status: an older copy of a return, not counted
QUIETLY_SKIPPED = (".", "~$")  # hidden files and folders, Office lock files


def collect_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand folders into every file inside them, except hidden files and Office lock files.

    Every other file is listed, whatever its name: reading tells a workbook from anything else by
    its content, so a wrong kind of file gets a problem saying what it is, never silence. Links
    to folders are followed, each folder once (a link to a parent cannot loop). Files named
    directly are kept whatever their name; so is a folder that cannot be listed, so it is reported.
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

        seen: set[tuple[int, int]] = set()
        for folder, dirs, files in os.walk(path, onerror=note_refused, followlinks=True):
            try:
                info = os.stat(folder)
            except OSError:
                dirs[:] = []
                continue
            if (info.st_dev, info.st_ino) in seen:  # reached again through a link
                dirs[:] = []
                continue
            seen.add((info.st_dev, info.st_ino))
            dirs[:] = sorted(d for d in dirs if not d.startswith(QUIETLY_SKIPPED))
            found.extend(Path(folder, name) for name in sorted(files) if not name.startswith(QUIETLY_SKIPPED))
        found.extend(refused)
    unique: dict[str, Path] = {}
    real_folders: dict[str, str] = {}
    for p in found:
        unique.setdefault(_real_path(p, real_folders), p)
    return list(unique.values())


def _real_path(path: Path, real_folders: dict[str, str]) -> str:
    """The path with every link resolved: the file's own folder resolved once per folder (resolving
    each of a thousand files took longer than listing them), the file itself only when it is a link."""
    try:
        if os.path.islink(path):
            return str(path.resolve())
        folder = os.path.dirname(path) or "."
        real = real_folders.get(folder)
        if real is None:
            real = real_folders[folder] = os.path.realpath(folder)
        return os.path.join(real, os.path.basename(path))
    except (OSError, ValueError):
        return str(path)


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
        elif f.required and v.empty and f.row is None:
            problems.append(make_problem(ProblemCode.REQUIRED_MISSING, sub.file, **where))
    problems += _incomplete_rows(sub)
    for key in IDENTITY_KEYS:
        expected = sub.identity.get(key, "")
        identity_field = template.identity_field(key)
        if not expected or identity_field is None or identity_field.id not in sub.values:
            continue
        v = sub.values[identity_field.id]
        if _same(template.identity_neutral(key, v.text), expected):  # a side shown in Spanish is its English
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


def _saved_key(sub: Submission) -> tuple[float, float]:
    """When a copy was last saved: the workbook's own time first, then the file's."""
    return (_timestamp(sub.saved_at), sub.file_modified)


def _timestamp(text: str) -> float:
    """An ISO 8601 time as seconds (UTC when no zone is written); 0 when missing or unreadable."""
    text = text.strip()
    if not text:
        return 0.0
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))  # LibreOffice writes nanoseconds
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _copies_of_one_return(subs: list[Submission]) -> list[list[Submission]]:
    """Groups of files that are the same rater's return: one workbook id made for one rater, or the
    same template, partner, rater and round as typed. A workbook made for a partnership only may be
    copied to several raters: its copies are one return only when their answers are identical."""
    parent = list(range(len(subs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    first: dict[tuple[Any, ...], int] = {}
    for i, sub in enumerate(subs):
        keys: list[tuple[Any, ...]] = []
        if sub.workbook_id and sub.identity.get("rater"):
            keys.append(("id", sub.workbook_id))
        elif sub.workbook_id:
            keys.append(("copy", sub.workbook_id, _content(sub)))
        who = _who(sub)
        if who is not None:
            keys.append(("who", *who))
        for key in keys:
            if key in first:
                join(i, first[key])
            else:
                first[key] = i
    groups: dict[int, list[Submission]] = {}
    for i, sub in enumerate(subs):
        groups.setdefault(root(i), []).append(sub)
    return [g for g in groups.values() if len(g) > 1]


def check_batch(subs: list[Submission]) -> dict[str, list[Problem]]:
    """Problems that only show across files: a rater's workbook sent more than once.

    The newest copy counts (the workbook's own last-saved time, else the file's modification time)
    and each older one is a `superseded` warning naming the newer file; an identical copy is
    superseded by the first. When the newest cannot be told apart from another copy, both are errors.
    """
    found: dict[str, list[Problem]] = {}
    for group in _copies_of_one_return(sorted(subs, key=lambda s: s.file)):
        latest = max(group, key=_saved_key)
        # Identical copies: whichever is newer, the first by name counts (nothing differs between them).
        newest = min((s for s in group if s.sha256 == latest.sha256), key=lambda s: s.file)
        ties = [s for s in group if s.sha256 != newest.sha256 and _saved_key(s) == _saved_key(latest)]
        undecided = [newest, *ties] if ties else []
        for sub in undecided:
            found.setdefault(sub.file, []).append(_cannot_tell(sub, [s for s in undecided if s is not sub]))
        for sub in group:
            if sub is newest or sub in ties:
                continue
            how = (
                phrase("an identical copy")
                if sub.sha256 == newest.sha256
                else phrase("saved {newer}, this one {older}", newer=_when(newest), older=_when(sub))
            )
            found.setdefault(sub.file, []).append(
                make_problem(
                    ProblemCode.SUPERSEDED,
                    sub.file,
                    detail=how,
                    other=display_name(newest.file),
                    context={"newer": display_name(newest.file)},
                )
            )
    return found


def _cannot_tell(sub: Submission, others: list[Submission]) -> Problem:
    """Copies saved at the same moment with different answers: the coordinator must choose."""
    other = ", ".join(display_name(s.file) for s in others)
    if sub.workbook_id and all(s.workbook_id == sub.workbook_id for s in others):
        return make_problem(ProblemCode.DUPLICATE_WORKBOOK, sub.file, value=sub.workbook_id, other=other)
    who = _who(sub) or ()
    detail = " / ".join(p for p in who[1:] if p)
    return make_problem(ProblemCode.DUPLICATE_SUBMISSION, sub.file, detail=detail, other=other)


def _when(sub: Submission) -> str | Phrase:
    stamp = _timestamp(sub.saved_at) or sub.file_modified
    if not stamp:
        return phrase("at an unknown time")
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def read_many(
    paths: list[Path], workers: int | None = None, templates: TemplateRegistry | None = None
) -> Iterator[Submission | Unreadable]:
    """Read files, in two processes for big batches; results stream back as they finish.

    The registry pickles as its folders, so worker processes know the same user templates.
    A file that kills the process reading it (a crash in a native library, memory exhausted)
    must not cost the others their results: when the pool breaks, the files that were being read
    at that moment are read again each in a process of its own, the one that breaks again is
    reported as ``reader-crashed``, and the rest of the batch goes on in a fresh pool.
    """
    registry = as_registry(templates)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(paths) >= PARALLEL_FROM else 1
    gc_was_enabled = gc.isenabled()
    gc.disable()  # reading makes many small objects that all stay alive; collection is wasted work
    try:
        if workers <= 1:
            for path in paths:
                yield read_submission(path, registry)
            return
        todo = list(paths)
        while todo:
            suspects: list[Path] = []
            yield from _pooled(todo, workers, suspects, registry)
            for path in suspects:
                yield _read_alone(path, registry)
    finally:
        if gc_was_enabled:
            gc.enable()


def _read_chunk(paths: list[Path], registry: TemplateRegistry) -> list[Submission | Unreadable]:
    return [read_submission(path, registry) for path in paths]


def _pooled(
    todo: list[Path], workers: int, suspects: list[Path], registry: TemplateRegistry
) -> Iterator[Submission | Unreadable]:
    """Read ``todo`` in a pool, a few chunks in flight at a time, removing each file from it as it is read.

    If the pool breaks, the files of the chunks in flight are moved to ``suspects`` and the rest
    stay in ``todo``.
    """
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    todo.clear()
    in_flight: dict[Future[list[Submission | Unreadable]], list[Path]] = {}
    with ProcessPoolExecutor(workers) as pool:
        try:
            while chunks or in_flight:
                while chunks and len(in_flight) < 2 * workers:
                    chunk = chunks.pop(0)
                    in_flight[pool.submit(_read_chunk, chunk, registry)] = chunk
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    results = future.result()  # raises BrokenProcessPool when a worker died
                    del in_flight[future]
                    yield from results
        except BrokenProcessPool:
            for future, chunk in in_flight.items():
                if future.done() and future.exception() is None:
                    yield from future.result()
                else:
                    suspects.extend(chunk)
            todo.extend(path for chunk in chunks for path in chunk)


def _read_alone(path: Path, registry: TemplateRegistry) -> Submission | Unreadable:
    """Read one file in a process of its own; if that process dies, the file is the reason."""
    with ProcessPoolExecutor(1) as pool:
        try:
            return pool.submit(read_submission, path, registry).result()
        except BrokenProcessPool:
            pass
    name = str(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    detail = "the reading process was ended by the operating system"
    return Unreadable(name, digest, make_problem(ProblemCode.READER_CRASHED, name, detail=detail))


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
