"""Spec -> workbook, with XlsxWriter.

The layout is computed once per template (``layout.py``); each workbook only replays it, so a
roster of a thousand workbooks costs little more than XlsxWriter writing the same cells bare.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from .. import __version__
from ..errors import UsageError
from ..files import atomic_write, check_writable, display_name
from ..i18n import BASE, tr
from ..spec import IDENTITY_KEYS, Field, Template
from ..spec.names import INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET, PROPERTY_PREFIX
from ..spec.terms import HEADING as TERMS_HEADING
from ..spec.terms import terms
from .cells import TextWorkbook, write_text
from .layout import SheetLayout, layout_for
from .style import (
    BAND_BORDER,
    BAND_FILL,
    GRID,
    INPUT_BORDER,
    INPUT_FILL,
    LETTER,
    LIGHT_FILL,
    MARGINS,
    MUTED_TEXT,
    NAVY,
    NOTE_TEXT,
    PREFILLED_BORDER,
    PREFILLED_FILL,
    WHITE,
    fit_height,
    footer,
    print_setup,
    row_height,
)

INSTRUCTIONS_WIDTH = 100
WORKBOOK_ID_NAMESPACE = uuid.UUID("6f1c1c2e-6a0e-4f3e-9a53-2f1d8f0c7a11")
# Fixed document date, so the same inputs give the same bytes unless a date is asked for.
DEFAULT_CREATED = datetime(2026, 1, 1, tzinfo=UTC)
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "font_color": NAVY, "valign": "vcenter"},
    "subtitle": {"italic": True, "font_color": NOTE_TEXT, "text_wrap": True, "valign": "top"},
    "section": {"bold": True, "font_size": 13, "font_color": NAVY, "bottom": 2, "bottom_color": NAVY},
    "header": {
        "bold": True,
        "font_color": WHITE,
        "bg_color": NAVY,
        "text_wrap": True,
        "valign": "vcenter",
        "border": 1,
        "border_color": WHITE,
    },
    "band": {"bold": True, "bg_color": BAND_FILL, "font_color": NAVY, "border": 1, "border_color": BAND_BORDER},
    "group": {
        "bold": True,
        "text_wrap": True,
        "valign": "top",
        "bg_color": BAND_FILL,
        "border": 1,
        "border_color": BAND_BORDER,
    },
    "label": {"bold": True, "text_wrap": True, "valign": "top", "border": 1, "border_color": GRID},
    "label_small": {"font_size": 9, "bold": True, "font_color": NOTE_TEXT, "text_wrap": True, "valign": "bottom"},
    "criterion": {"text_wrap": True, "valign": "top", "border": 1, "border_color": GRID},
    "blank": {"bg_color": LIGHT_FILL},
    "text": {"text_wrap": True, "valign": "top"},
    "heading": {"bold": True, "font_size": 12, "font_color": NAVY},
    "small": {"font_size": 9, "font_color": MUTED_TEXT, "text_wrap": True, "valign": "top"},
}
INPUT_BASE = {
    "locked": False,
    "bg_color": INPUT_FILL,
    "border": 1,
    "border_color": INPUT_BORDER,
    "valign": "top",
    "text_wrap": True,
}
PREFILLED = {
    "locked": True,
    "bg_color": PREFILLED_FILL,
    "border": 1,
    "border_color": PREFILLED_BORDER,
    "valign": "top",
    "text_wrap": True,
    "bold": True,
}


@dataclass(frozen=True)
class Personalisation:
    """Who a workbook is for. Empty values mean "let the respondent type it"."""

    library: str = ""
    partner: str = ""
    rater: str = ""
    side: str = ""
    round: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in IDENTITY_KEYS}


def _tidy(text: str) -> str:
    """One line of printable text: no control characters, single spaces, no edges."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def personalise(template: Template, values: Mapping[str, str | None]) -> Personalisation:
    """Check and tidy identity values; a side must be one of the template's side choices.

    A side may be given in English (``--side library``) or in any language of the template; the
    workbook shows it in its own language (and programs read it back in English, see
    ``Template.identity_neutral``).
    """
    clean = {key: _tidy(str(values.get(key) or "")) for key in IDENTITY_KEYS}
    side_field = template.identity_field("side")
    if clean["side"] and side_field is None:
        raise UsageError(f"template {template.id!r} has no side to fill in", "leave the side out")
    if clean["side"] and side_field is not None:
        if template.identity_option("side", clean["side"]) is None:
            options = ", ".join(template.options(side_field))
            raise UsageError(f"side {clean['side']!r} is not one of: {options}", "use library or partner")
        clean["side"] = template.identity_shown("side", clean["side"])
    for key, value in clean.items():
        f = template.identity_field(key)
        if value and f is not None and f.max_length and len(value) > f.max_length:
            raise UsageError(f"{key} is {len(value)} characters; {f.label!r} allows {f.max_length}")
    return Personalisation(**clean)


