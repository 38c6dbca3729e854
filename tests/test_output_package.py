"""How output workbooks are packaged: every part deflated (at a fast zlib level, which XlsxWriter
has no option for), and XlsxWriter left as it was found afterwards, also when packaging fails."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter.workbook
from xlsxwriter.exceptions import FileCreateError

from partnersheet.workbook.xlsx_out import OutputBook


def _book_with_rows(target: Path | None, rows: int) -> OutputBook:
    book = OutputBook("comparison", target=target)
    ws = book.wb.add_worksheet("Data")
    for r in range(rows):
        book.write_cell(ws, r, 0, f"Community Partner {r % 40:02d}")
        book.write_cell(ws, r, 1, r * 0.5)
    return book


@pytest.mark.parametrize("streamed", [True, False])
def test_every_part_is_deflated_and_xlsxwriter_is_restored(tmp_path: Path, streamed: bool) -> None:
    target = tmp_path / "out.xlsx"
    book = _book_with_rows(target if streamed else None, 5000)
    data = book.close()
    if streamed:
        data = target.read_bytes()
    else:
        target.write_bytes(data)
    with zipfile.ZipFile(target) as z:
        parts = z.infolist()
        assert {p.compress_type for p in parts} == {zipfile.ZIP_DEFLATED}
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.compress_size * 5 < sheet.file_size  # repetitive XML really is compressed
        assert z.testzip() is None
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile


def test_xlsxwriter_is_restored_when_packaging_fails(tmp_path: Path) -> None:
    book = _book_with_rows(tmp_path / "missing" / "out.xlsx", 10)  # its folder does not exist
    with pytest.raises(FileCreateError):
        book.close()
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile


def test_every_member_is_deflated_by_isal_and_reads_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """zipfile's own zlib compressor is swapped for ISA-L's on every member (zipfile has no option
    for it, so this guards the CPython detail it relies on), and the result reads back exactly."""
    from isal import isal_zlib

    from partnersheet.workbook import xlsx_out

    assert xlsx_out.deflate is isal_zlib  # installed with the tool: the fast path is the one taken
    made: list[int] = []

    class Counting:
        @staticmethod
        def compressobj(*args: int) -> object:
            made.append(1)
            return isal_zlib.compressobj(*args)

    monkeypatch.setattr(xlsx_out, "deflate", Counting)
    target = tmp_path / "out.xlsx"
    book = _book_with_rows(target, 3000)
    book.close()
    with zipfile.ZipFile(target) as z:
        assert len(made) == len(z.infolist()) > 5
        assert z.testzip() is None  # every member's CRC and length match what it inflates to
        text = z.read("xl/sharedStrings.xml").decode()
    assert "Community Partner 39" in text


def test_without_isal_outputs_are_deflated_by_zlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where isal could not be installed, zlib at the same level writes the same workbook, only slower."""
    import zlib

    from partnersheet.workbook import xlsx_out

    monkeypatch.setattr(xlsx_out, "deflate", zlib)
    target = tmp_path / "out.xlsx"
    _book_with_rows(target, 3000).close()
    with zipfile.ZipFile(target) as z:
        assert {p.compress_type for p in z.infolist()} == {zipfile.ZIP_DEFLATED}
        assert z.testzip() is None
        assert "Community Partner 39" in z.read("xl/sharedStrings.xml").decode()
