"""What the committed samples used to guard only byte for byte, asserted as behaviour.

Text answers keep what is typed (text format), numbers and dates show in their type's format,
the date validation spans the years the validator accepts, the printed partnership table starts
each organization on a new page, and CSV exports neutralise text a spreadsheet would run.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from partnersheet.spec import Template, builtin_templates
from partnersheet.types.parsing import DATE_MAX, DATE_MIN
from partnersheet.workbook.generate import generate_bytes
from partnersheet.workbook.xlsx_out import csv_safe

EXPECTED_FORMATS = {
    "short_text": "@",
    "long_text": "@",
    "currency": '"$"#,##0.00',
    "hours": "0.0",
    "integer": "0",
    "date": "yyyy-mm-dd",
}


@pytest.fixture(scope="module", params=sorted(builtin_templates()))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, Path]:
    template = builtin_templates()[request.param]
    path = tmp_path_factory.mktemp("wb") / f"{template.id}.xlsx"
    path.write_bytes(generate_bytes(template))
    return template, path


def _answer_cells(template: Template, path: Path) -> list[tuple[str, object]]:
    wb = load_workbook(path)
    out = []
    for f in template.fields:
        sheet, ref = wb.defined_names[f.name].attr_text.split("!")
        out.append((f.type, wb[sheet.strip("'")][ref.replace("$", "")]))
    return out


def test_answer_cells_show_their_types_format(built: tuple[Template, Path]) -> None:
    """Text cells are formatted as text, so "1/2" stays "1/2" and "00123" keeps its zeros."""
    template, path = built
    checked = 0
    for ftype, cell in _answer_cells(template, path):
        if ftype in EXPECTED_FORMATS:
            assert cell.number_format == EXPECTED_FORMATS[ftype], (ftype, cell.coordinate)  # type: ignore[attr-defined]
            checked += 1
    assert checked >= 5


def test_answer_cells_are_unlocked_and_everything_else_is_locked(built: tuple[Template, Path]) -> None:
    template, path = built
    cells = _answer_cells(template, path)
    assert all(not cell.protection.locked for _, cell in cells)  # type: ignore[attr-defined]
    ws = cells[0][1].parent  # type: ignore[attr-defined]
    assert ws.protection.sheet
    answer_refs = {cell.coordinate for _, cell in cells}  # type: ignore[attr-defined]
    others = [c for row in ws.iter_rows() for c in row if c.value is not None and c.coordinate not in answer_refs]
    assert others and all(c.protection.locked for c in others)


def test_date_validation_spans_the_years_the_validator_accepts(built: tuple[Template, Path]) -> None:
    template, path = built
    wb = load_workbook(path)
    dated = [f for f in template.fields if f.kind.dated]
    for f in dated:
        sheet, ref = wb.defined_names[f.name].attr_text.split("!")
        ws = wb[sheet.strip("'")]
        (dv,) = [dv for dv in ws.data_validations.dataValidation if ref.replace("$", "") in dv.sqref]
        epoch = datetime(1899, 12, 30)
        low = (epoch + timedelta(days=float(dv.formula1))).date()
        high = (epoch + timedelta(days=float(dv.formula2))).date()
        assert (dv.type, low, high) == ("date", DATE_MIN, DATE_MAX)
        assert (date(1990, 1, 1), date(2100, 12, 31)) == (DATE_MIN, DATE_MAX)


def test_printed_partnership_table_starts_each_organization_on_a_new_page(tmp_path: Path) -> None:
    template = builtin_templates()["partnership-table"]
    path = tmp_path / "t.xlsx"
    path.write_bytes(generate_bytes(template))
    wb = load_workbook(path)
    (section,) = [s for _, s in template.sections() if s.layout == "blocks"]
    ws = wb[next(sheet.name for sheet in template.sheets if section in sheet.sections)]
    band_rows = [
        c.row for row in ws.iter_rows() for c in row if c.value in {g.label for g in section.groups}
    ]  # each organization's band heading
    breaks = {b.id for b in ws.row_breaks.brk}  # a break after row N starts row N+1 on a new page
    assert len(band_rows) == len(section.groups)
    for band in band_rows[1:]:
        assert band - 1 in breaks, (band, sorted(breaks))
    assert ws.print_title_rows  # the headings repeat on every page
    assert ws.page_setup.orientation == "landscape"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (-2.0, -2.0),  # numbers are numbers, not text
    ],
)
def test_csv_neutralises_text_a_spreadsheet_would_run(typed: object, written: object) -> None:
    assert csv_safe(typed) == written
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_safe(typed)])
    (back,) = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert back == str(written)
