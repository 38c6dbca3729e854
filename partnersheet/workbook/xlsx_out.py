"""Writing output workbooks (problem reports, comparisons) safely.

Respondents' text is always written as text: XlsxWriter's guessing (``=`` becomes a formula, a
URL becomes a link) is switched off, and every cell goes through ``write_cell`` which chooses the
writer by the Python type, never by the content of a string. Strings go through ``cells.write_text``
(never taken for markup, cut to Excel's limit with a note); row heights stay within Excel's limit.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import zipfile
import zlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter.workbook

from ..spec.names import OUTPUT_PROPERTY
from .cells import CUT_NOTE, TextWorkbook, write_text
from .generate import WORKBOOK_OPTIONS
from .style import NAVY, WHITE, footer, lines_height, print_setup, row_height, wrapped_lines

HEADER = {
    "bold": True,
    "font_color": WHITE,
    "bg_color": NAVY,
    "text_wrap": True,
    "valign": "top",
    "border": 1,
    "border_color": WHITE,
}
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
DEFLATE_LEVEL = 1
"""Deflate level for output packages: a comparison is ~30 MB of XML per 1,000 returns. With zlib,
level 1 takes a third of the default level's time for a file about a fifth larger, and ISA-L's level 1
(python-isal) a fifth of zlib's level 1 again, for a file no larger."""
COPY_CHUNK = 1 << 20
"""Bytes handed to the compressor at a time (zipfile's own 8 kB calls cost ISA-L half its speed)."""
_PACKAGING = threading.Lock()

deflate: Any = zlib
"""The deflate library: ISA-L's (python-isal, a dependency) where it could be installed, else zlib."""
try:
    from isal import isal_zlib

    deflate = isal_zlib
except ImportError:  # a platform without an isal wheel still writes every output, only slower
    pass


class _FastZipFile(zipfile.ZipFile):
    """A ZipFile whose members are deflated by ``deflate`` at DEFLATE_LEVEL, in large pieces.

    zipfile takes no compressor: the zlib one it makes for a member being written is replaced (its
    ``_compressor``, a CPython detail since 3.6; where it is missing, zipfile's own is kept and the
    package is only slower). Any raw deflate stream is a valid member, whichever library made it.
    """

    def __init__(self, file: Any, mode: Any, compression: int, allowZip64: bool = True) -> None:
        super().__init__(file, mode, compression, allowZip64, compresslevel=DEFLATE_LEVEL)

    def open(self, name: Any, mode: Any = "r", pwd: bytes | None = None, *, force_zip64: bool = False) -> Any:
        handle: Any = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode == "w" and getattr(handle, "_compressor", None) is not None:
            handle._compressor = deflate.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return handle

    def write(
        self, filename: Any, arcname: Any = None, compress_type: int | None = None, compresslevel: int | None = None
    ) -> None:
        """As ZipFile.write, for the plain files XlsxWriter packages, copied in COPY_CHUNK pieces."""
        if compress_type is not None or compresslevel is not None or os.path.isdir(filename):
            super().write(filename, arcname, compress_type, compresslevel)
            return
        zinfo = zipfile.ZipInfo.from_file(filename, arcname)
        zinfo.compress_type = self.compression
        zinfo._compresslevel = DEFLATE_LEVEL  # type: ignore[attr-defined]  # as ZipFile.write sets it
        with open(filename, "rb") as src, self.open(zinfo, "w") as dest:
            shutil.copyfileobj(src, dest, COPY_CHUNK)


class OutputWorkbook(TextWorkbook):
    """A TextWorkbook packaged at DEFLATE_LEVEL.

    XlsxWriter has no option for the level (jmcnamara/XlsxWriter#853): it opens its ZipFile by the
    name imported into ``xlsxwriter.workbook``, so that name is swapped while this workbook is
    packaged, under a lock, and put back (``tests/test_outputs.py`` checks both).
    """

    def _store_workbook(self) -> None:
        with _PACKAGING:
            module = xlsxwriter.workbook
            module.ZipFile = _FastZipFile
            try:
                super()._store_workbook()
            finally:
                module.ZipFile = zipfile.ZipFile


