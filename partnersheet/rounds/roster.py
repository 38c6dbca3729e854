"""Rosters: one personalised workbook per row (partner, rater, side, round, library)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import OutputExists, RosterError, UsageError
from ..files import atomic_write, inputs_apart_from_outputs
from ..spec import Template
from ..workbook.generate import Personalisation, generate_bytes, personalise, workbook_id_for

REQUIRED_COLUMNS = ("partner", "rater")
OPTIONAL_COLUMNS = ("side", "round", "library")
MAX_SLUG = 40


@dataclass(frozen=True)
class RosterRow:
    line: int
    who: Personalisation
    filename: str


def slug(text: str) -> str:
    """A readable, safe piece of a file name: ASCII letters, digits and dashes only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:MAX_SLUG].strip("-")


def _cell_text(value: object) -> str:
    """A roster cell as text; Excel stores every number as a float, so 2026 must not become "2026.0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                text = handle.read()
            try:  # Excel saves "CSV" with semicolons in many locales
                dialect: Any = csv.Sniffer().sniff(text.partition("\n")[0], delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            return list(csv.reader(text.splitlines(), dialect))
        if suffix in (".xlsx", ".xlsm", ".ods"):
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(path))
            rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
            return [[_cell_text(v) for v in row] for row in rows]
    except FileNotFoundError:
        raise RosterError(f"{path}: roster not found") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path}: roster is not UTF-8 text", "save it as CSV UTF-8") from None
    except Exception as exc:  # calamine raises several types for unreadable files
        raise RosterError(f"{path}: cannot read roster: {exc}", "save it as .csv or .xlsx") from None
    raise UsageError(f"{path}: roster must be .csv or .xlsx", "save the roster as CSV or Excel")


def read_roster(template: Template, path: str | Path) -> list[RosterRow]:
    """Check a whole roster before anything is written: columns, blank rows, duplicates."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise RosterError(f"{path}: roster is empty", "add a header row: partner,rater,side,round")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterError(
            f"{path}: roster has no column {', '.join(missing)}",
            "the first row must name the columns partner, rater (and optionally side, round, library)",
        )
    index = {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in header}
    result: list[RosterRow] = []
    seen: dict[tuple[str, ...], int] = {}
    names: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        values = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        if not any(values.values()):
            raise RosterError(f"{path}: row {line} is blank", "delete blank rows from the roster")
        for name in REQUIRED_COLUMNS:
            if not values[name]:
                raise RosterError(f"{path}: row {line}: {name} is empty", f"fill in the {name} column")
        try:
            who = personalise(template, values)
        except UsageError as exc:
            raise RosterError(f"{path}: row {line}: {exc.message}", exc.hint) from None
        key = tuple(v.casefold() for v in who.as_dict().values())
        if key in seen:
            raise RosterError(f"{path}: row {line} repeats row {seen[key]}", "remove the duplicate row")
        seen[key] = line
        stem = "-".join(p for p in (template.id, slug(who.partner), slug(who.rater), slug(who.round)) if p)
        candidate, n = stem, 2
        while candidate.casefold() in names:
            candidate, n = f"{stem}-{n}", n + 1
        names.add(candidate.casefold())
        result.append(RosterRow(line, who, f"{candidate}.xlsx"))
    if not result:
        raise RosterError(f"{path}: roster has a header but no rows", "add one row per workbook")
    return result


def write_roster(
    template: Template,
    rows: list[RosterRow],
    out_dir: str | Path,
    force: bool = False,
    created: datetime | None = None,
    inputs: Sequence[str | Path] = (),
) -> Iterator[Path]:
    """Write one workbook per row; yields each path so a caller can show progress.

    Every target is checked before the first write, so a refused run writes nothing; a target that
    is one of ``inputs`` (the roster itself) is refused even with ``force``.
    """
    out = Path(out_dir)
    if (out.exists() and not out.is_dir()) or out.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        raise UsageError(f"{out}: with --roster, -o names a folder, not a file", "e.g. -o outbox/")
    targets = [out / r.filename for r in rows]
    inputs_apart_from_outputs([Path(p) for p in inputs], targets)
    out.mkdir(parents=True, exist_ok=True)
    if not force:
        clash = next((out / r.filename for r in rows if (out / r.filename).exists()), None)
        if clash is not None:
            raise OutputExists(f"{clash}: already exists", "use --force to overwrite, or another folder")
    for row in rows:
        data = generate_bytes(
            template, row.who, workbook_id=workbook_id_for(template, row.who, row.filename), created=created
        )
        yield atomic_write(out / row.filename, data, force=True)
