"""The tables of the comparison (Data, Evidence, About's inputs; Trends, Indicators and Perspectives
as ``StyledRow``s, each cell with its own format): body rows streamed into the sheet's XML.

A thousand returned workbooks make ~30,000 rows and ~500,000 cells. XlsxWriter's cell API stores
every cell as an object and then serialises it, which took most of a compile's time. These sheets
instead write their body rows straight into the worksheet XML while XlsxWriter assembles the file,
in the form XlsxWriter itself uses in ``constant_memory`` mode (inline strings, escaped by
XlsxWriter's own escapers). Every text is a string cell: nothing is ever turned into a formula,
nothing is taken for markup, and a text too long for a cell is cut with a note (``fit_text``).

Why not XlsxWriter's public ``constant_memory`` option: it is set for a whole workbook, needs every
sheet written strictly row by row, and rules out ``merge_range`` (the other sheets use both), and
``in_memory`` switches it off. So this hooks two of XlsxWriter's private methods (``_write_sheet_data``
and the ``dim_row*`` bounds) and uses its escapers and ``_get_xf_index``; setup.cfg pins XlsxWriter to
the minor version tested, and ``tests/test_rows_xml.py`` checks that the XML written here holds the
same cells, types, values, styles and row heights as XlsxWriter's own ``constant_memory`` output for
the same rows. Raise the pin only when that test passes on the new version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import isfinite
from operator import is_
from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ...workbook.cells import CUT_NOTE, TextSheet, fit_text
from ...workbook.style import row_height

ROW_LIMIT = 1_048_576
"""Rows in one sheet (Excel's limit, and XlsxWriter's)."""
TAILS_KEPT, TAIL_KEPT_CHARS = 10_000, 600
"""Drawn row tails kept for reuse on a sheet with repeated leading columns: how many, and how long
each may be (a long note is seldom met twice); together they bound the memory kept to a few MB."""


@dataclass(frozen=True)
class StyledRow:
    """A body row whose cells carry their own formats, for tables whose rows differ (a bold total,
    a flagged figure): ``formats`` per column (None: unformatted; a None value with no format is
    no cell at all), ``height`` in points (None: the default height)."""

    values: Sequence[Any]
    formats: Sequence[Any]
    height: float | None = None


@dataclass
class Body:
    """The body rows of a RowsSheet: produced when the file is written, never stored as cells.

    ``formats`` gives each column's cell format, unless a row is a ``StyledRow``; ``height`` a row's
    height in points from its values (capped at Excel's limit); ``cut_note`` ends a text too long
    for a cell. A date takes ``date_format`` when there is one, else its column's (or cell's) format.
    """

    rows: Callable[[], Iterable[Sequence[Any] | StyledRow]]
    n_rows: int
    n_cols: int
    first_row: int = 1
    date_format: Any = None
    formats: Sequence[Any] = ()
    height: Callable[[Sequence[Any]], float] | None = None
    cut_note: str = CUT_NOTE
    repeated: int = 0
    """How many leading columns hold the same values on runs of rows (the Data sheet's file and names)."""


class RowsSheet(TextSheet):
    """A worksheet whose body rows are written straight into its XML when the workbook is closed.

    Cells written through the normal API (titles, the header) come first, as usual; the body
    follows from ``body.first_row``. Its size is declared up front, so the sheet's dimension and
    autofilter are right.
    """

    body: Body | None = None
    # Set by XlsxWriter's Worksheet (which ships no type information): the first and last rows used.
    dim_rowmin: int | None
    dim_rowmax: int | None

    def set_body(self, body: Body) -> None:
        """Declare the body; a body that would run past the sheet's last row or column is refused."""
        if body.n_rows and body.n_cols and self._check_dimensions(body.first_row + body.n_rows - 1, body.n_cols - 1):
            raise ValueError(f"{body.n_rows} rows from row {body.first_row} do not fit in one sheet")
        self.body = body

    def _write_sheet_data(self) -> None:
        if self.body is None or not self.body.n_rows:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        rowmin, rowmax = self.dim_rowmin, self.dim_rowmax
        above_body = self.body.first_row - 1
        if rowmin is not None and rowmax is not None and rowmin <= above_body:
            self.dim_rowmax = min(rowmax, above_body)  # XlsxWriter writes the API-written rows only
            self._write_rows()
            self.dim_rowmax = rowmax
        self._write_body(self.body)
        self._xml_end_tag("sheetData")

    def _text(self, cache: dict[str, str], value: str, note: str) -> str:
        found = cache.get(value)
        if found is None:
            found = self.inline_xml(fit_text(value, note))
            if len(cache) < 200_000:
                cache[value] = found
        return found

    def _write_body(self, body: Body) -> None:
        write = self.fh.write
        starts = [f'<c r="{xl_col_to_name(col)}' for col in range(body.n_cols)]
        xf: dict[int, str] = {}

        def styles_of(formats: Sequence[Any]) -> list[str]:
            """Formats (a column's, or a StyledRow's cells') as the ``s`` attributes of cells."""
            found = []
            for f in formats:
                if f is None:
                    found.append("")
                    continue
                style = xf.get(id(f))
                if style is None:
                    style = xf[id(f)] = f' s="{f._get_xf_index()}"'
                found.append(style)
            return found + [""] * (body.n_cols - len(found))

        styles = styles_of(body.formats)
        cache: dict[str, str] = {}
        cached = cache.get
        text = self._text
        date_style = f' s="{body.date_format._get_xf_index()}"' if body.date_format is not None else ""
        convert = self._convert_date_time
        note = body.cut_note

        def cells(values: Sequence[Any], r: str, first: int, parts: list[str], styles: list[str] = styles) -> None:
            """Append the XML of ``values`` (columns from ``first``) in a row whose number and '"' is ``r``."""
            append = parts.append
            for col, value in enumerate(values, start=first):
                if value.__class__ is str and value:
                    append(starts[col] + r + styles[col] + (cached(value) or text(cache, value, note)))
                elif value is None or value == "":
                    if styles[col]:
                        append(starts[col] + r + styles[col] + "/>")
                elif isinstance(value, bool):
                    append(f'{starts[col]}{r}{styles[col]} t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, int | float):
                    if value.__class__ is float and not isfinite(value):  # NaN, inf: no Excel number
                        append(starts[col] + r + styles[col] + text(cache, str(value), note))
                    else:  # 0 for -0.0 too: Excel shows no sign on zero, and kept tails compare them equal
                        append(f"{starts[col]}{r}{styles[col]}><v>{value or 0:.16G}</v></c>")
                elif isinstance(value, datetime | date):
                    append(f"{starts[col]}{r}{date_style or styles[col]}><v>{convert(value):.16G}</v></c>")
                else:
                    append(starts[col] + r + styles[col] + text(cache, str(value), note))

        # The leading columns that repeat (body.repeated) are drawn once per run of identical values,
        # split where the row number goes ("\0" never survives escaping, so it cannot come from a value).
        # The columns after them recur across runs (one field rated "Very effective" by many raters):
        # a short tail is drawn once and kept (up to TAILS_KEPT of them).
        # 1, 1.0 and True are equal keys, drawn differently: a kept tail counts only for the same types.
        k = body.repeated
        head: Sequence[Any] = ()
        pieces: list[str] = []
        tails: dict[tuple[Any, ...], tuple[tuple[type, ...], list[str]]] = {}

        def tail_pieces(values: Sequence[Any]) -> list[str]:
            tail = tuple(values[k:])
            kinds = tuple(map(type, tail))
            try:
                kept = tails.get(tail)
            except TypeError:  # an unhashable value: drawn every time
                kept, tail = None, ()
            if kept is not None and kept[0] == kinds:
                return kept[1]
            drawn: list[str] = []
            cells(values[k:], '\0"', k, drawn)
            split = "".join(drawn).split("\0")
            if tail and len(tails) < TAILS_KEPT and sum(map(len, split)) <= TAIL_KEPT_CHARS:
                tails[tail] = (kinds, split)
            return split

        # Without row heights, a run's row tag is drawn with its head: once per run.
        done: list[str] = []  # rows drawn, written a few hundred at a time
        for excel_row, values in enumerate(body.rows(), start=body.first_row + 1):
            number = str(excel_row)
            if isinstance(values, StyledRow):
                parts = [_row_tag(number, values.height)]
                cells(values.values, number + '"', 0, parts, styles_of(values.formats))
            elif k:
                if len(values) < k or len(head) != k or not all(map(is_, values[:k], head)):
                    head = values[:k]
                    drawn: list[str] = ['<row r="\0">'] if body.height is None else []
                    cells(head, '\0"', 0, drawn)
                    pieces = "".join(drawn).split("\0")
                parts = [number.join(pieces), number.join(tail_pieces(values))]
                if body.height is not None:
                    parts.insert(0, _row_tag(number, body.height(values)))
            else:
                parts = [_row_tag(number, body.height(values) if body.height is not None else None)]
                cells(values, number + '"', 0, parts)
            parts.append("</row>")
            done.append("".join(parts))
            if len(done) >= 500:
                write("".join(done))
                done.clear()
        write("".join(done))


def _row_tag(number: str, height: float | None) -> str:
    if height is None:
        return f'<row r="{number}">'
    return f'<row r="{number}" ht="{row_height(height):g}" customHeight="1">'


def shade_rows_where(ws: Any, first: int, last: int, n_cols: int, col: int, text: str, fmt: Any) -> None:
    """Shade rows ``first``..``last`` whose cell in ``col`` equals ``text`` (a conditional format)."""
    if last < first:
        return
    cell = xl_rowcol_to_cell(first, col, col_abs=True)
    ws.conditional_format(
        first, 0, last, n_cols - 1, {"type": "formula", "criteria": f'={cell}="{text}"', "format": fmt}
    )
