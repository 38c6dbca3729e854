"""Respondents' text in what the tool writes: read back exactly as typed by every reader, never
taken for markup, cut to Excel's cell limit (counted in UTF-16 units) with a visible note, and
kept whole in the tidy export; rows never taller than Excel allows.

Expected values are computed here from the typed text and Excel's documented limits, not from
partnersheet's own helpers.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from helpers import cell_of, soffice_convert
from written import CONTROL, ESCAPE, HOSTILE, LONG_EMOJI, LONG_WORDS, written_workbooks

from partnersheet.compile.sheets import CUT_NOTE as COMPARISON_NOTE
from partnersheet.workbook.cells import CUT_NOTE, TextWorkbook, fit_text, write_text

EXCEL_UNITS = 32767
EXCEL_ROW_POINTS = 409
MARKUP_LIKE = [HOSTILE["markup"], HOSTILE["open-markup"], HOSTILE["run-markup"], HOSTILE["rtl"]]


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.fixture(scope="session")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return written_workbooks(tmp_path_factory.mktemp("written"))


def calamine_cells(path: Path | bytes, sheet: str) -> list[Any]:
    book = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path))
        if isinstance(path, bytes)
        else python_calamine.CalamineWorkbook.from_path(str(path))
    )
    return [v for row in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False) for v in row]


def openpyxl_cells(path: Path | bytes, sheet: str) -> list[Any]:
    wb = openpyxl.load_workbook(io.BytesIO(path) if isinstance(path, bytes) else path)
    values = [cell.value for row in wb[sheet].iter_rows() for cell in row]
    wb.close()
    return values


def strings(values: list[Any]) -> set[str]:
    return {v for v in values if isinstance(v, str)}


@pytest.mark.parametrize("sheet", ["Data", "Evidence"])
def test_markup_like_text_reads_back_exactly_from_the_comparison(workbooks: Any, sheet: str) -> None:
    path = workbooks.paths["comparison-hostile"]
    for read in (calamine_cells, openpyxl_cells):
        seen = strings(read(path, sheet))
        missing = [text for text in MARKUP_LIKE if text not in seen]
        assert missing == [], f"{read.__name__} on {sheet}"


def test_a_partnership_named_like_markup_is_shown_on_the_summary(workbooks: Any) -> None:
    path = workbooks.paths["comparison-hostile"]
    for read in (calamine_cells, openpyxl_cells):
        labels = [v for v in strings(read(path, "Summary")) if HOSTILE["markup"] in v]
        assert labels, read.__name__


def test_markup_like_value_reads_back_exactly_from_the_problems_report(workbooks: Any) -> None:
    path = workbooks.paths["problems-report-hostile"]
    for read in (calamine_cells, openpyxl_cells):
        assert HOSTILE["markup"] in strings(read(path, "Problems")), read.__name__


def test_prefilled_identity_and_answers_read_back_exactly(workbooks: Any) -> None:
    path = workbooks.paths["prefilled-hostile"]
    expected = {"partner": HOSTILE["markup"], "rater": HOSTILE["open-markup"], "rater_organization": HOSTILE["markup"]}
    wb = openpyxl.load_workbook(path)
    book = python_calamine.CalamineWorkbook.from_path(str(path))

    def calamine_at(field_id: str) -> Any:
        sheet, ref = cell_of(path, field_id)
        row, col = openpyxl.utils.cell.coordinate_to_tuple(ref)
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)[row - 1][col - 1]

    for field_id, text in expected.items():
        sheet, ref = cell_of(path, field_id)
        assert wb[sheet][ref].value == text
        assert calamine_at(field_id) == text
    # Control characters travel as Excel's _xHHHH_ escapes, which calamine (like Excel) decodes.
    assert calamine_at("overall_comments") == CONTROL + ESCAPE
    wb.close()


def test_control_characters_in_returns_reach_the_data_sheet_exactly(workbooks: Any) -> None:
    seen = strings(calamine_cells(workbooks.paths["comparison-hostile"], "Data"))
    assert CONTROL in seen and ESCAPE in seen


@pytest.mark.parametrize(
    "text",
    ["<r>x & y</r>", "<r><t>a run</t></r>", "<r> edges </r>", "<r>a\x07b _x0041_</r>", "<r>😀</r>"],
)
def test_write_text_keeps_markup_like_text_as_typed(text: str) -> None:
    buffer = io.BytesIO()
    wb = TextWorkbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("T")
    write_text(ws, 0, 0, text, wb.add_format({"bold": True}))
    write_text(ws, 1, 0, "after")
    wb.close()
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        shared = zf.read("xl/sharedStrings.xml").decode()
    assert "<r>" not in shared.replace("&lt;r&gt;", "")
    assert calamine_cells(data, "T") == [text, "after"]
    if "\x07" not in text:  # openpyxl leaves _xHHHH_ escapes undecoded, so control characters differ
        assert openpyxl_cells(data, "T") == [text, "after"]


def test_fit_text_counts_utf16_units_and_never_splits_a_character() -> None:
    exact = "a" * EXCEL_UNITS
    assert fit_text(exact) == exact
    over = "a" * (EXCEL_UNITS - 1) + "😀"  # 32,768 units
    cut = fit_text(over)
    assert units(cut) <= EXCEL_UNITS and cut.endswith(CUT_NOTE)
    assert cut == "a" * (EXCEL_UNITS - units(CUT_NOTE)) + CUT_NOTE
    emoji = "😀" * 16_384  # 32,768 units
    cut = fit_text(emoji)
    kept = (EXCEL_UNITS - units(CUT_NOTE)) // 2
    assert cut == "😀" * kept + CUT_NOTE
    cut.encode("utf-8")  # a lone surrogate would raise here


@pytest.mark.parametrize("sheet", ["Data", "Evidence"])
@pytest.mark.parametrize("typed", ["emoji", "words"])
def test_long_text_is_cut_to_excels_limit_with_a_note(workbooks: Any, sheet: str, typed: str) -> None:
    text = LONG_EMOJI if typed == "emoji" else LONG_WORDS
    room = EXCEL_UNITS - units(COMPARISON_NOTE)
    kept, used = "", 0
    for ch in text:  # whole characters while they fit
        used += 2 if ch == "😀" else 1
        if used > room:
            break
        kept += ch
    expected = kept + COMPARISON_NOTE
    path = workbooks.paths["comparison-hostile"]
    for read in (calamine_cells, openpyxl_cells):
        # (the normalised value of an answer over its length limit is shorter: not this one)
        long = [v for v in strings(read(path, sheet)) if v.startswith(text[:20]) and len(v) > 10_000]
        assert long and all(v == expected for v in long), read.__name__
    assert "tidy data export" in COMPARISON_NOTE


def test_the_tidy_export_keeps_the_whole_text(workbooks: Any) -> None:
    rows = json.loads(workbooks.hostile_tidy.read_text(encoding="utf-8"))
    typed = {row["value_as_typed"] for row in rows}
    assert LONG_EMOJI in typed and LONG_WORDS in typed and HOSTILE["markup"] in typed


def test_no_cell_beyond_excels_limit_and_no_row_taller_than_409_points(workbooks: Any) -> None:
    capped = False
    for kind, path in workbooks.paths.items():
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for value in (v for row in book.get_sheet_by_name(name).to_python() for v in row):
                assert not isinstance(value, str) or units(value) <= EXCEL_UNITS, (kind, name)
        with zipfile.ZipFile(path) as zf:
            for part in (n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")):
                heights = [float(h) for h in re.findall(rb'<row [^>]*\bht="([0-9.]+)"', zf.read(part))]
                assert all(h <= EXCEL_ROW_POINTS for h in heights), (kind, part, max(heights))
                capped |= kind == "comparison-hostile" and EXCEL_ROW_POINTS in heights
    assert capped, "the hostile comparison's long evidence rows stop at 409 points"


@pytest.mark.libreoffice
def test_libreoffice_reads_every_string_after_markup_like_text(workbooks: Any, soffice: str, tmp_path: Path) -> None:
    """The failure seen in LibreOffice: after a malformed string, every later string was blank."""
    out = soffice_convert(soffice, [workbooks.paths["comparison-hostile"]], "xlsx", tmp_path / "lo", tmp_path / "p")
    round_trip = out / "comparison-hostile.xlsx"
    before = calamine_cells(workbooks.paths["comparison-hostile"], "Data")
    after = calamine_cells(round_trip, "Data")
    texts = [v for v in before if isinstance(v, str) and v]
    assert texts and [v for v in after if isinstance(v, str) and v] == texts
    assert set(MARKUP_LIKE) <= set(after) and ESCAPE in after
