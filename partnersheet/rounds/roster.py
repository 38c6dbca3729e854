"""Rosters: one personalised workbook per row (partner, rater, side, round, library)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import OutputExists, RosterError, UsageError
from ..files import atomic_write, display_name, inputs_apart_from_outputs, unique_file_name
from ..spec import Template
from ..types.parsing import one_line
from ..workbook.generate import Personalisation, generate_bytes, personalise, workbook_id_for

REQUIRED_COLUMNS = ("partner", "rater")
OPTIONAL_COLUMNS = ("side", "round", "library", "email", "lang")
# An address a mail merge can use: something@somewhere.tld, no spaces. Deliverability is not checked.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # .txt: Excel's "Unicode Text" save (UTF-16, tab-separated)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")
DELIMITERS = (",", ";", "\t")  # Excel writes ";" in locales where "," is the decimal mark
QUOTES_HINT = (
    'put a value holding commas, quotes or line breaks in double quotes, each quote doubled: "The ""Old Mill"""'
)


@dataclass(frozen=True)
class RosterRow:
    line: int
    who: Personalisation  # language-neutral, as programs read it (a side in English); see ``workbook_of``
    filename: str
    email: str = ""
    where: str = ""  # how a person finds the row: "line 4" or "row 4"
    lang: str = "en"  # the language of the row's workbook


@dataclass(frozen=True)
class _Record:
    """One row of the roster file: its cells, where it starts, and how a person finds it."""

    cells: list[str]
    row: int  # the row number a spreadsheet shows
    line: int  # the line a text editor shows (a quoted cell spanning lines makes them differ)
    text_file: bool

    @property
    def where(self) -> str:
        if not self.text_file:
            return f"row {self.row}"
        if self.line == self.row:
            return f"line {self.line}"
        return f"line {self.line} (row {self.row} in a spreadsheet)"


def _cell_text(value: object) -> str:
    """A roster cell as text; Excel stores every number as a float, so 2026 must not become "2026.0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _decode(path: Path, data: bytes) -> str:
    """Text as Excel, LibreOffice and Google Sheets save it: UTF-8 with or without a BOM, or UTF-16 with one."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1 if encoding == "utf-8-sig" else 0
        where = f" (line {line})" if line else ""
        raise RosterError(
            f"{display_name(path)}: roster is not UTF-8 or UTF-16 text{where}",
            'save it as "CSV UTF-8" or "Unicode Text"',
        ) from None


def _delimiter(text: str) -> str:
    """The delimiter that makes the header row name the required columns, parsed by CSV rules.

    Only the header decides (a sniffer guessing from a line of data is fooled by commas in names);
    when no delimiter gives the required columns, the one giving most columns is taken and the
    missing column is reported.
    """
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        names = [h.strip().lower() for h in header]
        if all(c in names for c in REQUIRED_COLUMNS):
            return delimiter
        if len(header) > best_count:
            best, best_count = delimiter, len(header)
    return best


def _text_records(path: Path, data: bytes) -> list[_Record]:
    text = _decode(path, data)
    # newline="" hands line breaks to the csv module: inside quotes they are part of the value, and
    # only \r, \n and \r\n end a row (U+2028, U+0085, form feeds ... stay inside their value).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    records: list[_Record] = []
    start = 1
    try:
        for cells in reader:
            records.append(_Record(cells, len(records) + 1, start, True))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RosterError(f"{display_name(path)}: line {start}: {exc}", QUOTES_HINT) from None
    return records


def _workbook_records(path: Path) -> list[_Record]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return [_Record([_cell_text(v) for v in row], n, n, False) for n, row in enumerate(rows, start=1)]