class OutputBook:
    """An XlsxWriter workbook with the formats every output table needs, in memory or streamed to a file."""

    def __init__(self, kind: str, cut_note: str = CUT_NOTE, target: Path | None = None) -> None:
        """``kind`` ("comparison", "problems report") is stamped in the document properties, so
        reading recognises the tool's own outputs when they land among returned workbooks.
        ``cut_note`` ends a text too long for a cell, saying where the whole text is.
        With ``target`` the workbook is written to that file, its sheets' XML through temporary
        files beside it (never whole in memory: XlsxWriter's ``in_memory`` held 1 GB for 10,000 returns)."""
        self.buffer = io.BytesIO()
        if target is None:
            self.wb = OutputWorkbook(self.buffer, WORKBOOK_OPTIONS)
        else:
            options = {**WORKBOOK_OPTIONS, "in_memory": False, "tmpdir": str(target.parent)}
            self.wb = OutputWorkbook(str(target), options)
        self.wb.set_custom_property(OUTPUT_PROPERTY, kind)
        self.cut_note = cut_note
        self.header = self.wb.add_format(HEADER)
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.plain = self.wb.add_format({"valign": "top"})
        self.number = self.wb.add_format({"valign": "top", "num_format": "0.00"})
        self.date = self.wb.add_format({"valign": "top", "num_format": "yyyy-mm-dd"})
        self.title = self.wb.add_format({"bold": True, "font_size": 16, "font_color": NAVY})
        self.bold = self.wb.add_format({"bold": True})

    def write_cell(self, ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt or self.number)
        elif isinstance(value, datetime | date):
            ws.write_datetime(row, col, value, fmt or self.date)
        else:
            write_text(ws, row, col, str(value), fmt or self.plain, self.cut_note)

    def merged_text(self, ws: Any, row: int, col: int, last_row: int, last_col: int, value: Any, fmt: Any) -> None:
        """A merged range holding ``value``, written like any other cell (text stays text)."""
        ws.merge_range(row, col, last_row, last_col, "", fmt)
        self.write_cell(ws, row, col, value, fmt)

    def table(
        self,
        name: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float] | None = None,
        wrap_cols: Sequence[int] = (),
        first_row: int = 0,
        landscape: bool = True,
    ) -> Any:
        """A sheet holding one table: header row frozen and filterable, long text wrapped."""
        ws = self.wb.add_worksheet(name)
        for col, header in enumerate(headers):
            write_text(ws, first_row, col, header, self.header)
        widths = list(widths or [18] * len(headers))
        lines = max(wrapped_lines(h, w, bold=True) for h, w in zip(headers, widths, strict=True))
        ws.set_row(first_row, row_height(lines_height(lines)))
        for r, values in enumerate(rows, start=first_row + 1):
            for col, value in enumerate(values):
                self.write_cell(ws, r, col, value, self.wrap if col in wrap_cols else None)
            lines = max((wrapped_lines(str(values[c] or ""), widths[c]) for c in wrap_cols), default=1)
            if lines > 1:
                ws.set_row(r, row_height(lines_height(lines)))
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(first_row + 1, 0)
        if headers:
            ws.autofilter(first_row, 0, first_row + max(len(rows), 1), len(headers) - 1)
        ws.repeat_rows(first_row)
        print_setup(ws, footer=footer("partnersheet"), landscape=landscape)
        return ws

    def close(self) -> bytes:
        """Finish the workbook; its bytes when it was built in memory (empty when written to a file)."""
        self.wb.close()
        return self.buffer.getvalue()


def csv_safe(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula when it opens a CSV."""
    if isinstance(value, str) and value.startswith(CSV_DANGEROUS):
        return "'" + value
    return value
