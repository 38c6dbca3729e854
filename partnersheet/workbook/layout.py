"""Where every label and answer cell of a template goes, computed once from the spec.

Generation draws this layout; reading falls back to its positions when a returned workbook has
lost its defined names. Keeping both on one computation means they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import tr
from ..spec import Field, Section, Sheet, Template
from .style import LINE_HEIGHT, lines_height, wrapped_lines

TITLE_ROW = 0
# The title starts in A1 (screen readers start there) and spans the form; the rest starts in column B.
TITLE_COL = 0
FIRST_SECTION_ROW = 3
# Column widths (characters) for the two grids a form sheet can use.
FORM_WIDTHS = {0: 2.0, 1: 30.0, 2: 64.0, 3: 26.0}
BLOCK_WIDTHS = {0: 2.0, 1: 26.0, 2: 42.0, 3: 42.0, 4: 42.0}
# A rubric of contrasts: group, the opposite, the criterion, the rating.
CONTRAST_WIDTHS = {0: 2.0, 1: 24.0, 2: 42.0, 3: 42.0, 4: 26.0}
LONG_TEXT_LINES = 4
# A sheet with tables: the row number in B, then the table columns; its forms put labels in C and
# answers in D. Column widths come from the columns' types, at least these for the forms.
NUMBER_COL, TABLE_FIRST_COL = 1, 2
TABLE_FORM_COLS = (2, 3)
TABLE_FORM_WIDTHS = {0: 2.0, NUMBER_COL: 5.0, 2: 30.0, 3: 38.0}
# A table row is this many lines tall at most: dense enough to print; people may make rows taller.
TABLE_LINES = 1.2
SPACER_HEIGHT = 6.0  # the empty row after each section, on a sheet printed on a set number of pages
BOLD_STYLES = frozenset({"label", "group", "header", "band", "label_small", "section"})


@dataclass(frozen=True)
class Cell:
    """A locked cell holding template text (a title, label or criterion)."""

    row: int
    col: int
    text: str
    style: str
    last_row: int | None = None
    last_col: int | None = None


@dataclass(frozen=True)
class InputCell:
    """An answer cell, and where its label stands (used to check positions when names are lost)."""

    row: int
    col: int
    field: Field
    label_row: int
    label_col: int


@dataclass(frozen=True)
class SheetLayout:
    sheet: Sheet
    widths: dict[int, float]
    heights: dict[int, float]
    cells: tuple[Cell, ...]
    inputs: tuple[InputCell, ...]
    header_rows: tuple[int, int] | None
    last_row: int
    last_col: int
    page_breaks: tuple[int, ...] = ()
    # Printed portrait on at most this many pages, one page wide (0: landscape, as many as needed).
    pages: int = 0


@dataclass(frozen=True)
class TemplateLayout:
    template: Template
    sheets: tuple[SheetLayout, ...]

    @property
    def positions(self) -> dict[str, tuple[str, int, int]]:
        """Field id -> (sheet name, zero-based row, zero-based column) as generated."""
        return {i.field.id: (s.sheet.name, i.row, i.col) for s in self.sheets for i in s.inputs}

    @property
    def inputs(self) -> dict[str, InputCell]:
        return {i.field.id: i for s in self.sheets for i in s.inputs}


class _Builder:
    def __init__(self, widths: dict[int, float]) -> None:
        self.widths = widths
        self.cells: list[Cell] = []
        self.inputs: list[InputCell] = []
        self.heights: dict[int, float] = {}
        self.row = FIRST_SECTION_ROW
        self.header_rows: tuple[int, int] | None = None
        self.page_breaks: list[int] = []
        self.form_cols = (1, 2)
        self.table_headers: list[int] = []

    def width(self, col: int, last_col: int | None = None) -> float:
        return sum(self.widths.get(c, 10.0) for c in range(col, (last_col or col) + 1))

    def fit(self, row: int, lines: float) -> None:
        self.heights[row] = max(self.heights.get(row, LINE_HEIGHT), lines_height(lines))

    def text(
        self, row: int, col: int, text: str, style: str, last_row: int | None = None, last_col: int | None = None
    ) -> None:
        self.cells.append(Cell(row, col, text, style, last_row, last_col))
        if last_row is None:
            self.fit(row, wrapped_lines(text, self.width(col, last_col), bold=style in BOLD_STYLES))

    def answer(self, row: int, col: int, f: Field, label_at: tuple[int, int], most: float | None = None) -> None:
        self.inputs.append(InputCell(row, col, f, *label_at))
        self.fit(row, f.form_lines if most is None else min(f.form_lines, most))

    def section_title(self, title: str, last_col: int) -> None:
        self.text(self.row, 1, title, "section", last_col=last_col)
        self.row += 1


def _form(b: _Builder, section: Section) -> None:
    label_col, answer_col = b.form_cols
    for f in section.fields:
        b.text(b.row, label_col, f.label, "label")
        b.answer(b.row, answer_col, f, (b.row, label_col))
        b.row += 1
    b.row += 1


def _table(b: _Builder, section: Section) -> None:
    """A header row (the row-number heading, then each column's label), then one row per record.

    No cell is merged; each answer's label is its column's header, and the row number in the
    first column says which record a row is, so sorted rows are read as whole records.
    """
    header = b.row
    b.table_headers.append(header)
    b.text(header, NUMBER_COL, section.number_heading, "header")
    for j, column in enumerate(section.columns):
        b.text(header, TABLE_FIRST_COL + j, column.heading, "header")
    b.row += 1
    for k, group in enumerate(section.groups, start=1):
        b.text(b.row, NUMBER_COL, str(k), "criterion")
        for j, f in enumerate(group.fields):
            b.answer(b.row, TABLE_FIRST_COL + j, f, (header, TABLE_FIRST_COL + j), most=TABLE_LINES)
        b.row += 1
    b.row += 1


def _rubric(b: _Builder, section: Section) -> None:
    header = b.row
    for col, heading in enumerate(section.headings, start=1):
        b.text(header, col, heading, "header")
    b.header_rows = (header, header)
    b.row += 1
    item = len(section.headings) - 1  # the criterion's column: 2, or 3 after a contrast
    for group in section.groups:
        ratings = [f for f in group.fields if f.kind.scored]
        first = b.row
        for f in ratings:
            if f.contrast:
                b.text(b.row, 2, f.contrast, "criterion")
            b.text(b.row, item, f.label, "criterion")
            b.answer(b.row, item + 1, f, (b.row, item))
            b.row += 1
        b.text(first, 1, group.label, "group", last_row=b.row - 1 if len(ratings) > 1 else None)
        for f in group.fields:
            if not f.kind.scored:
                b.text(b.row, 1, f.label, "label")
                b.answer(b.row, 2, f, (b.row, 1))
                for col in range(3, item + 2):
                    b.text(b.row, col, "", "blank")
                b.row += 1
    b.row += 1


def _blocks(b: _Builder, section: Section) -> None:
    last_col = len(section.columns) + 1
    header = b.row
    b.page_breaks.append(header)  # on paper: the headings, then one organization to a page
    b.text(header, 1, section.title, "header")
    for i, column in enumerate(section.columns, start=2):
        b.text(header, i, column.heading, "header")
    b.header_rows = (header, header)
    b.row += 1
    for n, group in enumerate(section.groups):
        if n:
            b.page_breaks.append(b.row)
        b.text(b.row, 1, group.label, "band", last_col=last_col)
        b.row += 1
        top = b.row
        name = next(f for f in group.fields if f.column == "name")
        b.text(top, 1, name.label, "label_small")
        b.answer(top + 1, 1, name, (top, 1))
        depth = 0
        for i, column in enumerate(section.columns, start=2):
            fields = [f for f in group.fields if f.column == column.id]
            for k, f in enumerate(fields):
                b.text(top + 2 * k, i, f.label, "label_small")
                b.answer(top + 2 * k + 1, i, f, (top + 2 * k, i))
            depth = max(depth, 2 * len(fields))
        for r in range(top + 2, top + depth):
            b.text(r, 1, "", "blank")
        for i, column in enumerate(section.columns, start=2):
            used = 2 * sum(1 for f in group.fields if f.column == column.id)
            for r in range(top + used, top + depth):
                b.text(r, i, "", "blank")
        b.row = top + depth
    b.row += 1
    b.page_breaks.append(b.row)


_DRAW = {"form": _form, "rubric": _rubric, "blocks": _blocks, "table": _table}


def _widths(sheet: Sheet) -> dict[int, float]:
    """Column widths: fixed grids for forms, rubrics and blocks; a table's from its columns' types."""
    tables = [s for s in sheet.sections if s.layout == "table"]
    if not tables:
        has_blocks = any(s.layout == "blocks" for s in sheet.sections)
        has_contrasts = any(len(s.headings) == 4 for s in sheet.sections)  # a criterion beside its opposite
        return dict(BLOCK_WIDTHS if has_blocks else CONTRAST_WIDTHS if has_contrasts else FORM_WIDTHS)
    widths = dict(TABLE_FORM_WIDTHS)
    for section in tables:
        for j, f in enumerate(section.groups[0].fields):
            col = TABLE_FIRST_COL + j
            widths[col] = max(widths.get(col, 0.0), f.kind.table_width)
    return widths


def _sheet_layout(template: Template, sheet: Sheet) -> SheetLayout:
    widths = _widths(sheet)
    last_col = max(widths)
    b = _Builder(widths)
    if any(s.layout == "table" for s in sheet.sections):
        b.form_cols = TABLE_FORM_COLS
    b.text(TITLE_ROW, TITLE_COL, sheet.title, "title", last_col=last_col)
    b.heights[TITLE_ROW] = 30
    hint = tr(template.lang, "Type in the shaded cells.")
    b.text(TITLE_ROW + 1, 1, f"{template.description}  {hint}", "subtitle", last_col=last_col)
    spans = []
    for section in sheet.sections:
        first = b.row
        if section.layout != "blocks":
            b.section_title(section.title, last_col)
        _DRAW[section.layout](b, section)
        spans.append((first, b.row - 1))
    if sheet.pages:  # a dense document: thin gaps between sections, the spreadsheet scales it to fit
        for _, last in spans:
            b.heights[last] = SPACER_HEIGHT
    if b.header_rows is None:
        # A spreadsheet repeats one range of rows: one table's header, else the sheet's title.
        one_table = len(b.table_headers) == 1
        b.header_rows = (b.table_headers[0],) * 2 if one_table else (TITLE_ROW, TITLE_ROW)
    breaks = tuple(r for r in b.page_breaks if 0 < r < b.row)
    return SheetLayout(
        sheet, widths, b.heights, tuple(b.cells), tuple(b.inputs), b.header_rows, b.row, last_col, breaks, sheet.pages
    )


_LAYOUTS: dict[str, TemplateLayout] = {}


def layout_for(template: Template) -> TemplateLayout:
    """The layout of a template, computed once per spec content."""
    key = template.view_key
    if key not in _LAYOUTS:
        _LAYOUTS[key] = TemplateLayout(template, tuple(_sheet_layout(template, s) for s in template.sheets))
    return _LAYOUTS[key]
