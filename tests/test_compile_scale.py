"""Compile at scale: the comparison is streamed to disk, and the Data sheet continues on further
sheets when the values outnumber a sheet's rows, without dropping one or writing past the limit."""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rounds_data import write_rounds

from partnersheet.compile.confidential import Scrubber
from partnersheet.compile.core import TIDY_KEYS, compile_paths, tidy_csv
from partnersheet.compile.sheets import data, write_comparison
from partnersheet.compile.sheets import rows as rows_module
from partnersheet.compile.sheets.rows import Body, RowsSheet
from partnersheet.workbook.xlsx_out import OutputBook

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "returns"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale") / "inbox"
    write_rounds(folder)
    return folder


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_data_continues_on_further_sheets_with_nothing_dropped(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "ROW_LIMIT", 50)  # a sheet of 50 rows: a header and 49 values
    comparison = compile_paths([inbox])
    n = comparison.tidy_count
    out = write_comparison(comparison, tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(out)
    names = [s for s in wb.sheetnames if s == "Data" or s.startswith("Data ")]
    assert names == ["Data"] + [f"Data {k}" for k in range(2, math.ceil(n / 49) + 1)]
    rows: list[list[str]] = []
    for name in names:
        ws = wb[name]
        assert ws.max_row <= 50 and [c.value for c in ws[1]][:2] == ["File", "Workbook id"]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref is not None
        rows += [[_as_text(c.value) for c in row] for row in ws.iter_rows(min_row=2)]
    # every value, in order, exactly once: the same rows as the tidy export
    exported = list(csv.reader(io.StringIO(tidy_csv(comparison).decode("utf-8-sig"))))[1:]
    keys = [TIDY_KEYS.index(k) for k in ("file", "field_id", "value_as_typed", "round_order", "status")]
    assert len(rows) == len(exported) == n
    assert [[r[k] for k in keys] for r in rows] == [[r[k] for k in keys] for r in exported]


def test_evidence_stops_at_the_last_row_and_says_how_many_more_and_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "ROW_LIMIT", 12)  # title, note, gap, header: room for 8 rows
    comparison = compile_paths([SAMPLES], confidentiality="attributed")
    notes = [e.text for e in comparison.evidence]
    assert len(notes) > 20, "the inbox has more notes than the small sheet holds"
    wb = openpyxl.load_workbook(write_comparison(comparison, tmp_path / "c.xlsx"))
    ws = wb["Evidence"]
    assert ws.max_row == 12
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    written = [row[ws[4][0].column - 1 + [h.value for h in ws[4]].index("Evidence or comment")] for row in body[:-1]]
    assert written == notes[:7]  # the first notes in order, then the line saying what is left
    more = len(notes) - 7
    assert body[-1][0].startswith(f"… and {more:,} more notes and comments") and "Data sheets" in body[-1][0]
    # every note, shown or not, is a value on the Data sheets (which continue past the limit)
    typed = TIDY_KEYS.index("value_as_typed")
    on_data = [
        str(row[typed].value or "").strip()
        for name in wb.sheetnames
        if name == "Data" or name.startswith("Data ")
        for row in wb[name].iter_rows(min_row=2)
    ]
    assert all(note in on_data for note in notes)


def test_sheet_size_logic_at_excels_real_limit() -> None:
    assert rows_module.ROW_LIMIT == 1_048_576
    assert data.data_parts(1_048_575) == [("Data", 0, 1_048_575)]  # exactly full: header + 1,048,575 values
    assert data.data_parts(1_048_576) == [("Data", 0, 1_048_575), ("Data 2", 1_048_575, 1_048_576)]
    assert data.data_parts(0) == [("Data", 0, 0)]
    # and the sheet itself refuses a body that would run past the last row, rather than drop rows
    book = OutputBook("comparison")
    ws = book.wb.add_worksheet("Data", worksheet_class=RowsSheet)
    ws.set_body(Body(lambda: [], 1_048_575, 3))
    with pytest.raises(ValueError, match="do not fit"):
        ws.set_body(Body(lambda: [], 1_048_576, 3))


def test_the_comparison_is_streamed_through_a_file_beside_the_output(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, str]] = []
    write_body = RowsSheet._write_body

    def spy(self: RowsSheet, body: Body) -> None:
        seen.append((isinstance(self.fh, io.StringIO), self.tmpdir))
        write_body(self, body)

    monkeypatch.setattr(RowsSheet, "_write_body", spy)
    out = tmp_path / "out" / "comparison.xlsx"
    out.parent.mkdir()
    write_comparison(compile_paths([inbox]), out)
    assert seen and all(not in_memory and tmpdir == str(out.parent) for in_memory, tmpdir in seen)
    assert [p.name for p in out.parent.iterdir()] == ["comparison.xlsx"]  # no temporary file left behind
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"


def test_file_names_are_found_in_texts_among_thousands_of_inputs() -> None:
    """Confidential runs replace file names typed in any text by keys, in one pass per text."""
    files = {f"/in/returned_{n:05d}.xlsx": f"F-{n}" for n in range(10_000)}
    files |= {f"returned_{n:05d}.xlsx": f"F-{n}" for n in range(10_000)}
    files["/in/odd name"] = "F-odd"
    scrub = Scrubber(["Ana Ames"], files)
    text = "see /in/returned_00042.xlsx and returned_09999.xlsx, not returned_1.xlsx; /in/odd name by Ana Ames"
    assert scrub(text) == "see F-42 and F-9999, not returned_1.xlsx; F-odd by [name]"
    start = time.perf_counter()
    for n in range(2_000):
        scrub(f"note {n} without any file name, typed at some length by a rater " * 3)
    assert time.perf_counter() - start < 2.0  # each text is searched for the few endings, not 20,000 names