def document_date(stamp_now: bool = False) -> datetime:
    """SOURCE_DATE_EPOCH wins, then the current time if asked, else a fixed date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(UTC) if stamp_now else DEFAULT_CREATED


def workbook_id_for(template: Template, who: Personalisation, label: str = "") -> str:
    """A stable id from what the workbook is: same inputs, same id; another rater, another id."""
    language = [] if template.lang == BASE else [template.lang]  # English ids stay as they were
    key = "|".join([template.id, template.spec_hash, *who.as_dict().values(), label, *language])
    return str(uuid.uuid5(WORKBOOK_ID_NAMESPACE, key))


def meta_values(template: Template, who: Personalisation, workbook_id: str) -> dict[str, str]:
    """What the hidden _meta sheet and the custom document properties carry."""
    return {
        "template_id": template.id,
        "template_version": template.version,
        "spec_hash": template.spec_hash,
        "generator": "partnersheet",
        "generator_version": __version__,
        "workbook_id": workbook_id,
        **who.as_dict(),
        "language": template.lang,
        # Which wording of the translation it shows (English's wording is the spec hash's).
        **({"translation_hash": template.translation_hash} if template.translation_hash else {}),
    }


class _Writer:
    """Draws one workbook from a template layout."""

    def __init__(
        self,
        template: Template,
        who: Personalisation,
        workbook_id: str,
        created: datetime,
        answers: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.who = who
        self.answers = answers or {}
        self.workbook_id = workbook_id
        self.buffer = io.BytesIO()
        self.wb = TextWorkbook(self.buffer, WORKBOOK_OPTIONS)
        self.created = created
        self.formats = {name: self.wb.add_format(props) for name, props in STYLES.items()}
        self.input_formats: dict[tuple[str, bool], Any] = {}

    def input_format(self, f: Field, prefilled: bool) -> Any:
        key = (f.type, prefilled)
        if key not in self.input_formats:
            props = dict(PREFILLED if prefilled else INPUT_BASE)
            if f.kind.number_format:
                props["num_format"] = f.kind.number_format
            if not f.kind.wraps:
                props["text_wrap"] = False
            self.input_formats[key] = self.wb.add_format(props)
        return self.input_formats[key]

    def build(self) -> bytes:
        layout = layout_for(self.template)
        self.wb.set_properties(
            {
                "title": self.template.title,
                "subject": self.template.description,
                "author": self.who.library or "partnersheet",
                "comments": self.tr("Made by partnersheet {version} from template {id} {template_version}").format(
                    version=__version__, id=self.template.id, template_version=self.template.version
                ),
                "created": self.created.replace(tzinfo=None),
            }
        )
        self.wb.set_size(1400, 900)
        self._instructions()
        for sheet_layout in layout.sheets:
            self._form_sheet(sheet_layout)
        self._lists()
        self._meta()
        self.wb.close()
        return self.buffer.getvalue()

    def tr(self, text: str) -> str:
        return tr(self.template.lang, text)

    def _instructions(self) -> None:
        t = self.template
        ws = self.wb.add_worksheet(self.tr(INSTRUCTIONS_SHEET))
        ws.set_column(0, 0, 2)
        ws.set_column(1, 1, INSTRUCTIONS_WIDTH)
        ws.hide_gridlines(2)
        ws.protect()
        ws.activate()
        row = 0
        # The title in A1, where screen readers start; it runs on across the empty B1.
        ws.write_string(row, 0, t.title, self.formats["title"])
        ws.set_row(row, 30)
        row += 1
        ws.write_string(
            row,
            1,
            self.tr("Template {id}, version {version}").format(id=t.id, version=t.version),
            self.formats["small"],
        )
        row += 2
        if t.intro:
            ws.write_string(row, 1, t.intro, self.formats["text"])
            ws.set_row(row, fit_height(t.intro, INSTRUCTIONS_WIDTH))
            row += 2
        for section, english in zip(t.instructions, t.base.instructions, strict=True):
            ws.write_string(row, 1, section.heading, self.formats["heading"])
            row += 1
            numbered = english.heading.lower() == "steps"  # the English decides, in every language
            for number, (item, english_item) in enumerate(zip(section.items, english.items, strict=True), start=1):
                bullet = f"{number}. " if numbered and not english_item.startswith("Step") else "•  "
                ws.write_string(row, 1, bullet + item, self.formats["text"])
                ws.set_row(row, fit_height(bullet + item, INSTRUCTIONS_WIDTH))
                row += 1
            row += 1
        # What raters are promised about how their answers are shown (from the spec's confidentiality).
        ws.write_string(row, 1, self.tr(TERMS_HEADING), self.formats["heading"])
        row += 1
        for line in terms(t):
            ws.write_string(row, 1, "•  " + line, self.formats["text"])
            ws.set_row(row, fit_height("•  " + line, INSTRUCTIONS_WIDTH))
            row += 1
        row += 1
        for scale in t.scales.values():
            ws.write_string(row, 1, self.tr("Rating scale: {title}").format(title=scale.title), self.formats["heading"])
            row += 1
            for level in scale.levels:
                line = self.tr("{label} (scores {score})").format(label=level.label, score=f"{level.score:g}")
                ws.write_string(row, 1, f"•  {line}", self.formats["text"])
                row += 1
            if scale.not_observed:
                line = self.tr("{label} (not scored: use it when you cannot judge)").format(label=scale.not_observed)
                ws.write_string(row, 1, f"•  {line}", self.formats["text"])
                row += 1
            row += 1
        print_setup(ws, footer=self._footer())

    def _footer(self) -> str:
        return footer(f"{self.template.id} v{self.template.version}", self.tr("Page &P of &N"))

    def _form_sheet(self, sl: SheetLayout) -> None:
        ws = self.wb.add_worksheet(sl.sheet.name)
        identity = self.who.as_dict()
        for col, width in sl.widths.items():
            ws.set_column(col, col, width)
        for row, height in sl.heights.items():
            ws.set_row(row, row_height(height))
        for cell in sl.cells:
            fmt = self.formats[cell.style]
            if cell.last_row is not None or cell.last_col is not None:
                ws.merge_range(cell.row, cell.col, cell.last_row or cell.row, cell.last_col or cell.col, cell.text, fmt)
            elif cell.text:
                ws.write_string(cell.row, cell.col, cell.text, fmt)
            else:
                ws.write_blank(cell.row, cell.col, None, fmt)
        quoted = quote_sheetname(sl.sheet.name)
        for inp in sl.inputs:
            f = inp.field
            preset = identity.get(f.identity, "") if f.identity else ""
            fmt = self.input_format(f, bool(preset))
            if preset:
                write_text(ws, inp.row, inp.col, preset, fmt)
            else:
                self._answer(ws, inp.row, inp.col, self.answers.get(f.id), fmt)
                ws.data_validation(inp.row, inp.col, inp.row, inp.col, self._validation(f))
            ref = xl_rowcol_to_cell(inp.row, inp.col, row_abs=True, col_abs=True)
            self.wb.define_name(f.name, f"={quoted}!{ref}")
        ws.hide_gridlines(2)
        ws.protect("", {"format_rows": True, "format_columns": True})
        # A sheet with ``pages`` set is a document: portrait, on at most that many pages.
        print_setup(
            ws,
            footer=self._footer(),
            paper=LETTER,
            margins=MARGINS,
            header=f"&L&8{self.template.title}",
            landscape=not sl.pages,
            pages_tall=sl.pages,
        )
        if sl.header_rows:
            ws.repeat_rows(*sl.header_rows)
        if sl.page_breaks:
            ws.set_h_pagebreaks(list(sl.page_breaks))
        ws.print_area(0, 0, sl.last_row, sl.last_col)

    @staticmethod
    def _answer(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
        """Pre-filled answers keep their type, as if typed: text stays text, never a formula or markup."""
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, date):
            ws.write_datetime(row, col, value, fmt)
        else:
            write_text(ws, row, col, str(value), fmt)

    def _validation(self, f: Field) -> dict[str, Any]:
        v: dict[str, Any] = {
            "input_title": f.input_title,
            "input_message": f.input_message,
            "error_title": self.tr("Please check this answer"),
            "error_type": "stop",
        }
        v.update(f.kind.validation(self.template, f))
        return v

    def _lists(self) -> None:
        ws = self.wb.add_worksheet(LISTS_SHEET)
        quoted = quote_sheetname(LISTS_SHEET)
        lists = [(f"list_{name}", values) for name, values in self.template.choices.items()]
        lists += [(f"scale_{name}", scale.options) for name, scale in self.template.scales.items()]
        for col, (name, values) in enumerate(lists):
            ws.write_string(0, col, name)
            for row, value in enumerate(values, start=1):
                ws.write_string(row, col, value)
            first = xl_rowcol_to_cell(1, col, row_abs=True, col_abs=True)
            last = xl_rowcol_to_cell(len(values), col, row_abs=True, col_abs=True)
            self.wb.define_name(name, f"={quoted}!{first}:{last}")
        ws.protect()
        ws.hide()

    def _meta(self) -> None:
        ws = self.wb.add_worksheet(META_SHEET)
        ws.write_string(0, 0, "key")
        ws.write_string(0, 1, "value")
        for row, (key, value) in enumerate(meta_values(self.template, self.who, self.workbook_id).items(), 1):
            ws.write_string(row, 0, key)
            write_text(ws, row, 1, value)
            self.wb.set_custom_property(PROPERTY_PREFIX + key, value or "-")
        ws.protect()
        ws.hide()


def build_workbook(
    template: Template,
    who: Personalisation,
    workbook_id: str,
    created: datetime,
    answers: Mapping[str, Any] | None = None,
) -> bytes:
    """Draw one workbook from scratch."""
    return _Writer(template, who, workbook_id, created, answers).build()


def generate_bytes(
    template: Template,
    who: Personalisation | None = None,
    *,
    workbook_id: str | None = None,
    created: datetime | None = None,
    answers: Mapping[str, Any] | None = None,
) -> bytes:
    """Make one workbook in memory, optionally with answers already in place (samples, re-sends).

    Blank workbooks are stamped from a cached master (see ``stamp.py``): a roster of a thousand
    costs little more than copying a zip a thousand times.
    """
    from .stamp import stamped_workbook

    who = who or Personalisation()
    workbook_id = workbook_id or workbook_id_for(template, who)
    created = created or document_date()
    if answers:
        return build_workbook(template, who, workbook_id, created, answers)
    return stamped_workbook(template, who, workbook_id, created)


def generate(
    template: Template | str,
    path: str | Path,
    who: Personalisation | Mapping[str, str] | None = None,
    *,
    force: bool = False,
    created: datetime | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Path:
    """Make one workbook file, atomically; refuse to overwrite unless ``force``.

    ``template`` may be a template id; ``who`` a mapping of identity values, checked as the CLI does;
    ``answers`` (field id -> value) are written in place, as when pre-filling from another return.
    """
    if isinstance(template, str):
        from ..spec import load_template

        template = load_template(template)
    if who is not None and not isinstance(who, Personalisation):
        who = personalise(template, who)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path}: output must end in .xlsx", "e.g. -o worksheet.xlsx")
    check_writable(path, force)
    who = who or Personalisation()
    label = display_name(path.name)  # the id is a hash of text: a name that is not UTF-8 must still give one
    workbook_id = workbook_id_for(template, who, label)
    data = generate_bytes(template, who, workbook_id=workbook_id, created=created, answers=answers)
    return atomic_write(path, data, force)