def _read_records(path: Path) -> list[_Record]:
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + WORKBOOK_SUFFIXES:
        raise UsageError(f"{display_name(path)}: roster must be .csv or .xlsx", "save the roster as CSV or Excel")
    try:
        if suffix in TEXT_SUFFIXES:
            return _text_records(path, path.read_bytes())
        return _workbook_records(path)
    except RosterError:
        raise
    except FileNotFoundError:
        raise RosterError(f"{display_name(path)}: roster not found") from None
    except OSError as exc:
        raise RosterError(f"{display_name(path)}: cannot read roster: {exc.strerror}", "check the file") from None
    except Exception as exc:  # calamine raises several types for unreadable files
        raise RosterError(f"{display_name(path)}: cannot read roster: {exc}", "save it as .csv or .xlsx") from None


def read_roster(template: Template, path: str | Path, default_lang: str = "en") -> list[RosterRow]:
    """Check a whole roster before anything is written: columns, blank rows, duplicates, languages.

    Each bad row is named by its line in a text file (or its row in a workbook). A ``lang`` cell
    (e.g. es) makes that row's workbook in that language; empty, ``default_lang``.
    """
    path = Path(path)
    shown = display_name(path)
    records = _read_records(path)
    if not records:
        raise RosterError(f"{shown}: roster is empty", "add a header row: partner,rater,side,round")
    header = [one_line(h).lower() for h in records[0].cells]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterError(
            f"{shown}: roster has no column {', '.join(missing)}",
            "the first row must name the columns partner, rater (and optionally side, round, library)",
        )
    index = {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in header}
    result: list[RosterRow] = []
    seen: dict[tuple[str, ...], _Record] = {}
    taken: set[str] = set()
    for record in records[1:]:
        row = record.cells
        values = {name: (one_line(row[i]) if i < len(row) else "") for name, i in index.items()}
        if not any(values.values()):
            raise RosterError(f"{shown}: {record.where} is blank", "delete blank rows from the roster")
        for name in REQUIRED_COLUMNS:
            if not values[name]:
                raise RosterError(f"{shown}: {record.where}: {name} is empty", f"fill in the {name} column")
        email = values.pop("email", "")
        lang = values.pop("lang", "") or default_lang
        if email and not EMAIL_SHAPE.match(email):
            raise RosterError(
                f"{shown}: {record.where}: {email!r} is not an email address", "fix it, or leave the email cell empty"
            )
        try:
            view = template.in_language(lang)
            who = personalise(view, values)
        except UsageError as exc:
            raise RosterError(f"{shown}: {record.where}: {exc.message}", exc.hint) from None
        who = Personalisation(**{k: view.identity_neutral(k, v) for k, v in who.as_dict().items()})
        key = tuple(v.casefold() for v in who.as_dict().values())
        if key in seen:
            raise RosterError(f"{shown}: {record.where} repeats {seen[key].where}", "remove the duplicate row")
        seen[key] = record
        name = unique_file_name((template.id, who.partner, who.rater, who.round), ".xlsx", taken)
        result.append(RosterRow(record.line, who, name, email, record.where, view.lang))
    if not result:
        raise RosterError(f"{shown}: roster has a header but no rows", "add one row per workbook")
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
        raise UsageError(
            f"{display_name(out)}: one workbook per roster row needs a folder to write into, not a file", "e.g. outbox/"
        )
    targets = [out / r.filename for r in rows]
    inputs_apart_from_outputs([Path(p) for p in inputs], targets)
    out.mkdir(parents=True, exist_ok=True)
    if not force:
        clash = next((out / r.filename for r in rows if (out / r.filename).exists()), None)
        if clash is not None:
            raise OutputExists(f"{clash}: already exists", "or write into another folder")
    for row in rows:
        view, who, workbook_id = workbook_of(template, row)
        data = generate_bytes(view, who, workbook_id=workbook_id, created=created)
        yield atomic_write(out / row.filename, data, force=True)


def workbook_of(template: Template, row: RosterRow) -> tuple[Template, Personalisation, str]:
    """The row's workbook: the template in its language, its identity as it shows it (a side in
    that language), and its workbook id; ``status`` finds the return by that id again."""
    view = template.in_language(row.lang)
    who = personalise(view, row.who.as_dict())
    return view, who, workbook_id_for(view, who, row.filename)
